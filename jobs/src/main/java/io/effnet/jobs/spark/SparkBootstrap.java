package io.effnet.jobs.spark;

import io.effnet.model.bigdl.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Starts Spark for a job. The JVM flags and the MKL setting executors need come from the bundled
 * {@code conf/runtime.properties}, the same file the build and the scripts read; a setting already made
 * (by spark-submit or the caller) wins.
 */
public final class SparkBootstrap {
  private static final String RUNTIME = "/io/effnet/jobs/conf/runtime.properties";

  private SparkBootstrap() {}

  /** A session for a job that does not train (prep, summary): no BigDL engine. */
  public static SparkSession plain(String appName) {
    return SparkSession.builder().config(conf(appName)).getOrCreate();
  }

  /** A session with BigDL's engine initialised for training or inference. */
  public static SparkSession withBigDL(String appName) {
    SparkSession session = SparkSession.builder().config(Engine.configure(conf(appName))).getOrCreate();
    Engine.init();
    return session;
  }

  static SparkConf conf(String appName) {
    SparkConf conf = new SparkConf().setAppName(appName);
    if (!conf.contains("spark.master")) {
      // Run outside spark-submit (tests, IDE): an embedded local Spark.
      conf.setMaster("local[" + Math.max(1, Runtime.getRuntime().availableProcessors()) + "]");
    }
    Properties runtime = runtime();
    setIfAbsent(conf, "spark.executor.extraJavaOptions", runtime.getProperty("jvm.flags"));
    setIfAbsent(conf, "spark.executorEnv.MKL_DEBUG_CPU_TYPE", runtime.getProperty("mkl.debug.cpu.type"));
    setIfAbsent(conf, "spark.ui.showConsoleProgress", "false");
    return conf;
  }

  private static void setIfAbsent(SparkConf conf, String key, String value) {
    if (value != null && !conf.contains(key)) {
      conf.set(key, value);
    }
  }

  /** The runtime properties bundled in the jar. */
  public static Properties runtime() {
    Properties p = new Properties();
    try (InputStream in = SparkBootstrap.class.getResourceAsStream(RUNTIME)) {
      if (in == null) {
        throw new IllegalStateException(RUNTIME + " is missing from the application jar");
      }
      p.load(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return p;
  }
}
