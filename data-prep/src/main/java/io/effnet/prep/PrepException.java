package io.effnet.prep;

/**
 * A problem with the user's input, output or settings that the user can fix. The message names the
 * offending thing and says what to do; entry points print it as one line and exit non-zero.
 */
public class PrepException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PrepException(String message) {
        super(message);
    }

    public PrepException(String message, Throwable cause) {
        super(message, cause);
    }
}
