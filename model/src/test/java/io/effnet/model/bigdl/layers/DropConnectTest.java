package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DropConnectTest {
  private static final int B = 8;
  private static final int PER_SAMPLE = 3 * 4 * 5;

  private static Tensor<Float> batch(float[] data) {
    return Checks.tensor(data, data.length / PER_SAMPLE, 3, 4, 5);
  }

  @Test
  void evaluationModeIsIdentity() {
    float[] x = Checks.gaussian(new Random(31), B * PER_SAMPLE, 1);
    float[] g = Checks.gaussian(new Random(32), B * PER_SAMPLE, 1);
    DropConnect drop = new DropConnect(0.5, 7);
    drop.evaluate();
    Tensor<Float> input = batch(x);
    Tensor<Float> y = drop.forward(input);
    assertNotSame(input, y);
    assertArrayEquals(x, Checks.values(y), 0f);
    assertArrayEquals(g, Checks.values(drop.backward(input, batch(g))), 0f);
    assertNull(drop.lastMask());
  }

  @Test
  void zeroRateIsIdentityInTraining() {
    float[] x = Checks.gaussian(new Random(33), B * PER_SAMPLE, 1);
    DropConnect drop = new DropConnect(0);
    assertTrue(drop.isTraining());
    assertArrayEquals(x, Checks.values(drop.forward(batch(x))), 0f);
    assertArrayEquals(x, Checks.values(drop.backward(batch(x), batch(x))), 0f);
  }

  @Test
  void trainingDropsWholeSamplesAndScalesKeptOnes() {
    double rate = 0.3;
    double keep = 1 - rate;
    float[] x = Checks.uniform(new Random(34), B * PER_SAMPLE, 0.5, 2);
    float[] g = Checks.uniform(new Random(35), B * PER_SAMPLE, 0.5, 2);
    DropConnect drop = new DropConnect(rate, 8);
    float[] y = Checks.values(drop.forward(batch(x)));
    float[] gi = Checks.values(drop.backward(batch(x), batch(g)));
    boolean[] mask = drop.lastMask();
    assertEquals(B, mask.length);
    for (int n = 0; n < B; n++) {
      for (int j = 0; j < PER_SAMPLE; j++) {
        int i = n * PER_SAMPLE + j;
        float expectedY = mask[n] ? x[i] / (float) keep : 0f;
        float expectedG = mask[n] ? g[i] / (float) keep : 0f;
        assertEquals(expectedY, y[i], 0f, "output of sample " + n);
        assertEquals(expectedG, gi[i], 0f, "gradient of sample " + n + " must use the forward's mask");
      }
    }
  }

  @Test
  void keepRateIsNearKeepProbabilityAndMasksChange() {
    double rate = 0.2;
    float[] x = new float[64 * PER_SAMPLE];
    java.util.Arrays.fill(x, 1f);
    DropConnect seeded = new DropConnect(rate, 9);
    BigDL.seed(10);
    DropConnect bigdlRng = new DropConnect(rate);
    for (DropConnect drop : new DropConnect[] {seeded, bigdlRng}) {
      int kept = 0;
      int total = 0;
      int distinctFromFirst = 0;
      boolean[] first = null;
      for (int step = 0; step < 200; step++) {
        float[] y = Checks.values(drop.forward(batch(x)));
        boolean[] mask = drop.lastMask();
        if (first == null) {
          first = mask;
        } else if (!java.util.Arrays.equals(first, mask)) {
          distinctFromFirst++;
        }
        for (int n = 0; n < mask.length; n++) {
          assertEquals(mask[n] ? 1f / (float) (1 - rate) : 0f, y[n * PER_SAMPLE], 0f);
          kept += mask[n] ? 1 : 0;
          total++;
        }
      }
      // 12800 Bernoulli(0.8) draws: standard deviation of the rate is 0.0035.
      assertEquals(1 - rate, (double) kept / total, 0.02, drop + " keep rate");
      assertTrue(distinctFromFirst > 190, drop + " must draw a new mask per forward");
    }
  }

  /** Frozen (with a fine-tuned backbone) it is the identity although BigDL asks for training mode every step. */
  @Test
  void aFrozenDropConnectStaysTheIdentityInTrainingAndAfterCopying() {
    float[] x = Checks.gaussian(new Random(37), B * PER_SAMPLE, 1);
    scala.collection.Seq<String> all = scala.collection.JavaConverters.asScalaBufferConverter(
        new java.util.ArrayList<String>()).asScala();
    DropConnect drop = new DropConnect(0.9, 13);
    drop.freeze(all);
    for (DropConnect d : new DropConnect[] {drop, (DropConnect) drop.cloneModule()}) {
      d.training();
      assertTrue(d.isFrozen());
      assertEquals(false, d.isTraining());
      assertArrayEquals(x, Checks.values(d.forward(batch(x))), 0f);
      assertNull(d.lastMask());
    }
    drop.unFreeze(all);
    drop.training();
    assertTrue(drop.isTraining());
    drop.forward(batch(x));
    assertTrue(drop.lastMask() != null, "unfrozen, it draws masks again");
  }

  @Test
  void backwardAfterEvaluationForwardIsIdentity() {
    float[] x = Checks.gaussian(new Random(36), B * PER_SAMPLE, 1);
    DropConnect drop = new DropConnect(0.5, 11);
    drop.forward(batch(x));
    drop.evaluate();
    drop.forward(batch(x));
    drop.training();
    assertArrayEquals(x, Checks.values(drop.backward(batch(x), batch(x))), 0f);
  }

  @Test
  void backwardWithAnotherBatchSizeIsRejected() {
    DropConnect drop = new DropConnect(0.5, 12);
    drop.forward(batch(new float[B * PER_SAMPLE]));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> drop.backward(batch(new float[2 * PER_SAMPLE]), batch(new float[2 * PER_SAMPLE])));
    assertTrue(e.getMessage().contains("batch size 2"), e.getMessage());
  }

  @Test
  void rejectsRatesOutsideUnitInterval() {
    assertThrows(IllegalArgumentException.class, () -> new DropConnect(1));
    assertThrows(IllegalArgumentException.class, () -> new DropConnect(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new DropConnect(Double.NaN));
    assertEquals(0.25, new DropConnect(0.25).rate(), 0);
  }
}
