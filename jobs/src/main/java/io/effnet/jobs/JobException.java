package io.effnet.jobs;

/**
 * A failure the user can act on: bad configuration, missing or unusable data, a destination that cannot
 * be written. The entry point prints its message as one line and exits with its code.
 */
public class JobException extends RuntimeException {
  /** Exit codes, documented in the README. */
  public static final int USAGE = 2;
  public static final int CONFIG = 3;
  public static final int DATA = 4;
  public static final int FAILED = 5;

  private final int exitCode;

  public JobException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public JobException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  public static JobException config(String message) {
    return new JobException(CONFIG, message);
  }

  public static JobException data(String message) {
    return new JobException(DATA, message);
  }
}
