package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassScoresTest {

  @Test
  void softmaxMatchesTheDefinitionAndSumsToOne() {
    float[] logits = {1f, 2f, 0.5f};
    double z = Math.exp(1) + Math.exp(2) + Math.exp(0.5);
    double[] p = ClassScores.softmax(logits);
    assertEquals(Math.exp(1) / z, p[0], 1e-15);
    assertEquals(Math.exp(2) / z, p[1], 1e-15);
    assertEquals(Math.exp(0.5) / z, p[2], 1e-15);
    assertEquals(1.0, p[0] + p[1] + p[2], 1e-15);
    assertEquals(Math.log(Math.exp(0.5) / z), ClassScores.logProbability(logits, 2), 1e-14);
  }

  @Test
  void hugeLogitsNeitherOverflowNorGiveAnInfiniteLoss() {
    float[] logits = {1000f, -1000f, 999f};
    double[] p = ClassScores.softmax(logits);
    assertEquals(1.0, p[0] + p[1] + p[2], 1e-15);
    assertEquals(0.0, p[1], 0);
    double lp = ClassScores.logProbability(logits, 1);
    assertTrue(Double.isFinite(lp));
    assertEquals(-2000 - Math.log(1 + Math.exp(-1)), lp, 1e-9);
  }

  @Test
  void logSumExpMatchesTheDefinitionAndStaysFiniteForHugeLogits() {
    assertEquals(Math.log(4), ClassScores.logSumExp(new float[] {0f, (float) Math.log(3)}), 1e-7);
    assertEquals(1000 + Math.log(2), ClassScores.logSumExp(new float[] {1000f, 1000f}), 1e-9);
    float[] logits = {1f, 2f, 0.5f};
    assertEquals(ClassScores.logProbability(logits, 1), logits[1] - ClassScores.logSumExp(logits), 1e-12);
  }

  @Test
  void rankingIsByLogitWithTiesToTheLowerClassId() {
    float[] logits = {0.1f, 0.7f, 0.7f, -2f, 0.3f, 0.7f};
    assertArrayEquals(new int[] {1, 2, 5, 4, 0, 3}, ClassScores.ranking(logits, 10));
    assertArrayEquals(new int[] {1, 2}, ClassScores.ranking(logits, 2));
    assertArrayEquals(new int[] {1}, ClassScores.ranking(logits, 1));
    for (int c = 0; c < logits.length; c++) {
      int[] all = ClassScores.ranking(logits, logits.length);
      assertEquals(c, all[ClassScores.rank(logits, c)], "rank and ranking agree for class " + c);
    }
    assertThrows(IllegalArgumentException.class, () -> ClassScores.ranking(logits, 0));
    assertThrows(IllegalArgumentException.class, () -> ClassScores.softmax(new float[] {1f, Float.NaN}));
  }

  @Test
  void rankingAgreesWithAFullSortOnRandomLogits() {
    Random random = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int classes = 1 + random.nextInt(40);
      float[] logits = new float[classes];
      for (int c = 0; c < classes; c++) {
        logits[c] = random.nextInt(8) / 4f; // many ties
      }
      Integer[] order = new Integer[classes];
      for (int c = 0; c < classes; c++) {
        order[c] = c;
      }
      java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
      int k = 1 + random.nextInt(7);
      int[] top = ClassScores.ranking(logits, k);
      assertEquals(Math.min(k, classes), top.length);
      for (int i = 0; i < top.length; i++) {
        assertEquals(order[i].intValue(), top[i]);
      }
    }
  }
}
