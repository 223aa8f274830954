package io.effnet.model.bigdl;

/**
 * Which implementation {@link EfficientNetBuilder} uses for the layers where the project has its own, faster
 * than BigDL's on one engine. The choice changes speed and memory, never the function, the parameter names or
 * their shapes: a model file loads into a network built with any choice. Immutable.
 *
 * <p>{@link #forEngine(String)} is what each of BigDL's engines runs fastest (measured with
 * {@code io.effnet.model.bench.TrainingBenchmark}); the builder uses it for this JVM's engine unless told
 * otherwise.
 */
public final class LayerChoice {
  /** The depthwise convolution of every MBConv block ({@code blockNx_dwconv}). */
  public enum Depthwise {
    /**
     * The project's {@code layers.DepthwiseConvolution}: on BigDL's default engine (2 cores, DistriOptimizer,
     * medians of 3-6 runs) B0 trained at 81 instead of 44 images/s at 64x64 (batch 64), 149 instead of 73 at
     * 32x32, 10.9 instead of 7.9 at 224x224 (batch 32), and ran there in a 10 GB heap instead of 20 (BigDL's
     * im2col buffers take about 9 GB).
     */
    DIRECT,
    /**
     * BigDL's {@code SpatialConvolution} with one group per channel: MKL-DNN converts it to its native
     * multi-threaded depthwise convolution.
     */
    BIGDL_GROUPED
  }

  /** The global average pooling of every squeeze-excitation and of the head. */
  public enum GlobalPooling {
    /**
     * The project's {@code layers.GlobalAveragePooling}: on the MKL-DNN engine (where it runs wrapped) it
     * avoids MKL-DNN's slow plane-sized pooling backward: B0 trained at 107 instead of 73 images/s at 64x64 and
     * 10.1 instead of 7.4 at 224x224 there (medians of 3 runs). On the default engine the difference stayed
     * within the run-to-run spread.
     */
    JAVA,
    /** BigDL's {@code SpatialAveragePooling} with global pooling. */
    BIGDL
  }

  /** BigDL's own layers throughout: the reference the project's layers are measured and tested against. */
  public static final LayerChoice BIGDL = new LayerChoice(Depthwise.BIGDL_GROUPED, GlobalPooling.BIGDL);

  private final Depthwise depthwise;
  private final GlobalPooling globalPooling;

  private LayerChoice(Depthwise depthwise, GlobalPooling globalPooling) {
    if (depthwise == null || globalPooling == null) {
      throw new IllegalArgumentException("a layer choice needs both a depthwise and a global-pooling"
          + " implementation, got " + depthwise + " and " + globalPooling);
    }
    this.depthwise = depthwise;
    this.globalPooling = globalPooling;
  }

  public static LayerChoice of(Depthwise depthwise, GlobalPooling globalPooling) {
    return new LayerChoice(depthwise, globalPooling);
  }

  /**
   * The fastest choice for a BigDL engine: {@code mklblas} (BigDL's default engine, one single-threaded
   * replica per core) takes the direct depthwise convolution and BigDL's pooling; {@code mkldnn} takes BigDL's
   * grouped convolution (MKL-DNN's native depthwise) and the Java pooling.
   *
   * @param engineType {@code mklblas} or {@code mkldnn}, as {@link Engine#engineType()} names them
   */
  public static LayerChoice forEngine(String engineType) {
    if ("mklblas".equals(engineType)) {
      return new LayerChoice(Depthwise.DIRECT, GlobalPooling.BIGDL);
    }
    if ("mkldnn".equals(engineType)) {
      return new LayerChoice(Depthwise.BIGDL_GROUPED, GlobalPooling.JAVA);
    }
    throw new IllegalArgumentException("unknown BigDL engine '" + engineType + "': use mklblas or mkldnn");
  }

  /** {@link #forEngine} of the engine this JVM runs (BigDL fixes it per JVM: {@code -Dbigdl.engineType}). */
  public static LayerChoice forThisJvm() {
    return forEngine(Engine.engineType());
  }

  public Depthwise depthwise() {
    return depthwise;
  }

  public GlobalPooling globalPooling() {
    return globalPooling;
  }

  public LayerChoice withDepthwise(Depthwise d) {
    return new LayerChoice(d, globalPooling);
  }

  public LayerChoice withGlobalPooling(GlobalPooling p) {
    return new LayerChoice(depthwise, p);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerChoice && ((LayerChoice) o).depthwise == depthwise
        && ((LayerChoice) o).globalPooling == globalPooling;
  }

  @Override
  public int hashCode() {
    return depthwise.hashCode() * 31 + globalPooling.hashCode();
  }

  /** E.g. {@code depthwise direct, global pooling bigdl}. */
  @Override
  public String toString() {
    return "depthwise " + (depthwise == Depthwise.DIRECT ? "direct" : "bigdl") + ", global pooling "
        + globalPooling.name().toLowerCase(java.util.Locale.ROOT);
  }
}
