package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ThroughputResultTest {
  private static final BenchmarkSettings B0_224 = BenchmarkSettings.builder().build();

  @Test
  void medianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
    assertEquals(3.0, ThroughputResult.median(new double[] {5, 1, 3}));
    assertEquals(2.5, ThroughputResult.median(new double[] {4, 1, 3, 2}));
    assertEquals(7.0, ThroughputResult.median(new double[] {7}));
    assertThrows(BenchmarkException.class, () -> ThroughputResult.median(new double[0]));
  }

  @Test
  void imagesPerSecondComeFromTheMedianStepAndTheBatch() {
    ThroughputResult r = new ThroughputResult(B0_224, "mklblas", new double[] {4.0, 8.0, 3.2}, 0.05, 0.1);
    assertEquals(4.0, r.medianStepSeconds());
    assertEquals(8.0, r.medianImagesPerSecond(), 1e-12);
    assertEquals(10.0, r.bestImagesPerSecond(), 1e-12);
    assertEquals(4.0, r.worstImagesPerSecond(), 1e-12);
  }

  @Test
  void theLineCarriesConfigurationEngineFigureAndContention() {
    ThroughputResult r = new ThroughputResult(B0_224, "mkldnn", new double[] {4.0, 4.0}, 0.05, 0.1);
    assertEquals("b0 224x224 batch 32 engine mkldnn path distri cores 2: 8.00 images/s (median of 2 steps, 4.000"
        + " s/step, range 8.00-8.00 images/s) [other processes 0.05 cores during the measured steps, worst step"
        + " 0.10]", r.line());
    ThroughputResult unknown = new ThroughputResult(B0_224, "mkldnn", new double[] {4.0}, Double.NaN, Double.NaN);
    assertTrue(unknown.line().endsWith("[other processes' CPU use unknown]"), unknown.line());
  }

  @Test
  void rejectsStepsThatAreNotPositive() {
    assertThrows(BenchmarkException.class, () -> new ThroughputResult(B0_224, "mklblas", new double[0], 0, 0));
    assertThrows(BenchmarkException.class,
        () -> new ThroughputResult(B0_224, "mklblas", new double[] {1, 0}, 0, 0));
  }

  @Test
  void reportedLossesShowTheirTrendOrFlagANonFiniteOne() {
    ThroughputResult r = new ThroughputResult(B0_224, "mkldnn", new double[] {4.0}, 0, 0);
    assertEquals(0, r.losses().length);
    assertTrue(r.lossesFinite());
    ThroughputResult trained = r.withLosses(new double[] {6.9076, 6.8, 6.5432});
    assertTrue(trained.lossesFinite());
    assertTrue(trained.line().contains("images/s, loss 6.908 -> 6.543) ["), trained.line());
    ThroughputResult diverged = r.withLosses(new double[] {6.88, Double.NaN, Double.NaN});
    assertTrue(!diverged.lossesFinite());
    assertTrue(diverged.line().contains("LOSS NOT FINITE: not a usable training step"), diverged.line());
  }
}
