package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.EfficientNetBuilder;
import java.util.Arrays;
import java.util.Random;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** A whole EfficientNet with layers swapped for the candidate Java ones trains exactly like the original. */
class GraphSwapsTest {
  private static final NetworkSpec SPEC = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 64, 0.2, 0.2), 7, 40);

  @SuppressWarnings("unchecked")
  private static Graph<Float> build() {
    BigDL.seed(3);
    return (Graph<Float>) (AbstractModule<?, ?, ?>) EfficientNetBuilder.build(SPEC, 1e-4, 0.99).module();
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " size");
    for (int i = 0; i < expected.length; i++) {
      double tolerance = 1e-4 + 1e-3 * Math.abs(expected[i]);
      assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance,
          what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
    }
  }

  @Test
  void directDepthwiseGraphTrainsLikeTheOriginal() {
    Graph<Float> swapped = trainsLikeTheOriginal(GraphSwaps::useDirectDepthwise, SPEC.blocks().size());
    assertRan(swapped, DepthwiseConvolution.class, SPEC.blocks().size());
  }

  @Test
  void javaGlobalPoolingGraphTrainsLikeTheOriginal() {
    int squeezes = (int) SPEC.blocks().stream().filter(b -> b.hasSqueezeExcitation()).count();
    Graph<Float> swapped = trainsLikeTheOriginal(GraphSwaps::useJavaGlobalPooling, squeezes + 1);
    assertRan(swapped, GlobalAveragePooling.class, squeezes + 1);
  }

  @Test
  void bothSwapsTogether() {
    trainsLikeTheOriginal(g -> GraphSwaps.useDirectDepthwise(g) + GraphSwaps.useJavaGlobalPooling(g),
        SPEC.blocks().size() * 2 + 1);
  }

  /** Two forward/backward steps in training mode on both graphs; returns the swapped one. */
  private static Graph<Float> trainsLikeTheOriginal(ToIntFunction<Graph<Float>> swap, int expectedSwaps) {
    Graph<Float> original = build();
    Graph<Float> swapped = build();
    assertEquals(expectedSwaps, swap.applyAsInt(swapped), "layers replaced");
    assertEquals(SPEC.parameterCount(), count(swapped), "trainable parameters");

    Random random = new Random(4);
    Tensor<Float> x = BenchModels.randomImages(random, 4, SPEC.inputSize());
    Tensor<Float> g = BenchModels.randomImages(random, 4, 1).resize(4, 7);
    for (Graph<Float> graph : Arrays.asList(original, swapped)) {
      graph.training();
      graph.zeroGradParameters();
    }
    for (int step = 0; step < 2; step++) {
      // Same draws for DropConnect and dropout in both graphs.
      BigDL.seed(5 + step);
      Tensor<Float> yOriginal = original.forward(x.clone()).toTensor(BigDL.numeric());
      BigDL.seed(5 + step);
      Tensor<Float> ySwapped = swapped.forward(x.clone()).toTensor(BigDL.numeric());
      assertClose(values(yOriginal), values(ySwapped), "output step " + step);
      Tensor<Float> giOriginal = original.backward(x.clone(), g.clone()).toTensor(BigDL.numeric());
      Tensor<Float> giSwapped = swapped.backward(x.clone(), g.clone()).toTensor(BigDL.numeric());
      assertClose(values(giOriginal), values(giSwapped), "gradInput step " + step);
    }
    Tensor<Float>[] gradOriginal = original.parameters()._2();
    Tensor<Float>[] gradSwapped = swapped.parameters()._2();
    assertEquals(gradOriginal.length, gradSwapped.length);
    for (int i = 0; i < gradOriginal.length; i++) {
      assertClose(values(gradOriginal[i]), values(gradSwapped[i]), "parameter gradient " + i);
    }
    return swapped;
  }

  /** The new layers are the ones that ran, forward and backward. */
  private static void assertRan(Graph<Float> graph, Class<?> type, int expected) {
    int ran = 0;
    for (int i = 0; i < graph.modules().size(); i++) {
      AbstractModule<?, ?, ?> m = graph.modules().apply(i);
      if (type.isInstance(m)) {
        long forward = ((Number) m.getTimes()[0]._2()).longValue();
        long backward = ((Number) m.getTimes()[0]._3()).longValue();
        assertTrue(forward > 0 && backward > 0, m.getName() + " did not run");
        ran++;
      }
    }
    assertEquals(expected, ran);
  }

  private static long count(AbstractModule<Activity, Activity, Float> module) {
    long n = 0;
    for (Tensor<Float> t : module.parameters()._1()) {
      n += t.nElement();
    }
    return n;
  }
}
