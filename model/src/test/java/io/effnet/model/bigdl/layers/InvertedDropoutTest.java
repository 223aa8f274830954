package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InvertedDropoutTest {
  private static final int B = 16;
  private static final int C = 50;

  private static Tensor<Float> batch(float[] data) {
    return Checks.tensor(data, data.length / C, C);
  }

  private static float[] forward(InvertedDropout d, float[] x) {
    return Checks.values(d.forward(batch(x)));
  }

  @Test
  void evaluationModeAndZeroRateAreTheIdentity() {
    float[] x = Checks.gaussian(new Random(1), B * C, 1);
    InvertedDropout eval = new InvertedDropout(0.5);
    eval.evaluate();
    assertArrayEquals(x, forward(eval, x), 0f);
    assertArrayEquals(x, Checks.values(eval.backward(batch(x), batch(x))), 0f);
    assertArrayEquals(x, forward(new InvertedDropout(0), x), 0f);
  }

  @Test
  void keptElementsAreScaledDroppedOnesZeroAndBackwardUsesTheSameMask() {
    double rate = 0.3;
    float[] x = Checks.uniform(new Random(2), 64 * C, 0.5, 2);
    float[] g = Checks.uniform(new Random(3), 64 * C, 0.5, 2);
    InvertedDropout d = new InvertedDropout(rate);
    float[] y = forward(d, x);
    float[] gi = Checks.values(d.backward(batch(x), batch(g)));
    float scale = (float) (1 / (1 - rate));
    int kept = 0;
    for (int i = 0; i < x.length; i++) {
      boolean isKept = y[i] != 0f;
      kept += isKept ? 1 : 0;
      assertEquals(isKept ? x[i] * scale : 0f, y[i], 0f);
      assertEquals(isKept ? g[i] * scale : 0f, gi[i], 0f, "gradient must use the forward's mask");
    }
    // 3200 Bernoulli(0.7) draws: standard deviation of the rate 0.008.
    assertEquals(1 - rate, (double) kept / x.length, 0.04);
  }

  /** Masks are a function of (seed, name, forward count, input): copies agree, the count and the seed matter. */
  @Test
  void masksRepeatForTheSeedCountAndInputOnly() {
    float[] x = Checks.gaussian(new Random(4), B * C, 1);
    float[] other = Checks.gaussian(new Random(5), B * C, 1);
    InvertedDropout a = new InvertedDropout(0.5);
    InvertedDropout b = new InvertedDropout(0.5);
    for (InvertedDropout d : new InvertedDropout[] {a, b}) {
      d.setName("top_dropout");
      d.seedMasks(9);
    }
    float[] first = forward(a, x);
    assertArrayEquals(first, forward(b, x), 0f);
    assertFalse(Arrays.equals(first, forward(a, x)), "the next forward draws a new mask");
    InvertedDropout c = new InvertedDropout(0.5);
    c.setName("top_dropout");
    c.seedMasks(9);
    assertFalse(Arrays.equals(mask(forward(c, other)), mask(first)), "another input (replica) draws another mask");
    InvertedDropout d = new InvertedDropout(0.5);
    d.setName("top_dropout");
    d.seedMasks(10);
    assertFalse(Arrays.equals(first, forward(d, x)), "another seed draws another mask");
    a.seedMasks(9);
    assertArrayEquals(first, forward(a, x), 0f, "reseeding restarts the stream");
  }

  private static boolean[] mask(float[] y) {
    boolean[] m = new boolean[y.length];
    for (int i = 0; i < y.length; i++) {
      m[i] = y[i] != 0f;
    }
    return m;
  }

  @Test
  void rateOutsideTheUnitIntervalIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(1));
    assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new InvertedDropout(Double.NaN));
  }
}
