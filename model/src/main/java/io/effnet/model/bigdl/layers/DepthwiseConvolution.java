package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.mkl.MKL;
import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.optim.Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.RandomGenerator;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;
import java.util.Arrays;
import scala.Tuple2;

/**
 * A depthwise convolution (one k x k filter per channel, no bias) on (N, C, H, W) with TF "same" padding, for
 * BigDL's default engine. BigDL's {@code SpatialConvolution} with {@code nGroup = channels} runs an im2col and
 * a one-row GEMM per channel and per sample (a JNI call and several tensor views each) and keeps a k x k times
 * input-sized im2col buffer: far more than the arithmetic for EfficientNet's small planes, and the largest
 * memory user of a training step at 224 pixels. Measured with {@code io.effnet.model.bench.TrainingBenchmark}.
 *
 * <p>Same results, weight layout and parameter names as BigDL's grouped convolution: weight (C, 1, 1, k, k),
 * named {@code weight} (model files and weight copies work across both), padding split as BigDL and TF do (the
 * extra pixel at the bottom/right), same-padding outputs ceil(H / stride), the weight regulariser added to the
 * weight gradient. Single-threaded: BigDL's default engine runs one model replica per core. Not for the MKL-DNN
 * engine, where it would run wrapped and single-threaded instead of as MKL-DNN's native depthwise convolution;
 * {@code io.effnet.model.bigdl.MklDnn} swaps it for BigDL's layer.
 *
 * <p>One kernel for every stride. The zero-padded input plane is split into stride x stride phase planes
 * ({@code phase(a, b)[i][j] = padded[i * stride + a][j * stride + b]}), so that a strided convolution becomes
 * a sum of unit-stride ones: tap (kh, kw) reads phase (kh % stride, kw % stride) shifted by (kh / stride,
 * kw / stride), and with the phase planes and the output laid out at one row pitch, a tap over the whole plane
 * is a single axpy at a fixed offset (the columns beyond the output width are computed and dropped). The
 * planes of one channel for several samples are stacked (same filter), so each MKL call (the vectorised
 * axpy/dot BigDL's tensors use; HotSpot's C2 in Java 8-17 does not vectorise a loop reading and writing two
 * arrays at different offsets) covers a block of up to {@link #BLOCK_FLOATS} floats: small planes need few
 * native calls, large ones stay in cache. The input gradient is the correlation of the padded output gradient
 * with the flipped filter, computed per phase and interleaved back; the weight gradient is one dot product
 * per tap. Scratch buffers belong to the layer (one per model replica), so replicas can run in parallel.
 */
public final class DepthwiseConvolution extends TensorModule<Float> {
  private static final long serialVersionUID = 2L;

  /**
   * Input floats (all phases, all stacked samples) per block: 16 KB, so that a block and its accumulator stay
   * in the L1 cache across the k x k passes (planes larger than this go one sample at a time). Measured on
   * B0's layers at 64 and 224 pixels (one AMD Zen 4 core): 2K to 16K floats were alike in total, 16K was
   * 10-20% slower than one sample per block on 56x56 planes.
   */
  static final int BLOCK_FLOATS = 4096;

  private final int channels;
  private final int kernel;
  private final int stride;
  private final Regularizer<Float> weightRegularizer;
  private final Tensor<Float> weight;
  private final Tensor<Float> gradWeight;
  /** Phase planes of the input, the (shifted) output gradient, and the accumulator; reused across calls. */
  private transient float[] phases;
  private transient float[] shiftedGrad;
  private transient float[] accumulator;
  /** Null: MKL when BigDL loaded it; tests force either primitive. */
  private Boolean mklOverride;

  /**
   * @param weightRegularizer L2 or other regulariser added to the weight gradient in
   *     {@link #accGradParameters}, as BigDL's layers do, or null
   */
  public DepthwiseConvolution(int channels, int kernel, int stride, Regularizer<Float> weightRegularizer) {
    this(channels, kernel, stride, weightRegularizer, null, null);
  }

  private DepthwiseConvolution(int channels, int kernel, int stride, Regularizer<Float> weightRegularizer,
      Tensor<Float> sharedWeight, Tensor<Float> sharedGradWeight) {
    super(BigDL.tag(), BigDL.numeric());
    if (channels < 1 || kernel < 1 || stride < 1) {
      throw new IllegalArgumentException("channels, kernel and stride must be >= 1, got " + channels + ", "
          + kernel + ", " + stride);
    }
    this.channels = channels;
    this.kernel = kernel;
    this.stride = stride;
    this.weightRegularizer = weightRegularizer;
    if (sharedWeight == null) {
      this.weight = BigDL.tensor(channels, 1, 1, kernel, kernel);
      this.gradWeight = BigDL.tensor(channels, 1, 1, kernel, kernel);
      reset();
    } else {
      int[] shape = {channels, 1, 1, kernel, kernel};
      if (!java.util.Arrays.equals(shape, sharedWeight.size()) || !java.util.Arrays.equals(shape,
          sharedGradWeight.size()) || !sharedWeight.isContiguous() || !sharedGradWeight.isContiguous()) {
        throw new IllegalArgumentException("a depthwise convolution's shared weight and gradient must be contiguous"
            + " (channels, 1, 1, k, k) = " + java.util.Arrays.toString(shape) + ", got "
            + java.util.Arrays.toString(sharedWeight.size()) + " and "
            + java.util.Arrays.toString(sharedGradWeight.size()));
      }
      this.weight = sharedWeight;
      this.gradWeight = sharedGradWeight;
    }
  }

  /**
   * A layer computing on the given weight and weight-gradient tensors themselves (not copies), e.g. those of BigDL's
   * grouped convolution (C, 1, 1, k, k) with one group per channel: training either layer trains both.
   */
  public static DepthwiseConvolution sharing(int channels, int kernel, int stride, Regularizer<Float> weightRegularizer,
      Tensor<Float> weight, Tensor<Float> gradWeight) {
    if (weight == null || gradWeight == null) {
      throw new IllegalArgumentException("sharing needs both the weight and the weight-gradient tensor");
    }
    return new DepthwiseConvolution(channels, kernel, stride, weightRegularizer, weight, gradWeight);
  }

  public int channels() { return channels; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }
  /** The regulariser applied to the weight gradient, or null. */
  public Regularizer<Float> weightRegularizer() { return weightRegularizer; }
  /** (C, 1, 1, k, k), BigDL's grouped-convolution layout. */
  public Tensor<Float> weight() { return weight; }
  public Tensor<Float> gradWeight() { return gradWeight; }

  /** The reference's variance scaling, N(0, 2 / fan_out) with fan_out = k x k x outputs / groups = k x k. */
  @Override
  public void reset() {
    double std = Math.sqrt(2.0 / (kernel * kernel));
    float[] w = data(weight);
    int wo = offset(weight);
    for (int i = 0; i < weight.nElement(); i++) {
      w[wo + i] = (float) RandomGenerator.RNG().normal(0, std);
    }
    gradWeight.zero();
  }

  /** TF "same" geometry of one spatial axis: {output size, padding before}. */
  static int[] same(int input, int kernel, int stride) {
    int out = (input + stride - 1) / stride;
    int padAlong = Math.max(0, (out - 1) * stride + kernel - input);
    return new int[] {out, padAlong / 2};
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = checked(input);
    Geometry geo = new Geometry(x.size(1), x.size(3), x.size(4));
    Tensor<Float> y = output().resize(geo.n, channels, geo.oh, geo.ow);
    float[] xs = data(x);
    float[] ys = data(y);
    float[] ws = data(weight);
    int xo = offset(x);
    int yo = offset(y);
    int wo = offset(weight);
    boolean mkl = useMkl();
    float[] xp = phaseBuffer(geo);
    float[] acc = accumulatorBuffer(geo.phaseStride);
    for (int first = 0; first < geo.n; first += geo.blockSamples) {
      int count = Math.min(geo.blockSamples, geo.n - first);
      for (int c = 0; c < channels; c++) {
        gatherPhases(geo, xs, xo, c, first, count, xp);
        int span = geo.outputSpan(count);
        Arrays.fill(acc, 0, span, 0f);
        for (int kh = 0; kh < kernel; kh++) {
          for (int kw = 0; kw < kernel; kw++) {
            axpy(mkl, span, ws[wo + (c * kernel + kh) * kernel + kw], xp, geo.tapOffset(kh, kw), acc, 0);
          }
        }
        for (int q = 0; q < count; q++) {
          int yBase = yo + ((first + q) * channels + c) * geo.oh * geo.ow;
          for (int r = 0; r < geo.oh; r++) {
            System.arraycopy(acc, q * geo.region + r * geo.pitch, ys, yBase + r * geo.ow, geo.ow);
          }
        }
      }
    }
    return y;
  }

  /**
   * Per phase (a, b): {@code d phase(a, b)[i][j] = sum over its taps of w[kh][kw] g[i - kh / s][j - kw / s]},
   * an axpy from the output gradient placed D = (k - 1) / s rows and columns into its plane (zeros around it),
   * at offset {@code (D - kh / s) * pitch + D - kw / s}; the phases are then interleaved into the input
   * gradient, dropping the padding.
   */
  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = checked(input);
    Geometry geo = new Geometry(x.size(1), x.size(3), x.size(4));
    Tensor<Float> g = gradOutputChecked(gradOutput, geo);
    Tensor<Float> gi = gradInput().resizeAs(x);
    float[] gs = data(g);
    float[] is = data(gi);
    float[] ws = data(weight);
    int go = offset(g);
    int io = offset(gi);
    int wo = offset(weight);
    boolean mkl = useMkl();
    float[] gp = shiftedGradBuffer(geo);
    float[] acc = accumulatorBuffer(geo.phases * geo.phaseStride);
    for (int first = 0; first < geo.n; first += geo.blockSamples) {
      int count = Math.min(geo.blockSamples, geo.n - first);
      for (int c = 0; c < channels; c++) {
        placeShiftedGrad(geo, gs, go, c, first, count, gp);
        // Only the phase rows that hold input pixels: from the first one of the first sample to the last one of
        // the last sample (the padding rows between stacked samples come along).
        int from = geo.inputRowFrom * geo.pitch;
        int span = (count - 1) * geo.region + (geo.inputRowTo - geo.inputRowFrom) * geo.pitch;
        for (int p = 0; p < geo.phases; p++) {
          Arrays.fill(acc, p * geo.phaseStride + from, p * geo.phaseStride + from + span, 0f);
        }
        for (int kh = 0; kh < kernel; kh++) {
          for (int kw = 0; kw < kernel; kw++) {
            int shift = (geo.shift - kh / stride) * geo.pitch + geo.shift - kw / stride;
            axpy(mkl, span, ws[wo + (c * kernel + kh) * kernel + kw], gp, from + shift, acc,
                geo.phaseOf(kh, kw) * geo.phaseStride + from);
          }
        }
        scatterPhases(geo, acc, is, io, c, first, count);
      }
    }
    return gi;
  }

  /**
   * {@code gradWeight[kh][kw] += scale x sum of g[r][c] x phase(kh % s, kw % s)[r + kh / s][c + kw / s]}: per
   * tap one dot product of the gradient (zeros in the dropped columns) with the phase plane at the tap's offset.
   */
  @Override
  public void accGradParameters(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = checked(input);
    Geometry geo = new Geometry(x.size(1), x.size(3), x.size(4));
    Tensor<Float> g = gradOutputChecked(gradOutput, geo);
    float[] xs = data(x);
    float[] gs = data(g);
    float[] gws = data(gradWeight);
    int xo = offset(x);
    int go = offset(g);
    int gwo = offset(gradWeight);
    float scale = (float) scaleW();
    boolean mkl = useMkl();
    float[] xp = phaseBuffer(geo);
    float[] gp = shiftedGradBuffer(geo);
    int gradStart = geo.shift * geo.pitch + geo.shift;
    for (int first = 0; first < geo.n; first += geo.blockSamples) {
      int count = Math.min(geo.blockSamples, geo.n - first);
      for (int c = 0; c < channels; c++) {
        gatherPhases(geo, xs, xo, c, first, count, xp);
        placeShiftedGrad(geo, gs, go, c, first, count, gp);
        int span = geo.outputSpan(count);
        for (int kh = 0; kh < kernel; kh++) {
          for (int kw = 0; kw < kernel; kw++) {
            gws[gwo + (c * kernel + kh) * kernel + kw] += scale * dot(mkl, span, gp, gradStart, xp,
                geo.tapOffset(kh, kw));
          }
        }
      }
    }
    if (weightRegularizer != null) {
      weightRegularizer.accRegularization(weight, gradWeight, scaleW());
    }
  }

  /**
   * The layout of one call: phase planes of {@code rows x pitch} per sample ({@code region} floats), samples
   * stacked, one phase after the other every {@code phaseStride} floats. {@code shift} = (k - 1) / stride is the
   * largest tap offset inside a phase plane, so rows = output rows + shift and pitch = output width + shift.
   */
  private final class Geometry {
    final int n;
    final int h;
    final int w;
    final int oh;
    final int ow;
    final int padTop;
    final int padLeft;
    final int shift;
    final int rows;
    final int pitch;
    final int region;
    final int phases;
    final int blockSamples;
    /**
     * A block's planes plus shift + 1 spare zero rows: the reads of the dropped columns past the last sample,
     * and of the input gradient's shifted taps, stay inside the buffer and read zeros.
     */
    final int phaseStride;
    /**
     * Where input row r starts among a sample's phase planes (its phase's offset plus its phase row), or -1 for
     * a row no tap reads (only when the input is taller than the outputs need).
     */
    final int[] rowStart;
    /** The phase rows holding input pixels (of any phase): {@code [inputRowFrom, inputRowTo)}. */
    final int inputRowFrom;
    final int inputRowTo;
    /** Per phase column b: the first input column landing in it, where it lands, and how many do. */
    final int[] colFirst;
    final int[] colStart;
    final int[] colCount;

    Geometry(int n, int h, int w) {
      this.n = n;
      this.h = h;
      this.w = w;
      int[] sh = same(h, kernel, stride);
      int[] sw = same(w, kernel, stride);
      this.oh = sh[0];
      this.ow = sw[0];
      this.padTop = sh[1];
      this.padLeft = sw[1];
      this.shift = (kernel - 1) / stride;
      this.rows = oh + shift;
      this.pitch = ow + shift;
      this.region = rows * pitch;
      this.phases = stride * stride;
      this.blockSamples = Math.max(1, Math.min(n, BLOCK_FLOATS / (phases * region)));
      this.phaseStride = blockSamples * region + (shift + 1) * pitch;
      // Padded row r + padTop is phase row (r + padTop) / s of phase row-class (r + padTop) % s; likewise columns.
      this.rowStart = new int[h];
      for (int r = 0; r < h; r++) {
        int pr = r + padTop;
        rowStart[r] = pr / stride < rows ? (pr % stride) * stride * phaseStride + (pr / stride) * pitch : -1;
      }
      this.inputRowFrom = Math.min(rows, padTop / stride);
      this.inputRowTo = Math.max(inputRowFrom, Math.min(rows, (h - 1 + padTop) / stride + 1));
      this.colFirst = new int[stride];
      this.colStart = new int[stride];
      this.colCount = new int[stride];
      for (int b = 0; b < stride; b++) {
        int first = Math.floorMod(b - padLeft, stride);
        int j = (first + padLeft) / stride;
        colFirst[b] = first;
        colStart[b] = b * phaseStride + j;
        colCount[b] = Math.max(0, Math.min((w - first + stride - 1) / stride, pitch - j));
      }
    }

    int phaseOf(int kh, int kw) {
      return (kh % stride) * stride + kw % stride;
    }

    /** Where tap (kh, kw) reads for output position 0 of the block. */
    int tapOffset(int kh, int kw) {
      return phaseOf(kh, kw) * phaseStride + (kh / stride) * pitch + kw / stride;
    }

    /** Accumulator positions up to the last sample's last output row (its full pitch). */
    int outputSpan(int samples) {
      return (samples - 1) * region + oh * pitch;
    }
  }

  /**
   * Copies channel {@code c} of samples {@code first .. first + count - 1} into the phase planes
   * ({@link Geometry#rowStart}, {@link Geometry#colStart}). Padding positions are never written and stay zero
   * (the buffer is cleared per call); when the block is not full, the next sample's first row is cleared,
   * since the dropped columns read into it.
   */
  private void gatherPhases(Geometry geo, float[] xs, int xo, int c, int first, int count, float[] xp) {
    int plane = geo.h * geo.w;
    for (int q = 0; q < count; q++) {
      int src = xo + ((first + q) * channels + c) * plane;
      int dst = q * geo.region;
      for (int r = 0; r < geo.h; r++) {
        if (geo.rowStart[r] < 0) {
          continue;
        }
        int srcRow = src + r * geo.w;
        int dstRow = dst + geo.rowStart[r];
        if (stride == 1) {
          System.arraycopy(xs, srcRow, xp, dstRow + geo.colStart[0], geo.colCount[0]);
          continue;
        }
        for (int b = 0; b < stride; b++) {
          int from = srcRow + geo.colFirst[b];
          int to = dstRow + geo.colStart[b];
          for (int t = 0; t < geo.colCount[b]; t++) {
            xp[to + t] = xs[from + t * stride];
          }
        }
      }
    }
    if (count < geo.blockSamples) {
      for (int p = 0; p < geo.phases; p++) {
        int at = p * geo.phaseStride + count * geo.region;
        Arrays.fill(xp, at, at + geo.pitch, 0f);
      }
    }
  }

  /** Output gradient rows at row {@code shift + r}, column {@code shift}, of each sample's plane (zeros around). */
  private void placeShiftedGrad(Geometry geo, float[] gs, int go, int c, int first, int count, float[] gp) {
    int plane = geo.oh * geo.ow;
    for (int q = 0; q < count; q++) {
      int src = go + ((first + q) * channels + c) * plane;
      int dst = q * geo.region + geo.shift * geo.pitch + geo.shift;
      for (int r = 0; r < geo.oh; r++) {
        System.arraycopy(gs, src + r * geo.ow, gp, dst + r * geo.pitch, geo.ow);
      }
    }
  }

  /**
   * The inverse of {@link #gatherPhases}: each input gradient pixel from its phase position; pixels no tap
   * reads (beyond the phase planes) get 0.
   */
  private void scatterPhases(Geometry geo, float[] acc, float[] is, int io, int c, int first, int count) {
    int plane = geo.h * geo.w;
    for (int q = 0; q < count; q++) {
      int dst = io + ((first + q) * channels + c) * plane;
      int src = q * geo.region;
      for (int r = 0; r < geo.h; r++) {
        int dstRow = dst + r * geo.w;
        if (geo.rowStart[r] < 0) {
          Arrays.fill(is, dstRow, dstRow + geo.w, 0f);
          continue;
        }
        int srcRow = src + geo.rowStart[r];
        if (stride == 1) {
          System.arraycopy(acc, srcRow + geo.colStart[0], is, dstRow, geo.colCount[0]);
          Arrays.fill(is, dstRow + geo.colCount[0], dstRow + geo.w, 0f);
          continue;
        }
        for (int b = 0; b < stride; b++) {
          int from = srcRow + geo.colStart[b];
          int to = dstRow + geo.colFirst[b];
          int t = 0;
          for (; t < geo.colCount[b]; t++) {
            is[to + t * stride] = acc[from + t];
          }
          for (int col = geo.colFirst[b] + t * stride; col < geo.w; col += stride) {
            is[dstRow + col] = 0f;
          }
        }
      }
    }
  }

  private float[] phaseBuffer(Geometry geo) {
    phases = cleared(phases, geo.phases * geo.phaseStride);
    return phases;
  }

  private float[] shiftedGradBuffer(Geometry geo) {
    shiftedGrad = cleared(shiftedGrad, geo.phaseStride);
    return shiftedGrad;
  }

  private float[] accumulatorBuffer(int size) {
    if (accumulator == null || accumulator.length < size) {
      accumulator = new float[size];
    }
    return accumulator;
  }

  /** A zeroed buffer of at least {@code size} floats, the old one when large enough. */
  private static float[] cleared(float[] buffer, int size) {
    if (buffer == null || buffer.length < size) {
      return new float[size];
    }
    Arrays.fill(buffer, 0, size, 0f);
    return buffer;
  }

  private boolean useMkl() {
    return mklOverride != null ? mklOverride : MKL.isMKLLoaded();
  }

  /** Tests: true forces MKL's axpy/dot, false the plain Java loops, null decides by whether MKL is loaded. */
  void useMkl(Boolean mkl) {
    this.mklOverride = mkl;
  }

  private static void axpy(boolean mkl, int n, float a, float[] x, int xo, float[] y, int yo) {
    if (mkl) {
      MKL.vsaxpy(n, a, x, xo, 1, y, yo, 1);
      return;
    }
    for (int i = 0; i < n; i++) {
      y[yo + i] += a * x[xo + i];
    }
  }

  private static float dot(boolean mkl, int n, float[] x, int xo, float[] y, int yo) {
    if (mkl) {
      return MKL.vsdot(n, x, xo, 1, y, yo, 1);
    }
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) x[xo + i] * y[yo + i];
    }
    return (float) s;
  }

  @Override
  public Tuple2<Tensor<Float>[], Tensor<Float>[]> parameters() {
    @SuppressWarnings("unchecked")
    Tensor<Float>[] weights = new Tensor[] {weight};
    @SuppressWarnings("unchecked")
    Tensor<Float>[] gradients = new Tensor[] {gradWeight};
    return new Tuple2<>(weights, gradients);
  }

  /** Drops the scratch buffers too (BigDL calls this before saving or copying a model). */
  @Override
  public DepthwiseConvolution clearState() {
    super.clearState();
    phases = null;
    shiftedGrad = null;
    accumulator = null;
    return this;
  }

  /** Needed by BigDL's MKL-DNN {@code BlasWrapper} should the layer ever run inside an IR graph. */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    scala.collection.Seq<Object> s = inputShape.toSingle();
    if (s.size() != 4) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + " takes (N, C, H, W), got "
          + inputShape);
    }
    return com.intel.analytics.bigdl.utils.Shape$.MODULE$.apply(new int[] {(Integer) s.apply(0), channels,
        same((Integer) s.apply(2), kernel, stride)[0], same((Integer) s.apply(3), kernel, stride)[0]});
  }

  private Tensor<Float> checked(Tensor<Float> input) {
    if (input.dim() != 4 || input.size(2) != channels) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + " takes (N, " + channels
          + ", H, W), got shape " + Arrays.toString(input.size()));
    }
    return Dense.contiguous(input);
  }

  private Tensor<Float> gradOutputChecked(Tensor<Float> gradOutput, Geometry geo) {
    if (gradOutput.dim() != 4 || gradOutput.size(1) != geo.n || gradOutput.size(2) != channels
        || gradOutput.size(3) != geo.oh || gradOutput.size(4) != geo.ow) {
      throw new IllegalArgumentException("DepthwiseConvolution " + getName() + ": gradOutput must be (" + geo.n
          + ", " + channels + ", " + geo.oh + ", " + geo.ow + "), got " + Arrays.toString(gradOutput.size()));
    }
    return Dense.contiguous(gradOutput);
  }

  private static float[] data(Tensor<Float> t) {
    return Dense.data(t);
  }

  private static int offset(Tensor<Float> t) {
    return Dense.offset(t);
  }

  @Override
  public String toString() {
    return "DepthwiseConvolution(" + channels + ", " + kernel + "x" + kernel + ", stride " + stride + ")["
        + getName() + "]";
  }
}
