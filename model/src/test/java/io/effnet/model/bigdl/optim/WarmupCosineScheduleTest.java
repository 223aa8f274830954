package io.effnet.model.bigdl.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.effnet.model.bigdl.OptimizerSettings;
import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {
  private static final double EXACT = 1e-12;

  /** Peak 0.1, 100 steps per epoch, 2 warmup epochs, 10 epochs: warmup 200 steps, rate 0 at step 1000. */
  private final WarmupCosineSchedule s = new WarmupCosineSchedule(0.1, 100, 2, 10);

  @Test
  void warmupThenCosineCountedFromStepZero() {
    assertEquals(200, s.warmupSteps());
    assertEquals(1000, s.totalSteps());
    assertEquals(0.0, s.rate(0), EXACT);
    assertEquals(0.05, s.rate(100), EXACT);
    assertEquals(0.1 * 199 / 200, s.rate(199), EXACT);
    // Step 200: 0.05 * (1 + cos(0.2 pi)) = 0.05 * 1.809016994... (not the peak: the cosine started at step 0).
    assertEquals(0.0904508497187474, s.rate(200), EXACT);
    assertEquals(0.05, s.rate(500), EXACT); // cos(pi / 2) = 0
    assertEquals(0.05 * (1 - Math.sqrt(0.5)), s.rate(750), EXACT); // 0.0146446609...
    assertEquals(0.0146446609406726, s.rate(750), EXACT);
    assertEquals(0.05 * (1 + Math.cos(Math.PI * 999 / 1000)), s.rate(999), EXACT); // 2.47e-7
  }

  @Test
  void zeroAtAndPastTheEnd() {
    assertEquals(0.0, s.rate(1000), EXACT);
    assertEquals(0.0, s.rate(1500), EXACT);
  }

  @Test
  void noWarmupStartsAtThePeak() {
    WarmupCosineSchedule noWarmup = new WarmupCosineSchedule(0.2, 10, 0, 1);
    assertEquals(0.2, noWarmup.rate(0), EXACT);
    assertEquals(0.1, noWarmup.rate(5), EXACT);
  }

  @Test
  void fractionalStepsPerEpochTruncateAsTheReference() {
    // 58800 images at batch 128: 459.375 steps per epoch, 16 epochs = 7350 steps; warmup int(0.5 x 459.375) = 229.
    WarmupCosineSchedule f = new WarmupCosineSchedule(0.1, 58800 / 128.0, 0.5, 16);
    assertEquals(229, f.warmupSteps());
    assertEquals(7350, f.totalSteps());
    assertEquals(0.05 * (1 + Math.cos(Math.PI * 229 / 7350)), f.rate(229), EXACT);
  }

  @Test
  void settingsBuildTheConfiguredDecay() {
    OptimizerSettings exp = new OptimizerSettings(OptimizerSettings.Method.MOMENTUM, 0.1, 1, 0.5, 1, 0.9, false,
        0.9, 1e-3, 0.1);
    assertEquals(OptimizerSettings.Decay.EXPONENTIAL, exp.decay());
    assertEquals(0.05, exp.schedule(10).rate(10), EXACT);
    OptimizerSettings cos = exp.withCosineDecay(4);
    assertEquals(OptimizerSettings.Decay.COSINE, cos.decay());
    assertEquals(new WarmupCosineSchedule(0.1, 10, 1, 4), cos.schedule(10));
    assertEquals(0.05, cos.schedule(10).rate(20), EXACT);
    assertEquals(OptimizerSettings.Decay.COSINE, OptimizerSettings.decay(" Cosine "));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OptimizerSettings.decay("linear"));
    assertEquals("learning-rate decay type must be exponential or cosine, got 'linear'", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> exp.withCosineDecay(0));
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0, 10, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0.1, 0, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0.1, 10, -1, 1));
    assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0.1, 10, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> s.rate(-1));
  }
}
