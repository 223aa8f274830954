package io.effnet.model.bigdl;

import org.apache.spark.SparkConf;

/** BigDL's {@code Engine} object: configures Spark for BigDL before the context exists, then initialises. */
public final class Engine {
  private Engine() {}

  /** Adds the settings BigDL needs (e.g. no shuffle locality waits) to a conf that has not started yet. */
  public static SparkConf configure(SparkConf conf) {
    return com.intel.analytics.bigdl.utils.Engine$.MODULE$.createSparkConf(conf);
  }

  /** Initialises BigDL against the running SparkContext (node and core counts come from its master). */
  public static void init() {
    com.intel.analytics.bigdl.utils.Engine$.MODULE$.init();
  }

  /** Nodes BigDL trains on (executors in a cluster; 1 in local mode). */
  public static int nodeNumber() {
    return com.intel.analytics.bigdl.utils.Engine$.MODULE$.nodeNumber();
  }

  /** Cores per node BigDL uses. */
  public static int coreNumber() {
    return com.intel.analytics.bigdl.utils.Engine$.MODULE$.coreNumber();
  }

  /** The BigDL release this project is built against. */
  public static String bigdlVersion() {
    return "0.13.0";
  }

  /** "mklblas" (BigDL's default engine) or "mkldnn". */
  public static String engineType() {
    return String.valueOf(com.intel.analytics.bigdl.utils.Engine$.MODULE$.getEngineType()).toLowerCase(
        java.util.Locale.ROOT);
  }
}
