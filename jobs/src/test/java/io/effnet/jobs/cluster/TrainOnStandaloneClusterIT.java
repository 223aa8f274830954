package io.effnet.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.jobs.Cli;
import io.effnet.jobs.TestImages;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job submitted with submit-scripts/effnet-submit to a standalone cluster of 2 workers x 1 core:
 * BigDL must train one model synchronously across the 2 executor JVMs, and the cluster is stopped
 * afterwards whatever happens.
 */
class TrainOnStandaloneClusterIT {

  @Test
  void trainsOneModelAcrossTwoExecutors(@TempDir Path tmp) throws Exception {
    File images = tmp.resolve("images").toFile();
    TestImages.writeTree(images, 16, 36, 11);
    File data = tmp.resolve("data").toFile();
    File run = tmp.resolve("run").toFile();
    assertEquals(0, Cli.execute("prep", "--set", "prep.input=\"" + images + "\"",
        "--set", "prep.output=\"" + data + "\"", "--set", "prep.resize-mode=exact", "--set", "prep.width=36",
        "--set", "prep.height=36", "--set", "prep.rows-per-shard=10"));

    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.builder()
        .workers(2).coresPerWorker(1).memoryPerWorker("2g").dir(tmp.resolve("cluster")).start()) {
      Path log = tmp.resolve("submit.log");
      List<String> command = Arrays.asList(
          LocalStandaloneCluster.projectDir().resolve("submit-scripts/effnet-submit").toString(),
          "--master", cluster.masterUrl(), "--executor-cores", "1", "--total-executor-cores", "2",
          "--executor-memory", "1g", "--driver-memory", "1g",
          "train", "--set", "train.data=\"" + data + "\"", "--set", "train.output=\"" + run + "\"",
          "--set", "train.epochs=2", "--set", "train.batch-size=8", "--set", "train.bn-decay=0.9",
          "--set", "model.variant=custom", "--set", "model.width=0.25", "--set", "model.depth=0.34",
          "--set", "model.resolution=32", "--set", "model.input-size=32");
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("SPARK_HOME", LocalStandaloneCluster.sparkHome().toString());
      Process p = pb.start();
      assertTrue(p.waitFor(10, TimeUnit.MINUTES), "train did not finish in 10 minutes");
      String output = new String(java.nio.file.Files.readAllBytes(log), "UTF-8");
      assertEquals(0, p.exitValue(), output);

      JsonNode report = new ObjectMapper().readTree(new File(run, "train-report.json"));
      assertEquals("completed", report.get("status").asText());
      assertEquals(2, report.get("nodes").asInt(), "BigDL's node count");
      assertEquals(1, report.get("cores_per_node").asInt());
      assertEquals(2, report.get("executors").asInt());
      assertTrue(report.get("spark_master").asText().startsWith("spark://127.0.0.1:"));
      assertEquals(2, report.get("epochs").size());
      assertTrue(report.get("loss_by_iteration").size() > 0);
      assertTrue(new File(run, "model.effnet").isFile());
    }
  }
}
