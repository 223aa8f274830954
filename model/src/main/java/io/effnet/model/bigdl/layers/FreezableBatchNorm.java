package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import scala.collection.Seq;

/**
 * BigDL's NCHW batch norm with a <em>frozen</em> state, as Keras' {@code BatchNormalization} with
 * {@code trainable = False} (TF 2): a frozen layer normalises with its running statistics in training too, never
 * updates them, and its scale and offset get no gradient.
 *
 * <p>BigDL's {@code freeze()} only zeroes the gradient scales ({@code scaleW}, {@code scaleB}); a frozen BigDL
 * batch norm would still normalise with batch statistics and move its running statistics. And a per-layer
 * {@code evaluate()} does not last: BigDL's {@code DistriOptimizer} calls {@code training()} on the whole model
 * before every iteration (DistriOptimizer.scala, branch-0.13). So freezing ({@code freeze()} with no names, which
 * {@code Graph.freeze(names)} reaches too) sets a flag that {@link #training()} honours by staying in evaluation
 * mode. The flag is a field, so it travels with the module through {@code cloneModule()} and Spark's broadcast of
 * the model to the executors.
 *
 * <p>Backward in evaluation mode is computed here: BigDL 0.13's {@code SpatialBatchNormalization.updateGradInput}
 * in evaluation mode passes the <em>bias</em> where the inverse standard deviation belongs
 * ({@code updateGradInputNCHWInferFloat(gradOutput, gradInput, weight, bias)}), so it returns
 * {@code gradOutput x gamma x beta}. The right derivative of {@code y = (x - mean) / sqrt(var + eps) x gamma + beta}
 * with fixed statistics is {@code gradOutput x gamma / sqrt(var + eps)}. Forward is BigDL's own in both modes.
 */
public final class FreezableBatchNorm extends SpatialBatchNormalization<Float> {
  private static final long serialVersionUID = 1L;
  private static final DataFormat NCHW = DataFormat$.MODULE$.apply("NCHW");

  private boolean frozen;

  /**
   * @param momentum BigDL's (Torch's) convention: running = (1 - momentum) x running + momentum x batch
   */
  public FreezableBatchNorm(int channels, double eps, double momentum) {
    super(channels, eps, momentum, true, null, null, null, null, NCHW, BigDL.tag(), BigDL.numeric());
  }

  /** Whether the layer is frozen: inference behaviour in training, no gradients for its scale and offset. */
  public boolean isFrozen() {
    return frozen;
  }

  /**
   * Without names: freezes this layer (and switches it to evaluation mode now); with names, BigDL's lookup of
   * sub-modules by name, which lands here without names.
   */
  @Override
  public FreezableBatchNorm freeze(Seq<String> names) {
    super.freeze(names);
    if (names.isEmpty()) {
      frozen = true;
      train_$eq(false);
    }
    return this;
  }

  /** Without names: unfreezes; the layer trains with batch statistics again from its next {@link #training()}. */
  @Override
  public FreezableBatchNorm unFreeze(Seq<String> names) {
    super.unFreeze(names);
    if (names.isEmpty()) {
      frozen = false;
    }
    return this;
  }

  /** Training mode, unless frozen: then evaluation mode, whoever asks. */
  @Override
  public FreezableBatchNorm training() {
    if (frozen) {
      train_$eq(false);
    } else {
      super.training();
    }
    return this;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    if (train()) {
      return super.updateGradInput(input, gradOutput);
    }
    Tensor<Float> g = Dense.contiguous(gradOutput);
    Layout l = Layout.of(g, nOutput());
    Tensor<Float> gi = gradInput().resizeAs(g);
    float[] gs = Dense.data(g);
    float[] is = Dense.data(gi);
    int go = Dense.offset(g);
    int io = Dense.offset(gi);
    float[] scale = scaleOverStd();
    int i = 0;
    for (int b = 0; b < l.batch; b++) {
      for (int c = 0; c < l.channels; c++) {
        float s = scale[c];
        for (int k = 0; k < l.frame; k++, i++) {
          is[io + i] = gs[go + i] * s;
        }
      }
    }
    return gi;
  }

  /**
   * Frozen: nothing. Training mode: BigDL's. Evaluation mode: the gradients with the running statistics fixed,
   * {@code d gamma = sum gradOutput x (x - mean) / sqrt(var + eps)}, {@code d beta = sum gradOutput}, scaled by
   * {@code scaleW} and {@code scaleB} as BigDL's layers do.
   */
  @Override
  public void accGradParameters(Tensor<Float> input, Tensor<Float> gradOutput) {
    if (frozen) {
      return;
    }
    if (train()) {
      super.accGradParameters(input, gradOutput);
      return;
    }
    float scaleW = (float) getScaleW();
    float scaleB = (float) getScaleB();
    if (scaleW == 0 && scaleB == 0) {
      return;
    }
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> g = Dense.contiguous(gradOutput);
    Layout l = Layout.of(g, nOutput());
    float[] xs = Dense.data(x);
    float[] gs = Dense.data(g);
    int xo = Dense.offset(x);
    int go = Dense.offset(g);
    float[] mean = values(runningMean());
    float[] invStd = inverseStd();
    double[] dGamma = new double[l.channels];
    double[] dBeta = new double[l.channels];
    int i = 0;
    for (int b = 0; b < l.batch; b++) {
      for (int c = 0; c < l.channels; c++) {
        double sg = 0;
        double sgx = 0;
        for (int k = 0; k < l.frame; k++, i++) {
          float gv = gs[go + i];
          sg += gv;
          sgx += gv * (xs[xo + i] - mean[c]);
        }
        dGamma[c] += sgx * invStd[c];
        dBeta[c] += sg;
      }
    }
    for (int c = 0; c < l.channels; c++) {
      if (scaleW != 0) {
        gradWeight().setValue(c + 1, gradWeight().valueAt(c + 1) + scaleW * (float) dGamma[c]);
      }
      if (scaleB != 0) {
        gradBias().setValue(c + 1, gradBias().valueAt(c + 1) + scaleB * (float) dBeta[c]);
      }
    }
  }

  /**
   * BigDL's own batch norm over this layer's tensors (weights, gradients, running statistics: shared, not
   * copied), with its name, gradient scales and mode, for conversions that know BigDL's layer classes only (the
   * MKL-DNN engine). It has no frozen state.
   */
  public SpatialBatchNormalization<Float> sharingBigDLLayer() {
    SpatialBatchNormalization<Float> plain = new SpatialBatchNormalization<>(nOutput(), eps(), momentum(), true,
        weight(), bias(), gradWeight(), gradBias(), NCHW, BigDL.tag(), BigDL.numeric());
    plain.runningMean_$eq(runningMean());
    plain.runningVar_$eq(runningVar());
    plain.setName(getName());
    plain.setScaleW(getScaleW());
    plain.setScaleB(getScaleB());
    if (isTraining()) {
      plain.training();
    } else {
      plain.evaluate();
    }
    return plain;
  }

  /** {@code 1 / sqrt(var + eps)} per channel, in single precision as BigDL's inference forward computes it. */
  private float[] inverseStd() {
    float[] var = values(runningVar());
    float eps = (float) eps();
    float[] out = new float[var.length];
    for (int c = 0; c < var.length; c++) {
      out[c] = 1f / (float) Math.sqrt(var[c] + eps);
    }
    return out;
  }

  private float[] scaleOverStd() {
    float[] out = inverseStd();
    float[] gamma = values(weight());
    for (int c = 0; c < out.length; c++) {
      out[c] *= gamma[c];
    }
    return out;
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> d = Dense.contiguous(t);
    float[] out = new float[(int) d.nElement()];
    System.arraycopy(Dense.data(d), Dense.offset(d), out, 0, out.length);
    return out;
  }

  /** N x C x (H W) of a batch (4-D) or of one image (3-D, which BigDL accepts in evaluation mode). */
  private static final class Layout {
    final int batch;
    final int channels;
    final int frame;

    private Layout(int batch, int channels, int frame) {
      this.batch = batch;
      this.channels = channels;
      this.frame = frame;
    }

    static Layout of(Tensor<Float> t, int channels) {
      int[] s = t.size();
      Layout l;
      if (s.length == 4) {
        l = new Layout(s[0], s[1], s[2] * s[3]);
      } else if (s.length == 3) {
        l = new Layout(1, s[0], s[1] * s[2]);
      } else {
        throw new IllegalArgumentException("batch norm expects N x C x H x W (or C x H x W), got "
            + java.util.Arrays.toString(s));
      }
      if (l.channels != channels) {
        throw new IllegalArgumentException("batch norm over " + channels + " channels got "
            + java.util.Arrays.toString(s));
      }
      return l;
    }
  }
}
