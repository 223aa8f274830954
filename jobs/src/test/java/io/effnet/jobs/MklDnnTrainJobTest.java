package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.Engine;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job's default engine, through the real command line on local[2] with the project's test images, in a
 * JVM where nothing fixed BigDL's engine before the job (the jobs module's "mkldnn" surefire execution): train.engine
 * = auto trains on MKL-DNN, writes and records it, repeats bit for bit for a seed, and its model loads and predicts.
 */
@Tag("mkldnn")
class MklDnnTrainJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  File tmp;

  @Test
  void autoTrainsOnMklDnnRepeatablyAndItsModelPredicts() throws Exception {
    assertNull(System.getProperty("bigdl.engineType"), "this test covers a JVM whose engine the job decides");
    File images = new File(tmp, "images");
    TestImages.writeTree(images, 12, 36, 11);
    File data = new File(tmp, "data");
    TestImages.prep(images, data, 40, "prep.validation-fraction=0.25");

    File first = train(data, "first");
    assertEquals("mkldnn", Engine.engineType());
    File second = train(data, "second");

    JsonNode report = JSON.readTree(new File(first, "train-report.json"));
    assertEquals("completed", report.get("status").asText());
    assertEquals("mkldnn", report.get("engine").asText());
    assertEquals("auto", report.get("engine_setting").asText());
    assertTrue(report.get("engine_choice").asText().startsWith("mkldnn (train.engine = auto: MKL-DNN trains"),
        report.get("engine_choice").asText());
    // The second job found BigDL's engine already fixed in this JVM, by the first: auto followed it.
    assertTrue(JSON.readTree(new File(second, "train-report.json")).get("engine_choice").asText()
        .contains("following this JVM's bigdl.engineType = mkldnn"));
    assertEquals(2, report.get("epochs").size());
    assertEquals(1, report.get("nodes").asInt());
    assertEquals(2, report.get("cores_per_node").asInt());
    long validationImages = report.get("validation_images").asLong();
    assertTrue(validationImages > 0);
    for (JsonNode epoch : report.get("epochs")) {
      JsonNode v = epoch.get("validation");
      assertEquals(validationImages, v.get("count").asLong());
      assertTrue(v.get("top1").asDouble() >= 0 && v.get("top1").asDouble() <= 1, v.toString());
      assertTrue(Double.isFinite(v.get("loss").asDouble()) && v.get("loss").asDouble() > 0, v.toString());
    }
    JsonNode losses = report.get("loss_by_iteration");
    assertEquals(report.get("epochs").get(1).get("iteration").asInt(), losses.size());
    for (JsonNode l : losses) {
      assertTrue(Double.isFinite(l.get(1).asDouble()), "loss " + l);
    }
    for (String file : new String[] {"model.effnet", "model-ema.effnet", "model.bigdl", "model.bin",
        "effective-config.conf", "provenance.json", "labels.json"}) {
      assertTrue(new File(first, file).isFile(), file);
    }

    // Repeatable for a seed, as on mklblas (TrainDeterminismTest): what the search's comparison relies on.
    JsonNode again = JSON.readTree(new File(second, "train-report.json"));
    assertEquals(report.get("loss_by_iteration"), again.get("loss_by_iteration"));
    for (int e = 0; e < 2; e++) {
      JsonNode v = report.get("epochs").get(e).get("validation");
      JsonNode w = again.get("epochs").get(e).get("validation");
      for (String exact : new String[] {"top1", "top5", "count"}) {
        assertEquals(v.get(exact), w.get(exact), exact + ", epoch " + (e + 1));
      }
      // BigDL's MKL-DNN evaluator adds partitions up in the order tasks finish: the loss may differ in its last digits.
      assertEquals(v.get("loss").asDouble(), w.get("loss").asDouble(), 1e-6 * v.get("loss").asDouble());
    }
    float[] weights = read(new File(first, "model.effnet")).flatParameters();
    assertArrayEquals(weights, read(new File(second, "model.effnet")).flatParameters());

    EfficientNet model = read(new File(first, "model-ema.effnet"));
    int size = model.spec().inputSize();
    float[] batch = new float[2 * 3 * size * size];
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < batch.length; i++) {
      batch[i] = (float) random.nextGaussian();
    }
    float[][] logits = model.predictLogits(batch, 2);
    assertEquals(2, logits.length);
    assertEquals(TestImages.CLASSES.length, logits[0].length);
    for (float[] row : logits) {
      for (float v : row) {
        assertTrue(Float.isFinite(v), Arrays.toString(row));
      }
    }
    assertFalse(Arrays.equals(logits[0], logits[1]), "different images, different logits");

    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + first + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + first + "\""));
    JsonNode eval = JSON.readTree(new File(first, "evaluation.json"));
    assertEquals(validationImages, eval.get("count").asLong());
    // The job validated the same weights on the same images after its last epoch.
    assertEquals(report.get("epochs").get(1).get("validation").get("top1").asDouble(), eval.get("top1").asDouble(),
        1e-6);

    // BigDL runs MKL-DNN in this JVM now: a frozen fine-tune, which needs mklblas, is a configuration error.
    assertEquals(JobException.CONFIG, Cli.execute("finetune", "--set", "finetune.source=\"" + first + "\"",
        "--set", "train.data=\"" + data + "\"", "--set", "train.output=\"" + new File(tmp, "tuned") + "\""));
  }

  private File train(File data, String name) throws Exception {
    File run = new File(tmp, name);
    assertEquals(0, Cli.execute("train", "--set", "train.data=\"" + data + "\"",
        "--set", "train.output=\"" + run + "\"", "--set", "train.epochs=2", "--set", "train.batch-size=8",
        "--set", "train.seed=5", "--set", "train.optimizer=momentum", "--set", "train.base-learning-rate=0.4",
        "--set", "train.warmup-epochs=0", "--set", "train.bn-decay=0.9", "--set", "model.variant=custom",
        "--set", "model.width=0.25", "--set", "model.depth=0.5", "--set", "model.resolution=32",
        "--set", "model.input-size=32", "--set", "model.dropout=0.3", "--set", "model.drop-connect=0.3",
        "--set", "input.min-crop-area=0.35"));
    return run;
  }

  private static EfficientNet read(File file) throws Exception {
    try (InputStream in = new FileInputStream(file)) {
      return EfficientNet.read(in);
    }
  }
}
