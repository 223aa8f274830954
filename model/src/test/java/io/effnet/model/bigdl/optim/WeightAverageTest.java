package io.effnet.model.bigdl.optim;

import static io.effnet.model.bigdl.optim.OptimTesting.tensor;
import static io.effnet.model.bigdl.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The moving average of the weights kept by the optim methods, against values computed by hand. */
class WeightAverageTest {

  /**
   * Plain gradient descent at rate 0.1 on f = 0.5 x^2 (gradient x): x goes 1 -> 0.9 -> 0.81. The average starts
   * at 1; step 0 uses decay min(0.5, 2/11), step 1 min(0.5, 3/12) = 0.25.
   */
  @Test
  void averageFollowsTheReferenceFormula() {
    ScheduledOptimMethod sgd = new SgdMomentum(RateSchedule.constant(0.1), 0, false).averageWeights(0.5);
    Tensor<Float> x = tensor(new float[] {1f}, 1);
    OptimTesting.Quadratic f = new OptimTesting.Quadratic(1f);
    sgd.state().update("neval", 1);
    sgd.optimize(f, x);
    double d0 = 2.0 / 11;
    double avg = d0 * 1 + (1 - d0) * 0.9;
    assertEquals(0.9, values(x)[0], 1e-6);
    assertEquals(avg, average(sgd)[0], 1e-6);
    sgd.state().update("neval", 2);
    sgd.optimize(f, x);
    avg = 0.25 * avg + 0.75 * 0.81;
    assertEquals(avg, average(sgd)[0], 1e-6);
    // Late steps use the configured decay: (2 + k) / (11 + k) > 0.5 from k = 8 on.
    sgd.state().update("neval", 101);
    float before = average(sgd)[0];
    sgd.optimize(f, x);
    assertEquals(0.5 * before + 0.5 * values(x)[0], average(sgd)[0], 1e-6);
  }

  @Test
  void averagingIsABufferLikeTheOthers() {
    ScheduledOptimMethod rms = RmsPropMomentum.efficientNetReference(RateSchedule.constant(0.1));
    assertEquals(java.util.Arrays.asList("rms", "momentum"), rms.stateBuffers());
    rms.averageWeights(0.9999);
    assertEquals(java.util.Arrays.asList("rms", "momentum", ScheduledOptimMethod.AVERAGE), rms.stateBuffers());
    rms.state().update("neval", 1);
    rms.optimize(new OptimTesting.Quadratic(1f, 2f), tensor(new float[] {1f, -1f}, 2));
    assertTrue(rms.state().contains(ScheduledOptimMethod.AVERAGE));
    // Copies (BigDL's executor copies) keep the setting; clearHistory drops the average with the other buffers.
    assertEquals(0.9999, rms.clone().averageDecay(), 0);
    rms.clearHistory();
    assertTrue(!rms.state().contains(ScheduledOptimMethod.AVERAGE) && !rms.state().contains("rms"));
    assertThrows(IllegalArgumentException.class, () -> rms.averageWeights(1.0));
  }

  /** BigDL's AllReduceParameter split of 10 values over 3 partitions: 4, 3, 3. */
  @Test
  void slicesFollowBigDLsPartitioning() {
    assertArrayEquals(new int[] {0, 4}, ShardedOptimizerState.slice(10, 3, 0));
    assertArrayEquals(new int[] {4, 3}, ShardedOptimizerState.slice(10, 3, 1));
    assertArrayEquals(new int[] {7, 3}, ShardedOptimizerState.slice(10, 3, 2));
    assertArrayEquals(new int[] {0, 10}, ShardedOptimizerState.slice(10, 1, 0));
  }

  @SuppressWarnings("unchecked")
  private static float[] average(ScheduledOptimMethod m) {
    return values((Tensor<Float>) m.state().get(ScheduledOptimMethod.AVERAGE).get());
  }
}
