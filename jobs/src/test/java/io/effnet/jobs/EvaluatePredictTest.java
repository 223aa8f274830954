package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.DistributedTrainer;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.Metrics;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * evaluate and predict through the command line on local Spark, on a tiny real dataset (JPEG and PNG files
 * through prep) and a small network: predict writes one row per image whose probabilities sum to 1, its top-1 agrees with evaluate's
 * confusion matrix, evaluate's figures equal a recomputation from predict's probabilities and the trainer's
 * validation, corrupt images become error rows, and a run folder's EMA weights are preferred.
 */
class EvaluatePredictTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static File tmp;
  private static File images;
  private static File data;
  private static File run;

  @BeforeAll
  static void prepareAndTrain() throws Exception {
    images = new File(tmp, "images");
    TestImages.writeTree(images, 16, 36, 5);
    data = new File(tmp, "data");
    run = new File(tmp, "run");
    // PNG shards: lossless, so the image-folder path can be compared with the shard path pixel for pixel.
    TestImages.prep(images, data, 40, "prep.encoding=png", "prep.validation-fraction=0.35", "prep.rows-per-shard=4");
    run = new File(tmp, "run");
    TestModels.writeRun(run, 11, images);
  }

  @Test
  void predictRowsAgreeWithEvaluateAndEvaluateAgreesWithBigDL() throws Exception {
    File evalOut = new File(tmp, "eval");
    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + run + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + evalOut + "\"",
        "--set", "evaluate.batch-size=3"));
    JsonNode eval = JSON.readTree(new File(evalOut, "evaluation.json"));
    File predictOut = new File(tmp, "predict-validation");
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + data + "\"", "--set", "predict.output=\"" + predictOut + "\"",
        "--set", "predict.all-probabilities=true", "--set", "predict.batch-size=5"));
    JsonNode predictReport = JSON.readTree(new File(predictOut, "predict-report.json"));

    assertEquals(new File(run, "model.effnet").toURI().toString(), eval.get("model").asText());
    assertEquals("final", eval.get("model_weights").asText());
    assertEquals(eval.get("model_id").asText(), predictReport.get("model").get("id").asText());
    assertEquals("dataset", predictReport.get("input_format").asText());
    assertEquals(0, eval.get("unreadable_images").asLong());
    BufferedImage chart = ImageIO.read(new File(evalOut, "confusion-matrix.png"));
    assertNotNull(chart, "confusion-matrix.png is a PNG");
    assertTrue(chart.getWidth() >= 360 && chart.getHeight() >= 360);

    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.withBigDL("evaluate-predict-check");
    try {
      RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
      long validation = ShardSource.rows(spark, files, data.toURI().toString(), "validation").count();
      List<Row> rows = spark.read().parquet(new File(predictOut, "predictions").toString()).collectAsList();
      assertEquals(validation, rows.size(), "one row per image");
      assertEquals(validation, predictReport.get("images").asLong());
      assertEquals(0, predictReport.get("errors").asLong());
      assertEquals(validation, eval.get("count").asLong());

      int classes = TestImages.CLASSES.length;
      long[][] confusion = new long[classes][classes];
      double lossSum = 0;
      for (Row r : rows) {
        assertNull(r.getAs("error"));
        assertEquals(eval.get("model_id").asText(), r.getAs("model_id"));
        List<Integer> ids = r.getList(r.fieldIndex("top_class_ids"));
        List<String> names = r.getList(r.fieldIndex("top_classes"));
        List<Double> top = r.getList(r.fieldIndex("top_probabilities"));
        List<Double> all = r.getList(r.fieldIndex("probabilities"));
        assertEquals(classes, ids.size(), "top-5 is capped at the 3 classes");
        assertEquals(1.0, sum(top), 1e-5);
        assertEquals(1.0, sum(all), 1e-5);
        for (int i = 0; i < ids.size(); i++) {
          assertEquals(TestImages.CLASSES[ids.get(i)], names.get(i));
          assertEquals(all.get(ids.get(i)), top.get(i), 0);
          if (i > 0) {
            assertTrue(top.get(i) <= top.get(i - 1), "best first");
          }
        }
        int label = r.getAs("label");
        assertEquals(TestImages.CLASSES[label], r.getAs("label_name"));
        confusion[label][ids.get(0)]++;
        lossSum -= Math.log(all.get(label));
      }
      JsonNode counts = eval.get("confusion_matrix").get("counts");
      long trace = 0;
      for (int t = 0; t < classes; t++) {
        for (int p = 0; p < classes; p++) {
          assertEquals(confusion[t][p], counts.get(t).get(p).asLong(), "confusion[" + t + "][" + p + "]");
        }
        trace += confusion[t][t];
      }
      assertEquals((double) trace / validation, eval.get("top1").asDouble(), 1e-15);
      // Not bit-exact: the two jobs batch images differently and MKL's float sums depend on the batch (1e-7).
      assertEquals(lossSum / validation, eval.get("loss").asDouble(), 1e-6);
      for (int c = 0; c < classes; c++) {
        JsonNode row = eval.get("per_class").get(c);
        long predicted = 0;
        long support = 0;
        for (int i = 0; i < classes; i++) {
          predicted += confusion[i][c];
          support += confusion[c][i];
        }
        assertEquals(TestImages.CLASSES[c], row.get("class").asText());
        assertEquals(support, row.get("support").asLong());
        assertEquals(predicted, row.get("predicted").asLong());
        if (predicted > 0) {
          assertEquals((double) confusion[c][c] / predicted, row.get("precision").asDouble(), 1e-15);
        } else {
          assertTrue(row.get("precision").isNull());
        }
        assertEquals((double) confusion[c][c] / support, row.get("recall").asDouble(), 1e-15);
      }

      // The trainer's validation (DistributedTrainer.evaluate) of the same weights and samples.
      EfficientNet model = EfficientNet.read(new java.io.FileInputStream(new File(run, "model.effnet")));
      Metrics bigdl = DistributedTrainer.evaluate(model, ShardSource.from(io.effnet.jobs.config.JobConfig.defaults(),
          32).evaluationSamples(ShardSource.rows(spark, files, data.toURI().toString(), "validation")).rdd(), 8);
      assertEquals(bigdl.count(), eval.get("count").asLong());
      assertEquals(Math.round(bigdl.top1() * bigdl.count()), Math.round(eval.get("top1").asDouble() * bigdl.count()));
      assertEquals(bigdl.top1(), eval.get("top1").asDouble(), 1e-6);
      assertEquals(bigdl.top5(), eval.get("top5").asDouble(), 1e-6);
      assertEquals(bigdl.loss(), eval.get("loss").asDouble(), 1e-5 * Math.max(1, bigdl.loss()), "the model computes in float");
    } finally {
      spark.stop();
    }
  }

  /** DistributedInferenceTest checks the averaging itself; here both jobs apply it, alike, when asked. */
  @Test
  void flipTtaAveragesEachImageWithItsMirrorInBothJobs() throws Exception {
    File plainOut = new File(tmp, "eval-plain");
    File flipOut = new File(tmp, "eval-flip");
    File predictOut = new File(tmp, "predict-flip");
    for (File out : new File[] {plainOut, flipOut}) {
      assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + run + "\"",
          "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + out + "\"",
          "--set", "evaluate.flip-tta=" + (out == flipOut)));
    }
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + data + "\"", "--set", "predict.output=\"" + predictOut + "\"",
        "--set", "predict.all-probabilities=true", "--set", "predict.flip-tta=true", "--set", "predict.batch-size=4"));
    JsonNode plain = JSON.readTree(new File(plainOut, "evaluation.json"));
    JsonNode flip = JSON.readTree(new File(flipOut, "evaluation.json"));
    assertEquals("none", plain.get("test_time_augmentation").asText());
    assertEquals("flip", flip.get("test_time_augmentation").asText());
    assertEquals("flip", JSON.readTree(new File(predictOut, "predict-report.json")).get("test_time_augmentation")
        .asText());
    assertEquals(plain.get("count").asLong(), flip.get("count").asLong());
    // The flip pass also reports the images alone: the plain evaluation's figures.
    assertFalse(plain.has("single_view"));
    assertEquals(plain.get("top1").asDouble(), flip.get("single_view").get("top1").asDouble(), 1e-12);
    assertEquals(plain.get("top5").asDouble(), flip.get("single_view").get("top5").asDouble(), 1e-12);
    assertEquals(plain.get("loss").asDouble(), flip.get("single_view").get("loss").asDouble(), 1e-6);
    // The synthetic classes are not mirror-symmetric images, so the second view changes the scores.
    assertTrue(Math.abs(plain.get("loss").asDouble() - flip.get("loss").asDouble()) > 1e-4,
        "plain " + plain.get("loss") + " vs flip " + flip.get("loss"));

    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.withBigDL("flip-tta-check");
    try {
      List<Row> rows = spark.read().parquet(new File(predictOut, "predictions").toString()).collectAsList();
      assertEquals(flip.get("count").asLong(), rows.size());
      double lossSum = 0;
      long hits = 0;
      for (Row r : rows) {
        List<Double> all = r.getList(r.fieldIndex("probabilities"));
        assertEquals(1.0, sum(all), 1e-5);
        int label = r.getAs("label");
        lossSum -= Math.log(all.get(label));
        List<Integer> ids = r.getList(r.fieldIndex("top_class_ids"));
        hits += ids.get(0) == label ? 1 : 0;
      }
      assertEquals((double) hits / rows.size(), flip.get("top1").asDouble(), 1e-15);
      assertEquals(lossSum / rows.size(), flip.get("loss").asDouble(), 1e-6);
    } finally {
      spark.stop();
    }
  }

  @Test
  void imageFolderGetsAnErrorRowPerBadFileAndTheSameScoresAsTheShards() throws Exception {
    File folder = new File(tmp, "incoming");
    copyTree(images.toPath(), folder.toPath());
    byte[] jpeg = Files.readAllBytes(new File(images, "disc/img001.jpg").toPath());
    Files.write(new File(folder, "disc/cut.jpg").toPath(), Arrays.copyOf(jpeg, jpeg.length / 3));
    Files.write(new File(folder, "stripes/notes.jpg").toPath(), "not an image".getBytes(StandardCharsets.UTF_8));
    Files.write(new File(folder, "tint/empty.png").toPath(), new byte[0]);
    Files.write(new File(folder, "README.txt").toPath(), "ignored".getBytes(StandardCharsets.UTF_8));
    Files.write(new File(folder, ".DS_Store").toPath(), new byte[] {0, 1});
    Files.copy(new File(images, "tint/img000.png").toPath(), new File(folder, "at-the-root.png").toPath());
    int imageFiles = 3 * 16 + 3 + 1;

    File out = new File(tmp, "predict-folder");
    File shardsOut = new File(tmp, "predict-train-shards");
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + folder + "\"", "--set", "predict.output=\"" + out + "\"",
        "--set", "predict.top-k=2", "--set", "predict.resize=\"exact:40x40\""));
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + new File(data, "train") + "\"", "--set", "predict.output=\"" + shardsOut + "\"",
        "--set", "predict.top-k=2"));
    JsonNode report = JSON.readTree(new File(out, "predict-report.json"));
    assertEquals("images", report.get("input_format").asText());
    assertEquals(imageFiles, report.get("images").asLong());
    assertEquals(3, report.get("errors").asLong());
    assertEquals(1, report.get("errors_by_reason").get("truncated").asLong());
    assertEquals(1, report.get("errors_by_reason").get("unknown_format").asLong());
    assertEquals(1, report.get("errors_by_reason").get("empty_file").asLong());
    assertEquals(3, report.get("error_files").size());
    assertTrue(report.get("error_files").get(0).get("path").asText().endsWith("disc/cut.jpg"));
    assertEquals(1, report.get("ignored_files").get("not_an_image_name").asLong());
    assertEquals(1, report.get("ignored_files").get("hidden_or_marker").asLong());
    assertTrue(report.get("images_per_second").asDouble() > 0);
    assertEquals("shards", JSON.readTree(new File(shardsOut, "predict-report.json")).get("input_format").asText());

    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.plain("predict-folder-check");
    try {
      Dataset<Row> predictions = spark.read().parquet(new File(out, "predictions").toString());
      assertEquals(imageFiles, predictions.count(), "one row per image file, bad ones included");
      String root = folder.toURI().toString();
      Map<String, Row> byPath = new HashMap<>();
      for (Row r : predictions.collectAsList()) {
        String path = r.getAs("path");
        assertTrue(path.startsWith(root), path);
        byPath.put(path.substring(root.length()), r);
        if (r.getAs("error") == null) {
          List<Double> top = r.getList(r.fieldIndex("top_probabilities"));
          assertEquals(2, top.size());
          assertTrue(top.get(0) >= top.get(1) && top.get(0) + top.get(1) <= 1 + 1e-9);
        } else {
          assertTrue(r.isNullAt(r.fieldIndex("top_classes")));
        }
      }
      assertTrue(byPath.get("disc/cut.jpg").<String>getAs("error").startsWith("truncated: "));
      assertTrue(byPath.get("stripes/notes.jpg").<String>getAs("error").startsWith("unknown_format: "));
      assertTrue(byPath.get("tint/empty.png").<String>getAs("error").startsWith("empty_file: "));
      assertNull(byPath.get("at-the-root.png").getAs("error"));

      // The same images through prep's shards (PNG, resized to 40x40 as predict.resize says): the same classes.
      List<Row> fromShards = spark.read().parquet(new File(shardsOut, "predictions").toString()).collectAsList();
      assertFalse(fromShards.isEmpty());
      for (Row s : fromShards) {
        Row r = byPath.get(s.<String>getAs("path"));
        assertNotNull(r, s.<String>getAs("path"));
        assertEquals(s.getList(s.fieldIndex("top_class_ids")), r.getList(r.fieldIndex("top_class_ids")));
        List<Double> a = s.getList(s.fieldIndex("top_probabilities"));
        List<Double> b = r.getList(r.fieldIndex("top_probabilities"));
        for (int i = 0; i < a.size(); i++) {
          assertEquals(a.get(i), b.get(i), 1e-5);
        }
      }
      assertEquals(0, predictions.filter(functions.col("model_id").notEqual(
          report.get("model").get("id").asText())).count());
    } finally {
      spark.stop();
    }
  }

  @Test
  void shardsWithACorruptRowAreStillEvaluatedAndPredicted() throws Exception {
    File shards = new File(tmp, "shards-with-a-bad-row");
    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.plain("bad-shards");
    long good;
    try {
      Dataset<Row> validation = spark.read().parquet(new File(data, "validation").toString());
      good = validation.count();
      Dataset<Row> bad = validation.limit(1).withColumn("path", functions.lit("broken.png"))
          .withColumn("image", functions.lit(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3}));
      validation.union(bad).coalesce(1).write().parquet(shards.toString());
    } finally {
      spark.stop();
    }
    File evalOut = new File(tmp, "eval-bad-shards");
    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + run + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.split=\"" + shards + "\"",
        "--set", "evaluate.output=\"" + evalOut + "\""));
    JsonNode eval = JSON.readTree(new File(evalOut, "evaluation.json"));
    assertEquals(good, eval.get("count").asLong());
    assertEquals(1, eval.get("unreadable_images").asLong());

    File out = new File(tmp, "predict-bad-shards");
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + shards + "\"", "--set", "predict.output=\"" + out + "\""));
    JsonNode report = JSON.readTree(new File(out, "predict-report.json"));
    assertEquals(good + 1, report.get("images").asLong());
    assertEquals(1, report.get("errors_by_reason").get("corrupt").asLong());
    assertEquals("broken.png", report.get("error_files").get(0).get("path").asText());
  }

  @Test
  void aRunFoldersEmaWeightsArePreferredUnlessTurnedOff() throws Exception {
    File emaRun = new File(tmp, "run-with-ema");
    assertTrue(emaRun.mkdirs());
    for (String name : new String[] {"model.effnet", "labels.json", "provenance.json"}) {
      Files.copy(new File(run, name).toPath(), new File(emaRun, name).toPath());
    }
    File other = new File(tmp, "other-weights");
    TestModels.writeRun(other, 12, images);
    Files.copy(new File(other, TrainedModel.MODEL_FILE).toPath(), new File(emaRun, TrainedModel.EMA_FILE).toPath());
    File withEma = new File(tmp, "eval-ema");
    File withoutEma = new File(tmp, "eval-no-ema");
    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + emaRun + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + withEma + "\""));
    assertEquals(0, Cli.execute("evaluate", "--set", "evaluate.model=\"" + emaRun + "\"",
        "--set", "evaluate.data=\"" + data + "\"", "--set", "evaluate.output=\"" + withoutEma + "\"",
        "--set", "evaluate.use-ema=false"));
    JsonNode ema = JSON.readTree(new File(withEma, "evaluation.json"));
    JsonNode plain = JSON.readTree(new File(withoutEma, "evaluation.json"));
    assertTrue(ema.get("model").asText().endsWith("/" + TrainedModel.EMA_FILE));
    assertEquals("ema", ema.get("model_weights").asText());
    assertTrue(plain.get("model").asText().endsWith("/model.effnet"));
    assertEquals("final", plain.get("model_weights").asText());
    assertNotEquals(ema.get("model_id").asText(), plain.get("model_id").asText());

    File predicted = new File(tmp, "predict-ema");
    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + emaRun + "\"",
        "--set", "predict.input=\"" + data + "\"", "--set", "predict.output=\"" + predicted + "\""));
    JsonNode report = JSON.readTree(new File(predicted, "predict-report.json"));
    assertEquals("ema", report.get("model").get("weights").asText());
    assertEquals(ema.get("model_id").asText(), report.get("model").get("id").asText());
  }

  @Test
  void evaluateTakesThePreprocessingOfTheModelsRunUnlessSetExplicitly() throws Exception {
    File trainedWith = new File(tmp, "run-with-config");
    assertTrue(trainedWith.mkdirs());
    for (String name : new String[] {"model.effnet", "labels.json", "provenance.json"}) {
      Files.copy(new File(run, name).toPath(), new File(trainedWith, name).toPath());
    }
    String[] runInput = {"input.crop-padding=0", "input.mean=[100, 110, 120]"};
    Files.write(new File(trainedWith, "effective-config.conf").toPath(), io.effnet.jobs.config.JobConfig
        .load(null, Arrays.asList(runInput)).render().getBytes(StandardCharsets.UTF_8));

    double inherited = evaluationLoss("inherited", trainedWith);
    double explicitSame = evaluationLoss("explicit-same", run, "--set", runInput[0], "--set", runInput[1]);
    double defaults = evaluationLoss("defaults", run);
    double overridden = evaluationLoss("overridden", trainedWith, "--set", "input.crop-padding=32", "--set",
        "input.mean=[123.675, 116.28, 103.53]");
    assertEquals(explicitSame, inherited, 0, "the run's crop padding and mean are used");
    assertNotEquals(defaults, inherited, "the run's settings change the input");
    assertEquals(defaults, overridden, 0, "settings given on the command line win");
  }

  private static double evaluationLoss(String name, File model, String... extra) throws IOException {
    File out = new File(tmp, "eval-" + name);
    List<String> args = new java.util.ArrayList<>(Arrays.asList("evaluate", "--set",
        "evaluate.model=\"" + model + "\"", "--set", "evaluate.data=\"" + data + "\"", "--set",
        "evaluate.output=\"" + out + "\""));
    args.addAll(Arrays.asList(extra));
    assertEquals(0, Cli.execute(args.toArray(new String[0])));
    return JSON.readTree(new File(out, "evaluation.json")).get("loss").asDouble();
  }

  @Test
  void predictRefusesBadSettingsAndAnExistingOutputWithoutLeavingFiles() throws Exception {
    File parent = new File(tmp, "refusals");
    File existing = new File(parent, "existing");
    assertTrue(existing.mkdirs());
    String[] base = {"predict", "--set", "predict.model=\"" + run + "\"", "--set", "predict.input=\"" + data + "\""};
    assertEquals(JobException.DATA, Cli.execute(concat(base, "--set", "predict.output=\"" + existing + "\"")));
    assertEquals(JobException.CONFIG, Cli.execute(concat(base, "--set", "predict.output=\"" + parent + "/a\"",
        "--set", "predict.top-k=0")));
    assertEquals(JobException.CONFIG, Cli.execute(concat(base, "--set", "predict.output=\"" + parent + "/b\"",
        "--set", "predict.input-format=video")));
    assertEquals(JobException.CONFIG, Cli.execute(concat(base, "--set", "predict.output=\"" + parent + "/c\"",
        "--set", "predict.resize=big")));
    assertEquals(JobException.CONFIG, Cli.execute("predict", "--set", "predict.no-such-key=1"));
    assertEquals(JobException.DATA, Cli.execute("predict", "--set", "predict.model=\"" + new File(tmp, "nope")
        + "\"", "--set", "predict.input=\"" + data + "\"", "--set", "predict.output=\"" + parent + "/d\""));
    assertEquals(JobException.DATA, Cli.execute("predict", "--set", "predict.model=\"" + run + "\"",
        "--set", "predict.input=\"" + new File(tmp, "nope") + "\"", "--set", "predict.output=\"" + parent + "/e\""));
    assertEquals(Arrays.asList("existing"), Arrays.asList(parent.list()), "nothing else written, no temp folders");
    assertEquals(0, existing.list().length);
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static double sum(List<Double> values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }

  private static void copyTree(java.nio.file.Path from, java.nio.file.Path to) throws IOException {
    try (java.util.stream.Stream<java.nio.file.Path> all = Files.walk(from)) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) all::iterator) {
        java.nio.file.Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
