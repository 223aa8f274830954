package io.effnet.model.bench;

/** A benchmark that cannot run as asked: a bad option, an engine mismatch, a failed conversion. */
public final class BenchmarkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BenchmarkException(String message) {
    super(message);
  }

  public BenchmarkException(String message, Throwable cause) {
    super(message, cause);
  }
}
