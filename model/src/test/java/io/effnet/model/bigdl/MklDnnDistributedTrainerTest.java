package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link DistributedTrainer} on BigDL's MKL-DNN engine (DistriOptimizer on local Spark): it trains through the
 * facade's graph, hands back corrected batch-norm running statistics, evaluates, and refuses a frozen backbone.
 */
@Tag("mkldnn")
class MklDnnDistributedTrainerTest {
  private static final int SIZE = 32;
  private static final int COUNT = 8;
  /**
   * Through DistriOptimizer the corrected statistics came within 3.1e-3 of the default layers' (largest |difference|
   * / max(1, |value|) over all layers in one run; 1e-4 or better in most), where BigDL's uncorrected ones are off by
   * a factor of about 5 (the mean after one step is reported as 1 / (1 + decay) of the batch mean instead of
   * 1 - decay of it). The same correction matched to 5e-6 with the IR graph driven directly
   * ({@code MklDnnTrainingTest}); the residual here is not explained yet.
   */
  private static final double STATISTICS_TOLERANCE = 1e-2;

  /**
   * One epoch of one step over all 8 samples: whatever order DistriOptimizer draws them in, a batch norm's batch
   * statistics are those of the 8 samples under the initial weights, so the default layers' forward of the same 8
   * in training mode gives the running statistics the trained model must hold.
   */
  @Test
  void oneStepOnMklDnnLeavesTheDefaultEnginesRunningStatistics() {
    JavaSparkContext sc = LocalSpark.start("mkldnn-trainer");
    try {
      assertEquals("mkldnn", Engine.engineType());
      BigDL.seed(5);
      NetworkSpec spec = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, SIZE, 0, 0), 3, SIZE);
      // Batch-norm decay 0.9: the statistics move visibly in one step.
      EfficientNet model = EfficientNetBuilder.build(spec, 0, 0.9);
      float[] images = new float[COUNT * 3 * SIZE * SIZE];
      Random random = new Random(6);
      for (int i = 0; i < images.length; i++) {
        images[i] = (float) random.nextGaussian();
      }
      EfficientNet reference = EfficientNetBuilder.build(spec, 0, 0.9);
      reference.copyWeightsFrom(model);
      reference.module().training().forward(BigDL.tensor(images.clone(), COUNT, 3, SIZE, SIZE));
      float[] weightsBefore = model.flatParameters();

      DistributedTrainer trainer = new DistributedTrainer(model, samples(sc, images), COUNT, COUNT,
          new OptimizerSettings(OptimizerSettings.Method.MOMENTUM, 0.05, 0, 1, 1, 0.9, false, 0.9, 1e-3, 0), null,
          "test");
      trainer.trainEpoch(null);
      assertEquals(1, trainer.iterationsDone());

      Map<String, Tensor<Float>> expected = reference.namedTensors();
      Map<String, Tensor<Float>> actual = model.namedTensors();
      double worst = 0;
      int statistics = 0;
      for (Map.Entry<String, Tensor<Float>> e : expected.entrySet()) {
        if (!e.getKey().endsWith("/runningMean") && !e.getKey().endsWith("/runningVar")) {
          continue;
        }
        statistics++;
        float[] want = Activations.values(e.getValue());
        float[] got = Activations.values(actual.get(e.getKey()));
        for (int i = 0; i < want.length; i++) {
          double diff = Math.abs(want[i] - got[i]) / Math.max(1, Math.abs(want[i]));
          worst = Math.max(worst, diff);
          assertTrue(diff <= STATISTICS_TOLERANCE, e.getKey() + "[" + i + "]: default engine " + want[i] + ", MKL-DNN "
              + got[i]);
        }
      }
      float[] weightsAfter = model.flatParameters();
      double moved = 0;
      for (int i = 0; i < weightsAfter.length; i++) {
        assertTrue(Float.isFinite(weightsAfter[i]), "weight " + i + " is " + weightsAfter[i]);
        moved = Math.max(moved, Math.abs(weightsAfter[i] - weightsBefore[i]));
      }
      assertTrue(moved > 0, "the step moved the weights");

      Metrics metrics = DistributedTrainer.evaluate(model, samples(sc, images), COUNT);
      assertEquals(COUNT, metrics.count());
      assertTrue(Double.isFinite(metrics.loss()), "validation loss " + metrics.loss());
      System.out.printf(Locale.ROOT, "one MKL-DNN step through DistriOptimizer: %d running statistics, largest"
          + " relative difference to the default layers %.2g; largest weight change %.3g; evaluation %s%n",
          statistics, worst, moved, metrics);

      model.freezeBackbone();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.trainEpoch(null));
      assertTrue(e.getMessage().contains("mklblas"), e.getMessage());
      trainer.close();
    } finally {
      sc.stop();
    }
  }

  private static org.apache.spark.rdd.RDD<Sample<Float>> samples(JavaSparkContext sc, float[] images) {
    List<Sample<Float>> out = new ArrayList<>();
    int plane = 3 * SIZE * SIZE;
    for (int i = 0; i < COUNT; i++) {
      float[] chw = new float[plane];
      System.arraycopy(images, i * plane, chw, 0, plane);
      out.add(Samples.image(chw, 3, SIZE, SIZE, i % 3));
    }
    return sc.parallelize(out, 2).rdd();
  }
}
