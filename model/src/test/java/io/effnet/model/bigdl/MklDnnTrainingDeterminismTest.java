package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainingDeterminismTest} on BigDL's MKL-DNN engine: two trainings with the same seed on local[2] end with
 * the same weights, bit for bit (dropout and drop connect active, fresh data in the second epoch). That another
 * seed trains other weights is checked there, on the default engine.
 */
@Tag("mkldnn")
class MklDnnTrainingDeterminismTest {
  private static final Variant TINY = new Variant("tiny", 0.25, 0.5, 32, 0.3, 0.3);
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.start("mkldnn-determinism");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  @Test
  void theSameSeedTrainsTheSameWeightsOnMklDnn() {
    assertEquals("mkldnn", Engine.engineType());
    float[] first = train(7);
    float[] second = train(7);
    double worst = 0;
    int differing = 0;
    for (int i = 0; i < first.length; i++) {
      if (first[i] != second[i]) {
        differing++;
        worst = Math.max(worst, Math.abs(first[i] - second[i]));
      }
    }
    System.out.printf(Locale.ROOT, "MKL-DNN, same seed twice: %d of %d weights differ, largest difference %.3g%n",
        differing, first.length, worst);
    assertFalse(Arrays.equals(initialModel().flatParameters(), first), "training must change the weights");
    assertArrayEquals(first, second, "same seed: the weights must be identical");
  }

  private static EfficientNet initialModel() {
    BigDL.seed(3);
    return EfficientNetBuilder.build(NetworkSpec.resolve(TINY, 3, 32));
  }

  private static float[] train(long seed) {
    EfficientNet model = initialModel();
    DistributedTrainer trainer = new DistributedTrainer(model, samples(0), 20, 8,
        OptimizerSettings.efficientNetReference(8), seed, null, "mkldnn-determinism");
    trainer.trainEpoch(null);
    trainer.trainEpoch(samples(1));
    assertEquals(6, trainer.iterationsDone());
    trainer.close();
    return model.flatParameters();
  }

  private static org.apache.spark.rdd.RDD<Sample<Float>> samples(long seed) {
    Random random = new Random(seed);
    List<Sample<Float>> out = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      float[] chw = new float[3 * 32 * 32];
      for (int k = 0; k < chw.length; k++) {
        chw[k] = (float) random.nextGaussian() + (i % 3);
      }
      out.add(Samples.image(chw, 3, 32, 32, i % 3));
    }
    return sc.parallelize(out, 3).rdd();
  }
}
