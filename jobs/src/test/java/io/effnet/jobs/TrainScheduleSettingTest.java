package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import io.effnet.model.bigdl.OptimizerSettings;
import io.effnet.model.bigdl.optim.RateSchedule;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code train.lr-decay-type}: the schedule the settings build from it, and its validation. */
class TrainScheduleSettingTest {
  private static TrainJob.Settings settings(String... overrides) {
    String[] all = Arrays.copyOf(overrides, overrides.length + 2);
    all[overrides.length] = "train.data=\"/nowhere/data\"";
    all[overrides.length + 1] = "train.output=\"/nowhere/out\"";
    return new TrainJob.Settings(JobConfig.load(null, Arrays.asList(all)), "train");
  }

  @Test
  void theDefaultIsTheReferenceExponentialStaircase() {
    TrainJob.Settings s = settings("train.batch-size=256", "train.base-learning-rate=0.1", "train.warmup-epochs=0");
    assertEquals(OptimizerSettings.Decay.EXPONENTIAL, s.optimizer.decay());
    RateSchedule r = s.optimizer.schedule(100);
    assertEquals(0.1, r.rate(239), 1e-12);
    assertEquals(0.097, r.rate(240), 1e-12); // x0.97 after 2.4 epochs
  }

  @Test
  void cosineSpansTheConfiguredEpochs() {
    TrainJob.Settings s = settings("train.lr-decay-type=cosine", "train.epochs=4", "train.batch-size=128",
        "train.base-learning-rate=0.2", "train.warmup-epochs=0");
    assertEquals(OptimizerSettings.Decay.COSINE, s.optimizer.decay());
    RateSchedule r = s.optimizer.schedule(10);
    assertEquals(0.1, r.rate(0), 1e-12); // peak 0.2 x 128 / 256
    assertEquals(0.05, r.rate(20), 1e-12); // half way through 40 steps
    assertEquals(0.0, r.rate(40), 1e-12);
  }

  @Test
  void anUnknownDecayTypeIsAConfigurationError() {
    JobException e = assertThrows(JobException.class, () -> settings("train.lr-decay-type=linear"));
    assertEquals(JobException.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("exponential or cosine") && e.getMessage().contains("'linear'"),
        e.getMessage());
  }
}
