package io.effnet.model.bench;

import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.LayerChoice;
import java.util.Locale;

/**
 * One benchmark configuration: which network at which input size and batch, how many steps to discard and to
 * time, on how many cores, through which BigDL training path. Immutable; build with {@link #builder()}.
 *
 * <p>The training hyper-parameters are those of the project's training job (SGD with momentum, L2 weight
 * decay on conv and dense weights, the reference's batch-norm decay); they do not change the cost of a step
 * beyond the momentum and decay terms, which the job pays too.
 */
public final class BenchmarkSettings {
  /** SGD learning rate of the timed steps (any positive value costs the same). */
  public static final double LEARNING_RATE = 0.01;
  public static final double MOMENTUM = 0.9;
  /** The TF reference's weight decay: the L2 regularisers add their term to every conv and dense gradient. */
  public static final double WEIGHT_DECAY = 1e-5;

  private final String variant;
  /** Width and depth coefficients replacing the variant's (a custom member of the family); 0: the variant's. */
  private final double width;
  private final double depth;
  private final int inputSize;
  private final int batchSize;
  private final int numClasses;
  private final int warmupIterations;
  private final int measuredIterations;
  private final int cores;
  private final TrainingPath path;
  /** Null: the builder's choice for the engine. */
  private final LayerChoice.Depthwise depthwise;
  /** Null: the builder's choice for the engine. */
  private final LayerChoice.GlobalPooling globalPooling;
  private final boolean uncompressedGradients;

  private BenchmarkSettings(Builder b) {
    this.variant = b.variant;
    this.width = b.width;
    this.depth = b.depth;
    this.inputSize = b.inputSize;
    this.batchSize = b.batchSize;
    this.numClasses = b.numClasses;
    this.warmupIterations = b.warmupIterations;
    this.measuredIterations = b.measuredIterations;
    this.cores = b.cores;
    this.path = b.path;
    this.depthwise = b.depthwise;
    this.globalPooling = b.globalPooling;
    this.uncompressedGradients = b.uncompressedGradients;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    return new Builder().variant(variant).width(width).depth(depth).inputSize(inputSize).batchSize(batchSize)
        .numClasses(numClasses)
        .warmupIterations(warmupIterations).measuredIterations(measuredIterations).cores(cores).path(path)
        .depthwise(depthwise).globalPooling(globalPooling)
        .uncompressedGradients(uncompressedGradients);
  }

  /** Published variant name, b0..b7. */
  public String variant() { return variant; }
  public int inputSize() { return inputSize; }
  /** Images per training step over all cores (BigDL splits it evenly, one replica per core). */
  public int batchSize() { return batchSize; }
  public int numClasses() { return numClasses; }
  /** Steps run first and not timed (JIT compilation, MKL-DNN primitive creation, buffer allocation). */
  public int warmupIterations() { return warmupIterations; }
  /** Steps timed; the reported figure is their median. */
  public int measuredIterations() { return measuredIterations; }
  public int cores() { return cores; }
  public TrainingPath path() { return path; }
  /**
   * The depthwise convolution asked for ({@code --depthwise}), or null for the builder's choice for the engine
   * ({@link LayerChoice#forEngine}).
   */
  public LayerChoice.Depthwise depthwise() { return depthwise; }
  /** The global average pooling asked for ({@code --global-pool}), or null for the builder's choice. */
  public LayerChoice.GlobalPooling globalPooling() { return globalPooling; }

  /** The layers the network is built with on {@code engine}: the builder's choice there, with what was asked. */
  public LayerChoice layers(String engine) {
    LayerChoice choice = LayerChoice.forEngine(engine);
    if (depthwise != null) {
      choice = choice.withDepthwise(depthwise);
    }
    if (globalPooling != null) {
      choice = choice.withGlobalPooling(globalPooling);
    }
    return choice;
  }
  /**
   * Whether DistriOptimizer exchanges weights and gradients as plain floats ({@code setCompressType("none")})
   * instead of its default fp16.
   */
  public boolean uncompressedGradients() { return uncompressedGradients; }

  public int totalIterations() {
    return warmupIterations + measuredIterations;
  }

  /** The resolved architecture at this input size and class count. */
  public NetworkSpec spec() {
    Variant v = Variant.published(variant);
    if (width > 0 || depth > 0) {
      v = new Variant("custom", width > 0 ? width : v.widthCoefficient(), depth > 0 ? depth : v.depthCoefficient(),
          v.resolution(), v.dropoutRate(), v.dropConnectRate());
    }
    return NetworkSpec.resolve(v, numClasses, inputSize);
  }

  /**
   * E.g. {@code b0 224x224 batch 32}, with {@code depthwise-direct} / {@code depthwise-bigdl} and
   * {@code global-pool-java} / {@code global-pool-bigdl} when asked for.
   */
  public String describe() {
    return variant + (width > 0 ? " width " + width : "") + (depth > 0 ? " depth " + depth : "")
        + " " + inputSize + "x" + inputSize + " batch " + batchSize
        + (depthwise == null ? "" : " depthwise-" + optionValue(depthwise))
        + (globalPooling == null ? "" : " global-pool-" + optionValue(globalPooling))
        + (uncompressedGradients ? " uncompressed" : "");
  }

  /** The {@code --depthwise} value: {@code direct} or {@code bigdl}. */
  static String optionValue(LayerChoice.Depthwise d) {
    return d == LayerChoice.Depthwise.DIRECT ? "direct" : "bigdl";
  }

  /** The {@code --global-pool} value: {@code java} or {@code bigdl}. */
  static String optionValue(LayerChoice.GlobalPooling p) {
    return p.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return describe() + ", " + numClasses + " classes, " + cores + " cores, " + path.optionName() + ", warm-up "
        + warmupIterations + ", measured " + measuredIterations;
  }

  public static final class Builder {
    private String variant = "b0";
    private double width;
    private double depth;
    private int inputSize = 224;
    private int batchSize = 32;
    private int numClasses = 1000;
    private int warmupIterations = 2;
    private int measuredIterations = 5;
    private int cores = 2;
    private TrainingPath path = TrainingPath.DISTRI;
    private LayerChoice.Depthwise depthwise;
    private LayerChoice.GlobalPooling globalPooling;
    private boolean uncompressedGradients;

    private Builder() {}

    public Builder variant(String v) { this.variant = v; return this; }
    /** Width coefficient instead of the variant's (0: the variant's). */
    public Builder width(double v) { this.width = v; return this; }
    /** Depth coefficient instead of the variant's (0: the variant's). */
    public Builder depth(double v) { this.depth = v; return this; }
    public Builder inputSize(int v) { this.inputSize = v; return this; }
    public Builder batchSize(int v) { this.batchSize = v; return this; }
    public Builder numClasses(int v) { this.numClasses = v; return this; }
    public Builder warmupIterations(int v) { this.warmupIterations = v; return this; }
    public Builder measuredIterations(int v) { this.measuredIterations = v; return this; }
    public Builder cores(int v) { this.cores = v; return this; }
    public Builder path(TrainingPath v) { this.path = v; return this; }
    /** Null: the builder's choice for the engine. */
    public Builder depthwise(LayerChoice.Depthwise v) { this.depthwise = v; return this; }
    /** Null: the builder's choice for the engine. */
    public Builder globalPooling(LayerChoice.GlobalPooling v) { this.globalPooling = v; return this; }
    public Builder uncompressedGradients(boolean v) { this.uncompressedGradients = v; return this; }

    public BenchmarkSettings build() {
      if (variant == null) {
        throw new BenchmarkException("variant is not set");
      }
      try {
        Variant.published(variant);
      } catch (IllegalArgumentException e) {
        throw new BenchmarkException("unknown variant '" + variant + "': use one of b0..b7", e);
      }
      require(width >= 0 && depth >= 0, "width and depth must be > 0 (0: the variant's), got " + width + ", " + depth);
      require(inputSize >= 32, "input size must be at least 32 (five stride-2 stages), got " + inputSize);
      require(cores >= 1, "cores must be >= 1, got " + cores);
      require(batchSize >= cores && batchSize % cores == 0, "batch size must be a positive multiple of the "
          + cores + " cores (BigDL gives every core batch / cores images), got " + batchSize);
      require(numClasses >= 2, "classes must be >= 2, got " + numClasses);
      require(warmupIterations >= 0, "warm-up iterations must be >= 0, got " + warmupIterations);
      require(measuredIterations >= 1, "measured iterations must be >= 1, got " + measuredIterations);
      if (path == null) {
        throw new BenchmarkException("training path is not set");
      }
      return new BenchmarkSettings(this);
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new BenchmarkException(message);
      }
    }
  }
}
