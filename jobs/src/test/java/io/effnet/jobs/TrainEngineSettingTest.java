package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code train.engine}: its default, its validation, and the frozen fine-tune MKL-DNN cannot train. */
class TrainEngineSettingTest {
  private static JobConfig config(String... overrides) {
    return JobConfig.load(null, Arrays.asList(overrides));
  }

  @Test
  void theDefaultEngineIsBigDLsDefault() {
    assertEquals("mklblas", TrainJob.Settings.engine(JobConfig.defaults()));
    assertEquals("mkldnn", TrainJob.Settings.engine(config("train.engine=mkldnn")));
  }

  @Test
  void anUnknownEngineIsAConfigurationError() {
    JobException e = assertThrows(JobException.class, () -> TrainJob.Settings.engine(config("train.engine=dnn")));
    assertEquals(JobException.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("effnet.train.engine") && e.getMessage().contains("mkldnn"), e.getMessage());
  }

  /** MKL-DNN's batch norm cannot be frozen: a fine-tune with a frozen backbone is refused before any Spark work. */
  @Test
  void aFrozenFineTuneOnMklDnnIsAConfigurationError() {
    String[] base = {"finetune.source=\"/nowhere/run\"", "train.data=\"/nowhere/data\"", "train.output=\"/nowhere/out\"",
        "train.engine=mkldnn"};
    for (String freeze : new String[] {"finetune.freeze-epochs=-1", "finetune.freeze-epochs=2"}) {
      String[] overrides = Arrays.copyOf(base, base.length + 1);
      overrides[base.length] = freeze;
      JobException e = assertThrows(JobException.class, () -> new FinetuneJob.Settings(config(overrides)));
      assertEquals(JobException.CONFIG, e.exitCode());
      assertTrue(e.getMessage().contains("effnet.finetune.freeze-epochs") && e.getMessage().contains("mklblas"),
          e.getMessage());
    }
    String[] unfrozen = Arrays.copyOf(base, base.length + 1);
    unfrozen[base.length] = "finetune.freeze-epochs=0";
    new FinetuneJob.Settings(config(unfrozen));
  }
}
