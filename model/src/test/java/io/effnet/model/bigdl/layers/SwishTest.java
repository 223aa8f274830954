package io.effnet.model.bigdl.layers;

import static io.effnet.model.bigdl.layers.Checks.assertAllFinite;
import static io.effnet.model.bigdl.layers.Checks.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SwishTest {
  private static final int[] SHAPE = {2, 3, 4, 5};
  private static final int N = 2 * 3 * 4 * 5;

  @Test
  void forwardIsXTimesSigmoidOfX() {
    float[] x = Checks.gaussian(new Random(1), N, 3);
    float[] y = Checks.values(new Swish().forward(Checks.tensor(x, SHAPE)));
    double[] expected = new double[N];
    for (int i = 0; i < N; i++) {
      expected[i] = x[i] * (1 / (1 + Math.exp(-x[i])));
    }
    assertClose(expected, y, 1e-6, 1e-7, "swish");
  }

  @Test
  void backwardMatchesCentralDifferences() {
    Random random = new Random(2);
    float[] x = Checks.gaussian(random, N, 2);
    float[] g = Checks.uniform(random, N, -1, 1);
    Swish swish = new Swish();
    float[] analytic = Checks.values(swish.backward(Checks.tensor(x, SHAPE), Checks.tensor(g, SHAPE)));
    double[] numeric = Checks.numericGradient(
        xs -> Checks.dot(g, Checks.values(new Swish().forward(Checks.tensor(xs, SHAPE)))), x, 1e-2f);
    assertClose(numeric, analytic, 1e-2, 1e-4, "swish gradInput");
  }

  @Test
  void backwardMatchesClosedFormInDoubles() {
    Random random = new Random(3);
    float[] x = Checks.gaussian(random, N, 4);
    float[] g = Checks.uniform(random, N, -1, 1);
    float[] analytic = Checks.values(new Swish().backward(Checks.tensor(x, SHAPE), Checks.tensor(g, SHAPE)));
    double[] expected = new double[N];
    for (int i = 0; i < N; i++) {
      double s = 1 / (1 + Math.exp(-x[i]));
      expected[i] = g[i] * (s + x[i] * s * (1 - s));
    }
    assertClose(expected, analytic, 1e-5, 1e-7, "swish gradInput");
  }

  @Test
  void largeMagnitudesStayFinite() {
    float[] x = {-1e30f, -1000f, -100f, 100f, 1000f, 1e30f};
    float[] ones = {1, 1, 1, 1, 1, 1};
    Swish swish = new Swish();
    float[] y = Checks.values(swish.forward(Checks.tensor(x, 6)));
    float[] gi = Checks.values(swish.backward(Checks.tensor(x, 6), Checks.tensor(ones, 6)));
    assertAllFinite(y, "swish output");
    assertAllFinite(gi, "swish gradInput");
    assertEquals(0f, y[0], 0f);
    assertEquals(0f, y[1], 0f);
    assertEquals(-100f * (float) (1 / (1 + Math.exp(100))), y[2], 1e-30f);
    assertArrayEquals(new float[] {100f, 1000f, 1e30f}, new float[] {y[3], y[4], y[5]}, 0f);
    assertArrayEquals(new float[] {0f, 0f, 0f, 1f, 1f, 1f}, gi, 1e-30f);
  }

  @Test
  void nonContiguousInputIsReadInLogicalOrder() {
    float[] x = Checks.gaussian(new Random(4), 12, 2);
    Tensor<Float> transposed = Checks.tensor(x, 3, 4).transpose(1, 2);
    float[] y = Checks.values(new Swish().forward(transposed));
    float[] logical = Checks.values(transposed);
    double[] expected = new double[12];
    for (int i = 0; i < 12; i++) {
      expected[i] = logical[i] / (1 + Math.exp(-logical[i]));
    }
    assertClose(expected, y, 1e-6, 1e-7, "swish of a transposed view");
  }
}
