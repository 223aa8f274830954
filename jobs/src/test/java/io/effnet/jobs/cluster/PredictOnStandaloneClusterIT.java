package io.effnet.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.jobs.Cli;
import io.effnet.jobs.TestImages;
import io.effnet.jobs.TestModels;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate and predict submitted with submit-scripts/effnet-submit to a standalone cluster of 2 workers x 1
 * core: inference runs in executor JVMs that never saw the driver's BigDL engine, and must give the same
 * figures as on local Spark.
 */
class PredictOnStandaloneClusterIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void evaluatesAndPredictsOnTwoExecutorsAsOnLocalSpark(@TempDir Path tmp) throws Exception {
    File images = tmp.resolve("images").toFile();
    int written = TestImages.writeTree(images, 8, 36, 13);
    File data = tmp.resolve("data").toFile();
    File run = tmp.resolve("run").toFile();
    TestModels.writeRun(run, 5, images);
    Files.write(new File(images, "disc/broken.jpg").toPath(), "no jpeg".getBytes(StandardCharsets.UTF_8));
    TestImages.prep(images, data, 40, "prep.validation-fraction=0.5", "prep.rows-per-shard=3",
        "prep.max-bad-fraction=0.1");
    File localEval = tmp.resolve("eval-local").toFile();
    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + run + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + localEval + "\""));

    File clusterEval = tmp.resolve("eval-cluster").toFile();
    File predicted = tmp.resolve("predicted").toFile();
    try (LocalStandaloneCluster cluster = LocalStandaloneCluster.builder()
        .workers(2).coresPerWorker(1).memoryPerWorker("2g").dir(tmp.resolve("cluster")).start()) {
      submit(cluster, tmp.resolve("evaluate.log"), "evaluate", "--set", "evaluate.model=\"" + run + "\"",
          "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + clusterEval + "\"");
      submit(cluster, tmp.resolve("predict.log"), "predict", "--set", "predict.model=\"" + run + "\"",
          "--set", "predict.input=\"" + images + "\"", "--set", "predict.output=\"" + predicted + "\"",
          "--set", "predict.resize=\"exact:40x40\"");
    }

    JsonNode local = JSON.readTree(new File(localEval, "evaluation.json"));
    JsonNode remote = JSON.readTree(new File(clusterEval, "evaluation.json"));
    assertEquals(local.get("count").asLong(), remote.get("count").asLong());
    assertEquals(local.get("confusion_matrix").get("counts"), remote.get("confusion_matrix").get("counts"));
    assertEquals(local.get("top1").asDouble(), remote.get("top1").asDouble(), 0);
    assertEquals(local.get("loss").asDouble(), remote.get("loss").asDouble(), 1e-6);

    JsonNode report = JSON.readTree(new File(predicted, "predict-report.json"));
    assertEquals(2, report.get("executors").asInt());
    assertTrue(report.get("spark_master").asText().startsWith("spark://127.0.0.1:"));
    assertEquals(written + 1, report.get("images").asLong());
    assertEquals(1, report.get("errors").asLong());
    assertEquals(1, report.get("errors_by_reason").get("unknown_format").asLong());
  }

  private static void submit(LocalStandaloneCluster cluster, Path log, String... job) throws Exception {
    List<String> command = new ArrayList<>(Arrays.asList(
        LocalStandaloneCluster.projectDir().resolve("submit-scripts/effnet-submit").toString(),
        "--master", cluster.masterUrl(), "--executor-cores", "1", "--total-executor-cores", "2",
        "--executor-memory", "1g", "--driver-memory", "1g"));
    command.addAll(Arrays.asList(job));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", LocalStandaloneCluster.sparkHome().toString());
    Process p = pb.start();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), job[0] + " did not finish in 10 minutes");
    String output = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), output);
  }
}
