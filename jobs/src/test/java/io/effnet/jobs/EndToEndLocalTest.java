package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.Samples;
import io.effnet.prep.LabelIndex;
import java.io.File;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton on local Spark, through the real command line: a tree of JPEG and PNG files written
 * here -> prep -> train a few epochs -> evaluate.
 */
class EndToEndLocalTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  File tmp;

  @Test
  void prepTrainEvaluate() throws Exception {
    File images = new File(tmp, "images");
    int written = TestImages.writeTree(images, 24, 36, 7);
    File data = new File(tmp, "data");
    File run = new File(tmp, "run");

    TestImages.prep(images, data, 40, "prep.validation-fraction=0.25", "prep.rows-per-shard=20");

    LabelIndex labels = LabelIndex.read(new File(data, "labels.json").toURI().toString(), new Configuration());
    assertEquals(Arrays.asList(TestImages.CLASSES), labels.names());
    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.withBigDL("e2e-check");
    long trainRows;
    long validationRows;
    try {
      RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
      String dataUri = data.toURI().toString();
      trainRows = ShardSource.rows(spark, files, dataUri, "train").count();
      validationRows = ShardSource.rows(spark, files, dataUri, "validation").count();
      assertEquals(written, trainRows + validationRows);
      assertTrue(validationRows > 0 && trainRows > validationRows);
      List<Sample<Float>> samples = new ShardSource(32, new double[] {127, 127, 127}, new double[] {64, 64, 64}, 0.08, 32)
          .evaluationSamples(ShardSource.rows(spark, files, dataUri, "validation")).take(2);
      assertArrayEquals(new int[] {3, 32, 32}, Samples.featureShape(samples.get(0)));
      int label = Samples.label(samples.get(0));
      assertTrue(label >= 0 && label < TestImages.CLASSES.length);
    } finally {
      spark.stop();
    }

    assertEquals(0, Cli.execute("train", "--set", "train.data=\"" + data + "\"",
        "--set", "train.output=\"" + run + "\"", "--set", "train.epochs=4", "--set", "train.batch-size=8",
        "--set", "train.optimizer=momentum", "--set", "train.base-learning-rate=1.6", "--set", "train.warmup-epochs=0", "--set", "train.bn-decay=0.9", "--set", "model.variant=custom", "--set", "model.width=0.25",
        "--set", "model.depth=0.34", "--set", "model.resolution=32", "--set", "model.input-size=32"));
    JsonNode report = JSON.readTree(new File(run, "train-report.json"));
    assertEquals("completed", report.get("status").asText());
    assertEquals(1, report.get("nodes").asInt());
    assertEquals(4, report.get("epochs").size());
    assertEquals(trainRows, report.get("train_images").asLong());
    JsonNode losses = report.get("loss_by_iteration");
    assertTrue(losses.size() >= 8, "loss history " + losses);
    double first = mean(losses, 0, 3);
    double last = mean(losses, losses.size() - 3, losses.size());
    assertTrue(last < first, "loss went from " + first + " to " + last);
    // The weight average (on by default) got batch-norm statistics of its own each epoch, from training images.
    for (JsonNode epoch : report.get("epochs")) {
      long used = epoch.get("weight_average_bn_images").asLong();
      assertTrue(used >= 4 && used <= trainRows, "precise-BN images " + used + " of " + trainRows);
    }
    assertTrue(new File(run, "model.effnet").isFile());
    assertTrue(new File(run, "provenance.json").isFile());
    assertTrue(new File(run, "tensorboard").isDirectory());

    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + run + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + run + "\""));
    JsonNode eval = JSON.readTree(new File(run, "evaluation.json"));
    assertEquals(validationRows, eval.get("count").asLong());
    double top1 = eval.get("top1").asDouble();
    assertTrue(top1 >= 0 && top1 <= 1);
    assertEquals(1.0, eval.get("top5").asDouble(), 1e-9); // 3 classes: the top 5 always hold the label
  }

  @Test
  void aResumedRunContinuesAtTheNextEpoch() throws Exception {
    File images = new File(tmp, "images");
    TestImages.writeTree(images, 12, 36, 9);
    File data = new File(tmp, "data");
    File run = new File(tmp, "run");
    TestImages.prep(images, data, 36);
    String[] common = {"--set", "train.data=\"" + data + "\"", "--set", "train.output=\"" + run + "\"",
        "--set", "train.batch-size=8", "--set", "train.keep-checkpoints=2", "--set", "model.variant=custom",
        "--set", "model.width=0.25", "--set", "model.depth=0.34", "--set", "model.resolution=32"};
    assertEquals(0, Cli.execute(concat(new String[] {"train", "--set", "train.epochs=2"}, common)));
    JsonNode first = JSON.readTree(new File(run, "train-report.json"));
    long iterationsAfter2 = first.get("epochs").get(1).get("iteration").asLong();
    assertTrue(iterationsAfter2 > 0);
    // A fresh run into the same folder is refused; resuming continues after epoch 2.
    assertEquals(JobException.DATA, Cli.execute(concat(new String[] {"train", "--set", "train.epochs=3"}, common)));
    assertEquals(0, Cli.execute(concat(new String[] {"train", "--set", "train.epochs=3", "--set", "train.resume=true"},
        common)));
    JsonNode resumed = JSON.readTree(new File(run, "train-report.json"));
    assertEquals(3, resumed.get("epochs").size());
    assertEquals(first.get("epochs").get(0).get("mean_loss").asDouble(),
        resumed.get("epochs").get(0).get("mean_loss").asDouble(), 0);
    long iterationsAfter3 = resumed.get("epochs").get(2).get("iteration").asLong();
    assertEquals(iterationsAfter2 / 2 * 3, iterationsAfter3, 1, "epoch 3 continues BigDL's iteration count");
    // The default recipe warms up linearly over 5 epochs to 0.016 x 8 / 256: the resumed run's rate continues
    // on that line instead of restarting it.
    double peak = 0.016 * 8 / 256;
    double warmupSteps = Math.floor(5 * (iterationsAfter2 / 2.0));
    assertEquals(peak * iterationsAfter2 / warmupSteps, first.get("epochs").get(1).get("next_learning_rate").asDouble(),
        1e-12);
    assertEquals(peak * iterationsAfter3 / warmupSteps,
        resumed.get("epochs").get(2).get("next_learning_rate").asDouble(), 1e-12);
    File checkpoints = new File(run, "checkpoints");
    assertEquals(Arrays.asList("epoch-00002", "epoch-00003"), sortedNames(checkpoints));
    // Momentum, mean square and the weight average were saved whole and handed back to the executors.
    assertEquals(2, resumed.get("resumed_after_epoch").asInt());
    assertEquals("[\"rms\",\"momentum\",\"average\"]", resumed.get("restored_optimizer_buffers").toString());
    java.util.Map<String, float[]> saved;
    try (java.io.InputStream in = new java.io.FileInputStream(new File(checkpoints, "epoch-00002/optimizer-state.bin"))) {
      saved = Checkpoints.readBuffers(in);
    }
    long parameters = resumed.get("parameters").asLong();
    for (float[] buffer : saved.values()) {
      assertEquals(parameters, buffer.length);
    }
    assertTrue(new File(run, TrainJob.AVERAGE_MODEL).isFile());
    assertTrue(new File(run, "training-curves.png").length() > 1000);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static List<String> sortedNames(File dir) {
    List<String> names = new java.util.ArrayList<>(Arrays.asList(dir.list()));
    java.util.Collections.sort(names);
    return names;
  }

  @Test
  void badConfigurationFailsBeforeTouchingData() {
    assertEquals(JobException.CONFIG, Cli.execute("train", "--set", "train.no-such-key=1"));
    assertEquals(JobException.CONFIG, Cli.execute("train", "--set", "train.data=/nope", "--set",
        "train.output=" + new File(tmp, "r"), "--set", "train.epochs=0"));
    assertEquals(JobException.DATA, Cli.execute("evaluate", "--set", "evaluate.model=" + new File(tmp, "none"),
        "--set", "evaluate.data=" + new File(tmp, "none")));
    assertEquals(JobException.USAGE, Cli.execute("no-such-job"));
    // Local Spark trains on 2 cores here: a global batch of 3 cannot be split evenly.
    assertEquals(JobException.CONFIG, Cli.execute("train", "--set", "train.data=" + new File(tmp, "none"),
        "--set", "train.output=" + new File(tmp, "r2"), "--set", "train.batch-size=3"));
    assertEquals(JobException.CONFIG, Cli.execute("train", "--set", "train.data=" + new File(tmp, "none"),
        "--set", "train.output=" + new File(tmp, "r4"), "--set", "train.weight-average-bn-images=3"));
    assertEquals(JobException.DATA, Cli.execute("train", "--set", "train.data=" + new File(tmp, "none"),
        "--set", "train.output=" + new File(tmp, "r3")));
    assertTrue(!new File(tmp, "r2").exists() && !new File(tmp, "r3").exists() && !new File(tmp, "r4").exists(),
        "nothing written on failure");
  }

  private static double mean(JsonNode losses, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += losses.get(i).get(1).asDouble();
    }
    return s / (to - from);
  }
}
