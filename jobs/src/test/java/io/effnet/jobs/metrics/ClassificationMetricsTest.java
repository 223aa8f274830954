package io.effnet.jobs.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures of a tiny set, worked out by hand from the logits. */
class ClassificationMetricsTest {
  private static final int[] LABELS = {0, 0, 1, 2, 2};
  private static final float[][] LOGITS = {
    {2f, 1f, 0f},   // predicted 0: right
    {0f, 3f, 1f},   // predicted 1: wrong
    {1f, 2f, 0.5f}, // predicted 1: right
    {0f, 1f, 1f},   // 1 and 2 tie: the lower id, 1, wins: wrong
    {0f, 0f, 4f},   // predicted 2: right
  };

  private static ClassificationMetrics tinySet() {
    ClassificationMetrics m = new ClassificationMetrics(3);
    for (int i = 0; i < LABELS.length; i++) {
      m.add(LABELS[i], LOGITS[i]);
    }
    return m;
  }

  @Test
  void topOneLossAndConfusionMatrixOfATinySet() {
    ClassificationMetrics m = tinySet();
    assertEquals(5, m.count());
    assertArrayEquals(new long[] {1, 1, 0}, m.confusionMatrix()[0]);
    assertArrayEquals(new long[] {0, 1, 0}, m.confusionMatrix()[1]);
    assertArrayEquals(new long[] {0, 1, 1}, m.confusionMatrix()[2]);
    assertEquals(3.0 / 5, m.top1(), 1e-15);
    assertEquals(1.0, m.top5(), 0, "3 classes: the label is always among the top 5");
    double e = Math.E;
    double expectedLoss = ((Math.log(e * e + e + 1) - 2) + Math.log(1 + Math.exp(3) + e)
        + (Math.log(e + e * e + Math.exp(0.5)) - 2) + (Math.log(1 + e + e) - 1) + (Math.log(2 + Math.exp(4)) - 4)) / 5;
    assertEquals(expectedLoss, m.loss(), 1e-12);
  }

  @Test
  void perClassPrecisionRecallAndF1OfATinySet() {
    ClassificationMetrics m = tinySet();
    assertEquals(1.0, m.precision(0), 1e-15);
    assertEquals(1.0 / 3, m.precision(1), 1e-15);
    assertEquals(1.0, m.precision(2), 1e-15);
    assertEquals(0.5, m.recall(0), 1e-15);
    assertEquals(1.0, m.recall(1), 1e-15);
    assertEquals(0.5, m.recall(2), 1e-15);
    assertEquals(2.0 / 3, m.f1(0), 1e-15);
    assertEquals(0.5, m.f1(1), 1e-15);
    assertEquals(2.0 / 3, m.f1(2), 1e-15);
    assertEquals(7.0 / 9, m.macroPrecision(), 1e-15);
    assertEquals(2.0 / 3, m.macroRecall(), 1e-15);
    assertEquals((2.0 / 3 + 0.5 + 2.0 / 3) / 3, m.macroF1(), 1e-15);
    assertEquals(2, m.support(0));
    assertEquals(3, m.predicted(1));

    List<Map<String, Object>> table = m.perClass(Arrays.asList("a", "b", "c"));
    assertEquals("b", table.get(1).get("class"));
    assertEquals(1L, table.get(1).get("support"));
    assertEquals(3L, table.get(1).get("predicted"));
    assertEquals(1.0 / 3, (Double) table.get(1).get("precision"), 1e-15);
    Map<String, Object> confusion = m.confusionReport(Arrays.asList("a", "b", "c"));
    assertEquals("true class", confusion.get("rows"));
    assertEquals(Arrays.asList(Arrays.asList(0L, 1L, 1L)), ((List<?>) confusion.get("counts")).subList(2, 3));
  }

  @Test
  void topFiveCountsRanksBelowFiveWithTiesToTheLowerId() {
    ClassificationMetrics m = new ClassificationMetrics(6);
    float[] descending = {5f, 4f, 3f, 2f, 1f, 0f};
    m.add(5, descending); // rank 5: missed
    m.add(4, descending); // rank 4: in the top 5
    m.add(5, new float[6]); // all tied: class 5 ranks last
    m.add(0, new float[6]); // all tied: class 0 ranks first
    assertEquals(2.0 / 4, m.top5(), 1e-15);
    assertEquals(1.0 / 4, m.top1(), 1e-15);
    assertEquals(4, m.confusion(5, 0) + m.confusion(4, 0) + m.confusion(0, 0));
  }

  @Test
  void undefinedFiguresAreNaNInTheMathAndNullInTheReport() {
    ClassificationMetrics m = new ClassificationMetrics(3);
    m.add(0, new float[] {1f, 0f, 0f});
    m.add(1, new float[] {1f, 0f, 0f});
    assertTrue(Double.isNaN(m.precision(1)), "class 1 was never predicted");
    assertTrue(Double.isNaN(m.recall(2)), "class 2 has no samples");
    assertTrue(Double.isNaN(m.f1(2)));
    assertEquals(0.0, m.f1(1), 0, "precision undefined, recall 0");
    assertEquals(0.5, m.macroPrecision(), 1e-15, "only class 0 has a precision");
    assertNull(m.perClass(Arrays.asList("a", "b", "c")).get(2).get("recall"));
    assertTrue(Double.isNaN(new ClassificationMetrics(2).top1()));
  }

  @Test
  void mergingPartsEqualsAddingEverythingToOne() {
    ClassificationMetrics whole = tinySet();
    ClassificationMetrics a = new ClassificationMetrics(3);
    ClassificationMetrics b = new ClassificationMetrics(3);
    for (int i = 0; i < LABELS.length; i++) {
      (i % 2 == 0 ? a : b).add(LABELS[i], LOGITS[i]);
    }
    ClassificationMetrics merged = a.merge(b);
    assertEquals(whole.count(), merged.count());
    assertEquals(whole.loss(), merged.loss(), 1e-15);
    assertEquals(whole.top1(), merged.top1(), 0);
    for (int t = 0; t < 3; t++) {
      assertArrayEquals(whole.confusionMatrix()[t], merged.confusionMatrix()[t]);
    }
    assertThrows(IllegalArgumentException.class, () -> whole.merge(new ClassificationMetrics(4)));
    assertThrows(IllegalArgumentException.class, () -> whole.add(3, new float[3]));
    assertThrows(IllegalArgumentException.class, () -> whole.add(0, new float[2]));
  }
}
