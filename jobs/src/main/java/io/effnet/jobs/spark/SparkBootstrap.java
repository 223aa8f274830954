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
   * A session for a training job with BigDL's engine chosen by {@link EngineChoice#decide} from {@code train.engine}
   * ({@code configuredEngine}: auto, mklblas or mkldnn), in the driver and the executors. BigDL reads
   * {@code bigdl.engineType} once per JVM, when its engine object initialises: here for the driver (the system
   * property is set first), and at executor start for the executors (added to {@code spark.executor.extraJavaOptions},
   * after the flags of conf/runtime.properties). The choice and its reason are in {@link #engineChoice}.
   *
   * @param mklBlasOnly why the job cannot run on MKL-DNN (auto then takes mklblas), or null
   * @throws JobException (configuration) if the configured engine and the one this JVM runs or must run differ
   */
  public static SparkSession withBigDL(String appName, String configuredEngine, String mklBlasOnly) {
    SparkConf conf = conf(appName);
    EngineChoice choice = selectEngine(conf, configuredEngine, mklBlasOnly);
    conf.set(ENGINE_CHOICE, choice.toString());
    SparkSession session = SparkSession.builder().config(Engine.configure(conf)).getOrCreate();
    Engine.init();
    return session;
  }

  /** The engine a training session was started with and why ({@link EngineChoice#toString}), or null. */
  public static String engineChoice(SparkSession spark) {
    return spark.sparkContext().getConf().get(ENGINE_CHOICE, null);
  }

  static EngineChoice selectEngine(SparkConf conf, String configuredEngine, String mklBlasOnly) {
    String previous = System.getProperty(ENGINE_PROPERTY);
    EngineChoice choice = EngineChoice.decide(configuredEngine, previous, mklBlasOnly);
    System.setProperty(ENGINE_PROPERTY, choice.engine());
    String running = Engine.engineType();
    if (!running.equals(choice.engine())) {
      // BigDL's engine object started earlier in this JVM, before the property was set.
      if (previous == null) {
        System.clearProperty(ENGINE_PROPERTY);
      } else {
        System.setProperty(ENGINE_PROPERTY, previous);
      }
      choice = choice.followRunning(running, mklBlasOnly);
    }
    String options = conf.get(EXECUTOR_OPTIONS, "").replaceAll("(^|\\s)-D" + ENGINE_PROPERTY.replace(".", "\\.")
        + "=\\S*", " ").trim();
    conf.set(EXECUTOR_OPTIONS, (options.isEmpty() ? "" : options + " ") + "-D" + ENGINE_PROPERTY + "="
        + choice.engine());
    return choice;
  }

  private static final String ENGINE_CHOICE = "spark.effnet.engineChoice";
  private static final String ENGINE_PROPERTY = EngineChoice.PROPERTY;
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
