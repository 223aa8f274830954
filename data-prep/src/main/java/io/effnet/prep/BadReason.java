package io.effnet.prep;

import java.util.Locale;

/** Why a source file was skipped. Reported by {@link #key()} in prep-report.json. */
public enum BadReason {
    /** Zero bytes. */
    EMPTY_FILE,
    /** Larger than any image of at most maxPixels pixels can reasonably be; not read. */
    FILE_TOO_LARGE,
    /** The content is not JPEG, PNG, BMP or GIF (text, random bytes, another format), whatever the name says. */
    UNKNOWN_FORMAT,
    /** The data ends before the image does (e.g. a JPEG without its EOI marker after the last scan). */
    TRUNCATED,
    /** The decoder rejected the data. */
    CORRUPT,
    /** width * height from the header exceeds maxPixels (decompression-bomb guard); the raster was not decoded. */
    TOO_MANY_PIXELS,
    /** The file system could not read the file (permissions, vanished, I/O error). */
    UNREADABLE;

    /** Lower-case name used in the report, e.g. "too_many_pixels". */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
