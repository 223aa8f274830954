package io.effnet.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts a 2-worker standalone cluster with submit-scripts/local-cluster, runs a Spark job on it from
 * this JVM, and checks that it ran in two executor JVMs that got the project's JVM flags and MKL
 * setting, and that stopping leaves no process behind.
 */
class LocalStandaloneClusterIT {

  private static final String OPENS_JAVA_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";

  /** Runs in an executor: one line per partition about the JVM that computed it. */
  static final class ExecutorReport implements FlatMapFunction<Iterator<Integer>, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<String> call(Iterator<Integer> values) throws Exception {
      long sum = 0;
      int count = 0;
      while (values.hasNext()) {
        sum += values.next();
        count++;
      }
      // Long enough that one executor cannot drain all partitions before the other takes one.
      Thread.sleep(300);
      String jvmName = ManagementFactory.getRuntimeMXBean().getName();
      boolean hasFlags = ManagementFactory.getRuntimeMXBean().getInputArguments().contains(OPENS_JAVA_LANG);
      String report = String.join("|", SparkEnv.get().executorId(), jvmName.substring(0, jvmName.indexOf('@')),
          Integer.toString(count), Long.toString(sum), Boolean.toString(hasFlags),
          String.valueOf(System.getenv("MKL_DEBUG_CPU_TYPE")), Long.toString(Runtime.getRuntime().maxMemory()));
      return Collections.singletonList(report).iterator();
    }
  }

  @Test
  void runsAJobInTwoExecutorsWithTheProjectFlagsAndStopsEveryProcess(@TempDir Path tmp) {
    Properties runtime = LocalStandaloneCluster.runtimeProperties(LocalStandaloneCluster.projectDir());
    List<Long> daemons;
    Set<Long> executorPids = new HashSet<>();
    Set<String> executorIds = new HashSet<>();

    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.builder()
        .workers(2).coresPerWorker(1).memoryPerWorker("2g").dir(tmp.resolve("cluster")).start()) {
      assertTrue(cluster.masterUrl().startsWith("spark://127.0.0.1:"), cluster.masterUrl());
      JsonNode state = cluster.masterState();
      assertEquals("ALIVE", state.path("status").asText());
      assertEquals(2, cluster.aliveWorkerCount());
      assertEquals(2, state.path("cores").asInt());
      daemons = cluster.daemonPids();
      assertEquals(3, daemons.size(), "master + 2 workers: " + daemons);
      for (long pid : daemons) {
        assertTrue(LocalStandaloneCluster.isRunning(pid), "daemon " + pid + " runs");
      }

      Path testClasses = LocalStandaloneCluster.jarOfClassFolder(ExecutorReport.class, tmp.resolve("test-classes.jar"));
      List<Integer> numbers = new ArrayList<>();
      for (int i = 1; i <= 1000; i++) {
        numbers.add(i);
      }
      List<String> reports;
      JavaSparkContext sc = new JavaSparkContext(cluster.sparkConf("LocalStandaloneClusterIT")
          .setJars(new String[] {testClasses.toString()}));
      try {
        assertEquals(runtime.getProperty("jvm.flags"), sc.getConf().get("spark.executor.extraJavaOptions"));
        assertEquals("2", sc.getConf().get("spark.cores.max"));
        reports = sc.parallelize(numbers, 4).mapPartitions(new ExecutorReport()).collect();
      } finally {
        sc.stop();
      }

      assertEquals(4, reports.size(), reports.toString());
      long total = 0;
      long count = 0;
      for (String report : reports) {
        List<String> fields = Arrays.asList(report.split("\\|"));
        executorIds.add(fields.get(0));
        executorPids.add(Long.parseLong(fields.get(1)));
        count += Integer.parseInt(fields.get(2));
        total += Long.parseLong(fields.get(3));
        assertEquals("true", fields.get(4), "executor JVM got " + OPENS_JAVA_LANG + ": " + report);
        assertEquals(runtime.getProperty("mkl.debug.cpu.type"), fields.get(5), "MKL_DEBUG_CPU_TYPE: " + report);
        long maxHeapMiB = Long.parseLong(fields.get(6)) / (1024 * 1024);
        assertTrue(maxHeapMiB > 512 && maxHeapMiB <= 1024, "spark.executor.memory 1g, heap " + maxHeapMiB + " MiB");
      }
      assertEquals(1000, count);
      assertEquals(500500, total);
      assertEquals(2, executorIds.size(), "distinct executors: " + reports);
      assertEquals(2, executorPids.size(), "distinct executor JVMs: " + reports);
      for (long pid : executorPids) {
        assertFalse(daemons.contains(pid), "executor " + pid + " is a JVM of its own");
      }
    }

    for (long pid : daemons) {
      assertFalse(LocalStandaloneCluster.isRunning(pid), "daemon " + pid + " stopped");
    }
    for (long pid : executorPids) {
      assertFalse(LocalStandaloneCluster.isRunning(pid), "executor " + pid + " stopped");
    }
  }
}
