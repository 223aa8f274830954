package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EfficientNetTest {

  private static float[] randomBatch(int n, int size, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 3 * size * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void b0HasTorchvisionsParameterCountAndKerasNames() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(Variant.published("b0"), 1000), 1e-5, 0.99);
    assertEquals(5_288_548L, model.trainableParameterCount());
    Map<String, Tensor<Float>> named = model.namedTensors();
    assertArrayEquals(new int[] {1, 32, 3, 3, 3}, named.get("stem_conv/weight").size());
    assertArrayEquals(new int[] {96, 1, 1, 3, 3}, named.get("block2a_dwconv/weight").size());
    assertNotNull(named.get("block2a_expand_conv/weight"));
    assertNotNull(named.get("block2a_se_reduce/bias"));
    assertNotNull(named.get("top_bn/runningMean"));
    assertArrayEquals(new int[] {1000, 1280}, named.get("predictions/weight").size());
  }

  /**
   * Without drop-connect: it drops whole samples, and with a batch of 2 some block's branch lost both now and
   * then (a few percent of runs), leaving that block without any gradient.
   */
  @Test
  void b0ForwardBackwardAt224GivesFiniteOutputsAndGradientsEverywhere() {
    Variant b0 = Variant.published("b0");
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(b0.withDropout(b0.dropoutRate(), 0), 1000));
    model.module().training();
    Tensor<Float> input = BigDL.tensor(randomBatch(2, 224, 1), 2, 3, 224, 224);
    Tensor<Float> out = (Tensor<Float>) model.module().forward(input);
    assertArrayEquals(new int[] {2, 1000}, out.size());
    CrossEntropyCriterion<Float> ce = new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric());
    Tensor<Float> target = BigDL.tensor(new float[] {3, 700}, 2);
    double loss = ce.forward(out, target);
    assertTrue(Double.isFinite(loss));
    model.module().zeroGradParameters();
    model.module().backward(input, ce.backward(out, target));
    Tensor<Float>[] weights = model.module().parameters()._1();
    Tensor<Float>[] grads = model.module().parameters()._2();
    for (int i = 0; i < grads.length; i++) {
      float[] g = (float[]) grads[i].contiguous().storage().array();
      double abs = 0;
      for (int k = 0; k < grads[i].nElement(); k++) {
        float v = g[grads[i].storageOffset() - 1 + k];
        assertTrue(Float.isFinite(v));
        abs += Math.abs(v);
      }
      assertTrue(abs > 0, "parameter " + i + " of shape " + java.util.Arrays.toString(weights[i].size())
          + " got no gradient");
    }
  }

  @Test
  void saveLoadRoundTripGivesIdenticalOutputs() throws IOException {
    NetworkSpec spec = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 64, 0.2, 0.2), 7, 64);
    EfficientNet model = EfficientNetBuilder.build(spec);
    // Move BN running statistics away from their initial values so the round trip covers them.
    model.module().training();
    model.module().forward(BigDL.tensor(randomBatch(4, 64, 2), 4, 3, 64, 64));
    float[] x = randomBatch(3, 64, 3);
    float[][] before = model.predictLogits(x, 3);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    model.write(bytes);
    EfficientNet loaded = EfficientNet.read(new ByteArrayInputStream(bytes.toByteArray()));
    assertEquals(spec.numClasses(), loaded.spec().numClasses());
    assertEquals(spec.blocks().size(), loaded.spec().blocks().size());
    float[][] after = loaded.predictLogits(x, 3);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(before[i], after[i], 0f);
    }
  }

  /** Initial weights depend on the seed only (the search compares candidates trained from the same seed). */
  @Test
  void theSameSeedBuildsTheSameWeights() {
    NetworkSpec spec = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 32, 0.2, 0.2), 3, 32);
    BigDL.seed(5);
    float[] first = EfficientNetBuilder.build(spec).flatParameters();
    BigDL.seed(5);
    float[] second = EfficientNetBuilder.build(spec).flatParameters();
    BigDL.seed(6);
    float[] other = EfficientNetBuilder.build(spec).flatParameters();
    assertArrayEquals(first, second);
    assertTrue(!java.util.Arrays.equals(first, other));
  }

  /** The flat parameter order (the optimizer buffers' order) maps back onto the same tensors. */
  @Test
  void withParametersPutsAFlatVectorBackInPlace() {
    NetworkSpec spec = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 32, 0.2, 0.2), 3, 32);
    EfficientNet model = EfficientNetBuilder.build(spec);
    float[] flat = model.flatParameters();
    assertEquals(model.trainableParameterCount(), flat.length);
    EfficientNet same = model.withParameters(flat);
    java.util.Map<String, com.intel.analytics.bigdl.tensor.Tensor<Float>> expected = model.namedTensors();
    java.util.Map<String, com.intel.analytics.bigdl.tensor.Tensor<Float>> actual = same.namedTensors();
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertEquals(expected.get(name), actual.get(name), name);
    }
    float[] doubled = flat.clone();
    for (int i = 0; i < doubled.length; i++) {
      doubled[i] *= 2;
    }
    EfficientNet twice = model.withParameters(doubled);
    // Weights follow the vector; batch-norm running statistics are not parameters and stay as they were.
    assertEquals(2 * expected.get("top_conv/weight").valueAt(1, 1, 1, 1, 1),
        twice.namedTensors().get("top_conv/weight").valueAt(1, 1, 1, 1, 1), 1e-7);
    assertEquals(expected.get("top_bn/runningVar"), twice.namedTensors().get("top_bn/runningVar"));
    assertEquals(flat[0] * 2, twice.flatParameters()[0], 0);
    assertFalse(twice.isBackboneFrozen());
    // A frozen backbone (a frozen fine-tune's average) stays frozen: its batch norms keep their statistics.
    model.freezeBackbone();
    assertTrue(model.withParameters(flat).isBackboneFrozen());
  }

  @Test
  void readingSomethingElseFailsClearly() {
    IOException e = assertThrows(IOException.class,
        () -> EfficientNet.read(new ByteArrayInputStream("hello world, not a model".getBytes("UTF-8"))));
    assertTrue(e.getMessage().contains("not an EfficientNet model file"), e.getMessage());
  }
}
