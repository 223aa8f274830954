package io.effnet.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.JobException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** How a training job selects BigDL's engine for the driver (this JVM, default engine) and the executors. */
class SparkBootstrapEngineTest {
  @Test
  void executorsGetTheEngineAfterTheRuntimeFlags() {
    SparkConf conf = SparkBootstrap.conf("engine-test");
    String flags = SparkBootstrap.runtime().getProperty("jvm.flags");
    SparkBootstrap.selectEngine(conf, "mklblas", null);
    assertEquals(flags + " -Dbigdl.engineType=mklblas", conf.get("spark.executor.extraJavaOptions"));
  }

  @Test
  void anEngineGivenInTheExecutorOptionsIsReplacedNotDuplicated() {
    SparkConf conf = new SparkConf().set("spark.executor.extraJavaOptions", "-Dbigdl.engineType=mkldnn -Xss16m");
    SparkBootstrap.selectEngine(conf, "mklblas", null);
    assertEquals("-Xss16m -Dbigdl.engineType=mklblas", conf.get("spark.executor.extraJavaOptions"));
  }

  /** BigDL fixed its engine when it started in this JVM (the default one): another is a clear configuration error. */
  @Test
  void anotherEngineThanTheJvmsIsRefused() {
    JobException e = assertThrows(JobException.class,
        () -> SparkBootstrap.selectEngine(new SparkConf(), "mkldnn", null));
    assertEquals(JobException.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains("-Dbigdl.engineType=mkldnn"), e.getMessage());
    assertTrue(!"mkldnn".equals(System.getProperty("bigdl.engineType")), "the refused engine is not left behind");
  }

  /** auto follows the engine of this JVM (mklblas here, as the build's test JVM pins it) and says so. */
  @Test
  void autoFollowsTheJvmsEngine() {
    SparkConf conf = new SparkConf();
    EngineChoice choice = SparkBootstrap.selectEngine(conf, "auto", null);
    assertEquals("mklblas", choice.engine());
    assertTrue(choice.reason().contains("auto") && choice.reason().contains("mklblas"), choice.reason());
    assertEquals("-Dbigdl.engineType=mklblas", conf.get("spark.executor.extraJavaOptions"));
  }
}
