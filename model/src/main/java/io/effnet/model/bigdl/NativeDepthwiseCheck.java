package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.mkl.Memory;
import com.intel.analytics.bigdl.nn.Graph$;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import scala.collection.JavaConverters;

/**
 * Runs one depthwise convolution configuration through MKL-DNN (BigDL's grouped {@code SpatialConvolution} in an
 * IR graph, as {@link MklDnn}'s graphs convert it) and through the project's {@link DepthwiseConvolution} on the
 * same random weights, input and output gradient, and compares output, input gradient and weight gradient.
 *
 * <p>Why: BigDL 0.13's bundled MKL-DNN computes wrong weight gradients (values up to 1e38) for some depthwise
 * configurations on this machine while outputs and input gradients are right; which ones depends on the
 * input size, stride and kernel (see {@link MklDnn}). Checking the configurations a network has, in the JVM that
 * converts it, finds them wherever MKL-DNN's kernels misbehave. Needs the MKL-DNN engine in this JVM.
 */
public final class NativeDepthwiseCheck {
  /** Largest |difference| / largest |reference value| accepted; float rounding stays below 1e-5 here. */
  static final double TOLERANCE = 1e-3;

  private final double output;
  private final double gradInput;
  private final double gradWeight;

  private NativeDepthwiseCheck(double output, double gradInput, double gradWeight) {
    this.output = output;
    this.gradInput = gradInput;
    this.gradWeight = gradWeight;
  }

  /** Relative differences (|MKL-DNN - direct| max / |direct| max) of output, input gradient, weight gradient. */
  public double output() { return output; }
  public double gradInput() { return gradInput; }
  public double gradWeight() { return gradWeight; }

  /** Whether every difference is within {@link #TOLERANCE} and MKL-DNN's values are finite. */
  public boolean agrees() {
    return output <= TOLERANCE && gradInput <= TOLERANCE && gradWeight <= TOLERANCE;
  }

  /**
   * @param batch samples of the random input (1 or more)
   * @throws IllegalStateException if this JVM does not run the MKL-DNN engine
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static NativeDepthwiseCheck run(int channels, int kernel, int stride, int inputSize, int batch, long seed) {
    if (!MklDnn.engineActive()) {
      throw new IllegalStateException("the native depthwise check needs BigDL's MKL-DNN engine in this JVM"
          + " (-Dbigdl.engineType=mkldnn)");
    }
    Random random = new Random(seed);
    DepthwiseConvolution direct = new DepthwiseConvolution(channels, kernel, stride, null);
    fill(direct.weight(), random);
    SpatialConvolution<Float> grouped = Layers.groupedSharing(
        new DepthwiseConvolution(channels, kernel, stride, null));
    grouped.weight().copy(direct.weight());
    AbstractModule<Activity, Activity, Float> ir = irGraphOf(grouped);
    ir.training();
    direct.training();

    int out = (inputSize + stride - 1) / stride;
    float[] x = gaussian(random, batch * channels * inputSize * inputSize);
    float[] g = gaussian(random, batch * channels * out * out);
    int[] inShape = {batch, channels, inputSize, inputSize};
    int[] outShape = {batch, channels, out, out};

    direct.zeroGradParameters();
    float[] y0 = values(direct.forward(BigDL.tensor(x.clone(), inShape)));
    float[] gi0 = values(direct.backward(BigDL.tensor(x.clone(), inShape), BigDL.tensor(g.clone(), outShape)));
    float[] gw0 = values(direct.gradWeight());

    ir.zeroGradParameters();
    float[] y1 = values(ir.forward(BigDL.tensor(x.clone(), inShape)).toTensor(BigDL.numeric()));
    float[] gi1 = values(ir.backward(BigDL.tensor(x.clone(), inShape), BigDL.tensor(g.clone(), outShape))
        .toTensor(BigDL.numeric()));
    float[] gw1 = values(ir.parameters()._2()[0]);
    ir.release();
    return new NativeDepthwiseCheck(relative(y0, y1), relative(gi0, gi1), relative(gw0, gw1));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static AbstractModule<Activity, Activity, Float> irGraphOf(SpatialConvolution<Float> conv) {
    Node input = com.intel.analytics.bigdl.nn.Input$.MODULE$.apply("input", BigDL.tag(), BigDL.numeric());
    Node node = ((AbstractModule) conv).inputs(new Node[] {input});
    StaticGraph<Float> graph = (StaticGraph<Float>) Graph$.MODULE$.apply(new Node[] {input}, new Node[] {node},
        scala.Option.empty(), BigDL.tag(), BigDL.numeric());
    scala.collection.Seq<Object> nchw = JavaConverters.asScalaBufferConverter(
        Arrays.<Object>asList(Memory.Format.nchw)).asScala();
    graph.setInputFormats(nchw);
    graph.setOutputFormats(nchw);
    return (AbstractModule) graph.toIRgraph();
  }

  private static void fill(Tensor<Float> t, Random random) {
    float[] v = gaussian(random, (int) t.nElement());
    t.copy(BigDL.tensor(v, t.size()));
  }

  private static float[] gaussian(Random random, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[(int) c.nElement()];
    float[] data = (float[]) (Object) c.storage().array();
    System.arraycopy(data, c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /** max |a - b| / max |a|; infinite when b has a non-finite value or the sizes differ. */
  private static double relative(float[] reference, float[] actual) {
    if (reference.length != actual.length) {
      return Double.POSITIVE_INFINITY;
    }
    double worst = 0;
    double scale = 0;
    for (int i = 0; i < reference.length; i++) {
      if (!Float.isFinite(actual[i])) {
        return Double.POSITIVE_INFINITY;
      }
      worst = Math.max(worst, Math.abs(reference[i] - actual[i]));
      scale = Math.max(scale, Math.abs(reference[i]));
    }
    return scale == 0 ? worst : worst / scale;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "output %.2g, input gradient %.2g, weight gradient %.2g (relative)", output,
        gradInput, gradWeight);
  }
}
