package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.InvertedDropout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two trainings with the same seed end with the same weights, bit for bit, on local[2] (one node, two model
 * replicas on BigDL's thread pool), with dropout and drop connect active; another seed gives other weights.
 */
class TrainingDeterminismTest {
  /** Depth 0.5 keeps repeated blocks, so there are drop-connect layers; dropout 0.3 before the classifier. */
  private static final Variant TINY = new Variant("tiny", 0.25, 0.5, 32, 0.3, 0.3);
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.start("determinism");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  @Test
  void theSameSeedTrainsTheSameWeightsAndAnotherSeedOthers() {
    float[] first = train(7);
    float[] second = train(7);
    float[] otherSeed = train(8);
    float[] initial = initialModel().flatParameters();
    assertFalse(java.util.Arrays.equals(initial, first), "training must change the weights");
    assertArrayEquals(first, second, "same seed: the weights must be identical");
    assertFalse(java.util.Arrays.equals(first, otherSeed), "another seed must give other weights");
  }

  /** Validation sums partitions in partition order: repeatable, and equal to a local forward's figures. */
  @Test
  void evaluationRepeatsAndAgreesWithALocalForward() {
    EfficientNet model = initialModel();
    Metrics first = DistributedTrainer.evaluate(model, samples(2), 8);
    Metrics second = DistributedTrainer.evaluate(model, samples(2), 8);
    assertEquals(first.loss(), second.loss(), 0);
    assertEquals(first.top1(), second.top1(), 0);
    assertEquals(20, first.count());
    Random random = new Random(2);
    float[] batch = new float[20 * 3 * 32 * 32];
    int[] labels = new int[20];
    for (int i = 0; i < 20; i++) {
      for (int k = 0; k < 3 * 32 * 32; k++) {
        batch[i * 3 * 32 * 32 + k] = (float) random.nextGaussian() + (i % 3);
      }
      labels[i] = i % 3;
    }
    float[][] logits = model.predictLogits(batch, 20);
    int hits = 0;
    double loss = 0;
    for (int i = 0; i < 20; i++) {
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < 3; c++) {
        if (logits[i][c] > max) {
          max = logits[i][c];
          best = c;
        }
      }
      hits += best == labels[i] ? 1 : 0;
      double sum = 0;
      for (int c = 0; c < 3; c++) {
        sum += Math.exp(logits[i][c] - max);
      }
      loss += max + Math.log(sum) - logits[i][labels[i]];
    }
    assertEquals(hits / 20.0, first.top1(), 1e-12);
    assertEquals(loss / 20, first.loss(), 1e-5);
    assertEquals(1.0, first.top5(), 0, "3 classes: every label is in the top 5");
  }

  private static EfficientNet initialModel() {
    BigDL.seed(3);
    return EfficientNetBuilder.build(NetworkSpec.resolve(TINY, 3, 32));
  }

  /** Two epochs of 3 iterations (20 samples, batch 8: BigDL ends an epoch after 24 records); fresh data in epoch 2. */
  private static float[] train(long seed) {
    EfficientNet model = initialModel();
    DistributedTrainer trainer = new DistributedTrainer(model, samples(0), 20, 8,
        OptimizerSettings.efficientNetReference(8), seed, null, "determinism");
    assertTrue(countLayers(model, DropConnect.class) >= 2, "the test network must have drop-connect layers");
    assertEquals(1, countLayers(model, InvertedDropout.class), "the test network must have dropout");
    trainer.trainEpoch(null);
    trainer.trainEpoch(samples(1));
    assertEquals(6, trainer.iterationsDone());
    trainer.close();
    return model.flatParameters();
  }

  private static int countLayers(EfficientNet model, Class<?> type) {
    int n = 0;
    for (Object m : scala.collection.JavaConverters.seqAsJavaListConverter(
        ((com.intel.analytics.bigdl.nn.Container<?, ?, ?>) model.module()).modules()).asJava()) {
      n += type.isInstance(m) ? 1 : 0;
    }
    return n;
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
