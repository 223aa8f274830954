package io.effnet.model.bench;

import java.util.Locale;

/** Which BigDL code drives the timed training steps. */
public enum TrainingPath {
  /**
   * BigDL's DistriOptimizer on a Spark {@code local[cores]} context: the path the project's training job
   * takes ({@code DistributedTrainer}), including the per-iteration Spark jobs and the parameter exchange
   * through the block manager (fp16-compressed gradients) that a single machine still pays for.
   */
  DISTRI,
  /**
   * BigDL's LocalOptimizer, no Spark: the same replica-per-core forward/backward, gradients summed in
   * memory. The difference to {@link #DISTRI} is the cost of the Spark machinery.
   */
  LOCAL;

  /** The command-line spelling: {@code distri} or {@code local}. */
  public String optionName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TrainingPath parse(String name) {
    for (TrainingPath p : values()) {
      if (p.optionName().equals(name)) {
        return p;
      }
    }
    throw new BenchmarkException("unknown training path '" + name + "': use distri or local");
  }
}
