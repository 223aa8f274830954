package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
