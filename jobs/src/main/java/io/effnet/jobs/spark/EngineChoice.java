package io.effnet.jobs.spark;

import io.effnet.jobs.JobException;
import java.util.Locale;

/**
 * Which of BigDL's engines a training job runs on, and why: {@code train.engine} ({@code auto}, {@code mklblas} or
 * {@code mkldnn}) decided against what the job needs and what this JVM has already fixed.
 *
 * <p>{@code auto} takes mkldnn, which trained EfficientNet faster here (B0 at 64x64, batch 64: 117 against 86
 * images/s; at 224x224, batch 32: 13.0 against 10.4; Fashion-MNIST benchmark 2548 s against 2907 s, the same test
 * top-1) and repeats bit for bit for a seed as mklblas does; mklblas where MKL-DNN cannot do the job (a frozen
 * backbone: its batch norm has no frozen mode). BigDL reads {@code bigdl.engineType} once per JVM: when it is set
 * before the job (spark-submit {@code --driver-java-options}, a test JVM), {@code auto} follows it, and an explicit
 * engine that differs is a configuration error.
 */
public final class EngineChoice {
  public static final String AUTO = "auto";
  public static final String MKLBLAS = "mklblas";
  public static final String MKLDNN = "mkldnn";
  /** The system property BigDL reads, once per JVM, to pick its engine. */
  public static final String PROPERTY = "bigdl.engineType";

  private final String configured;
  private final String engine;
  private final String reason;

  private EngineChoice(String configured, String engine, String reason) {
    this.configured = configured;
    this.engine = engine;
    this.reason = reason;
  }

  /** {@code train.engine} as configured: auto, mklblas or mkldnn. */
  public String configured() {
    return configured;
  }

  /** mklblas or mkldnn. */
  public String engine() {
    return engine;
  }

  /** Why this engine, for the job's output and report. */
  public String reason() {
    return reason;
  }

  @Override
  public String toString() {
    return engine + " (" + reason + ")";
  }

  /**
   * {@code train.engine}'s value, validated.
   *
   * @throws JobException (configuration) for anything but auto, mklblas or mkldnn
   */
  public static String setting(String configured) {
    if (!AUTO.equals(configured) && !MKLBLAS.equals(configured) && !MKLDNN.equals(configured)) {
      throw JobException.config("effnet.train.engine must be auto (mkldnn where it can train the job, else"
          + " mklblas), mklblas (BigDL's default engine) or mkldnn, got '" + configured + "'");
    }
    return configured;
  }

  /**
   * The engine for a job.
   *
   * @param configured {@code train.engine}: auto, mklblas or mkldnn
   * @param fixedByJvm {@code bigdl.engineType} as set before the job (null: not set), which BigDL will use
   * @param mklBlasOnly why this job cannot run on MKL-DNN (e.g. a frozen backbone), or null if it can
   * @throws JobException (configuration) if the configured engine, the JVM's and the job's needs cannot agree
   */
  public static EngineChoice decide(String configured, String fixedByJvm, String mklBlasOnly) {
    setting(configured);
    String fixed = fixedByJvm == null ? null : fixedByJvm.trim().toLowerCase(Locale.ROOT);
    if (fixed != null && !MKLBLAS.equals(fixed) && !MKLDNN.equals(fixed)) {
      throw JobException.config("the JVM's -D" + PROPERTY + "=" + fixedByJvm + " is not one of BigDL's engines"
          + " (mklblas, mkldnn)");
    }
    if (!AUTO.equals(configured)) {
      if (MKLDNN.equals(configured) && mklBlasOnly != null) {
        throw JobException.config("effnet.train.engine is mkldnn, but " + mklBlasOnly + ": use train.engine = auto or"
            + " mklblas");
      }
      if (fixed != null && !fixed.equals(configured)) {
        throw conflict(configured, fixed);
      }
      return new EngineChoice(configured, configured, "train.engine = " + configured);
    }
    if (fixed != null) {
      if (MKLDNN.equals(fixed) && mklBlasOnly != null) {
        throw JobException.config("this JVM's " + PROPERTY + " is mkldnn (set when it started, or by an earlier"
            + " job in it), but " + mklBlasOnly + ": run the job in a JVM of its own, without -D" + PROPERTY
            + "=mkldnn");
      }
      return new EngineChoice(AUTO, fixed, "train.engine = auto, following this JVM's " + PROPERTY + " = " + fixed);
    }
    if (mklBlasOnly != null) {
      return new EngineChoice(AUTO, MKLBLAS, "train.engine = auto: " + mklBlasOnly);
    }
    return new EngineChoice(AUTO, MKLDNN, "train.engine = auto: MKL-DNN trains EfficientNet faster");
  }

  /** The choice when BigDL turned out to run {@code running} already (its engine object started earlier here). */
  EngineChoice followRunning(String running, String mklBlasOnly) {
    if (!AUTO.equals(configured)) {
      throw conflict(engine, running);
    }
    if (MKLDNN.equals(running) && mklBlasOnly != null) {
      throw JobException.config("BigDL already runs its mkldnn engine in this JVM, but " + mklBlasOnly + ": run the"
          + " job in a JVM of its own");
    }
    return new EngineChoice(AUTO, running, "train.engine = auto, following the " + running + " engine BigDL already runs"
        + " in this JVM");
  }

  private static JobException conflict(String configured, String running) {
    return JobException.config("effnet.train.engine is " + configured + ", but BigDL runs its " + running
        + " engine in this JVM (it reads " + PROPERTY + " once, when it starts): run the job in a JVM of its own,"
        + " start this one with -D" + PROPERTY + "=" + configured + ", or set train.engine = auto");
  }
}
