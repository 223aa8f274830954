package io.effnet.prep;

import java.io.Serializable;

/** A skipped source file as listed in the report. */
public final class BadFile implements Serializable, Comparable<BadFile> {
    private static final long serialVersionUID = 2L;
    private final String path;
    private final boolean validation;
    private final BadReason reason;
    private final String detail;

    public BadFile(String path, boolean validation, BadReason reason, String detail) {
        this.path = path;
        this.validation = validation;
        this.reason = reason;
        this.detail = detail;
    }

    /**
     * Path relative to the root of its split's input (manifest entry as written). With separate train and
     * validation inputs the same path may name one file in each; {@link #validation()} tells which.
     */
    public String path() {
        return path;
    }

    /** True if the file was meant for the validation split. */
    public boolean validation() {
        return validation;
    }

    /** "train" or "validation", as in the report. */
    public String split() {
        return validation ? ShardSchema.VALIDATION_DIR : ShardSchema.TRAIN_DIR;
    }

    public BadReason reason() {
        return reason;
    }

    /** What the check or decoder said. */
    public String detail() {
        return detail;
    }

    /** By path, then train before validation. */
    @Override
    public int compareTo(BadFile o) {
        int c = path.compareTo(o.path);
        return c != 0 ? c : Boolean.compare(validation, o.validation);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BadFile)) {
            return false;
        }
        BadFile b = (BadFile) o;
        return path.equals(b.path) && validation == b.validation && reason == b.reason
                && java.util.Objects.equals(detail, b.detail);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(path, validation, reason, detail);
    }

    @Override
    public String toString() {
        return path + (validation ? " [validation]" : "") + " (" + reason.key() + ": " + detail + ")";
    }
}
