package io.effnet.model.bigdl.optim;

import static io.effnet.model.bigdl.optim.OptimTesting.assertClose;
import static io.effnet.model.bigdl.optim.OptimTesting.step;
import static io.effnet.model.bigdl.optim.OptimTesting.tensor;
import static io.effnet.model.bigdl.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import scala.Some;

class RmsPropMomentumTest {
  private static final double REL = 2e-6;
  private static final float[] X0 = {1f, -2f, 0.5f};
  /** f = 0.5 (x1^2 + 0.25 x2^2 + 4 x3^2): gradient (x1, 0.25 x2, 4 x3), (1, -0.5, 2) at X0. */
  private static final OptimTesting.Quadratic OBJECTIVE = new OptimTesting.Quadratic(1f, 0.25f, 4f);

  /** Rates 0, 0.05, 0.097 for steps 0, 1, 2: warmup over 2 steps to 0.1, then 0.97 every 2 steps. */
  private static RateSchedule threeStepSchedule() {
    return WarmupExponentialSchedule.builder(0.1, 2).warmupEpochs(1).decayEpochs(1).build();
  }

  /**
   * TF's update by hand, decay 0.9, momentum 0.9, epsilon 1e-3, ms starting at 1:
   * <pre>
   * step 1, lr 0:     g = (1, -0.5, 2); ms = 0.9 + 0.1 g^2 = (1, 0.925, 1.3); mom = 0; x unchanged
   * step 2, lr 0.05:  g unchanged; ms = 0.9 ms + 0.1 g^2 = (1, 0.8575, 1.57);
   *                   mom = 0.05 g / sqrt(ms + 0.001) = (0.0499750187, -0.0269817342, 0.0797832838)
   *                   x = (0.9500249813, -1.9730182658, 0.4202167162)
   * step 3, lr 0.097: g = (0.9500249813, -0.4932545665, 1.6808668648);
   *                   ms = (0.9902547465, 0.7960800067, 1.6955313417)
   *                   mom = 0.9 mom + 0.097 g / sqrt(ms + 0.001) = (0.1375355505, -0.0778745644, 0.1969818308)
   *                   x = (0.8124894307, -1.8951437014, 0.2232348854)
   * </pre>
   */
  @Test
  void threeStepsFollowTensorFlowsFormula() {
    RmsPropMomentum rms = RmsPropMomentum.efficientNetReference(threeStepSchedule());
    Tensor<Float> x = tensor(X0, 3);

    step(rms, OBJECTIVE, x, 1);
    assertClose(new double[] {1, -2, 0.5}, values(x), REL, "x after a step at rate 0");
    assertClose(new double[] {1, 0.925, 1.3}, values(buffer(rms, "rms")), REL, "mean square after step 1");
    assertEquals(0.0, rms.getLearningRate(), 0);

    step(rms, OBJECTIVE, x, 2);
    assertEquals(0.05, rms.getLearningRate(), 1e-12);
    assertClose(new double[] {1, 0.8575, 1.57}, values(buffer(rms, "rms")), REL, "mean square after step 2");
    assertClose(new double[] {0.049975018734388664, -0.026981734152355278, 0.07978328380233478},
        values(buffer(rms, "momentum")), REL, "momentum after step 2");
    assertClose(new double[] {0.9500249812656113, -1.9730182658476447, 0.4202167161976652}, values(x), REL,
        "x after step 2");

    step(rms, OBJECTIVE, x, 3);
    assertEquals(0.097, rms.getLearningRate(), 1e-12);
    assertClose(new double[] {0.9902547465028726, 0.7960800067335528, 1.6955313417151188},
        values(buffer(rms, "rms")), REL, "mean square after step 3");
    assertClose(new double[] {0.13753555051640018, -0.07787456443174746, 0.19698183079133308},
        values(buffer(rms, "momentum")), REL, "momentum after step 3");
    assertClose(new double[] {0.8124894307492111, -1.8951437014158972, 0.22323488540633213}, values(x), REL,
        "x after step 3");
  }

  @Test
  void meanSquareStartsAtOneAsTensorFlowsRmsSlot() {
    // With a zero start the first mean square would be 0.1 g^2 and the first step about lr / sqrt(0.1) per weight.
    RmsPropMomentum rms = new RmsPropMomentum(RateSchedule.constant(0.01), 0.9, 0.9, 1e-3);
    Tensor<Float> x = tensor(new float[] {3f}, 1);
    step(rms, new OptimTesting.Quadratic(1f), x, 1);
    assertClose(new double[] {0.9 + 0.1 * 9}, values(buffer(rms, "rms")), REL, "first mean square");
    assertClose(new double[] {3 - 0.01 * 3 / Math.sqrt(1.8 + 1e-3)}, values(x), REL, "first step");
  }

  @Test
  void updatesOnlyTheShardItIsGiven() {
    // DistriOptimizer hands each executor's copy a narrow() view of the flat weight and gradient vectors.
    RmsPropMomentum rms = new RmsPropMomentum(RateSchedule.constant(0.1), 0.9, 0.9, 1e-3);
    Tensor<Float> all = tensor(new float[] {9f, 1f, -2f, 9f}, 4);
    Tensor<Float> shard = all.narrow(1, 2, 2);
    step(rms, new OptimTesting.Quadratic(1f, 1f), shard, 1);
    float[] after = values(all);
    assertEquals(9f, after[0], 0);
    assertEquals(9f, after[3], 0);
    double m1 = 0.1 * 1 / Math.sqrt(0.9 + 0.1 + 1e-3);
    double m2 = 0.1 * -2 / Math.sqrt(0.9 + 0.4 + 1e-3);
    assertClose(new double[] {1 - m1, -2 - m2}, Arrays.copyOfRange(after, 1, 3), REL, "shard");
    assertEquals(2, buffer(rms, "rms").nElement());
  }

  @Test
  void learningRateFollowsBigDLsCounterInEitherForm() {
    RmsPropMomentum rms = RmsPropMomentum.efficientNetReference(threeStepSchedule());
    assertEquals(0, rms.iteration()); // the trait's initial neval = 1
    rms.state().update("neval", 2);
    assertEquals(1, rms.iteration());
    assertEquals(0.05, rms.getLearningRate(), 1e-12);
    // LocalOptimizer 0.13 writes state.get("neval"), a Some.
    rms.state().update("neval", new Some<Object>(3));
    assertEquals(2, rms.iteration());
    assertEquals(0.097, rms.getLearningRate(), 1e-12);
    assertTrue(rms.getHyperParameter().startsWith("Current learning rate is 0.097"), rms.getHyperParameter());
    rms.state().update("neval", 0);
    assertThrows(IllegalStateException.class, rms::iteration);
  }

  @Test
  void clearHistoryDropsTheBuffersButKeepsTheCounter() {
    RmsPropMomentum rms = new RmsPropMomentum(RateSchedule.constant(0.1), 0.9, 0.9, 1e-3);
    step(rms, OBJECTIVE, tensor(X0, 3), 7);
    assertTrue(rms.state().contains("rms") && rms.state().contains("momentum"));
    rms.clearHistory();
    assertFalse(rms.state().contains("rms"));
    assertFalse(rms.state().contains("momentum"));
    assertEquals(6, rms.iteration());
  }

  @Test
  void aShardOfAnotherSizeIsRefused() {
    RmsPropMomentum rms = new RmsPropMomentum(RateSchedule.constant(0.1), 0.9, 0.9, 1e-3);
    step(rms, OBJECTIVE, tensor(X0, 3), 1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> step(rms, new OptimTesting.Quadratic(1f, 1f), tensor(new float[] {1f, 1f}, 2), 2));
    assertTrue(e.getMessage().contains("shard"), e.getMessage());
  }

  @Test
  void cloneAndJavaSerializationCopyStateDeeply() {
    RmsPropMomentum rms = RmsPropMomentum.efficientNetReference(threeStepSchedule());
    Tensor<Float> x = tensor(X0, 3);
    step(rms, OBJECTIVE, x, 1);
    step(rms, OBJECTIVE, x, 2);

    RmsPropMomentum cloned = rms.clone();
    RmsPropMomentum deserialized = OptimTesting.javaRoundTrip(rms);
    assertNotSame(rms, cloned);
    assertNotSame(buffer(rms, "rms"), buffer(cloned, "rms"));
    assertEquals(rms.decay(), deserialized.decay(), 0);
    assertEquals(rms.schedule(), deserialized.schedule());

    Tensor<Float> xClone = tensor(values(x), 3);
    Tensor<Float> xDeserialized = tensor(values(x), 3);
    step(rms, OBJECTIVE, x, 3);
    step(cloned, OBJECTIVE, xClone, 3);
    step(deserialized, OBJECTIVE, xDeserialized, 3);
    assertTrue(Arrays.equals(values(x), values(xClone)), "clone continues identically");
    assertTrue(Arrays.equals(values(x), values(xDeserialized)), "deserialized copy continues identically");
    assertClose(new double[] {0.8124894307492111, -1.8951437014158972, 0.22323488540633213}, values(xClone), REL,
        "clone after step 3");
  }

  @Test
  void rejectsInvalidSettings() {
    RateSchedule lr = RateSchedule.constant(0.1);
    assertThrows(IllegalArgumentException.class, () -> new RmsPropMomentum(lr, 1.0, 0.9, 1e-3));
    assertThrows(IllegalArgumentException.class, () -> new RmsPropMomentum(lr, 0.9, -0.1, 1e-3));
    assertThrows(IllegalArgumentException.class, () -> new RmsPropMomentum(lr, 0.9, 0.9, 0));
    assertThrows(IllegalArgumentException.class, () -> new RmsPropMomentum(null, 0.9, 0.9, 1e-3));
  }

  @SuppressWarnings("unchecked")
  static Tensor<Float> buffer(ScheduledOptimMethod method, String name) {
    return (Tensor<Float>) method.state().get(name).get();
  }
}
