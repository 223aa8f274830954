package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Distributed, batched logits equal the driver's own forward pass, record by record, in order. */
class DistributedInferenceTest {
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.start("inference-test");
  }

  @AfterAll
  static void stop() {
    sc.stop();
  }

  @Test
  void logitsMatchTheDriversForwardPassAndKeepRecordsWithoutImages() {
    BigDL.seed(5);
    EfficientNet model = EfficientNetBuilder.build(
        NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 32, 0.2, 0.2), 4, 32));
    int plane = 3 * 32 * 32;
    Random random = new Random(9);
    List<DistributedInference.Input<Integer>> inputs = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      float[] chw = null;
      if (i % 4 != 2) {
        chw = new float[plane];
        for (int j = 0; j < plane; j++) {
          chw[j] = (float) random.nextGaussian();
        }
      }
      inputs.add(new DistributedInference.Input<>(i, chw));
    }
    // 3 partitions, batches of 2: full batches, a remainder, and a batch holding a record without an image.
    List<DistributedInference.Scored<Integer>> scored =
        DistributedInference.logits(model, sc.parallelize(inputs, 3), 2).collect();
    assertEquals(inputs.size(), scored.size());
    for (int i = 0; i < inputs.size(); i++) {
      DistributedInference.Scored<Integer> s = scored.get(i);
      assertEquals(i, s.key().intValue());
      if (inputs.get(i).chw() == null) {
        assertNull(s.logits());
        assertNull(s.probabilities());
        continue;
      }
      float[] expected = model.predictLogits(inputs.get(i).chw(), 1)[0];
      assertEquals(4, s.logits().length);
      assertSame(s.logits(), s.singleViewLogits());
      for (int c = 0; c < 4; c++) {
        assertEquals(expected[c], s.logits()[c], 1e-4 * Math.max(1, Math.abs(expected[c])), "record " + i + " class " + c);
      }
      double sum = 0;
      for (double p : s.probabilities()) {
        sum += p;
      }
      assertEquals(1.0, sum, 1e-12);
    }
  }

  @Test
  void flipAveragesTheProbabilitiesOfTheImageAndItsMirror() {
    BigDL.seed(6);
    EfficientNet model = EfficientNetBuilder.build(
        NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 32, 0.2, 0.2), 4, 32));
    int size = 32;
    int plane = 3 * size * size;
    Random random = new Random(10);
    List<DistributedInference.Input<Integer>> inputs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      float[] chw = null;
      if (i != 3) {
        chw = new float[plane];
        for (int j = 0; j < plane; j++) {
          chw[j] = (float) (3 * random.nextGaussian());
        }
      }
      inputs.add(new DistributedInference.Input<>(i, chw));
    }
    // Batches of 2 (4 views per pass) over 2 partitions, a record without an image in between.
    List<DistributedInference.Scored<Integer>> scored =
        DistributedInference.logits(model, sc.parallelize(inputs, 2), 2, true).collect();
    assertEquals(inputs.size(), scored.size());
    for (int i = 0; i < inputs.size(); i++) {
      float[] chw = inputs.get(i).chw();
      DistributedInference.Scored<Integer> s = scored.get(i);
      assertEquals(i, s.key().intValue());
      if (chw == null) {
        assertNull(s.logits());
        continue;
      }
      // The mirror, written out by hand: value (c, y, x) comes from (c, y, size - 1 - x).
      float[] mirrored = new float[plane];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            mirrored[(c * size + y) * size + x] = chw[(c * size + y) * size + size - 1 - x];
          }
        }
      }
      float[] plain = model.predictLogits(chw, 1)[0];
      double[] p = ClassScores.softmax(plain);
      double[] q = ClassScores.softmax(model.predictLogits(mirrored, 1)[0]);
      double[] averaged = s.probabilities();
      for (int c = 0; c < 4; c++) {
        assertEquals(Math.log((p[c] + q[c]) / 2), s.logits()[c], 1e-4, "record " + i + " class " + c);
        assertEquals((p[c] + q[c]) / 2, averaged[c], 1e-4, "record " + i + " class " + c);
        assertEquals(plain[c], s.singleViewLogits()[c], 1e-4 * Math.max(1, Math.abs(plain[c])), "single view");
      }
    }
  }

  @Test
  void logOfMeanProbabilitiesStaysFiniteWhereBothUnderflow() {
    // Class 1 has probability e^-200 and e^-300 under the two views: far below double's range once exponentiated.
    float[] logits = DistributedInference.logOfMeanProbabilities(new float[] {0f, -200f}, new float[] {0f, -300f});
    assertEquals(Math.log(1 - (Math.exp(-200) + Math.exp(-300)) / 2), logits[0], 1e-6);
    assertEquals(-200 - Math.log(2), logits[1], 1e-3);
    float[] same = DistributedInference.logOfMeanProbabilities(new float[] {1f, 2f, 3f}, new float[] {1f, 2f, 3f});
    assertEquals(ClassScores.logProbability(new float[] {1f, 2f, 3f}, 2), same[2], 1e-6);
  }
}
