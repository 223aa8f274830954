package io.effnet.prep;

import org.apache.spark.sql.SparkSession;

/** One local[2] session per test JVM (Spark allows one SparkContext per JVM). */
final class SparkTestSession {
    private static SparkSession session;

    private SparkTestSession() {
    }

    static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("data-prep-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .getOrCreate();
        }
        return session;
    }
}
