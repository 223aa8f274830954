package io.effnet.model.bigdl.layers;

import static io.effnet.model.bigdl.layers.Checks.assertAllFinite;
import static io.effnet.model.bigdl.layers.Checks.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SigmoidTest {
  private static final int[] SHAPE = {2, 3, 4, 5};
  private static final int N = 2 * 3 * 4 * 5;

  @Test
  void forwardIsLogistic() {
    float[] x = Checks.gaussian(new Random(11), N, 4);
    float[] y = Checks.values(new Sigmoid().forward(Checks.tensor(x, SHAPE)));
    double[] expected = new double[N];
    for (int i = 0; i < N; i++) {
      expected[i] = 1 / (1 + Math.exp(-x[i]));
    }
    assertClose(expected, y, 1e-6, 1e-7, "sigmoid");
  }

  @Test
  void backwardMatchesCentralDifferences() {
    Random random = new Random(12);
    float[] x = Checks.gaussian(random, N, 2);
    float[] g = Checks.uniform(random, N, -1, 1);
    Sigmoid sigmoid = new Sigmoid();
    sigmoid.forward(Checks.tensor(x, SHAPE));
    float[] analytic = Checks.values(sigmoid.backward(Checks.tensor(x, SHAPE), Checks.tensor(g, SHAPE)));
    double[] numeric = Checks.numericGradient(
        xs -> Checks.dot(g, Checks.values(new Sigmoid().forward(Checks.tensor(xs, SHAPE)))), x, 1e-2f);
    assertClose(numeric, analytic, 1e-2, 1e-4, "sigmoid gradInput");
  }

  @Test
  void largeMagnitudesSaturateWithoutNaN() {
    float[] x = {-1e30f, -1000f, 1000f, 1e30f};
    Sigmoid sigmoid = new Sigmoid();
    float[] y = Checks.values(sigmoid.forward(Checks.tensor(x, 4)));
    float[] gi = Checks.values(sigmoid.backward(Checks.tensor(x, 4), Checks.tensor(new float[] {1, 1, 1, 1}, 4)));
    assertArrayEquals(new float[] {0f, 0f, 1f, 1f}, y, 0f);
    assertAllFinite(gi, "sigmoid gradInput");
    assertArrayEquals(new float[] {0f, 0f, 0f, 0f}, gi, 0f);
  }
}
