package io.effnet.model.bench;

import com.intel.analytics.bigdl.mkl.MKL;
import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.optim.Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.RandomGenerator;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;
import scala.Tuple2;

/**
 * A depthwise convolution (one k x k filter per channel, no bias) on (N, C, H, W) with TF "same" padding, as
 * direct loops over each (sample, channel) plane. Candidate replacement, measured by this package, for
 * BigDL's {@code SpatialConvolution} with {@code nGroup = channels} on BigDL's default engine: that one runs
 * an im2col and a 1-row GEMM per channel and per sample (a JNI call and several tensor views each), which
 * costs far more than the arithmetic for EfficientNet's small planes.
 *
 * <p>Same results and weight layout as BigDL's grouped convolution: weight (C, 1, 1, k, k), padding split
 * as BigDL and TF do (the extra pixel at the bottom/right). Same-padding outputs are ceil(H / stride).
 * Single-threaded: BigDL's default engine already runs one model replica per core. Not for the MKL-DNN
 * engine, whose own depthwise convolution is native (this layer would run wrapped and single-threaded).
 *
 * <p>Two code paths, same results. Stride-1 planes of at least {@link #MKL_MIN_PLANE} pixels go through
 * MKL's vectorised axpy/dot (the ones BigDL's tensors use) on a zero-padded copy of the plane whose rows
 * are as long as the padded width: then every kernel tap is one call over the whole plane (the columns
 * beyond the output width are computed and dropped). HotSpot's C2 in Java 8-17 does not vectorise a loop
 * that reads and writes two arrays at different offsets, so plain loops run at scalar speed there. Small
 * planes and stride 2 use plain loops over the valid ranges, where a native call per tap would cost more
 * than the arithmetic.
 */
public final class DepthwiseConvolution extends TensorModule<Float> {
  private static final long serialVersionUID = 1L;

  private final int channels;
  private final int kernel;
  private final int stride;
  private final Regularizer<Float> weightRegularizer;
  private final Tensor<Float> weight;
  private final Tensor<Float> gradWeight;
  /** Scratch planes of the MKL path, reused across calls (each model replica has its own layer). */
  private transient float[] padded;
  private transient float[] paddedGrad;
  private transient float[] pitchedGrad;
  private transient float[] accumulator;
  /** Null: MKL path when MKL is loaded; tests force either path. */
  private Boolean forceMkl;

  /** Output planes from this many pixels (stride 1) take the MKL path: below, per-tap calls cost more. */
  static final int MKL_MIN_PLANE = 144;

  /**
   * @param weightRegularizer L2 or other regulariser added to the weight gradient, or null
   */
  public DepthwiseConvolution(int channels, int kernel, int stride, Regularizer<Float> weightRegularizer) {
    super(BigDL.tag(), BigDL.numeric());
    if (channels < 1 || kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("channels, kernel and stride must be >= 1, got " + channels + ", "
          + kernel + ", " + stride);
    }
    this.channels = channels;
    this.kernel = kernel;
    this.stride = stride;
    this.weightRegularizer = weightRegularizer;
    this.weight = BigDL.tensor(channels, 1, 1, kernel, kernel);
    this.gradWeight = BigDL.tensor(channels, 1, 1, kernel, kernel);
    // The reference's variance scaling, fan_out = k x k x outputs / groups = k x k.
    double std = Math.sqrt(2.0 / (kernel * kernel));
    float[] w = data(weight);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) RandomGenerator.RNG().normal(0, std);
    }
  }

  public int channels() { return channels; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }

  /** TF "same" geometry of one spatial axis: {output size, padding before}. */
  static int[] same(int input, int kernel, int stride) {
    int out = (input + stride - 1) / stride;
    int padAlong = Math.max(0, (out - 1) * stride + kernel - input);
    return new int[] {out, padAlong / 2};
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = checked(input);
    int n = x.size(1);
    int h = x.size(3);
    int w = x.size(4);
    int[] sh = same(h, kernel, stride);
    int[] sw = same(w, kernel, stride);
    int oh = sh[0];
    int ow = sw[0];
    Tensor<Float> y = output().resize(n, channels, oh, ow);
    float[] xs = data(x);
    float[] ys = data(y);
    float[] ws = data(weight);
    int xo = offset(x);
    int yo = offset(y);
    int wo = offset(weight);
    int inPlane = h * w;
    int outPlane = oh * ow;
    int kk = kernel * kernel;
    if (mklPath(outPlane)) {
      mklForward(xs, xo, ys, yo, ws, wo, n, h, w, sh[1], sw[1]);
      return y;
    }
    int[][] rowRanges = validRanges(oh, h, sh[1]);
    int[][] colRanges = validRanges(ow, w, sw[1]);
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int xBase = xo + p * inPlane;
      int yBase = yo + p * outPlane;
      java.util.Arrays.fill(ys, yBase, yBase + outPlane, 0f);
      for (int kh = 0; kh < kernel; kh++) {
        int[] rows = rowRanges[kh];
        for (int kw = 0; kw < kernel; kw++) {
          float wv = ws[wo + c * kk + kh * kernel + kw];
          int[] cols = colRanges[kw];
          int colShift = kw - sw[1];
          for (int r = rows[0]; r < rows[1]; r++) {
            int xRow = xBase + (r * stride + kh - sh[1]) * w + colShift;
            int yRow = yBase + r * ow;
            if (stride == 1) {
              for (int q = cols[0]; q < cols[1]; q++) {
                ys[yRow + q] += wv * xs[xRow + q];
              }
            } else {
              for (int q = cols[0]; q < cols[1]; q++) {
                ys[yRow + q] += wv * xs[xRow + q * stride];
              }
            }
          }
        }
      }
    }
    return y;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = checked(input);
    int n = x.size(1);
    int h = x.size(3);
    int w = x.size(4);
    int[] sh = same(h, kernel, stride);
    int[] sw = same(w, kernel, stride);
    int oh = sh[0];
    int ow = sw[0];
    Tensor<Float> g = gradOutputChecked(gradOutput, n, oh, ow);
    Tensor<Float> gi = gradInput().resizeAs(x);
    float[] gs = data(g);
    float[] is = data(gi);
    float[] ws = data(weight);
    int go = offset(g);
    int io = offset(gi);
    int wo = offset(weight);
    int inPlane = h * w;
    int outPlane = oh * ow;
    int kk = kernel * kernel;
    if (mklPath(outPlane)) {
      mklGradInput(gs, go, is, io, ws, wo, n, h, w, sh[1], sw[1]);
      return gi;
    }
    int[][] rowRanges = validRanges(oh, h, sh[1]);
    int[][] colRanges = validRanges(ow, w, sw[1]);
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int iBase = io + p * inPlane;
      int gBase = go + p * outPlane;
      java.util.Arrays.fill(is, iBase, iBase + inPlane, 0f);
      for (int kh = 0; kh < kernel; kh++) {
        int[] rows = rowRanges[kh];
        for (int kw = 0; kw < kernel; kw++) {
          float wv = ws[wo + c * kk + kh * kernel + kw];
          int[] cols = colRanges[kw];
          int colShift = kw - sw[1];
          for (int r = rows[0]; r < rows[1]; r++) {
            int iRow = iBase + (r * stride + kh - sh[1]) * w + colShift;
            int gRow = gBase + r * ow;
            if (stride == 1) {
              for (int q = cols[0]; q < cols[1]; q++) {
                is[iRow + q] += wv * gs[gRow + q];
              }
            } else {
              for (int q = cols[0]; q < cols[1]; q++) {
                is[iRow + q * stride] += wv * gs[gRow + q];
              }
            }
          }
        }
      }
    }
    return gi;
  }

  @Override
  public void accGradParameters(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = checked(input);
    int n = x.size(1);
    int h = x.size(3);
    int w = x.size(4);
    int[] sh = same(h, kernel, stride);
    int[] sw = same(w, kernel, stride);
    int oh = sh[0];
    int ow = sw[0];
    Tensor<Float> g = gradOutputChecked(gradOutput, n, oh, ow);
    float[] xs = data(x);
    float[] gs = data(g);
    float[] gws = data(gradWeight);
    int xo = offset(x);
    int go = offset(g);
    int gwo = offset(gradWeight);
    float scale = (float) scaleW();
    if (mklPath(oh * ow)) {
      mklGradWeight(xs, xo, gs, go, gws, gwo, scale, n, h, w, sh[1], sw[1]);
    } else {
      directGradWeight(xs, xo, gs, go, gws, gwo, scale, n, h, w, oh, ow, sh[1], sw[1]);
    }
    if (weightRegularizer != null) {
      weightRegularizer.accRegularization(weight, gradWeight, scaleW());
    }
  }

  private void directGradWeight(float[] xs, int xo, float[] gs, int go, float[] gws, int gwo, float scale, int n,
      int h, int w, int oh, int ow, int padTop, int padLeft) {
    int inPlane = h * w;
    int outPlane = oh * ow;
    int kk = kernel * kernel;
    int[][] rowRanges = validRanges(oh, h, padTop);
    int[][] colRanges = validRanges(ow, w, padLeft);
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int xBase = xo + p * inPlane;
      int gBase = go + p * outPlane;
      for (int kh = 0; kh < kernel; kh++) {
        int[] rows = rowRanges[kh];
        for (int kw = 0; kw < kernel; kw++) {
          int[] cols = colRanges[kw];
          int colShift = kw - padLeft;
          // Four partial sums: independent chains the CPU can overlap (one float sum would serialise on its
          // add latency; Java may not reassociate it).
          float s0 = 0;
          float s1 = 0;
          float s2 = 0;
          float s3 = 0;
          for (int r = rows[0]; r < rows[1]; r++) {
            int xRow = xBase + (r * stride + kh - padTop) * w + colShift;
            int gRow = gBase + r * ow;
            int q = cols[0];
            if (stride == 1) {
              for (; q + 3 < cols[1]; q += 4) {
                s0 += gs[gRow + q] * xs[xRow + q];
                s1 += gs[gRow + q + 1] * xs[xRow + q + 1];
                s2 += gs[gRow + q + 2] * xs[xRow + q + 2];
                s3 += gs[gRow + q + 3] * xs[xRow + q + 3];
              }
              for (; q < cols[1]; q++) {
                s0 += gs[gRow + q] * xs[xRow + q];
              }
            } else {
              for (; q < cols[1]; q++) {
                s0 += gs[gRow + q] * xs[xRow + q * stride];
              }
            }
          }
          gws[gwo + c * kk + kh * kernel + kw] += scale * ((s0 + s1) + (s2 + s3));
        }
      }
    }
  }

  /** MKL path only for stride 1 (one call per tap over the whole padded-pitch plane) and planes large enough. */
  private boolean mklPath(int outPlane) {
    boolean mkl = forceMkl != null ? forceMkl : MKL.isMKLLoaded();
    return mkl && stride == 1 && (forceMkl != null || outPlane >= MKL_MIN_PLANE);
  }

  /** Tests: true forces the MKL path (stride 1), false the plain loops, null decides by plane size. */
  void forceMklPath(Boolean mkl) {
    this.forceMkl = mkl;
  }

  private static float[] ensure(float[] buffer, int size) {
    return buffer != null && buffer.length >= size ? buffer : new float[size];
  }

  /**
   * Stride 1: the input plane padded by (k - 1) / 2 before and the rest after, rows of pitch {@code w + k - 1},
   * one extra zero row so that the last tap's read of the dropped columns stays inside the buffer. Tap (kh,
   * kw) of output (r, c) reads {@code padded[(r + kh) * pitch + c + kw]}: for the whole plane, one axpy from
   * offset {@code kh * pitch + kw} into an accumulator of the same pitch.
   */
  private void mklForward(float[] xs, int xo, float[] ys, int yo, float[] ws, int wo, int n, int h, int w,
      int padTop, int padLeft) {
    int pitch = w + kernel - 1;
    int paddedSize = (h + kernel) * pitch;
    int span = h * pitch;
    padded = ensure(padded, paddedSize);
    accumulator = ensure(accumulator, span);
    java.util.Arrays.fill(padded, 0, paddedSize, 0f);
    int kk = kernel * kernel;
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int xBase = xo + p * h * w;
      for (int r = 0; r < h; r++) {
        System.arraycopy(xs, xBase + r * w, padded, (r + padTop) * pitch + padLeft, w);
      }
      java.util.Arrays.fill(accumulator, 0, span, 0f);
      for (int kh = 0; kh < kernel; kh++) {
        for (int kw = 0; kw < kernel; kw++) {
          MKL.vsaxpy(span, ws[wo + c * kk + kh * kernel + kw], padded, kh * pitch + kw, 1, accumulator, 0, 1);
        }
      }
      int yBase = yo + p * h * w;
      for (int r = 0; r < h; r++) {
        System.arraycopy(accumulator, r * pitch, ys, yBase + r * w, w);
      }
    }
  }

  /**
   * Stride 1: gradInput(r, c) = sum of w[kh, kw] g(r - kh + padTop, c - kw + padLeft), a correlation of the
   * zero-padded gradient with the flipped kernel; the gradient sits at (k - 1 - padTop, k - 1 - padLeft) in
   * its padded plane, so tap (kh, kw) reads offset {@code (k - 1 - kh) * pitch + k - 1 - kw}.
   */
  private void mklGradInput(float[] gs, int go, float[] is, int io, float[] ws, int wo, int n, int h, int w,
      int padTop, int padLeft) {
    int pitch = w + kernel - 1;
    int paddedSize = (h + kernel) * pitch;
    int span = h * pitch;
    paddedGrad = ensure(paddedGrad, paddedSize);
    accumulator = ensure(accumulator, span);
    java.util.Arrays.fill(paddedGrad, 0, paddedSize, 0f);
    int rowShift = kernel - 1 - padTop;
    int colShift = kernel - 1 - padLeft;
    int kk = kernel * kernel;
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int gBase = go + p * h * w;
      for (int r = 0; r < h; r++) {
        System.arraycopy(gs, gBase + r * w, paddedGrad, (r + rowShift) * pitch + colShift, w);
      }
      java.util.Arrays.fill(accumulator, 0, span, 0f);
      for (int kh = 0; kh < kernel; kh++) {
        for (int kw = 0; kw < kernel; kw++) {
          MKL.vsaxpy(span, ws[wo + c * kk + kh * kernel + kw], paddedGrad,
              (kernel - 1 - kh) * pitch + kernel - 1 - kw, 1, accumulator, 0, 1);
        }
      }
      int iBase = io + p * h * w;
      for (int r = 0; r < h; r++) {
        System.arraycopy(accumulator, r * pitch, is, iBase + r * w, w);
      }
    }
  }

  /**
   * Stride 1: gradWeight[kh, kw] += sum of g(r, c) x(r + kh - padTop, c + kw - padLeft): one dot product per
   * tap of the gradient laid out at the padded pitch (zeros in the extra columns) with the padded input.
   */
  private void mklGradWeight(float[] xs, int xo, float[] gs, int go, float[] gws, int gwo, float scale, int n,
      int h, int w, int padTop, int padLeft) {
    int pitch = w + kernel - 1;
    int paddedSize = (h + kernel) * pitch;
    int span = h * pitch;
    padded = ensure(padded, paddedSize);
    pitchedGrad = ensure(pitchedGrad, span);
    java.util.Arrays.fill(padded, 0, paddedSize, 0f);
    java.util.Arrays.fill(pitchedGrad, 0, span, 0f);
    int kk = kernel * kernel;
    for (int p = 0; p < n * channels; p++) {
      int c = p % channels;
      int base = p * h * w;
      for (int r = 0; r < h; r++) {
        System.arraycopy(xs, xo + base + r * w, padded, (r + padTop) * pitch + padLeft, w);
        System.arraycopy(gs, go + base + r * w, pitchedGrad, r * pitch, w);
      }
      for (int kh = 0; kh < kernel; kh++) {
        for (int kw = 0; kw < kernel; kw++) {
          gws[gwo + c * kk + kh * kernel + kw] +=
              scale * MKL.vsdot(span, pitchedGrad, 0, 1, padded, kh * pitch + kw, 1);
        }
      }
    }
  }

  /**
   * For each kernel offset k, the output positions {@code [from, to)} along one axis whose input position
   * {@code o * stride + k - padBefore} lies inside {@code [0, inputSize)}: the padding is never read.
   */
  private int[][] validRanges(int outputSize, int inputSize, int padBefore) {
    int[][] ranges = new int[kernel][];
    for (int k = 0; k < kernel; k++) {
      // o * stride >= padBefore - k  and  o * stride <= inputSize - 1 + padBefore - k
      int lowNum = padBefore - k;
      int from = lowNum <= 0 ? 0 : (lowNum + stride - 1) / stride;
      int highNum = inputSize - 1 + padBefore - k;
      int to = highNum < 0 ? 0 : Math.min(outputSize, highNum / stride + 1);
      ranges[k] = new int[] {from, Math.max(from, to)};
    }
    return ranges;
  }

  @Override
  public Tuple2<Tensor<Float>[], Tensor<Float>[]> parameters() {
    @SuppressWarnings("unchecked")
    Tensor<Float>[] weights = new Tensor[] {weight};
    @SuppressWarnings("unchecked")
    Tensor<Float>[] gradients = new Tensor[] {gradWeight};
    return new Tuple2<>(weights, gradients);
  }

  @Override
  public Shape computeOutputShape(Shape inputShape) {
    int[] s = toArray(inputShape.toSingle());
    if (s.length != 4) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + " takes (N, C, H, W), got "
          + inputShape);
    }
    return com.intel.analytics.bigdl.utils.Shape$.MODULE$.apply(new int[] {s[0], channels,
        same(s[2], kernel, stride)[0], same(s[3], kernel, stride)[0]});
  }

  private Tensor<Float> checked(Tensor<Float> input) {
    if (input.dim() != 4 || input.size(2) != channels) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + " takes (N, " + channels
          + ", H, W), got shape " + java.util.Arrays.toString(input.size()));
    }
    return input.isContiguous() ? input : input.contiguous();
  }

  private Tensor<Float> gradOutputChecked(Tensor<Float> gradOutput, int n, int oh, int ow) {
    if (gradOutput.dim() != 4 || gradOutput.size(1) != n || gradOutput.size(2) != channels
        || gradOutput.size(3) != oh || gradOutput.size(4) != ow) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + ": gradOutput must be (" + n + ", "
          + channels + ", " + oh + ", " + ow + "), got " + java.util.Arrays.toString(gradOutput.size()));
    }
    return gradOutput.isContiguous() ? gradOutput : gradOutput.contiguous();
  }

  private static int[] toArray(scala.collection.Seq<Object> seq) {
    int[] out = new int[seq.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (Integer) seq.apply(i);
    }
    return out;
  }

  private static float[] data(Tensor<Float> t) {
    return (float[]) t.storage().array();
  }

  private static int offset(Tensor<Float> t) {
    return t.storageOffset() - 1;
  }

  @Override
  public String toString() {
    return "DepthwiseConvolution(" + channels + ", " + kernel + "x" + kernel + ", stride " + stride + ")["
        + getName() + "]";
  }
}
