package io.effnet.model.bigdl.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WarmupExponentialScheduleTest {
  private static final double EXACT = 1e-12;

  /** Peak 0.256 (0.016 x 4096 / 256), 100 steps per epoch: warmup 500 steps, decay every 240 steps. */
  private final WarmupExponentialSchedule s = WarmupExponentialSchedule.efficientNetReference(0.256, 100);

  @Test
  void warmupRisesLinearlyFromZero() {
    assertEquals(500, s.warmupSteps());
    assertEquals(0.0, s.rate(0), EXACT);
    assertEquals(0.256 / 500, s.rate(1), EXACT);
    assertEquals(0.128, s.rate(250), EXACT);
    assertEquals(0.256 * 499 / 500, s.rate(499), EXACT); // 0.255488
    assertEquals(0.255488, s.rate(499), EXACT);
  }

  @Test
  void afterWarmupTheStaircaseCountsFromStepZero() {
    // floor(500 / 240) = 2: the warmup ends on the third stair.
    assertEquals(0.256 * 0.9409, s.rate(500), EXACT); // 0.2408704
    assertEquals(0.2408704, s.rate(719), EXACT);
    // Step 720 = 3 x 240: one more factor 0.97.
    assertEquals(0.256 * 0.912673, s.rate(720), EXACT); // 0.233644288
    assertEquals(0.233644288, s.rate(959), EXACT);
    assertEquals(0.256 * 0.88529281, s.rate(960), EXACT);
    // Epoch 100 = step 10000: floor(10000 / 240) = 41.
    assertEquals(0.256 * Math.pow(0.97, 41), s.rate(10000), EXACT);
  }

  @Test
  void fractionalStepsPerEpochAsTheReference() {
    // ImageNet at batch 4096: 1281167 / 4096 = 312.784... steps per epoch; int(5 x 312.78) = 1563 warmup steps;
    // one decay stair is 750.68 steps, so the warmup ends on stair floor(1563 / 750.68) = 2.
    double stepsPerEpoch = 1281167 / 4096.0;
    WarmupExponentialSchedule imagenet = WarmupExponentialSchedule.efficientNetReference(0.256, stepsPerEpoch);
    assertEquals(1563, imagenet.warmupSteps());
    assertEquals(0.256 * 1562 / 1563, imagenet.rate(1562), EXACT);
    assertEquals(0.256 * 0.97 * 0.97, imagenet.rate(1563), EXACT);
    assertEquals(0.256 * 0.97 * 0.97, imagenet.rate(2252), EXACT); // 2252 / 750.68 = 2.9999
    assertEquals(0.256 * 0.97 * 0.97 * 0.97, imagenet.rate(2253), EXACT); // 3.0013
    assertEquals(5.0, imagenet.epochOf(1563), 0.01);
  }

  @Test
  void customWarmupAndDecay() {
    WarmupExponentialSchedule noWarmup = WarmupExponentialSchedule.builder(0.1, 10).warmupEpochs(0).decayRate(0.5)
        .decayEpochs(1).build();
    assertEquals(0.1, noWarmup.rate(0), EXACT);
    assertEquals(0.1, noWarmup.rate(9), EXACT);
    assertEquals(0.05, noWarmup.rate(10), EXACT);
    assertEquals(0.025, noWarmup.rate(29), EXACT);
    WarmupExponentialSchedule flat = WarmupExponentialSchedule.builder(0.1, 10).warmupEpochs(1).decayRate(1).build();
    assertEquals(0.05, flat.rate(5), EXACT);
    assertEquals(0.1, flat.rate(10), EXACT);
    assertEquals(0.1, flat.rate(1_000_000), EXACT);
  }

  @Test
  void scaledPeakIsTheLinearScalingRule() {
    assertEquals(0.128, WarmupExponentialSchedule.scaledPeak(0.016, 2048), EXACT);
    assertEquals(0.002, WarmupExponentialSchedule.scaledPeak(0.016, 32), EXACT);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThrows(IllegalArgumentException.class, () -> WarmupExponentialSchedule.efficientNetReference(0, 10));
    assertThrows(IllegalArgumentException.class, () -> WarmupExponentialSchedule.efficientNetReference(0.1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> WarmupExponentialSchedule.builder(0.1, 10).decayRate(1.5).build());
    assertThrows(IllegalArgumentException.class,
        () -> WarmupExponentialSchedule.builder(0.1, 10).decayEpochs(0).build());
    assertThrows(IllegalArgumentException.class,
        () -> WarmupExponentialSchedule.builder(0.1, 10).warmupEpochs(-1).build());
    assertThrows(IllegalArgumentException.class, () -> s.rate(-1));
    assertThrows(IllegalArgumentException.class, () -> WarmupExponentialSchedule.scaledPeak(0.016, 0));
  }

  @Test
  void serializableValue() {
    WarmupExponentialSchedule copy = OptimTesting.javaRoundTrip(s);
    assertEquals(s, copy);
    assertEquals(s.rate(777), copy.rate(777), 0);
    assertTrue(copy.toString().contains("500 steps"), copy.toString());
    assertEquals(0.3, OptimTesting.javaRoundTrip(RateSchedule.constant(0.3)).rate(12345), 0);
  }
}
