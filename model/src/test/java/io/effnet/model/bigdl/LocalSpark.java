package io.effnet.model.bigdl;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** The tests' local Spark: local[2] without UI or console progress, BigDL's engine started on it. */
public final class LocalSpark {
  private LocalSpark() {}

  /** local[2], no UI, no console progress, with BigDL's settings ({@link Engine#configure}). */
  public static SparkConf conf(String app) {
    return Engine.configure(new SparkConf().setMaster("local[2]").setAppName(app)
        .set("spark.ui.enabled", "false").set("spark.ui.showConsoleProgress", "false"));
  }

  /** A context from {@link #conf} with BigDL's engine initialised; stop it when done. */
  public static JavaSparkContext start(String app) {
    return start(conf(app));
  }

  /** A context from {@code conf} with BigDL's engine initialised; stop it when done. */
  public static JavaSparkContext start(SparkConf conf) {
    JavaSparkContext sc = new JavaSparkContext(conf);
    Engine.init();
    return sc;
  }
}
