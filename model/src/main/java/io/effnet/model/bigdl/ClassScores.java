package io.effnet.model.bigdl;

/**
 * What a classifier's logits mean, in double precision: the softmax distribution, the log-probability of one
 * class (the cross-entropy of a sample is its negative) and the ranking of classes. Evaluation and
 * prediction both rank with {@link #ranking}, so "the top-1 class" is one thing everywhere: highest logit,
 * ties to the lower class id.
 */
public final class ClassScores {
  private ClassScores() {}

  /** Softmax in double, shifted by the largest logit so that no exponential overflows; sums to 1. */
  public static double[] softmax(float[] logits) {
    requireClasses(logits);
    double max = max(logits);
    double[] p = new double[logits.length];
    double sum = 0;
    for (int c = 0; c < logits.length; c++) {
      p[c] = Math.exp(logits[c] - max);
      sum += p[c];
    }
    for (int c = 0; c < p.length; c++) {
      p[c] /= sum;
    }
    return p;
  }

  /**
   * log softmax(logits)[cls] as logit - logsumexp(logits): finite even where the probability underflows to 0,
   * so a confidently wrong sample adds a large but finite loss.
   */
  public static double logProbability(float[] logits, int cls) {
    requireClasses(logits);
    if (cls < 0 || cls >= logits.length) {
      throw new IllegalArgumentException("class " + cls + " is outside 0.." + (logits.length - 1));
    }
    double max = max(logits);
    return logits[cls] - max - Math.log(sumOfExp(logits, max));
  }

  /** log(sum of exp(logits)), shifted by the largest logit so that no exponential overflows. */
  public static double logSumExp(float[] logits) {
    requireClasses(logits);
    double max = max(logits);
    return max + Math.log(sumOfExp(logits, max));
  }

  private static double sumOfExp(float[] logits, double max) {
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    return sum;
  }

  /** The {@code k} best classes, best first: highest logit, ties to the lower class id. k is capped at the class count. */
  public static int[] ranking(float[] logits, int k) {
    requireClasses(logits);
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    int n = Math.min(k, logits.length);
    int[] top = new int[n];
    int filled = 0;
    for (int c = 0; c < logits.length; c++) {
      // Insertion into the sorted prefix: k is small (5) next to the class count (up to 1000s).
      int pos = filled;
      while (pos > 0 && logits[c] > logits[top[pos - 1]]) {
        pos--;
      }
      if (pos >= n) {
        continue;
      }
      int end = Math.min(filled, n - 1);
      System.arraycopy(top, pos, top, pos + 1, end - pos);
      top[pos] = c;
      filled = Math.min(filled + 1, n);
    }
    return top;
  }

  /** The 0-based rank of {@code cls} in {@link #ranking} order (0 = top-1). */
  public static int rank(float[] logits, int cls) {
    requireClasses(logits);
    int rank = 0;
    for (int c = 0; c < logits.length; c++) {
      if (logits[c] > logits[cls] || (logits[c] == logits[cls] && c < cls)) {
        rank++;
      }
    }
    return rank;
  }

  private static double max(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      if (Float.isNaN(l)) {
        throw new IllegalArgumentException("logits contain NaN: the model's weights or input are broken");
      }
      max = Math.max(max, l);
    }
    return max;
  }

  private static void requireClasses(float[] logits) {
    if (logits == null || logits.length == 0) {
      throw new IllegalArgumentException("no logits");
    }
  }
}
