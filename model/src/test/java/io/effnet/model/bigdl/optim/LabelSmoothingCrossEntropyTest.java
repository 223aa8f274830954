package io.effnet.model.bigdl.optim;

import static io.effnet.model.bigdl.optim.OptimTesting.assertClose;
import static io.effnet.model.bigdl.optim.OptimTesting.tensor;
import static io.effnet.model.bigdl.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LabelSmoothingCrossEntropyTest {
  private static final float[] LOGITS = {1, 2, 3, 0, 0, 0};
  private static final float[] LABELS = {3, 1};

  /**
   * eps 0.1, K 3: q = 0.1/3 off the label, 0.9 + 0.1/3 on it.
   * <pre>
   * row 1, logits (1, 2, 3), label 3: logsumexp = 3 + log(1 + e^-1 + e^-2) = 3.4076059644;
   *        sum q x = (1 + 2 + 3) / 30 + 0.9 x 3 = 2.9;  loss 0.5076059644
   * row 2, logits (0, 0, 0), label 1: logsumexp = log 3 = 1.0986122887; sum q x = 0;  loss 1.0986122887
   * mean 0.8031091266
   * gradient (softmax - q) / 2: row 1 softmax (0.0900305732, 0.2447284711, 0.6652409558)
   *        -> (0.0283486199, 0.1056975689, -0.1340461888); row 2 (1/3 - q) / 2 = (-0.3, 0.15, 0.15)
   * </pre>
   */
  @Test
  void lossAndGradientOfATwoByThreeExample() {
    LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
    Tensor<Float> x = tensor(LOGITS, 2, 3);
    Tensor<Float> t = tensor(LABELS, 2);
    assertEquals(0.8031091265562453, ce.forward(x, t), 1e-6);
    assertEquals(0.8031091265562453, ce.output(), 1e-6);
    Tensor<Float> grad = ce.backward(x, t);
    assertEquals(2, grad.dim());
    assertEquals(3, grad.size(2));
    assertClose(new double[] {0.02834861991852355, 0.10569756886073213, -0.13404618877925584, -0.3, 0.15, 0.15},
        values(grad), 1e-5, "gradient");
  }

  @Test
  void gradientMatchesCentralDifferences() {
    Random random = new Random(3);
    int n = 4;
    int k = 5;
    float[] logits = new float[n * k];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (random.nextGaussian() * 2);
    }
    float[] labels = {2, 5, 1, 3};
    LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.2);
    float[] analytic = values(ce.backward(tensor(logits, n, k), tensor(labels, n)));
    double[] numeric = new double[logits.length];
    float h = 1e-2f;
    for (int i = 0; i < logits.length; i++) {
      float[] plus = logits.clone();
      float[] minus = logits.clone();
      plus[i] += h;
      minus[i] -= h;
      double fPlus = lossInDouble(plus, labels, n, k, 0.2);
      double fMinus = lossInDouble(minus, labels, n, k, 0.2);
      numeric[i] = (fPlus - fMinus) / ((double) plus[i] - minus[i]);
      // The criterion's own forward must agree with the independent double-precision loss.
      assertEquals(fPlus, ce.forward(tensor(plus, n, k), tensor(labels, n)), 1e-6);
    }
    assertClose(numeric, analytic, 2e-3, "gradient vs central differences");
  }

  @Test
  void withoutSmoothingItIsBigDLsCrossEntropyCriterion() {
    Random random = new Random(11);
    int n = 8;
    int k = 10;
    float[] logits = new float[n * k];
    float[] labels = new float[n];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    for (int i = 0; i < n; i++) {
      labels[i] = 1 + random.nextInt(k);
    }
    LabelSmoothingCrossEntropy ours = new LabelSmoothingCrossEntropy(0);
    CrossEntropyCriterion<Float> bigdl = new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric());
    float expectedLoss = bigdl.forward(tensor(logits, n, k), tensor(labels, n));
    float[] expectedGrad = values(bigdl.backward(tensor(logits, n, k), tensor(labels, n)));
    assertEquals(expectedLoss, ours.forward(tensor(logits, n, k), tensor(labels, n)), 1e-5);
    double[] expected = new double[expectedGrad.length];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = expectedGrad[i];
    }
    float[] actual = values(ours.backward(tensor(logits, n, k), tensor(labels, n)));
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-6, "gradient " + i);
    }
  }

  @Test
  void largeLogitsStayFinite() {
    LabelSmoothingCrossEntropy ce = LabelSmoothingCrossEntropy.efficientNetReference();
    Tensor<Float> x = tensor(new float[] {1000f, -1000f, 0f}, 1, 3);
    Tensor<Float> t = tensor(new float[] {2f}, 1, 1); // N x 1 targets, as BigDL's samples give them
    // logsumexp = 1000; sum q x = (1000 - 1000 + 0) / 30 + 0.9 x (-1000) = -900; loss 1900
    assertEquals(1900.0, ce.forward(x, t), 1e-2);
    float[] g = values(ce.backward(x, t));
    assertClose(new double[] {1 - 0.1 / 3, -(0.9 + 0.1 / 3), -0.1 / 3}, g, 1e-5, "gradient");
  }

  @Test
  void singleSampleInput() {
    LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
    assertEquals(0.5076059644, ce.forward(tensor(new float[] {1, 2, 3}, 3), tensor(new float[] {3}, 1)), 1e-6);
    assertEquals(1, ce.backward(tensor(new float[] {1, 2, 3}, 3), tensor(new float[] {3}, 1)).dim());
  }

  @Test
  void refusesLabelsOutsideTheClasses() {
    LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
        () -> ce.forward(tensor(LOGITS, 2, 3), tensor(new float[] {0, 1}, 2)));
    assertTrue(zero.getMessage().contains("1-based"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ce.forward(tensor(LOGITS, 2, 3), tensor(new float[] {4, 1}, 2)));
    assertThrows(IllegalArgumentException.class,
        () -> ce.forward(tensor(LOGITS, 2, 3), tensor(new float[] {1.5f, 1}, 2)));
    assertThrows(IllegalArgumentException.class, () -> ce.forward(tensor(LOGITS, 2, 3), tensor(new float[] {1}, 1)));
    assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingCrossEntropy(1.0));
    assertThrows(IllegalArgumentException.class, () -> new LabelSmoothingCrossEntropy(-0.1));
  }

  @Test
  void cloneCriterionAndSerializationKeepTheSmoothing() {
    LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0.1);
    AbstractCriterion<Tensor<Float>, Tensor<Float>, Float> cloned = ce.cloneCriterion();
    LabelSmoothingCrossEntropy deserialized = OptimTesting.javaRoundTrip(ce);
    assertEquals(0.8031091265562453, cloned.forward(tensor(LOGITS, 2, 3), tensor(LABELS, 2)), 1e-6);
    assertEquals(0.1, deserialized.smoothing(), 0);
    assertEquals(0.8031091265562453, deserialized.forward(tensor(LOGITS, 2, 3), tensor(LABELS, 2)), 1e-6);
  }

  /** The definition, in double precision: mean of -sum q log softmax. */
  private static double lossInDouble(float[] logits, float[] labels, int n, int k, double eps) {
    double total = 0;
    for (int r = 0; r < n; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        max = Math.max(max, logits[r * k + c]);
      }
      double sum = 0;
      for (int c = 0; c < k; c++) {
        sum += Math.exp(logits[r * k + c] - max);
      }
      double logZ = max + Math.log(sum);
      for (int c = 0; c < k; c++) {
        double q = eps / k + (c == (int) labels[r] - 1 ? 1 - eps : 0);
        total -= q * (logits[r * k + c] - logZ);
      }
    }
    return total / n;
  }
}
