package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.Sequential;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Random;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;
import scala.collection.Seq;

class FreezableBatchNormTest {
  private static final int N = 3;
  private static final int C = 4;
  private static final int H = 3;
  private static final int W = 2;
  private static final int SIZE = N * C * H * W;
  private static final double EPS = 1e-3;
  private static final Seq<String> ALL = JavaConverters.asScalaBufferConverter(new ArrayList<String>()).asScala();

  /** A layer with non-trivial scale, offset and running statistics. */
  private static FreezableBatchNorm layer(long seed) {
    Random random = new Random(seed);
    FreezableBatchNorm bn = new FreezableBatchNorm(C, EPS, 0.1);
    setValues(bn.weight(), Checks.uniform(random, C, 0.5, 2));
    setValues(bn.bias(), Checks.gaussian(random, C, 1));
    setValues(bn.runningMean(), Checks.gaussian(random, C, 1));
    setValues(bn.runningVar(), Checks.uniform(random, C, 0.2, 3));
    return bn;
  }

  private static void setValues(Tensor<Float> t, float[] values) {
    t.copy(BigDL.tensor(values.clone(), values.length));
  }

  /** BigDL's own layer with the same values, in evaluation mode: the reference for the frozen forward. */
  private static SpatialBatchNormalization<Float> bigdlCopy(FreezableBatchNorm bn) {
    SpatialBatchNormalization<Float> plain = new SpatialBatchNormalization<>(C, EPS, 0.1, true, null, null, null,
        null, DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
    plain.weight().copy(bn.weight());
    plain.bias().copy(bn.bias());
    plain.runningMean().copy(bn.runningMean());
    plain.runningVar().copy(bn.runningVar());
    return plain;
  }

  private static float[] input(long seed) {
    return Checks.gaussian(new Random(seed), SIZE, 2);
  }

  @Test
  void frozenForwardInTrainingModeIsBigDLsInferenceForwardAndKeepsTheStatistics() {
    FreezableBatchNorm bn = layer(1);
    float[] x = input(2);
    float[] expected = Checks.values(bigdlCopy(bn).evaluate().forward(Checks.tensor(x, N, C, H, W)));
    float[] mean = Checks.values(bn.runningMean());
    float[] var = Checks.values(bn.runningVar());

    bn.freeze(ALL);
    bn.training();
    assertTrue(bn.isFrozen());
    assertFalse(bn.isTraining(), "a frozen batch norm stays in evaluation mode");
    assertEquals(0.0, bn.getScaleW());
    assertEquals(0.0, bn.getScaleB());
    assertArrayEquals(expected, Checks.values(bn.forward(Checks.tensor(x, N, C, H, W))), 0f);
    assertArrayEquals(mean, Checks.values(bn.runningMean()), 0f);
    assertArrayEquals(var, Checks.values(bn.runningVar()), 0f);
  }

  @Test
  void unfrozenTrainingNormalisesWithTheBatchAndMovesTheStatistics() {
    FreezableBatchNorm bn = layer(3);
    float[] x = input(4);
    float[] inference = Checks.values(bigdlCopy(bn).evaluate().forward(Checks.tensor(x, N, C, H, W)));
    float[] mean = Checks.values(bn.runningMean());
    bn.freeze(ALL);
    bn.unFreeze(ALL);
    bn.training();
    assertFalse(bn.isFrozen());
    assertTrue(bn.isTraining());
    assertEquals(1.0, bn.getScaleW());
    float[] out = Checks.values(bn.forward(Checks.tensor(x, N, C, H, W)));
    // Batch statistics: every channel of the output has mean beta.
    float[] beta = Checks.values(bn.bias());
    for (int c = 0; c < C; c++) {
      double sum = 0;
      for (int b = 0; b < N; b++) {
        for (int k = 0; k < H * W; k++) {
          sum += out[(b * C + c) * H * W + k];
        }
      }
      assertEquals(beta[c], sum / (N * H * W), 1e-5);
    }
    assertNotEquals(inference[0], out[0]);
    assertNotEquals(mean[0], Checks.values(bn.runningMean())[0]);
  }

  /** The frozen layer is an affine map per channel: its input gradient is gradOutput x gamma / sqrt(var + eps). */
  @Test
  void frozenBackwardIsTheDerivativeOfTheInferenceForward() {
    FreezableBatchNorm bn = layer(5);
    bn.freeze(ALL);
    bn.training();
    float[] x = input(6);
    float[] g = Checks.gaussian(new Random(7), SIZE, 1);
    bn.zeroGradParameters();
    bn.forward(Checks.tensor(x, N, C, H, W));
    float[] gradInput = Checks.values(bn.backward(Checks.tensor(x, N, C, H, W), Checks.tensor(g, N, C, H, W)));

    FreezableBatchNorm probe = layer(5);
    probe.evaluate();
    double[] numeric = Checks.numericGradient(
        v -> Checks.dot(Checks.values(probe.forward(Checks.tensor(v, N, C, H, W))), g), x, 1e-2f);
    Checks.assertClose(numeric, gradInput, 1e-3, 1e-4, "frozen input gradient");
    assertEquals(0f, maxAbs(Checks.values(bn.gradWeight())), "no scale gradient while frozen");
    assertEquals(0f, maxAbs(Checks.values(bn.gradBias())), "no offset gradient while frozen");

    // BigDL 0.13's own evaluation-mode backward multiplies by the offset instead (the reason for the override).
    SpatialBatchNormalization<Float> plain = bigdlCopy(layer(5));
    plain.evaluate();
    plain.forward(Checks.tensor(x, N, C, H, W));
    float[] bigdl = Checks.values(plain.backward(Checks.tensor(x, N, C, H, W), Checks.tensor(g, N, C, H, W)));
    assertTrue(maxAbsDifference(numeric, bigdl) > 0.1, "BigDL's evaluation-mode backward was fixed upstream");
  }

  /** Not frozen, in evaluation mode: the scale and offset gradients with the running statistics held fixed. */
  @Test
  void evaluationModeParameterGradientsHoldTheStatisticsFixed() {
    FreezableBatchNorm bn = layer(8);
    bn.evaluate();
    float[] x = input(9);
    float[] g = Checks.gaussian(new Random(10), SIZE, 1);
    bn.zeroGradParameters();
    bn.forward(Checks.tensor(x, N, C, H, W));
    bn.backward(Checks.tensor(x, N, C, H, W), Checks.tensor(g, N, C, H, W));
    float[] gamma = Checks.values(bn.weight());
    float[] beta = Checks.values(bn.bias());
    double[] numericGamma = Checks.numericGradient(v -> {
      FreezableBatchNorm probe = layer(8);
      probe.evaluate();
      setValues(probe.weight(), v);
      return Checks.dot(Checks.values(probe.forward(Checks.tensor(x, N, C, H, W))), g);
    }, gamma, 1e-2f);
    double[] numericBeta = Checks.numericGradient(v -> {
      FreezableBatchNorm probe = layer(8);
      probe.evaluate();
      setValues(probe.bias(), v);
      return Checks.dot(Checks.values(probe.forward(Checks.tensor(x, N, C, H, W))), g);
    }, beta, 1e-2f);
    Checks.assertClose(numericGamma, Checks.values(bn.gradWeight()), 1e-3, 1e-3, "scale gradient");
    Checks.assertClose(numericBeta, Checks.values(bn.gradBias()), 1e-3, 1e-3, "offset gradient");
  }

  @Test
  void aContainersTrainingCallKeepsAFrozenLayerInEvaluationMode() {
    FreezableBatchNorm frozen = layer(11);
    FreezableBatchNorm free = layer(12);
    Sequential<Float> net = new Sequential<>(BigDL.tag(), BigDL.numeric());
    net.add(frozen);
    net.add(free);
    // The name lookup BigDL's freeze(names) does on containers reaches the layer's own freeze().
    frozen.setName("frozen_bn");
    net.freeze(JavaConverters.asScalaBufferConverter(java.util.Arrays.asList("frozen_bn")).asScala());
    net.training();
    assertTrue(frozen.isFrozen());
    assertFalse(frozen.isTraining());
    assertTrue(free.isTraining());
    net.evaluate();
    frozen.unFreeze(ALL);
    assertFalse(frozen.isTraining(), "unfreezing does not change the mode by itself");
    net.training();
    assertTrue(frozen.isTraining());
  }

  @Test
  void theFrozenStateSurvivesCloningAndJavaSerialisation() throws Exception {
    FreezableBatchNorm bn = layer(13);
    bn.freeze(ALL);
    float[] x = input(14);
    float[] expected = Checks.values(bn.forward(Checks.tensor(x, N, C, H, W)));
    FreezableBatchNorm clone = (FreezableBatchNorm) (AbstractModule<?, ?, ?>) bn.cloneModule();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(bn);
    }
    FreezableBatchNorm shipped;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (FreezableBatchNorm) in.readObject();
    }
    for (FreezableBatchNorm copy : new FreezableBatchNorm[] {clone, shipped}) {
      copy.training();
      assertTrue(copy.isFrozen());
      assertFalse(copy.isTraining());
      assertEquals(0.0, copy.getScaleW());
      assertArrayEquals(expected, Checks.values(copy.forward(Checks.tensor(x, N, C, H, W))), 0f);
    }
  }

  @Test
  void theSharingBigDLLayerUsesTheSameTensorsAndComputesTheSame() {
    FreezableBatchNorm bn = layer(15);
    bn.setName("block1a_bn");
    bn.training();
    SpatialBatchNormalization<Float> plain = bn.sharingBigDLLayer();
    assertEquals(SpatialBatchNormalization.class, plain.getClass());
    assertEquals("block1a_bn", plain.getName());
    assertTrue(plain.isTraining());
    assertSame(bn.weight(), plain.weight());
    assertSame(bn.bias(), plain.bias());
    assertSame(bn.gradWeight(), plain.gradWeight());
    assertSame(bn.runningMean(), plain.runningMean());
    assertSame(bn.runningVar(), plain.runningVar());
    float[] x = input(16);
    bn.evaluate();
    plain.evaluate();
    assertArrayEquals(Checks.values(bn.forward(Checks.tensor(x, N, C, H, W))),
        Checks.values(plain.forward(Checks.tensor(x, N, C, H, W))), 0f);
  }

  private static float maxAbs(float[] v) {
    float m = 0;
    for (float f : v) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  private static double maxAbsDifference(double[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
