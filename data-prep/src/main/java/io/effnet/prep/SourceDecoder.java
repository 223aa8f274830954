package io.effnet.prep;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import java.awt.image.BufferedImage;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes a source file's bytes (JPEG incl. greyscale/CMYK/YCCK, PNG incl. 16-bit/alpha/palette, BMP,
 * GIF first frame) into 1- or 3-channel pixels, refusing what should not become a training image:
 * unknown content, truncated data, more pixels than allowed (checked from the header, before the
 * raster is allocated) and anything the decoder rejects.
 *
 * <p>JPEG goes through TwelveMonkeys' reader (it handles CMYK/YCCK and Adobe JPEGs the JDK's reader
 * refuses, delegating ordinary ones to the JDK's libjpeg). It is instantiated from its provider class
 * directly rather than found through ImageIO's registry, whose service scan may have run before the
 * application jar was on an executor's class loader.
 */
final class SourceDecoder {
    private static final ImageReaderSpi JPEG_SPI = twelveMonkeysJpeg();

    /** One reader per format per thread: ImageIO readers are stateful and not thread-safe. */
    private static final ThreadLocal<Map<SourceFormat, ReaderWithWarnings>> READERS =
            new ThreadLocal<Map<SourceFormat, ReaderWithWarnings>>() {
                @Override
                protected Map<SourceFormat, ReaderWithWarnings> initialValue() {
                    return new EnumMap<>(SourceFormat.class);
                }
            };

    static {
        ImageIO.setUseCache(false);
    }

    private SourceDecoder() {
    }

    /** A decoded source: its format and original size, and its pixels (not yet resized). */
    static final class SourceImage {
        final SourceFormat format;
        final int width;
        final int height;
        final DecodedImage pixels;

        SourceImage(SourceFormat format, int width, int height, DecodedImage pixels) {
            this.format = format;
            this.width = width;
            this.height = height;
            this.pixels = pixels;
        }
    }

    private static final class ReaderWithWarnings implements IIOReadWarningListener {
        final ImageReader reader;
        final List<String> warnings = new ArrayList<>();

        ReaderWithWarnings(ImageReader reader) {
            this.reader = reader;
            reader.addIIOReadWarningListener(this);
        }

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            warnings.add(warning);
        }
    }

    static SourceImage decode(byte[] bytes, long maxPixels) throws BadImageException {
        if (bytes.length == 0) {
            throw new BadImageException(BadReason.EMPTY_FILE, "file has 0 bytes");
        }
        SourceFormat format = SourceFormat.sniff(bytes);
        if (format == null) {
            throw new BadImageException(BadReason.UNKNOWN_FORMAT, "content is not JPEG, PNG, BMP or GIF (starts with "
                    + hexPrefix(bytes) + ")");
        }
        String missing = TruncationCheck.missingEnd(format, bytes);
        if (missing != null) {
            throw new BadImageException(BadReason.TRUNCATED, missing);
        }
        ReaderWithWarnings rw = reader(format);
        ImageReader reader = rw.reader;
        rw.warnings.clear();
        try {
            reader.setInput(new ByteArrayImageInputStream(bytes), true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w < 1 || h < 1) {
                throw new BadImageException(BadReason.CORRUPT, "header gives size " + w + "x" + h);
            }
            if ((long) w * h > maxPixels) {
                throw new BadImageException(BadReason.TOO_MANY_PIXELS, w + "x" + h + " = " + ((long) w * h)
                        + " pixels exceeds maxPixels " + maxPixels);
            }
            ImageReadParam param = reader.getDefaultReadParam();
            BufferedImage img = reader.read(0, param);
            for (String warning : rw.warnings) {
                String lw = warning.toLowerCase(Locale.ROOT);
                if (lw.contains("truncat") || lw.contains("premature") || lw.contains("eoi")) {
                    throw new BadImageException(BadReason.TRUNCATED, "decoder warning: " + warning);
                }
            }
            if (img.getWidth() != w || img.getHeight() != h) {
                throw new BadImageException(BadReason.CORRUPT, "decoded " + img.getWidth() + "x" + img.getHeight()
                        + " but the header says " + w + "x" + h);
            }
            return new SourceImage(format, w, h, PixelConversion.toPixels(img));
        } catch (EOFException e) {
            throw endOfData(format, e);
        } catch (IIOException e) {
            if (e.getCause() instanceof EOFException) {
                throw endOfData(format, e);
            }
            throw new BadImageException(BadReason.CORRUPT, describe(e));
        } catch (IOException | RuntimeException e) {
            throw new BadImageException(BadReason.CORRUPT, describe(e));
        } finally {
            reader.setInput(null);
            rw.warnings.clear();
        }
    }

    /**
     * The decoder ran out of data. For JPEG, PNG and GIF the structural check already saw the end marker,
     * so the content itself is inconsistent (e.g. a segment claims more bytes than it has): corrupt.
     */
    private static BadImageException endOfData(SourceFormat format, Exception e) {
        if (format == SourceFormat.BMP) {
            return new BadImageException(BadReason.TRUNCATED, "data ends early: " + describe(e));
        }
        return new BadImageException(BadReason.CORRUPT, "decoder ran out of data inside the image: " + describe(e));
    }

    private static ReaderWithWarnings reader(SourceFormat format) {
        Map<SourceFormat, ReaderWithWarnings> map = READERS.get();
        ReaderWithWarnings rw = map.get(format);
        if (rw == null) {
            ImageReader r;
            if (format == SourceFormat.JPEG) {
                try {
                    r = JPEG_SPI.createReaderInstance(null);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot create the TwelveMonkeys JPEG reader", e);
                }
            } else {
                r = ImageCodec.jdkReader(format.key());
            }
            rw = new ReaderWithWarnings(r);
            map.put(format, rw);
        }
        return rw;
    }

    /** The registered TwelveMonkeys provider, registering one if the service scan missed it. */
    private static ImageReaderSpi twelveMonkeysJpeg() {
        IIORegistry registry = IIORegistry.getDefaultInstance();
        JPEGImageReaderSpi spi = registry.getServiceProviderByClass(JPEGImageReaderSpi.class);
        if (spi == null) {
            spi = new JPEGImageReaderSpi();
            // Registration runs onRegistration, which links the provider to the JDK's JPEG reader it delegates to.
            registry.registerServiceProvider(spi, ImageReaderSpi.class);
        }
        return spi;
    }

    private static String describe(Throwable e) {
        String msg = e.getMessage();
        String s = e.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null) {
            s += " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static String hexPrefix(byte[] b) {
        StringBuilder sb = new StringBuilder("0x");
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
