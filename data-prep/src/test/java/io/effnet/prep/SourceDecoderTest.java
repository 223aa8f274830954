package io.effnet.prep;

import org.junit.jupiter.api.Test;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceDecoderTest {
    private static final long MAX_PIXELS = 1_000_000;

    private static BadReason reasonFor(byte[] bytes, long maxPixels) {
        BadImageException e = assertThrows(BadImageException.class, () -> SourceDecoder.decode(bytes, maxPixels));
        return e.reason();
    }

    @Test
    void zeroBytesIsEmpty() {
        assertEquals(BadReason.EMPTY_FILE, reasonFor(new byte[0], MAX_PIXELS));
    }

    @Test
    void randomBytesAndTextAreUnknownFormat() {
        byte[] random = new byte[2048];
        new Random(1).nextBytes(random);
        random[0] = 0x12;
        assertEquals(BadReason.UNKNOWN_FORMAT, reasonFor(random, MAX_PIXELS));
        byte[] text = "<html><body>404 not found</body></html>\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(BadReason.UNKNOWN_FORMAT, reasonFor(text, MAX_PIXELS));
    }

    @Test
    void jpegCutToAThirdIsTruncated() {
        byte[] jpeg = TestImages.jpeg(TestImages.gradient(64, 48, 120, 80, 40), 90);
        byte[] third = Arrays.copyOf(jpeg, jpeg.length / 3);
        assertEquals(BadReason.TRUNCATED, reasonFor(third, MAX_PIXELS));
        // Cut just before the EOI marker: the whole scan is there but the end is not.
        byte[] noEoi = Arrays.copyOf(jpeg, jpeg.length - 2);
        assertEquals(BadReason.TRUNCATED, reasonFor(noEoi, MAX_PIXELS));
        assertTrue(TruncationCheck.jpegReachesEoi(jpeg));
    }

    @Test
    void jpegWithTrailingDataAfterEoiIsAccepted() throws Exception {
        byte[] jpeg = TestImages.jpeg(TestImages.gradient(32, 32, 120, 80, 40), 90);
        byte[] trailer = new byte[jpeg.length + 500];
        System.arraycopy(jpeg, 0, trailer, 0, jpeg.length);
        Arrays.fill(trailer, jpeg.length, trailer.length, (byte) 0x5A);
        assertEquals(32, SourceDecoder.decode(trailer, MAX_PIXELS).width);
    }

    @Test
    void truncatedPngGifAndBmpAreTruncated() {
        byte[] png = TestImages.encode(TestImages.gradient(40, 40, 100, 100, 100), "png");
        assertEquals(BadReason.TRUNCATED, reasonFor(Arrays.copyOf(png, png.length / 2), MAX_PIXELS));
        byte[] gif = TestImages.encode(TestImages.gradient(40, 40, 100, 100, 100), "gif");
        assertEquals(BadReason.TRUNCATED, reasonFor(Arrays.copyOf(gif, gif.length / 2), MAX_PIXELS));
        byte[] bmp = TestImages.encode(TestImages.gradient(40, 40, 100, 100, 100), "bmp");
        assertEquals(BadReason.TRUNCATED, reasonFor(Arrays.copyOf(bmp, bmp.length / 2), MAX_PIXELS));
    }

    @Test
    void jpegWithDamagedHuffmanTableIsCorrupt() {
        byte[] jpeg = TestImages.jpeg(TestImages.gradient(32, 32, 120, 80, 40), 90);
        int dht = -1;
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC4) {
                dht = i;
                break;
            }
        }
        assertTrue(dht > 0);
        // The 16 code-length counts of the first table: all 0xFF claims far more codes than the segment holds.
        Arrays.fill(jpeg, dht + 5, dht + 5 + 16, (byte) 0xFF);
        assertEquals(BadReason.CORRUPT, reasonFor(jpeg, MAX_PIXELS));
    }

    @Test
    void pixelLimitIsCheckedFromTheHeaderBeforeDecoding() throws Exception {
        byte[] png = TestImages.encode(TestImages.gradient(64, 64, 10, 20, 30), "png");
        assertEquals(BadReason.TOO_MANY_PIXELS, reasonFor(png, 64 * 64 - 1));
        assertEquals(64, SourceDecoder.decode(png, 64 * 64).width);
        // A PNG header claiming 100000 x 100000 with almost no data: refused from the header alone
        // (decoding would need 10^10 pixels of memory).
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] small = PngCodec.encode(new byte[4], 2, 2, 1, 6);
        b.write(small, 0, small.length);
        byte[] bomb = b.toByteArray();
        PngCodec.putInt(bomb, 16, 100_000);
        PngCodec.putInt(bomb, 20, 100_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(bomb, 12, 17);
        PngCodec.putInt(bomb, 29, (int) crc.getValue());
        assertEquals(BadReason.TOO_MANY_PIXELS, reasonFor(bomb, PrepSettings.DEFAULT_MAX_PIXELS));
    }

    @Test
    void greyscaleJpegKeepsOneChannel() throws Exception {
        SourceDecoder.SourceImage img = SourceDecoder.decode(TestImages.jpeg(TestImages.grey(32, 16, 128), 95), MAX_PIXELS);
        assertEquals(SourceFormat.JPEG, img.format);
        assertEquals(1, img.pixels.channels());
        PrepJobTest.assertNear(128 + 4 - 16, img.pixels.sample(4, 8, 0), 3);
        assertEquals(3, img.pixels.toRgb().channels());
        assertEquals(img.pixels.sample(4, 8, 0), img.pixels.toRgb().sample(4, 8, 2));
    }

    @Test
    void cmykJpegDecodesToRgb() throws Exception {
        byte[] cmyk = cmykJpeg(32, 32);
        SourceDecoder.SourceImage img = SourceDecoder.decode(cmyk, MAX_PIXELS);
        assertEquals(3, img.pixels.channels());
        assertEquals(32, img.width);
        // Pure cyan ink (C=100%, M=Y=K=0) is a cyan-ish colour: little red, much green and blue.
        int r = img.pixels.sample(16, 16, 0);
        int g = img.pixels.sample(16, 16, 1);
        int b = img.pixels.sample(16, 16, 2);
        assertTrue(r < 80 && g > 100 && b > 180, "cyan ink decoded as " + r + "," + g + "," + b);
    }

    @Test
    void sixteenBitPngIsScaledToEightBits() throws Exception {
        BufferedImage grey16 = new BufferedImage(8, 8, BufferedImage.TYPE_USHORT_GRAY);
        grey16.getRaster().setSample(3, 2, 0, 65535);
        grey16.getRaster().setSample(4, 2, 0, 32896); // 128.0 * 257
        SourceDecoder.SourceImage g = SourceDecoder.decode(TestImages.encode(grey16, "png"), MAX_PIXELS);
        assertEquals(1, g.pixels.channels());
        assertEquals(255, g.pixels.sample(3, 2, 0));
        assertEquals(128, g.pixels.sample(4, 2, 0));
        assertEquals(0, g.pixels.sample(0, 0, 0));

        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(6, 4);
        raster.setPixel(1, 1, new int[] {65535, 0, 257 * 100});
        BufferedImage rgb16 = new BufferedImage(cm, raster, false, null);
        SourceDecoder.SourceImage c = SourceDecoder.decode(TestImages.encode(rgb16, "png"), MAX_PIXELS);
        assertEquals(3, c.pixels.channels());
        assertEquals(255, c.pixels.sample(1, 1, 0));
        assertEquals(0, c.pixels.sample(1, 1, 1));
        assertEquals(100, c.pixels.sample(1, 1, 2));
    }

    @Test
    void alphaIsDroppedAndPaletteIsExpanded() throws Exception {
        BufferedImage argb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0x40C81E3C); // alpha 0x40, RGB (200, 30, 60)
        SourceDecoder.SourceImage a = SourceDecoder.decode(TestImages.encode(argb, "png"), MAX_PIXELS);
        assertEquals(3, a.pixels.channels());
        assertEquals(200, a.pixels.sample(1, 1, 0));
        assertEquals(30, a.pixels.sample(1, 1, 1));
        assertEquals(60, a.pixels.sample(1, 1, 2));

        byte[] reds = {0, (byte) 250, 10};
        byte[] greens = {0, 20, (byte) 200};
        byte[] blues = {0, 30, 40};
        IndexColorModel icm = new IndexColorModel(8, 3, reds, greens, blues);
        BufferedImage indexed = new BufferedImage(5, 5, BufferedImage.TYPE_BYTE_INDEXED, icm);
        indexed.getRaster().setSample(2, 3, 0, 1);
        indexed.getRaster().setSample(4, 4, 0, 2);
        // (not BMP: the JDK's BMP writer loses a 3-colour palette's colours on its own round trip)
        for (String format : new String[] {"png", "gif"}) {
            SourceDecoder.SourceImage p = SourceDecoder.decode(TestImages.encode(indexed, format), MAX_PIXELS);
            assertEquals(3, p.pixels.channels(), format);
            assertEquals(250, p.pixels.sample(2, 3, 0), format);
            assertEquals(20, p.pixels.sample(2, 3, 1), format);
            assertEquals(200, p.pixels.sample(4, 4, 1), format);
            assertEquals(0, p.pixels.sample(0, 0, 2), format);
        }
    }

    @Test
    void bmpAndGifDecode() throws Exception {
        BufferedImage src = TestImages.solid(10, 7, 12, 34, 56);
        SourceDecoder.SourceImage bmp = SourceDecoder.decode(TestImages.encode(src, "bmp"), MAX_PIXELS);
        assertEquals(SourceFormat.BMP, bmp.format);
        assertEquals(12, bmp.pixels.sample(9, 6, 0));
        assertEquals(56, bmp.pixels.sample(9, 6, 2));
        SourceDecoder.SourceImage gif = SourceDecoder.decode(TestImages.encode(src, "gif"), MAX_PIXELS);
        assertEquals(SourceFormat.GIF, gif.format);
        assertEquals(7, gif.height);
    }

    /** A 4-component (CMYK) JPEG with an Adobe APP14 marker, as Photoshop writes them: pure cyan ink. */
    static byte[] cmykJpeg(int w, int h) throws Exception {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        // Adobe CMYK JPEGs store inverted ink values (255 = no ink).
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.setPixel(x, y, new int[] {0, 255, 255, 255});
            }
        }
        javax.imageio.ImageWriter writer = ImageCodec.jdkWriter("jpeg");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (javax.imageio.stream.MemoryCacheImageOutputStream out = new javax.imageio.stream.MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] plain = bytes.toByteArray();
        // Insert an Adobe APP14 segment (transform 0 = no colour transform, i.e. CMYK) after SOI.
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] out = new byte[plain.length + app14.length];
        out[0] = plain[0];
        out[1] = plain[1];
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(plain, 2, out, 2 + app14.length, plain.length - 2);
        return out;
    }
}
