package io.effnet.prep;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageCodecTest {

    static DecodedImage rgbPattern(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3;
                px[o] = (byte) (x * 255 / (w - 1));
                px[o + 1] = (byte) (y * 255 / (h - 1));
                px[o + 2] = (byte) 90;
            }
        }
        return new DecodedImage(w, h, 3, px);
    }

    @Test
    void pngAndRawRoundTripExactly() {
        DecodedImage rgb = rgbPattern(23, 17);
        for (OutputEncoding enc : new OutputEncoding[] {OutputEncoding.png(), OutputEncoding.raw()}) {
            DecodedImage back = ImageCodec.decode(ImageCodec.encode(rgb, enc));
            assertEquals(23, back.width());
            assertEquals(17, back.height());
            assertArrayEquals(rgb.pixels(), back.pixels(), enc.toString());
        }
        byte[] grey = new byte[5 * 4];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (byte) (i * 13);
        }
        DecodedImage g = new DecodedImage(5, 4, 1, grey);
        assertArrayEquals(grey, ImageCodec.decodeStored(ImageCodec.encode(g, OutputEncoding.png())).pixels());
        assertArrayEquals(grey, ImageCodec.decodeStored(ImageCodec.encode(g, OutputEncoding.raw())).pixels());
        DecodedImage expanded = ImageCodec.decode(ImageCodec.encode(g, OutputEncoding.raw()));
        assertEquals(3, expanded.channels());
        assertEquals(grey[7] & 0xFF, expanded.sample(2, 1, 1));
    }

    @Test
    void rawLayoutIsTheDocumentedHeaderThenHwc() {
        DecodedImage rgb = rgbPattern(3, 2);
        byte[] raw = ImageCodec.encode(rgb, OutputEncoding.raw());
        assertEquals(ImageCodec.RAW_HEADER_BYTES + 3 * 2 * 3, raw.length);
        assertEquals(0x89, raw[0] & 0xFF);
        assertEquals('R', raw[1]);
        assertEquals(3, PngCodec.getInt(raw, 4));
        assertEquals(2, PngCodec.getInt(raw, 8));
        assertEquals(3, raw[12]);
        // pixel (x=2, y=1), channel G sits at 13 + (1*3+2)*3 + 1
        assertEquals(rgb.sample(2, 1, 1), raw[13 + (1 * 3 + 2) * 3 + 1] & 0xFF);
    }

    @Test
    void jpegRoundTripStaysWithinTolerance() {
        DecodedImage rgb = rgbPattern(64, 48);
        DecodedImage back = ImageCodec.decode(ImageCodec.encode(rgb, OutputEncoding.jpeg(95)));
        long sumAbs = 0;
        int maxAbs = 0;
        for (int i = 0; i < rgb.pixels().length; i++) {
            int d = Math.abs((rgb.pixels()[i] & 0xFF) - (back.pixels()[i] & 0xFF));
            sumAbs += d;
            maxAbs = Math.max(maxAbs, d);
        }
        double meanAbs = (double) sumAbs / rgb.pixels().length;
        assertEquals(0.0, meanAbs, 2.0, "mean abs error " + meanAbs);
        assertEquals(0, maxAbs, 16, "max abs error " + maxAbs);
    }

    @Test
    void decodesFilesWrittenByOtherEncoders() {
        BufferedImage src = TestImages.solid(9, 5, 10, 200, 30);
        for (String format : new String[] {"png", "bmp"}) {
            DecodedImage d = ImageCodec.decode(TestImages.encode(src, format));
            assertEquals(10, d.sample(8, 4, 0), format);
            assertEquals(200, d.sample(8, 4, 1), format);
            assertEquals(30, d.sample(8, 4, 2), format);
        }
        DecodedImage j = ImageCodec.decode(TestImages.jpeg(src, 95));
        PrepJobTest.assertNear(200, j.sample(4, 2, 1), 4);
    }

    @Test
    void rejectsDamagedBytesWithIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> ImageCodec.decode(new byte[0]));
        byte[] png = ImageCodec.encode(rgbPattern(8, 8), OutputEncoding.png());
        png[png.length / 2] ^= 0x55;
        assertThrows(IllegalArgumentException.class, () -> ImageCodec.decode(png));
        byte[] raw = ImageCodec.encode(rgbPattern(8, 8), OutputEncoding.raw());
        assertThrows(IllegalArgumentException.class, () -> ImageCodec.decode(java.util.Arrays.copyOf(raw, raw.length - 1)));
    }
}
