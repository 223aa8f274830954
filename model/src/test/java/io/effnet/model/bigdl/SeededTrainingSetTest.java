package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.intel.analytics.bigdl.dataset.Sample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The order in which BigDL's iterations see the training samples: seeded, one pass per epoch. */
class SeededTrainingSetTest {
  private static final int SAMPLES = 12;
  private static final int BATCH = 4;
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("seeded-set")
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false"));
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  private static RDD<Sample<Float>> labelled() {
    List<Sample<Float>> out = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      out.add(Samples.image(new float[] {i, i, i}, 3, 1, 1, i));
    }
    return sc.parallelize(out, 3).rdd();
  }

  /** Labels of the samples that {@code iterations} successive iterations (Spark jobs, as BigDL runs them) see. */
  private static List<Integer> walk(SeededTrainingSet set, int iterations) {
    List<Integer> seen = new ArrayList<>();
    for (int it = 0; it < iterations; it++) {
      List<Integer> batch = set.data(true).toJavaRDD().mapPartitions(samples -> {
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < BATCH; k++) {
          labels.add(Samples.label(samples.next()));
        }
        return labels.iterator();
      }).collect();
      seen.addAll(batch);
    }
    return seen;
  }

  @Test
  void anEpochVisitsEverySampleOnceInASeededOrder() {
    SeededTrainingSet set = SeededTrainingSet.of(labelled(), 1, 7, 0);
    set.shuffle();
    List<Integer> epoch = walk(set, SAMPLES / BATCH);
    List<Integer> sorted = new ArrayList<>(epoch);
    Collections.sort(sorted);
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < SAMPLES; i++) {
      all.add(i);
    }
    assertEquals(all, sorted, "one epoch: each sample once, order " + epoch);

    SeededTrainingSet again = SeededTrainingSet.of(labelled(), 1, 7, 0);
    again.shuffle();
    assertEquals(epoch, walk(again, SAMPLES / BATCH), "same seed, same order");

    set.shuffle();
    assertNotEquals(epoch, walk(set, SAMPLES / BATCH), "the next epoch has a new order");
    SeededTrainingSet otherSeed = SeededTrainingSet.of(labelled(), 1, 8, 0);
    otherSeed.shuffle();
    assertNotEquals(epoch, walk(otherSeed, SAMPLES / BATCH), "another seed, another order");
    SeededTrainingSet otherStream = SeededTrainingSet.of(labelled(), 1, 7, 1);
    otherStream.shuffle();
    assertNotEquals(epoch, walk(otherStream, SAMPLES / BATCH), "another epoch's data set, another order");
  }

  @Test
  void samplesAreSpreadOverTheNodesAndCountedOnce() {
    SeededTrainingSet set = SeededTrainingSet.of(labelled(), 2, 7, 0);
    assertEquals(SAMPLES, set.size());
    assertEquals(2, set.originRDD().partitions().length);
    List<Sample<Float>> once = set.data(false).toJavaRDD().collect();
    assertEquals(SAMPLES, once.size());
  }
}
