package io.effnet.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.jobs.TestImages;
import io.effnet.model.bigdl.EfficientNet;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job submitted with submit-scripts/effnet-submit to a standalone cluster of 2 workers x 1 core:
 * BigDL must train one model synchronously across the 2 executor JVMs, and the cluster is stopped
 * afterwards whatever happens. Then the finetune job on the same cluster, from that model.
 */
class TrainOnStandaloneClusterIT {

  @Test
  void trainsOneModelAcrossTwoExecutors(@TempDir Path tmp) throws Exception {
    File images = tmp.resolve("images").toFile();
    TestImages.writeTree(images, 16, 36, 11);
    File data = tmp.resolve("data").toFile();
    File run = tmp.resolve("run").toFile();
    TestImages.prep(images, data, 36, "prep.rows-per-shard=10");

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
      // train.engine = auto in a driver JVM started without -Dbigdl.engineType: MKL-DNN, on the executors too.
      assertEquals("mkldnn", report.get("engine").asText());
      assertEquals("auto", report.get("engine_setting").asText());
      assertTrue(report.get("spark_master").asText().startsWith("spark://127.0.0.1:"));
      assertEquals(2, report.get("epochs").size());
      assertTrue(report.get("loss_by_iteration").size() > 0);
      assertTrue(new File(run, "model.effnet").isFile());

      // Fine-tuning that model on the same cluster: the frozen state must reach the executor JVMs (in the model
      // copies BigDL broadcasts per epoch), or the frozen epoch would move the backbone.
      File tuned = tmp.resolve("tuned").toFile();
      Path finetuneLog = tmp.resolve("finetune.log");
      List<String> finetune = Arrays.asList(
          LocalStandaloneCluster.projectDir().resolve("submit-scripts/effnet-submit").toString(),
          "--master", cluster.masterUrl(), "--executor-cores", "1", "--total-executor-cores", "2",
          "--executor-memory", "1g", "--driver-memory", "1g",
          "finetune", "--set", "finetune.source=\"" + run + "\"", "--set", "finetune.freeze-epochs=1",
          "--set", "train.data=\"" + data + "\"", "--set", "train.output=\"" + tuned + "\"",
          "--set", "train.epochs=2", "--set", "train.batch-size=8", "--set", "train.optimizer=momentum");
      ProcessBuilder fb = new ProcessBuilder(finetune).redirectErrorStream(true).redirectOutput(finetuneLog.toFile());
      fb.environment().put("SPARK_HOME", LocalStandaloneCluster.sparkHome().toString());
      Process f = fb.start();
      assertTrue(f.waitFor(10, TimeUnit.MINUTES), "finetune did not finish in 10 minutes");
      String finetuneOutput = new String(java.nio.file.Files.readAllBytes(finetuneLog), "UTF-8");
      assertEquals(0, f.exitValue(), finetuneOutput);
      JsonNode tunedReport = new ObjectMapper().readTree(new File(tuned, "train-report.json"));
      assertEquals("finetune", tunedReport.get("job").asText());
      assertEquals(2, tunedReport.get("executors").asInt());
      // A frozen backbone: auto takes mklblas, as MKL-DNN's batch norm cannot be frozen.
      assertEquals("mklblas", tunedReport.get("engine").asText());
      assertEquals("[1]", tunedReport.get("finetune").get("frozen_epochs").toString());
      File source = new File(run, "model.effnet");
      assertTrue(sameBackbone(source, new File(tuned, "checkpoints/epoch-00001/model.effnet")),
          "the frozen epoch left the backbone bit-identical");
      assertTrue(!sameBackbone(source, new File(tuned, "model.effnet")), "the unfrozen epoch trained it");
    }
  }

  /** Whether every backbone tensor of the two model files is bit-identical ({@code Arrays.equals} on floats). */
  private static boolean sameBackbone(File a, File b) throws java.io.IOException {
    Map<String, float[]> x = backbone(a);
    Map<String, float[]> y = backbone(b);
    if (!x.keySet().equals(y.keySet())) {
      return false;
    }
    for (String name : x.keySet()) {
      if (!Arrays.equals(x.get(name), y.get(name))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, float[]> backbone(File modelFile) throws java.io.IOException {
    EfficientNet model;
    try (java.io.InputStream in = new java.io.FileInputStream(modelFile)) {
      model = EfficientNet.read(in);
    }
    Map<String, float[]> out = new java.util.TreeMap<>();
    for (String name : model.backboneTensorNames()) {
      com.intel.analytics.bigdl.tensor.Tensor<Float> t = model.namedTensors().get(name).contiguous();
      float[] v = new float[t.nElement()];
      System.arraycopy((float[]) t.storage().array(), t.storageOffset() - 1, v, 0, v.length);
      out.put(name, v);
    }
    return out;
  }
}
