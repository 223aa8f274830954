package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.T;
import com.intel.analytics.bigdl.utils.Table;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Java layers split over threads (as under MKL-DNN) give exactly what they give on one thread. The test JVM
 * runs BigDL's default engine, where they use one thread; {@code effnet.layerThreads} forces the split here.
 */
class LayerThreadsTest {
  private static final String PROPERTY = "effnet.layerThreads";
  // 4 x 24 planes of 33 x 33: 104,544 elements, 13 blocks of the element-wise layers, 13 ranges of planes.
  private static final int[] SHAPE = {4, 24, 33, 33};
  private static final int N = 4 * 24 * 33 * 33;

  @AfterEach
  void clearProperty() {
    System.clearProperty(PROPERTY);
  }

  private static <R> R withThreads(int threads, Supplier<R> run) {
    System.setProperty(PROPERTY, Integer.toString(threads));
    try {
      return run.get();
    } finally {
      System.clearProperty(PROPERTY);
    }
  }

  @Test
  void everyItemIsVisitedOnceWhateverTheThreadCount() {
    for (int threads : new int[] {1, 2, 3, 8}) {
      for (int n : new int[] {0, 1, 7, 100, 1001}) {
        AtomicIntegerArray visits = new AtomicIntegerArray(Math.max(n, 1));
        System.setProperty(PROPERTY, Integer.toString(threads));
        LayerThreads.forEachRange(n, 10, (start, length) -> {
          for (int i = start; i < start + length; i++) {
            visits.incrementAndGet(i);
          }
        });
        for (int i = 0; i < n; i++) {
          assertEquals(1, visits.get(i), "item " + i + " of " + n + " on " + threads + " threads");
        }
      }
    }
  }

  @Test
  void theThreadCountFollowsThePropertyAndIsOneOnTheDefaultEngine() {
    assertEquals(1, LayerThreads.threads());
    System.setProperty(PROPERTY, "3");
    assertEquals(3, LayerThreads.threads());
    System.setProperty(PROPERTY, "three");
    assertThrows(IllegalArgumentException.class, LayerThreads::threads);
  }

  @Test
  void aFailingRangeFailsTheCall() {
    System.setProperty(PROPERTY, "3");
    IllegalStateException failure = new IllegalStateException("range 5 failed");
    IllegalStateException thrown = assertThrows(IllegalStateException.class,
        () -> LayerThreads.forEachRange(100, 10, (start, length) -> {
          if (start == 50) {
            throw failure;
          }
        }));
    assertSame(failure, thrown);
  }

  @Test
  void swishAndSigmoidGiveTheSameBitsOnThreeThreads() {
    Random random = new Random(5);
    float[] x = Checks.gaussian(random, N, 4);
    float[] g = Checks.gaussian(random, N, 1);
    for (Supplier<ExpActivation> layer : java.util.Arrays.<Supplier<ExpActivation>>asList(Swish::new, Sigmoid::new)) {
      float[][] one = withThreads(1, () -> forwardBackward(layer.get(), x, g));
      float[][] three = withThreads(3, () -> forwardBackward(layer.get(), x, g));
      assertArrayEquals(one[0], three[0], "output of " + layer.get().getClass().getSimpleName());
      assertArrayEquals(one[1], three[1], "input gradient of " + layer.get().getClass().getSimpleName());
      assertNotEquals(0f, one[1][N - 1], "the last block is computed");
    }
  }

  @Test
  void globalAveragePoolingGivesTheSameBitsOnThreeThreads() {
    Random random = new Random(6);
    float[] x = Checks.gaussian(random, N, 1);
    float[] g = Checks.gaussian(random, 4 * 24, 1);
    float[][] one = withThreads(1, () -> pool(x, g));
    float[][] three = withThreads(3, () -> pool(x, g));
    assertArrayEquals(one[0], three[0]);
    assertArrayEquals(one[1], three[1]);
  }

  @Test
  void channelScaleGivesTheSameBitsOnThreeThreads() {
    Random random = new Random(7);
    float[] x = Checks.gaussian(random, N, 1);
    float[] s = Checks.uniform(random, 4 * 24, 0, 1);
    float[] g = Checks.gaussian(random, N, 1);
    float[][] one = withThreads(1, () -> scale(x, s, g));
    float[][] three = withThreads(3, () -> scale(x, s, g));
    for (int i = 0; i < one.length; i++) {
      assertArrayEquals(one[i], three[i], "result " + i);
    }
  }

  private static float[][] forwardBackward(ExpActivation layer, float[] x, float[] g) {
    Tensor<Float> input = Checks.tensor(x, SHAPE);
    float[] y = Checks.values(layer.forward(input));
    float[] gi = Checks.values(layer.backward(input, Checks.tensor(g, SHAPE)));
    return new float[][] {y, gi};
  }

  private static float[][] pool(float[] x, float[] g) {
    GlobalAveragePooling layer = new GlobalAveragePooling();
    Tensor<Float> input = Checks.tensor(x, SHAPE);
    float[] y = Checks.values(layer.forward(input));
    float[] gi = Checks.values(layer.backward(input, Checks.tensor(g, 4, 24, 1, 1)));
    return new float[][] {y, gi};
  }

  private static float[][] scale(float[] x, float[] s, float[] g) {
    ChannelScale layer = new ChannelScale();
    Table input = T.array(new Object[] {Checks.tensor(x, SHAPE), Checks.tensor(s, 4, 24, 1, 1)});
    float[] y = Checks.values(layer.forward(input));
    Table grads = layer.backward(input, Checks.tensor(g, SHAPE));
    Tensor<Float> gx = grads.apply(1);
    Tensor<Float> gs = grads.apply(2);
    return new float[][] {y, Checks.values(gx), Checks.values(gs)};
  }
}
