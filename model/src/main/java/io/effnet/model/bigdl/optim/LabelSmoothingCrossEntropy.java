package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.nn.abstractnn.TensorCriterion;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;

/**
 * Softmax cross-entropy against label-smoothed targets, as the EfficientNet reference's
 * {@code tf.losses.softmax_cross_entropy(onehot_labels, logits, label_smoothing=0.1)} (tensorflow/tpu efficientnet
 * main.py; TF smooths as {@code onehot * (1 - eps) + eps / K}):
 * <pre>
 *   q_k  = (1 - eps) [k = label] + eps / K
 *   loss = mean over the N samples of  - sum_k q_k log softmax(x)_k  =  logsumexp(x) - sum_k q_k x_k
 *   d loss / d x_k = (softmax(x)_k - q_k) / N
 * </pre>
 * Input and target as BigDL's {@code CrossEntropyCriterion}: logits N x K (or a single sample of K), labels N
 * (or N x 1) 1-based class numbers stored as floats. With eps = 0 it is that criterion. The log-softmax subtracts
 * each row's maximum and sums in double precision, so large logits neither overflow nor lose the small classes.
 * Backward recomputes the softmax from the input instead of keeping it from forward (a criterion may be
 * forwarded for evaluation without a backward).
 */
public final class LabelSmoothingCrossEntropy extends TensorCriterion<Float> {
  private static final long serialVersionUID = 1L;

  /** The reference's {@code --label_smoothing}. */
  public static final double REFERENCE_SMOOTHING = 0.1;

  private final double smoothing;

  /** @param smoothing eps in [0, 1): the probability mass spread uniformly over all classes */
  public LabelSmoothingCrossEntropy(double smoothing) {
    super(BigDL.tag(), BigDL.numeric());
    if (!(smoothing >= 0 && smoothing < 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
    }
    this.smoothing = smoothing;
  }

  /** Smoothing 0.1, as the EfficientNet reference. */
  public static LabelSmoothingCrossEntropy efficientNetReference() {
    return new LabelSmoothingCrossEntropy(REFERENCE_SMOOTHING);
  }

  public double smoothing() {
    return smoothing;
  }

  @Override
  public Float updateOutput(Tensor<Float> input, Tensor<Float> target) {
    Batch b = new Batch(input, target);
    double offValue = smoothing / b.classes;
    double onValue = 1 - smoothing + offValue;
    double total = 0;
    for (int r = 0; r < b.rows; r++) {
      int row = b.offset + r * b.classes;
      double logSumExp = logSumExp(b.logits, row, b.classes);
      double sumLogits = 0;
      for (int k = 0; k < b.classes; k++) {
        sumLogits += b.logits[row + k];
      }
      // sum_k q_k x_k with q = off everywhere plus (on - off) at the label.
      double expectedLogit = offValue * sumLogits + (onValue - offValue) * b.logits[row + b.labels[r]];
      total += logSumExp - expectedLogit;
    }
    float loss = (float) (total / b.rows);
    output_$eq(loss);
    return loss;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> target) {
    Batch b = new Batch(input, target);
    Tensor<Float> grad = gradInput().resizeAs(input);
    float[] out = FloatArrays.data(grad);
    int go = FloatArrays.offset(grad);
    double offValue = smoothing / b.classes;
    double onValue = 1 - smoothing + offValue;
    double perSample = 1.0 / b.rows;
    for (int r = 0; r < b.rows; r++) {
      int row = b.offset + r * b.classes;
      int outRow = go + r * b.classes;
      double logSumExp = logSumExp(b.logits, row, b.classes);
      for (int k = 0; k < b.classes; k++) {
        double softmax = Math.exp(b.logits[row + k] - logSumExp);
        double q = k == b.labels[r] ? onValue : offValue;
        out[outRow + k] = (float) ((softmax - q) * perSample);
      }
    }
    return grad;
  }

  /** {@code log sum_k exp(x_k)} of one row, shifted by the row's maximum. */
  private static double logSumExp(float[] x, int from, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int k = 0; k < n; k++) {
      max = Math.max(max, x[from + k]);
    }
    if (Float.isInfinite(max)) {
      // All -inf gives NaN downstream anyway; +inf has no finite log-sum-exp. Report the logits, not a NaN loss.
      throw new IllegalArgumentException("LabelSmoothingCrossEntropy: a row of logits has maximum " + max);
    }
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += Math.exp((double) x[from + k] - max);
    }
    return max + Math.log(sum);
  }

  @Override
  public String toString() {
    return "LabelSmoothingCrossEntropy(" + smoothing + ")";
  }

  /** Logits as a contiguous N x K array and the 0-based labels, validated. */
  private static final class Batch {
    final float[] logits;
    final int offset;
    final int rows;
    final int classes;
    final int[] labels;

    Batch(Tensor<Float> input, Tensor<Float> target) {
      if (input.dim() != 1 && input.dim() != 2) {
        throw new IllegalArgumentException("LabelSmoothingCrossEntropy: logits must be K or N x K, got "
            + input.dim() + " dimensions");
      }
      rows = input.dim() == 1 ? 1 : input.size(1);
      classes = input.size(input.dim());
      if (classes < 1 || rows < 1) {
        throw new IllegalArgumentException("LabelSmoothingCrossEntropy: empty logits (" + rows + " x " + classes
            + ")");
      }
      if (target.nElement() != rows) {
        throw new IllegalArgumentException("LabelSmoothingCrossEntropy: " + rows + " samples but "
            + target.nElement() + " labels");
      }
      Tensor<Float> x = FloatArrays.contiguous(input);
      logits = FloatArrays.data(x);
      offset = FloatArrays.offset(x);
      Tensor<Float> t = FloatArrays.contiguous(target);
      float[] ts = FloatArrays.data(t);
      int to = FloatArrays.offset(t);
      labels = new int[rows];
      for (int r = 0; r < rows; r++) {
        float v = ts[to + r];
        int label = (int) v;
        if (label != v || label < 1 || label > classes) {
          throw new IllegalArgumentException("LabelSmoothingCrossEntropy: label " + v + " of sample " + (r + 1)
              + " is not a class number in 1.." + classes + " (labels are 1-based, as for BigDL's "
              + "CrossEntropyCriterion)");
        }
        labels[r] = label - 1;
      }
    }
  }
}
