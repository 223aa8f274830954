package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Precise BN: the recomputed running statistics are the batches' own, computed here by hand for the stem. */
class BatchNormStatisticsTest {
  private static final Variant TINY = new Variant("tiny", 0.25, 0.5, 32, 0.2, 0.2);
  private static final int SIZE = 32;
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.start("batch-norm-statistics");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static EfficientNet model() {
    BigDL.seed(5);
    return EfficientNetBuilder.build(NetworkSpec.resolve(TINY, 3, SIZE), 0, 0.99);
  }

  private static List<float[]> images(int count) {
    Random random = new Random(11);
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      float[] chw = new float[3 * SIZE * SIZE];
      for (int k = 0; k < chw.length; k++) {
        chw[k] = (float) (2 * random.nextGaussian() + 1.5);
      }
      out.add(chw);
    }
    return out;
  }

  private static JavaRDD<Sample<Float>> rdd(List<float[]> images, int partitions) {
    List<Sample<Float>> samples = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      samples.add(Samples.image(images.get(i), 3, SIZE, SIZE, i % 3));
    }
    return sc.parallelize(samples, partitions);
  }

  /** Per channel {mean, unbiased variance} of the stem convolution's output for these images in one batch. */
  @SuppressWarnings("unchecked")
  private static double[][] stemStatistics(EfficientNet model, List<float[]> images) {
    int plane = 3 * SIZE * SIZE;
    float[] batch = new float[images.size() * plane];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, batch, i * plane, plane);
    }
    AbstractModule<Activity, Activity, Float> module = model.module();
    module.evaluate();
    module.forward(BigDL.tensor(batch, images.size(), 3, SIZE, SIZE));
    Tensor<Float> conv = (Tensor<Float>) ((AbstractModule<Activity, Activity, Float>) module.apply("stem_conv").get())
        .output();
    int n = conv.size(1);
    int channels = conv.size(2);
    int hw = conv.size(3) * conv.size(4);
    double[][] out = new double[2][channels];
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      double squares = 0;
      for (int i = 0; i < n; i++) {
        Tensor<Float> map = conv.select(1, i + 1).select(1, c + 1).contiguous();
        for (int k = 0; k < hw; k++) {
          double v = map.storage().apply(map.storageOffset() - 1 + k);
          sum += v;
          squares += v * v;
        }
      }
      long count = (long) n * hw;
      double mean = sum / count;
      out[0][c] = mean;
      out[1][c] = (squares - count * mean * mean) / (count - 1);
    }
    return out;
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) (Object) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  @Test
  void oneBatchGivesThatBatchsMeanAndUnbiasedVariance() {
    List<float[]> images = images(12);
    EfficientNet model = model();
    Map<String, Tensor<Float>> before = copies(model);
    double[][] expected = stemStatistics(model, images);

    long used = BatchNormStatistics.recompute(model, rdd(images, 1), 12, 12);

    assertEquals(12, used);
    Map<String, Tensor<Float>> after = model.namedTensors();
    float[] mean = values(after.get("stem_bn/runningMean"));
    float[] variance = values(after.get("stem_bn/runningVar"));
    for (int c = 0; c < mean.length; c++) {
      assertEquals(expected[0][c], mean[c], 1e-4 * (1 + Math.abs(expected[0][c])), "mean of channel " + c);
      assertEquals(expected[1][c], variance[c], 1e-4 * expected[1][c], "variance of channel " + c);
    }
    // Every batch norm got statistics of its own; the weights did not change.
    int changed = 0;
    for (Map.Entry<String, Tensor<Float>> e : before.entrySet()) {
      boolean same = java.util.Arrays.equals(values(e.getValue()), values(after.get(e.getKey())));
      if (e.getKey().endsWith("/runningMean") || e.getKey().endsWith("/runningVar")) {
        assertFalse(same, e.getKey() + " must be recomputed");
        changed++;
      } else {
        assertTrue(same, e.getKey() + " must not change");
      }
    }
    assertTrue(changed >= 6, changed + " statistics");
  }

  @Test
  void batchesAreAveragedAndTheImageCapHolds() {
    List<float[]> images = images(16);
    EfficientNet model = model();
    double[][] first = stemStatistics(model, images.subList(0, 4));
    double[][] second = stemStatistics(model, images.subList(4, 8));

    // One partition, batches of 4, at most 8 images: the first two batches, averaged.
    long used = BatchNormStatistics.recompute(model, rdd(images, 1), 4, 8);

    assertEquals(8, used);
    float[] mean = values(model.namedTensors().get("stem_bn/runningMean"));
    float[] variance = values(model.namedTensors().get("stem_bn/runningVar"));
    for (int c = 0; c < mean.length; c++) {
      assertEquals((first[0][c] + second[0][c]) / 2, mean[c], 1e-4 * (1 + Math.abs(first[0][c])));
      assertEquals((first[1][c] + second[1][c]) / 2, variance[c], 1e-4 * first[1][c]);
    }
    // Two partitions share the cap: 8 images each.
    assertEquals(16, BatchNormStatistics.recompute(model(), rdd(images, 2), 4, 16));
  }

  @Test
  void frozenBatchNormsKeepTheirStatistics() {
    EfficientNet model = model();
    model.freezeBackbone();
    float[] frozenMean = values(model.namedTensors().get("stem_bn/runningMean"));
    assertEquals(8, BatchNormStatistics.recompute(model, rdd(images(8), 1), 4, 8));
    assertArrayEquals(frozenMean, values(model.namedTensors().get("stem_bn/runningMean")));
  }

  @Test
  void rejectsBatchesTooSmallForAVarianceAndCapsBelowOneBatch() {
    EfficientNet model = model();
    assertThrows(IllegalArgumentException.class, () -> BatchNormStatistics.recompute(model, rdd(images(4), 1), 1, 4));
    assertThrows(IllegalArgumentException.class, () -> BatchNormStatistics.recompute(model, rdd(images(4), 1), 4, 3));
  }

  private static Map<String, Tensor<Float>> copies(EfficientNet model) {
    Map<String, Tensor<Float>> out = new java.util.TreeMap<>();
    for (Map.Entry<String, Tensor<Float>> e : model.namedTensors().entrySet()) {
      out.put(e.getKey(), e.getValue().clone());
    }
    return out;
  }
}
