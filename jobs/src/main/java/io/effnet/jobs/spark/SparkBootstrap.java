package io.effnet.jobs.spark;

import io.effnet.jobs.JobException;
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

  /** A session with BigDL's engine initialised for training or inference, on the engine this JVM runs. */
  public static SparkSession withBigDL(String appName) {
    SparkSession session = SparkSession.builder().config(Engine.configure(conf(appName))).getOrCreate();
    Engine.init();
    return session;
  }

  /**
   * A session with BigDL's engine {@code engineType} ({@code mklblas} or {@code mkldnn}, {@code train.engine}) in
   * the driver and the executors. BigDL reads {@code bigdl.engineType} once per JVM, when its engine object
   * initialises: here for the driver (the system property is set first), and at executor start for the executors
   * (added to {@code spark.executor.extraJavaOptions}, after the flags of conf/runtime.properties).
   *
   * @throws JobException (configuration) if BigDL already runs another engine in this JVM
   */
  public static SparkSession withBigDL(String appName, String engineType) {
    SparkConf conf = conf(appName);
    selectEngine(conf, engineType);
    SparkSession session = SparkSession.builder().config(Engine.configure(conf)).getOrCreate();
    Engine.init();
    return session;
  }

  static void selectEngine(SparkConf conf, String engineType) {
    if (!"mklblas".equals(engineType) && !"mkldnn".equals(engineType)) {
      throw new IllegalArgumentException("BigDL's engines are mklblas and mkldnn, not '" + engineType + "'");
    }
    String previous = System.getProperty(ENGINE_PROPERTY);
    System.setProperty(ENGINE_PROPERTY, engineType);
    String running = Engine.engineType();
    if (!running.equals(engineType)) {
      if (previous == null) {
        System.clearProperty(ENGINE_PROPERTY);
      } else {
        System.setProperty(ENGINE_PROPERTY, previous);
      }
      throw JobException.config("effnet.train.engine is " + engineType + ", but BigDL already runs its " + running
          + " engine in this JVM (it reads " + ENGINE_PROPERTY + " once, when it starts): run the job in a JVM of its"
          + " own, or start this one with -D" + ENGINE_PROPERTY + "=" + engineType);
    }
    String options = conf.get(EXECUTOR_OPTIONS, "").replaceAll("(^|\\s)-D" + ENGINE_PROPERTY.replace(".", "\\.")
        + "=\\S*", " ").trim();
    conf.set(EXECUTOR_OPTIONS, (options.isEmpty() ? "" : options + " ") + "-D" + ENGINE_PROPERTY + "=" + engineType);
  }

  private static final String ENGINE_PROPERTY = "bigdl.engineType";
  private static final String EXECUTOR_OPTIONS = "spark.executor.extraJavaOptions";

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
