package io.effnet.prep;

import java.io.Serializable;

/** A skipped source file as listed in the report. */
public final class BadFile implements Serializable, Comparable<BadFile> {
    private static final long serialVersionUID = 1L;
    private final String path;
    private final BadReason reason;
    private final String detail;

    public BadFile(String path, BadReason reason, String detail) {
        this.path = path;
        this.reason = reason;
        this.detail = detail;
    }

    /** Path relative to the input root (manifest entry as written). */
    public String path() {
        return path;
    }

    public BadReason reason() {
        return reason;
    }

    /** What the check or decoder said. */
    public String detail() {
        return detail;
    }

    @Override
    public int compareTo(BadFile o) {
        return path.compareTo(o.path);
    }

    @Override
    public String toString() {
        return path + " (" + reason.key() + ": " + detail + ")";
    }
}
