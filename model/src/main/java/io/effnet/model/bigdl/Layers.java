package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.CAddTable;
import com.intel.analytics.bigdl.nn.InitializationMethod;
import com.intel.analytics.bigdl.nn.Linear;
import com.intel.analytics.bigdl.nn.RandomNormal;
import com.intel.analytics.bigdl.nn.RandomUniform;
import com.intel.analytics.bigdl.nn.Reshape;
import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.Zeros$;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.optim.L2Regularizer;
import com.intel.analytics.bigdl.optim.Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.bigdl.layers.GlobalAveragePooling;
import io.effnet.model.bigdl.layers.FreezableBatchNorm;
import io.effnet.model.bigdl.layers.InvertedDropout;

/**
 * BigDL layer factories with every Scala default argument spelled out once, and the initialisation the TF
 * reference uses ({@code efficientnet_model.conv_kernel_initializer} / {@code dense_kernel_initializer}).
 */
final class Layers {
  private static final DataFormat NCHW = DataFormat$.MODULE$.apply("NCHW");
  /** BigDL computes TF "same" padding when both pads are -1. */
  private static final int SAME = -1;

  private Layers() {}

  /**
   * A convolution without bias (BN follows), kernels drawn from N(0, 2 / fan_out) with fan_out = k x k x
   * outputs / groups, as the reference's variance scaling does.
   */
  static SpatialConvolution<Float> conv(int in, int out, int kernel, int stride, int groups, double weightDecay) {
    return conv(in, out, kernel, stride, groups, false, weightDecay);
  }

  /**
   * The depthwise convolution of an MBConv block, no bias, same initialisation and L2 regulariser as
   * {@link #conv} gives BigDL's grouped version ({@code groups = channels}).
   */
  static DepthwiseConvolution depthwise(int channels, int kernel, int stride, double weightDecay) {
    return new DepthwiseConvolution(channels, kernel, stride, l2(weightDecay));
  }

  /**
   * BigDL's grouped convolution computing what {@code direct} computes, on the same weight and weight-gradient
   * tensors (not copies: training either one trains both) and with its regulariser. Zeroes the gradient
   * (BigDL's constructor resets the layer).
   */
  static SpatialConvolution<Float> groupedSharing(DepthwiseConvolution direct) {
    return grouped(direct, direct.weightRegularizer(), direct.weight(), direct.gradWeight());
  }

  /**
   * BigDL's grouped convolution of {@code direct}'s shape over {@code weight} (used as it is, not copied), without
   * regulariser: a layer that carries nothing but its configuration and these values. Giving the tensor also
   * keeps BigDL's constructor from drawing initial values from its global random generator.
   */
  static SpatialConvolution<Float> groupedOver(DepthwiseConvolution direct, Tensor<Float> weight) {
    return grouped(direct, null, weight, null);
  }

  private static SpatialConvolution<Float> grouped(DepthwiseConvolution direct, Regularizer<Float> regularizer,
      Tensor<Float> weight, Tensor<Float> gradWeight) {
    int c = direct.channels();
    int k = direct.kernel();
    int s = direct.stride();
    return new SpatialConvolution<>(c, c, k, k, s, s, SAME, SAME, c, true, regularizer, null, weight, null,
        gradWeight, null, false, NCHW, BigDL.tag(), BigDL.numeric());
  }

  /**
   * A convolution with {@code source}'s configuration (planes, kernel, stride, padding, groups, bias, layout) over
   * {@code weight} and {@code bias} (used as they are; bias null without one), without regularisers.
   */
  static SpatialConvolution<Float> convolutionOver(SpatialConvolution<Float> source, Tensor<Float> weight,
      Tensor<Float> bias) {
    return new SpatialConvolution<>(source.nInputPlane(), source.nOutputPlane(), source.kernelW(),
        source.kernelH(), source.strideW(), source.strideH(), source.padW(), source.padH(), source.nGroup(),
        source.propagateBack(), null, null, weight, bias, null, null, source.withBias(), source.format(),
        BigDL.tag(), BigDL.numeric());
  }

  /** A fully connected layer of {@code source}'s shape over {@code weight} and {@code bias}, no regularisers. */
  static Linear<Float> linearOver(Linear<Float> source, Tensor<Float> weight, Tensor<Float> bias) {
    return new Linear<>(source.inputSize(), source.outputSize(), source.withBias(), null, null, weight, bias, null,
        null, BigDL.tag(), BigDL.numeric());
  }

  /**
   * BigDL's NCHW batch norm with {@code source}'s size, epsilon and momentum over {@code weight} and {@code bias}
   * (gamma and beta); its running statistics are its own (mean 0, variance 1).
   */
  static SpatialBatchNormalization<Float> batchNormOver(SpatialBatchNormalization<Float> source,
      Tensor<Float> weight, Tensor<Float> bias) {
    return new SpatialBatchNormalization<>(source.nOutput(), source.eps(), source.momentum(), source.affine(),
        weight, bias, null, null, NCHW, BigDL.tag(), BigDL.numeric());
  }

  /** A 1x1 convolution with bias (the squeeze-excitation convs). */
  static SpatialConvolution<Float> conv1x1WithBias(int in, int out, double weightDecay) {
    return conv(in, out, 1, 1, 1, true, weightDecay);
  }

  private static SpatialConvolution<Float> conv(int in, int out, int kernel, int stride, int groups,
      boolean bias, double weightDecay) {
    SpatialConvolution<Float> c = new SpatialConvolution<>(in, out, kernel, kernel, stride, stride, SAME, SAME,
        groups, true, l2(weightDecay), bias ? l2(weightDecay) : null, null, null, null, null, bias, NCHW,
        BigDL.tag(), BigDL.numeric());
    double fanOut = (double) kernel * kernel * out / groups;
    c.setInitMethod(new RandomNormal(0, Math.sqrt(2.0 / fanOut)), zeros());
    return c;
  }

  /**
   * Batch norm with the reference's epsilon 1e-3 and a TF-convention decay (0.99 in the reference). BigDL
   * follows Torch: running = (1 - momentum) x running + momentum x batch, so TF's decay d is momentum 1 - d.
   * It can be frozen (Keras' trainable = False: running statistics used and kept) for fine-tuning.
   */
  static FreezableBatchNorm batchNorm(int channels, double decay) {
    return new FreezableBatchNorm(channels, 1e-3, 1 - decay);
  }

  static GlobalAveragePooling javaGlobalAveragePool() {
    return new GlobalAveragePooling();
  }

  static SpatialAveragePooling<Float> globalAveragePool() {
    return new SpatialAveragePooling<>(1, 1, 1, 1, 0, 0, true, false, true, true, NCHW, BigDL.tag(),
        BigDL.numeric());
  }

  /** (N, C, 1, 1) to (N, C). */
  static Reshape<Float> flatten(int channels) {
    return new Reshape<>(new int[] {channels}, scala.Option.apply((Object) Boolean.TRUE), BigDL.tag(),
        BigDL.numeric());
  }

  /** Inverted dropout: scaled by 1 / (1 - p) in training, identity at inference; seeded masks. */
  static InvertedDropout dropout(double rate) {
    return new InvertedDropout(rate);
  }

  /** The classifier: kernel uniform in +-1/sqrt(outputs), zero bias. */
  static Linear<Float> dense(int in, int out, double weightDecay) {
    Linear<Float> l = new Linear<>(in, out, true, l2(weightDecay), l2(weightDecay), null, null, null, null,
        BigDL.tag(), BigDL.numeric());
    double range = 1.0 / Math.sqrt(out);
    l.setInitMethod(new RandomUniform(-range, range), zeros());
    return l;
  }

  static CAddTable<Float, Float> add() {
    return new CAddTable<>(false, BigDL.tag(), BigDL.tag(), BigDL.numeric(), BigDL.numeric());
  }

  private static Regularizer<Float> l2(double weightDecay) {
    return weightDecay > 0 ? new L2Regularizer<>(weightDecay, BigDL.tag(), BigDL.numeric()) : null;
  }

  private static InitializationMethod zeros() {
    return Zeros$.MODULE$;
  }
}
