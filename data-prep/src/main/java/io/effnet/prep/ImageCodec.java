package io.effnet.prep;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;

/**
 * Encodes and decodes the bytes of a shard's {@code image} column. This is what the training input
 * pipeline calls on executors, once per row: {@code DecodedImage rgb = ImageCodec.decode(row.getAs("image"))}.
 *
 * <p>Byte layouts:
 * <ul>
 * <li>{@code jpeg}: a baseline JFIF file (YCbCr 4:2:0, or greyscale), written by the JDK's libjpeg-based writer.</li>
 * <li>{@code png}: an 8-bit greyscale or RGB, non-interlaced PNG file.</li>
 * <li>{@code raw}: a 13-byte header then the pixels: bytes 0-3 the magic {@code 0x89 'R' 'A' 'W'},
 *     4-7 width, 8-11 height (both int32 big-endian), 12 channels (1 = grey, 3 = RGB), then
 *     width*height*channels uint8 samples in row-major HWC order (R, G, B interleaved).</li>
 * </ul>
 * The format is recognised from the bytes, so callers need not look at the {@code encoding} column.
 *
 * <p>Thread-safe: readers and writers are cached per thread (ImageIO objects are not thread-safe and
 * costly to look up per image).
 */
public final class ImageCodec {
    /** Size of the RAW header. */
    public static final int RAW_HEADER_BYTES = 13;
    private static final byte[] RAW_MAGIC = {(byte) 0x89, 'R', 'A', 'W'};
    private static final int PNG_DEFLATE_LEVEL = 6;

    private static final ThreadLocal<ImageReader> JPEG_READER = new ThreadLocal<>();
    private static final ThreadLocal<ImageWriter> JPEG_WRITER = new ThreadLocal<>();

    static {
        // A disk cache per stream is ImageIO's default: pointless and slow for in-memory bytes.
        ImageIO.setUseCache(false);
    }

    private ImageCodec() {
    }

    /** Decodes shard image bytes to 3-channel RGB (greyscale replicated). */
    public static DecodedImage decode(byte[] bytes) {
        return decodeStored(bytes).toRgb();
    }

    /** Decodes shard image bytes keeping the stored channel count (1 for greyscale, 3 for RGB). */
    public static DecodedImage decodeStored(byte[] bytes) {
        if (bytes == null || bytes.length < 4) {
            throw new IllegalArgumentException("image bytes are empty or too short to hold an image");
        }
        if (isRaw(bytes)) {
            return decodeRaw(bytes);
        }
        if (PngCodec.hasSignature(bytes)) {
            DecodedImage img = PngCodec.decodeSimple(bytes);
            return img != null ? img : decodeWithImageIo(bytes);
        }
        if ((bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xD8) {
            return decodeJpeg(bytes);
        }
        return decodeWithImageIo(bytes);
    }

    /** Encodes pixels (1 or 3 channels) in the given encoding. */
    public static byte[] encode(DecodedImage img, OutputEncoding encoding) {
        switch (encoding.format()) {
            case PNG:
                return PngCodec.encode(img.pixels(), img.width(), img.height(), img.channels(), PNG_DEFLATE_LEVEL);
            case RAW:
                return encodeRaw(img);
            default:
                return encodeJpeg(img, encoding.jpegQuality());
        }
    }

    static boolean isRaw(byte[] b) {
        return b.length >= RAW_HEADER_BYTES && b[0] == RAW_MAGIC[0] && b[1] == RAW_MAGIC[1]
                && b[2] == RAW_MAGIC[2] && b[3] == RAW_MAGIC[3];
    }

    static byte[] encodeRaw(DecodedImage img) {
        byte[] px = img.pixels();
        byte[] out = new byte[RAW_HEADER_BYTES + px.length];
        System.arraycopy(RAW_MAGIC, 0, out, 0, 4);
        PngCodec.putInt(out, 4, img.width());
        PngCodec.putInt(out, 8, img.height());
        out[12] = (byte) img.channels();
        System.arraycopy(px, 0, out, RAW_HEADER_BYTES, px.length);
        return out;
    }

    static DecodedImage decodeRaw(byte[] b) {
        int w = PngCodec.getInt(b, 4);
        int h = PngCodec.getInt(b, 8);
        int c = b[12];
        long n = (long) w * h * c;
        if (w < 1 || h < 1 || (c != 1 && c != 3) || RAW_HEADER_BYTES + n != b.length) {
            throw new IllegalArgumentException("raw image header says " + w + "x" + h + "x" + c
                    + " but the data has " + (b.length - RAW_HEADER_BYTES) + " pixel bytes");
        }
        byte[] px = new byte[(int) n];
        System.arraycopy(b, RAW_HEADER_BYTES, px, 0, px.length);
        return new DecodedImage(w, h, c, px);
    }

    private static DecodedImage decodeJpeg(byte[] bytes) {
        ImageReader reader = JPEG_READER.get();
        if (reader == null) {
            reader = jdkReader("jpeg");
            JPEG_READER.set(reader);
        }
        try (MemoryCacheImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            ImageReadParam param = reader.getDefaultReadParam();
            BufferedImage img = reader.read(0, param);
            return PixelConversion.toPixels(img);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode JPEG image bytes: " + e.getMessage(), e);
        } finally {
            reader.setInput(null);
        }
    }

    private static DecodedImage decodeWithImageIo(byte[] bytes) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
            if (img == null) {
                throw new IllegalArgumentException("image bytes are in no format ImageIO can read");
            }
            return PixelConversion.toPixels(img);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode image bytes: " + e.getMessage(), e);
        }
    }

    private static byte[] encodeJpeg(DecodedImage img, int quality) {
        ImageWriter writer = JPEG_WRITER.get();
        if (writer == null) {
            writer = jdkWriter("jpeg");
            JPEG_WRITER.set(writer);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(img.width() * img.height() / 2 + 1024);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality / 100f);
            writer.write(null, new IIOImage(PixelConversion.toBufferedImage(img), null, null), param);
        } catch (IOException e) {
            throw new IllegalStateException("JPEG encoding failed: " + e.getMessage(), e);
        } finally {
            writer.setOutput(null);
        }
        return bytes.toByteArray();
    }

    /**
     * The JDK's own reader for a format (libjpeg-based for JPEG), even when a plugin such as TwelveMonkeys
     * is registered ahead of it: for the files this module writes the JDK reader is enough and faster.
     */
    static ImageReader jdkReader(String format) {
        ImageReader fallback = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format); it.hasNext(); ) {
            ImageReader r = it.next();
            if (r.getClass().getName().startsWith("com.sun.imageio.")) {
                return r;
            }
            if (fallback == null) {
                fallback = r;
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("no ImageIO reader for " + format);
        }
        return fallback;
    }

    static ImageWriter jdkWriter(String format) {
        ImageWriter fallback = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format); it.hasNext(); ) {
            ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.imageio.")) {
                return w;
            }
            if (fallback == null) {
                fallback = w;
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        return fallback;
    }
}
