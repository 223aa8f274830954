package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** DistributedTrainer over several epochs on local Spark, with fresh (re-augmented) samples every epoch. */
class DistributedTrainerTest {

  /**
   * BigDL keeps a cached copy of every training set it was given and of the executors' optim methods after
   * each optimize() call; over a long run those copies filled the heap (an out-of-memory error in epoch 10 of
   * Fashion-MNIST). The number of cached RDDs must not grow with the epochs.
   */
  @Test
  void cachedDataDoesNotGrowWithTheEpochs() {
    JavaSparkContext sc = LocalSpark.start("trainer-epochs");
    try {
      BigDL.seed(3);
      EfficientNet model = EfficientNetBuilder.build(
          NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 32, 0.2, 0.2), 3, 32));
      DistributedTrainer trainer = new DistributedTrainer(model, samples(sc, 0), 16, 8,
          OptimizerSettings.efficientNetReference(8), null, "test").averageWeights(0.9999);
      List<Integer> cached = new ArrayList<>();
      for (int epoch = 0; epoch < 4; epoch++) {
        trainer.trainEpoch(epoch == 0 ? null : samples(sc, epoch));
        Map<String, float[]> state = trainer.optimizerState();
        assertEquals(model.trainableParameterCount(), state.get(DistributedTrainer.AVERAGE).length);
        cached.add(sc.sc().getPersistentRDDs().size());
      }
      assertEquals(4, trainer.epochsDone());
      assertEquals(cached.get(1), cached.get(3), "cached RDDs after each epoch: " + cached);
      assertTrue(trainer.iterationsDone() >= 8, "iterations " + trainer.iterationsDone());
      trainer.close();
    } finally {
      sc.stop();
    }
  }

  private static org.apache.spark.rdd.RDD<Sample<Float>> samples(JavaSparkContext sc, long seed) {
    Random random = new Random(seed);
    List<Sample<Float>> out = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      float[] chw = new float[3 * 32 * 32];
      for (int k = 0; k < chw.length; k++) {
        chw[k] = (float) random.nextGaussian();
      }
      out.add(Samples.image(chw, 3, 32, 32, i % 3));
    }
    JavaRDD<Sample<Float>> rdd = sc.parallelize(out, 2);
    return rdd.rdd();
  }
}
