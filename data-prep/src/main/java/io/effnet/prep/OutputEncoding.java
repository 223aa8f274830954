package io.effnet.prep;

import java.io.Serializable;
import java.util.Locale;

/**
 * How the resized pixels are stored in the shard's {@code image} column. See {@link ImageCodec} for
 * the byte layouts (JPEG and PNG are standard files; RAW is this module's own small header + HWC uint8).
 */
public final class OutputEncoding implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Format { JPEG, PNG, RAW }

    public static final int DEFAULT_JPEG_QUALITY = 95;

    private final Format format;
    private final int jpegQuality;

    private OutputEncoding(Format format, int jpegQuality) {
        this.format = format;
        this.jpegQuality = jpegQuality;
    }

    public static OutputEncoding jpeg() {
        return jpeg(DEFAULT_JPEG_QUALITY);
    }

    public static OutputEncoding jpeg(int quality) {
        if (quality < 1 || quality > 100) {
            throw new PrepException("JPEG quality must be in 1..100, got " + quality);
        }
        return new OutputEncoding(Format.JPEG, quality);
    }

    public static OutputEncoding png() {
        return new OutputEncoding(Format.PNG, 0);
    }

    public static OutputEncoding raw() {
        return new OutputEncoding(Format.RAW, 0);
    }

    /** Parses {@code jpeg}, {@code jpeg:90}, {@code png} or {@code raw}. */
    public static OutputEncoding parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("jpeg") || t.equals("jpg")) {
            return jpeg();
        }
        if (t.startsWith("jpeg:") || t.startsWith("jpg:")) {
            try {
                return jpeg(Integer.parseInt(t.substring(t.indexOf(':') + 1)));
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        if (t.equals("png")) {
            return png();
        }
        if (t.equals("raw")) {
            return raw();
        }
        throw new PrepException("cannot parse encoding '" + text + "': use 'jpeg', 'jpeg:<quality 1-100>', 'png' or 'raw'");
    }

    public Format format() {
        return format;
    }

    /** JPEG quality 1..100 for {@link Format#JPEG}; 0 otherwise. */
    public int jpegQuality() {
        return jpegQuality;
    }

    /** The value stored in the shard's {@code encoding} column: "jpeg", "png" or "raw". */
    public String columnValue() {
        return format.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return format == Format.JPEG ? "jpeg:" + jpegQuality : columnValue();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OutputEncoding && o.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
