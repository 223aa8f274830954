package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.spark.EngineChoice;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code train.engine}: its default (auto), how auto resolves per job and against an engine the JVM has fixed, its
 * validation, and the frozen fine-tune MKL-DNN cannot train.
 */
class TrainEngineSettingTest {
  private static final String FROZEN = "finetune.freeze-epochs = -1 freezes the backbone's batch norms";

  private static JobConfig config(String... overrides) {
    return JobConfig.load(null, Arrays.asList(overrides));
  }

  @Test
  void theDefaultIsAuto() {
    assertEquals("auto", TrainJob.Settings.engine(JobConfig.defaults()));
    assertEquals("mkldnn", TrainJob.Settings.engine(config("train.engine=mkldnn")));
    assertEquals("mklblas", TrainJob.Settings.engine(config("train.engine=mklblas")));
  }

  @Test
  void anUnknownEngineIsAConfigurationError() {
    JobException e = assertThrows(JobException.class, () -> TrainJob.Settings.engine(config("train.engine=dnn")));
    assertEquals(JobException.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("effnet.train.engine") && e.getMessage().contains("mkldnn")
        && e.getMessage().contains("auto"), e.getMessage());
  }

  /** A JVM without -Dbigdl.engineType: auto takes mkldnn, the faster engine, unless the job needs mklblas. */
  @Test
  void autoTakesMklDnnWhereItCanTrainTheJob() {
    EngineChoice train = EngineChoice.decide("auto", null, null);
    assertEquals("mkldnn", train.engine());
    assertEquals("auto", train.configured());
    assertTrue(train.reason().contains("faster"), train.reason());
    EngineChoice frozen = EngineChoice.decide("auto", null, FROZEN);
    assertEquals("mklblas", frozen.engine());
    assertTrue(frozen.reason().contains(FROZEN), frozen.reason());
    assertEquals("mklblas", EngineChoice.decide("mklblas", null, null).engine());
    assertEquals("mkldnn", EngineChoice.decide("mkldnn", null, null).engine());
  }

  /** The JVM's engine fixed before the job (-Dbigdl.engineType): auto follows it; an explicit other one is refused. */
  @Test
  void anEngineFixedByTheJvmWinsOverAutoAndConflictsWithAnotherExplicitOne() {
    EngineChoice followed = EngineChoice.decide("auto", "mklblas", null);
    assertEquals("mklblas", followed.engine());
    assertTrue(followed.reason().contains("bigdl.engineType = mklblas"), followed.reason());
    assertEquals("mkldnn", EngineChoice.decide("auto", "MKLDNN", null).engine());
    assertEquals("mklblas", EngineChoice.decide("auto", "mklblas", FROZEN).engine());
    assertEquals("mkldnn", EngineChoice.decide("mkldnn", "mkldnn", null).engine());

    JobException conflict = assertThrows(JobException.class, () -> EngineChoice.decide("mkldnn", "mklblas", null));
    assertEquals(JobException.CONFIG, conflict.exitCode());
    assertTrue(conflict.getMessage().contains("-Dbigdl.engineType=mkldnn")
        && conflict.getMessage().contains("train.engine = auto"), conflict.getMessage());
    JobException frozenOnMklDnn = assertThrows(JobException.class, () -> EngineChoice.decide("auto", "mkldnn", FROZEN));
    assertEquals(JobException.CONFIG, frozenOnMklDnn.exitCode());
    assertTrue(frozenOnMklDnn.getMessage().contains(FROZEN), frozenOnMklDnn.getMessage());
    JobException bad = assertThrows(JobException.class, () -> EngineChoice.decide("auto", "dnn", null));
    assertTrue(bad.getMessage().contains("-Dbigdl.engineType=dnn"), bad.getMessage());
  }

  /** MKL-DNN's batch norm cannot be frozen: a frozen fine-tune on explicit mkldnn is refused before any Spark work. */
  @Test
  void aFrozenFineTuneOnMklDnnIsAConfigurationErrorAndAutoTakesMklBlasForIt() {
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
    FinetuneJob.Settings trainsEverything = new FinetuneJob.Settings(config(unfrozen));
    assertEquals(null, trainsEverything.mklBlasOnly());
    assertEquals("mkldnn", EngineChoice.decide("auto", null, trainsEverything.mklBlasOnly()).engine());

    FinetuneJob.Settings frozen = new FinetuneJob.Settings(config("finetune.source=\"/nowhere/run\"",
        "train.data=\"/nowhere/data\"", "train.output=\"/nowhere/out\"", "finetune.freeze-epochs=2"));
    assertTrue(frozen.mklBlasOnly().contains("finetune.freeze-epochs = 2"), frozen.mklBlasOnly());
    assertEquals("mklblas", EngineChoice.decide("auto", null, frozen.mklBlasOnly()).engine());
  }
}
