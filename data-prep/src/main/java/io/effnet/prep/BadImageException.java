package io.effnet.prep;

/** A source file that cannot become a shard row; carries the reason counted in the report. */
public final class BadImageException extends Exception {
    private static final long serialVersionUID = 1L;
    private final BadReason reason;

    BadImageException(BadReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public BadReason reason() {
        return reason;
    }
}
