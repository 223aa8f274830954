package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.spark.SparkBootstrap;
import io.effnet.model.bigdl.BigDLExport;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.prep.PrepJob;
import io.effnet.prep.SourceImages;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The finetune job on local Spark, one session for the class (a Spark start per job would cost more than the jobs;
 * the command line is used for the errors that stop it before Spark starts). The source is a train run on the three
 * test classes (disc, stripes, tint); the fine-tune dataset holds two of them (disc, tint: a new label index, two
 * classes), which the source's features separate, so only the new head has to learn.
 */
class FinetuneLocalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Progress PROGRESS = Progress.to(System.err, "test");
  /**
   * Training and validation see the same input: each image's center square (no random crop: a minimum crop area
   * of 1 leaves only the fallback to the whole shorter side; no flip), so the source's running statistics describe
   * what the frozen backbone is given.
   */
  private static final String CENTER_SQUARES = "input.crop-padding=0";
  private static final String NO_CROP = "input.min-crop-area=1";
  private static final String NO_FLIP = "train.flip=false";

  @TempDir
  static File shared;

  /** One session for the class: a Spark start per job would cost more than the jobs. */
  private static SparkSession spark;
  private static File sourceRun;
  private static File targetData;

  @TempDir
  File tmp;

  @BeforeAll
  static void trainASourceModelAndPrepareANewDataset() throws Exception {
    spark = SparkBootstrap.withBigDL("finetune-test");
    File images = new File(shared, "source-images");
    TestImages.writeTree(images, 16, 36, 11);
    File sourceData = new File(shared, "source-data");
    prep(images, sourceData);
    sourceRun = new File(shared, "source-run");
    // 38 training images (the prep split is a stable hash): one full-batch step (19 images per replica) with a tiny rate and batch-norm decay 0: in effect the initial
    // network with batch-norm statistics of real images. At this toy scale (32 px, where the last stages see 1x1
    // maps and a batch statistic covers a few images) a longer run leaves running statistics under which the
    // inference-mode features, which a frozen backbone gives the head, are heavy-tailed (measured: single features
    // in the hundreds to tens of thousands), and whether the head then improves within a few steps is luck.
    Map<String, Object> source = TrainJob.run(spark, config("train.data=\"" + sourceData + "\"",
        "train.output=\"" + sourceRun + "\"", "train.epochs=1", "train.batch-size=38", "train.optimizer=momentum",
        "train.base-learning-rate=0.01", "train.warmup-epochs=0", "train.bn-decay=0", CENTER_SQUARES, NO_CROP, NO_FLIP,
        "model.variant=custom", "model.width=0.25", "model.depth=0.1", "model.resolution=32", "model.drop-connect=0",
        "model.input-size=32"), PROGRESS);
    assertEquals("completed", source.get("status"));

    File targetImages = new File(shared, "target-images");
    TestImages.writeTree(targetImages, 24, 36, 12);
    deleteRecursively(new File(targetImages, "stripes"));
    targetData = new File(shared, "target-data");
    prep(targetImages, targetData);
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static JobConfig config(String... overrides) {
    return JobConfig.load(null, Arrays.asList(overrides));
  }

  private static void prep(File images, File data) {
    PrepJob.run(spark, PrepCommand.settings(config("prep.input=\"" + images + "\"", "prep.output=\"" + data + "\"",
        "prep.resize-mode=exact", "prep.width=36", "prep.height=36", "prep.validation-fraction=0.25",
        "prep.rows-per-shard=20")));
  }

  /** The fine-tune's settings: momentum, batch 8, peak learning rate 0.003; then {@code more}. */
  private static JobConfig finetune(File run, String... more) {
    List<String> overrides = new ArrayList<>(Arrays.asList("finetune.source=\"" + sourceRun + "\"",
        "train.data=\"" + targetData + "\"", "train.output=\"" + run + "\"", "train.batch-size=8",
        "train.optimizer=momentum", "finetune.base-learning-rate=0.1", "train.bn-decay=0.5",
        CENTER_SQUARES, NO_CROP, NO_FLIP));
    overrides.addAll(Arrays.asList(more));
    return JobConfig.load(null, overrides);
  }

  private static Map<String, Object> run(JobConfig config) {
    return FinetuneJob.run(spark, config, PROGRESS);
  }

  /** The exit code the command line would give for {@code config} (its job fails before training). */
  private static int exitCode(JobConfig config) {
    try {
      new FinetuneJob.Settings(config);
      run(config);
      return 0;
    } catch (JobException e) {
      System.out.println("refused as it should: " + e.getMessage());
      return e.exitCode();
    }
  }

  @Test
  void aFrozenBackboneStaysBitIdenticalWhileTheNewHeadLearns() throws Exception {
    File run = new File(tmp, "frozen");
    run(finetune(run, "train.epochs=3", "finetune.freeze-epochs=-1"));

    JsonNode report = JSON.readTree(new File(run, "train-report.json"));
    assertEquals("finetune", report.get("job").asText());
    assertEquals(Arrays.asList("disc", "tint"), strings(report.get("classes")));
    JsonNode section = report.get("finetune");
    assertEquals(new File(sourceRun, "model.effnet").toURI().toString(), section.get("model_file").asText());
    assertEquals(Arrays.asList("disc", "stripes", "tint"), strings(section.get("classes")));
    assertEquals(-1, section.get("freeze_epochs").asInt());
    assertEquals("[1,2,3]", section.get("frozen_epochs").toString());
    assertEquals("predictions", section.get("head").asText());
    for (JsonNode e : report.get("epochs")) {
      assertTrue(e.get("backbone_frozen").asBoolean(), e.toString());
    }

    EfficientNet source = model(new File(sourceRun, "model.effnet"));
    EfficientNet tuned = model(new File(run, "model.effnet"));
    assertEquals(2, tuned.spec().numClasses());
    assertBitIdentical(source, tuned, source.backboneTensorNames());
    // The head learned: it changed between the first and the last epoch, and the validation figures improved on
    // the untrained head's.
    EfficientNet afterEpoch1 = model(new File(run, "checkpoints/epoch-00001/model.effnet"));
    assertBitIdentical(source, afterEpoch1, source.backboneTensorNames());
    assertTrue(maxDifference(afterEpoch1, tuned, tuned.headTensorNames()) > 0, "the head did not change");
    JsonNode before = report.get("validation_before_training");
    JsonNode after = last(report.get("epochs")).get("validation");
    System.out.println("frozen fine-tune: validation before " + before + ", after " + after);
    assertTrue(after.get("loss").asDouble() < before.get("loss").asDouble(), before + " -> " + after);
    assertTrue(after.get("top1").asDouble() >= before.get("top1").asDouble(), before + " -> " + after);
    // (Not the per-epoch mean training loss: on a dozen images with head dropout and BigDL's unseeded batch order
    // its epoch-to-epoch change is noise; a clean-clone CI run saw 0.653 -> 0.678.)

    JsonNode provenance = JSON.readTree(new File(run, "provenance.json"));
    JsonNode sourceModel = provenance.get("source_model");
    assertEquals(sha256(new File(sourceRun, "model.effnet")), sourceModel.get("sha256").asText());
    assertEquals(JSON.readTree(new File(sourceRun, "provenance.json")), sourceModel.get("provenance"));
    assertEquals(Arrays.asList("disc", "tint"), strings(JSON.readTree(new File(run, "labels.json")).get("classes")));
    assertTrue(new File(run, "training-curves.png").length() > 1000);
  }

  /**
   * Train and finetune write the final model and its weight average (on by default) in BigDL's protobuf module
   * format too; BigDL's own loader restores them to the predictions of the run's model files, and the run's
   * provenance and report list them with the input they take.
   */
  @Test
  void bothJobsWriteTheirModelsInBigDLsModuleFormat() throws Exception {
    File run = new File(tmp, "bigdl");
    run(finetune(run, "train.epochs=1"));
    for (File dir : new File[] {sourceRun, run}) {
      JsonNode provenance = JSON.readTree(new File(dir, "provenance.json"));
      JsonNode report = JSON.readTree(new File(dir, "train-report.json"));
      for (String[] pair : new String[][] {{"model", "model.effnet"}, {"model-ema", TrainJob.AVERAGE_MODEL}}) {
        JsonNode files = provenance.get("bigdl_models").get(pair[0]);
        assertEquals(pair[0] + ".bigdl", files.get("definition").asText(), dir + ": " + provenance);
        assertEquals(pair[0] + ".bin", files.get("weights").asText());
        assertEquals(files, report.get("bigdl_models").get(pair[0]));
        assertSamePredictions(new File(dir, pair[1]), new File(dir, pair[0] + ".bigdl"),
            new File(dir, pair[0] + ".bin"));
      }
      JsonNode input = provenance.get("bigdl_input");
      assertEquals("[123.675,116.28,103.53]", input.get("mean").toString());
      assertEquals("[58.395,57.12,57.375]", input.get("std").toString());
      assertTrue(input.get("layout").asText().startsWith("NCHW: N x 3 x 32 x 32"), input.toString());
    }
    // Off on request: nothing in BigDL's format, nothing listed.
    File without = new File(tmp, "no-bigdl");
    run(finetune(without, "train.epochs=1", "train.export-bigdl=false"));
    assertTrue(new File(without, "model.effnet").isFile());
    assertFalse(new File(without, "model.bigdl").exists() || new File(without, "model-ema.bin").exists());
    assertFalse(JSON.readTree(new File(without, "provenance.json")).has("bigdl_models"));
  }

  /**
   * The BigDL module files give the logits of the model file on real test images (the evaluation pipeline's
   * tensors), to float rounding: within 5e-5 of the largest logit (measured: up to 7e-6), the same top class.
   */
  private static void assertSamePredictions(File modelFile, File definition, File weights) throws Exception {
    EfficientNet model = model(modelFile);
    int size = model.spec().inputSize();
    ShardSource pipeline = ShardSource.from(JobConfig.defaults(), size);
    List<float[]> images = new ArrayList<>();
    for (String cls : TestImages.CLASSES) {
      File dir = new File(new File(shared, "source-images"), cls);
      List<java.nio.file.Path> files;
      try (java.util.stream.Stream<java.nio.file.Path> walk = Files.walk(dir.toPath())) {
        files = walk.filter(Files::isRegularFile).sorted().limit(2).collect(java.util.stream.Collectors.toList());
      }
      for (java.nio.file.Path f : files) {
        images.add(pipeline.evaluationTensor(SourceImages.decode(Files.readAllBytes(f), 1 << 20)));
      }
    }
    int plane = 3 * size * size;
    float[] batch = new float[images.size() * plane];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, batch, i * plane, plane);
    }
    float[][] expected = model.predictLogits(batch, images.size());
    float[][] actual = BigDLExport.predictLogits(BigDLExport.load(definition.getPath(), weights.getPath()), batch,
        images.size(), size);
    double worst = 0;
    double smallestScale = Double.POSITIVE_INFINITY;
    for (int i = 0; i < expected.length; i++) {
      double scale = 0;
      for (float v : expected[i]) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertEquals(expected[i].length, actual[i].length);
      for (int c = 0; c < expected[i].length; c++) {
        assertEquals(expected[i][c], actual[i][c], 5e-5 * scale, definition + ": image " + i + ", class " + c);
        worst = Math.max(worst, Math.abs(expected[i][c] - actual[i][c]) / scale);
      }
      smallestScale = Math.min(smallestScale, scale);
      assertEquals(argmax(expected[i]), argmax(actual[i]), definition + ": top class of image " + i);
    }
    System.out.printf(java.util.Locale.ROOT, "%s: %d images, smallest max|logit| %.3g, largest |BigDL file -"
        + " model file| %.2g of it%n", definition, expected.length, smallestScale, worst);
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void afterTheFrozenEpochsEveryLayerTrains() throws Exception {
    File run = new File(tmp, "unfrozen");
    run(finetune(run, "train.epochs=2", "finetune.freeze-epochs=1"));
    JsonNode report = JSON.readTree(new File(run, "train-report.json"));
    assertEquals("[1]", report.get("finetune").get("frozen_epochs").toString());
    assertTrue(report.get("epochs").get(0).get("backbone_frozen").asBoolean());
    assertFalse(report.get("epochs").get(1).get("backbone_frozen").asBoolean());

    EfficientNet source = model(new File(sourceRun, "model.effnet"));
    assertBitIdentical(source, model(new File(run, "checkpoints/epoch-00001/model.effnet")),
        source.backboneTensorNames());
    EfficientNet tuned = model(new File(run, "model.effnet"));
    List<String> unchanged = new ArrayList<>();
    for (String name : source.backboneTensorNames()) {
      if (maxDifference(source, tuned, Arrays.asList(name)) == 0) {
        unchanged.add(name);
      }
    }
    assertTrue(unchanged.isEmpty(), "backbone tensors unchanged after unfreezing: " + unchanged);
  }

  /**
   * A run killed after epoch 1 of 2, both frozen, and resumed: the resumed epoch is frozen again (the backbone is
   * still the source's), its head trains on, and the records of the first run carry over.
   */
  @Test
  void aResumedFinetuneContinuesAtTheNextEpochWithTheSameFreezing() throws Exception {
    File run = new File(tmp, "resumed");
    // The source as a model file this time (a run folder elsewhere).
    String modelFile = "finetune.source=\"" + new File(sourceRun, "model.effnet") + "\"";
    run(finetune(run, modelFile, "train.epochs=1", "finetune.freeze-epochs=2"));
    JsonNode first = JSON.readTree(new File(run, "train-report.json"));
    run(finetune(run, modelFile, "train.epochs=2", "finetune.freeze-epochs=2", "train.resume=true"));
    JsonNode resumed = JSON.readTree(new File(run, "train-report.json"));
    JsonNode epochs = resumed.get("epochs");
    assertEquals(2, epochs.size());
    assertEquals(first.get("epochs").get(0), epochs.get(0), "epoch 1's record carries over");
    assertEquals(first.get("validation_before_training"), resumed.get("validation_before_training"));
    assertTrue(epochs.get(1).get("backbone_frozen").asBoolean());
    long iterations1 = epochs.get(0).get("iteration").asLong();
    assertEquals(2 * iterations1, epochs.get(1).get("iteration").asLong(), 1, "BigDL's iteration count continues");

    EfficientNet source = model(new File(sourceRun, "model.effnet"));
    EfficientNet tuned = model(new File(run, "model.effnet"));
    assertBitIdentical(source, tuned, source.backboneTensorNames());
    EfficientNet epoch1 = model(new File(run, "checkpoints/epoch-00001/model.effnet"));
    assertTrue(maxDifference(epoch1, tuned, tuned.headTensorNames()) > 0, "the resumed epoch trained the head");
  }

  @Test
  void aMissingOrUnusableSourceOrClassIndexFailsBeforeTraining() throws Exception {
    File out = new File(tmp, "out");
    // Through the command line, the command exists and configuration errors stop it before Spark starts.
    assertEquals(0, Cli.execute("finetune", "--help"));
    assertEquals(JobException.CONFIG, Cli.execute("finetune", "--set", "train.data=\"" + targetData + "\"",
        "--set", "train.output=\"" + out + "\""));
    assertEquals(JobException.CONFIG, Cli.execute("finetune", "--set", "finetune.source=\"" + sourceRun + "\"",
        "--set", "train.data=\"" + targetData + "\"", "--set", "train.output=\"" + out + "\"", "--set",
        "finetune.freeze-epochs=-2"));
    assertEquals(JobException.CONFIG, exitCode(finetune(out, "finetune.input-size=8")));
    assertEquals(JobException.CONFIG, exitCode(finetune(out, "finetune.base-learning-rate=-1")));
    // The source does not exist, is not a model, or is Keras weights.
    assertEquals(JobException.DATA, exitCode(finetune(out, "finetune.source=\"" + new File(tmp, "none") + "\"")));
    File notAModel = new File(tmp, "junk.effnet");
    Files.write(notAModel.toPath(), "not a model".getBytes("UTF-8"));
    assertEquals(JobException.DATA, exitCode(finetune(out, "finetune.source=\"" + notAModel + "\"")));
    assertEquals(JobException.DATA, exitCode(finetune(out,
        "finetune.source=\"" + new File(tmp, "efficientnet-b0.h5") + "\"")));
    File unnamed = new File(tmp, "weights.h5");
    Files.write(unnamed.toPath(), "not HDF5".getBytes("UTF-8"));
    assertEquals(JobException.CONFIG, exitCode(finetune(out, "finetune.source=\"" + unnamed + "\"")));
    assertEquals(JobException.DATA, exitCode(finetune(out, "finetune.source=\"" + unnamed + "\"",
        "finetune.keras-variant=b0")));
    // The new class count comes from the dataset's labels.json: a folder without one is refused.
    File noLabels = new File(tmp, "no-labels");
    assertTrue(new File(noLabels, "train").mkdirs());
    assertEquals(JobException.DATA, exitCode(finetune(out, "train.data=\"" + noLabels + "\"")));
    // Writing into the source's own run folder.
    assertEquals(JobException.CONFIG, exitCode(finetune(sourceRun, "train.resume=true")));
    assertFalse(out.exists(), "nothing written on failure");
  }

  private static EfficientNet model(File file) throws IOException {
    try (InputStream in = new FileInputStream(file)) {
      return EfficientNet.read(in);
    }
  }

  private static void assertBitIdentical(EfficientNet expected, EfficientNet actual, List<String> names) {
    Map<String, Tensor<Float>> e = expected.namedTensors();
    Map<String, Tensor<Float>> a = actual.namedTensors();
    assertFalse(names.isEmpty());
    for (String name : names) {
      float[] x = values(e.get(name));
      float[] y = values(a.get(name));
      assertEquals(x.length, y.length, name);
      for (int i = 0; i < x.length; i++) {
        if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(y[i])) {
          fail(name + "[" + i + "] is " + y[i] + ", the source's " + x[i]);
        }
      }
    }
  }

  private static double maxDifference(EfficientNet a, EfficientNet b, List<String> names) {
    double max = 0;
    for (String name : names) {
      float[] x = values(a.namedTensors().get(name));
      float[] y = values(b.namedTensors().get(name));
      assertEquals(x.length, y.length, name);
      for (int i = 0; i < x.length; i++) {
        max = Math.max(max, Math.abs((double) x[i] - y[i]));
      }
    }
    return max;
  }

  private static float[] values(Tensor<Float> t) {
    assertNotNull(t);
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      out.add(n.asText());
    }
    return out;
  }

  private static JsonNode last(JsonNode array) {
    return array.get(array.size() - 1);
  }

  private static String sha256(File f) throws Exception {
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f.toPath()));
    StringBuilder b = new StringBuilder();
    for (byte x : digest) {
      b.append(String.format("%02x", x & 0xff));
    }
    return b.toString();
  }

  private static void deleteRecursively(File f) throws IOException {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteRecursively(c);
      }
    }
    if (!f.delete()) {
      throw new IOException("cannot delete " + f);
    }
  }
}
