package io.effnet.model.bigdl.optim;

import static io.effnet.model.bigdl.optim.OptimTesting.assertClose;
import static io.effnet.model.bigdl.optim.OptimTesting.step;
import static io.effnet.model.bigdl.optim.OptimTesting.tensor;
import static io.effnet.model.bigdl.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.optim.SGD;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SgdMomentumTest {
  private static final double REL = 2e-6;
  private static final float[] X0 = {1f, -2f, 0.5f};
  private static final OptimTesting.Quadratic OBJECTIVE = new OptimTesting.Quadratic(1f, 0.25f, 4f);

  /** Rates 0, 0.05, 0.097 for steps 0, 1, 2. */
  private static RateSchedule threeStepSchedule() {
    return WarmupExponentialSchedule.builder(0.1, 2).warmupEpochs(1).decayEpochs(1).build();
  }

  /**
   * v = 0.9 v + g; x -= lr v, by hand:
   * <pre>
   * step 1, lr 0:     g = (1, -0.5, 2); v = g;                       x unchanged
   * step 2, lr 0.05:  g unchanged; v = (1.9, -0.95, 3.8);          x = (0.905, -1.9525, 0.31)
   * step 3, lr 0.097: g = (0.905, -0.488125, 1.24); v = (2.615, -1.343125, 4.66)
   *                   x = (0.651345, -1.822216875, -0.14202)
   * </pre>
   */
  @Test
  void threeStepsOfHeavyBallMomentum() {
    SgdMomentum sgd = new SgdMomentum(threeStepSchedule(), 0.9, false);
    Tensor<Float> x = tensor(X0, 3);
    step(sgd, OBJECTIVE, x, 1);
    assertClose(new double[] {1, -2, 0.5}, values(x), REL, "x after step 1");
    assertClose(new double[] {1, -0.5, 2}, values(RmsPropMomentumTest.buffer(sgd, "momentum")), REL, "v after 1");
    step(sgd, OBJECTIVE, x, 2);
    assertClose(new double[] {0.905, -1.9525, 0.31}, values(x), REL, "x after step 2");
    step(sgd, OBJECTIVE, x, 3);
    assertClose(new double[] {2.615, -1.343125, 4.66}, values(RmsPropMomentumTest.buffer(sgd, "momentum")), REL,
        "v after step 3");
    assertClose(new double[] {0.651345, -1.822216875, -0.14202}, values(x), REL, "x after step 3");
    assertEquals(0.097, sgd.getLearningRate(), 1e-12);
  }

  /**
   * x -= lr (g + 0.9 v) after v = 0.9 v + g:
   * <pre>
   * step 2, lr 0.05:  v = (1.9, -0.95, 3.8); x = 1 - 0.05 (1 + 1.71), ... = (0.8645, -1.93225, 0.229)
   * step 3, lr 0.097: g = (0.8645, -0.4830625, 0.916); v = (2.5745, -1.3380625, 4.336)
   *                   x = (0.55588965, -1.76858008125, -0.2383848)
   * </pre>
   */
  @Test
  void threeStepsOfNesterovMomentum() {
    SgdMomentum sgd = new SgdMomentum(threeStepSchedule(), 0.9, true);
    Tensor<Float> x = tensor(X0, 3);
    step(sgd, OBJECTIVE, x, 1);
    step(sgd, OBJECTIVE, x, 2);
    assertClose(new double[] {0.8645, -1.93225, 0.229}, values(x), REL, "x after step 2");
    step(sgd, OBJECTIVE, x, 3);
    assertClose(new double[] {0.55588965, -1.76858008125, -0.2383848}, values(x), REL, "x after step 3");
  }

  @Test
  void matchesBigDLsSgdWithZeroDampeningAtAConstantRate() {
    SgdMomentum ours = new SgdMomentum(RateSchedule.constant(0.05), 0.9, false);
    SGD<Float> bigdl = new SGD<>(0.05, 0, 0, 0.9, 0, false, new SGD.Default(), null, null, BigDL.tag(),
        BigDL.numeric());
    Tensor<Float> x1 = tensor(X0, 3);
    Tensor<Float> x2 = tensor(X0, 3);
    for (int i = 1; i <= 5; i++) {
      step(ours, OBJECTIVE, x1, i);
      step(bigdl, OBJECTIVE, x2, i);
    }
    float[] a = values(x1);
    float[] b = values(x2);
    assertClose(new double[] {b[0], b[1], b[2]}, a, 1e-6, "SgdMomentum vs BigDL SGD");
    // BigDL's SGD reports its rate negated; ours is the rate.
    assertEquals(-0.05, bigdl.getLearningRate(), 1e-12);
    assertEquals(0.05, ours.getLearningRate(), 1e-12);
  }

  @Test
  void zeroMomentumIsPlainGradientDescentWithoutBuffer() {
    SgdMomentum sgd = new SgdMomentum(RateSchedule.constant(0.1), 0, false);
    Tensor<Float> x = tensor(X0, 3);
    step(sgd, OBJECTIVE, x, 1);
    assertClose(new double[] {0.9, -1.95, 0.3}, values(x), REL, "x");
    assertFalse(sgd.state().contains("momentum"));
  }

  @Test
  void cloneAndSerializationContinueIdentically() {
    SgdMomentum sgd = new SgdMomentum(threeStepSchedule(), 0.9, true);
    Tensor<Float> x = tensor(X0, 3);
    step(sgd, OBJECTIVE, x, 1);
    step(sgd, OBJECTIVE, x, 2);
    SgdMomentum cloned = sgd.clone();
    SgdMomentum deserialized = OptimTesting.javaRoundTrip(sgd);
    assertTrue(deserialized.nesterov());
    Tensor<Float> xc = tensor(values(x), 3);
    Tensor<Float> xd = tensor(values(x), 3);
    step(sgd, OBJECTIVE, x, 3);
    step(cloned, OBJECTIVE, xc, 3);
    step(deserialized, OBJECTIVE, xd, 3);
    assertTrue(Arrays.equals(values(x), values(xc)));
    assertTrue(Arrays.equals(values(x), values(xd)));
    sgd.clearHistory();
    assertFalse(sgd.state().contains("momentum"));
    assertTrue(cloned.state().contains("momentum"));
  }

  @Test
  void rejectsInvalidSettings() {
    RateSchedule lr = RateSchedule.constant(0.1);
    assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(lr, 1.0, false));
    assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(lr, 0, true));
    assertThrows(IllegalArgumentException.class, () -> new SgdMomentum(null, 0.9, false));
  }
}
