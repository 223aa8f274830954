package io.effnet.jobs;

import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.jobs.metrics.ClassificationMetrics;
import io.effnet.model.bigdl.DistributedInference;
import io.effnet.prep.LabelIndex;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Evaluates a trained model on a split of a prep dataset (or any folder of its shards): top-1, top-5, mean
 * cross-entropy, per-class precision, recall and F1, and the confusion matrix, from one distributed pass that
 * scores every image on the executors. Writes evaluation.json and confusion-matrix.png when given an output.
 * A row whose image cannot be decoded is counted as unreadable and left out of the figures.
 */
public final class EvaluateJob {
  static final String REPORT_FILE = "evaluation.json";
  static final String CHART_FILE = "confusion-matrix.png";
  private static final long PROGRESS_INTERVAL_MS = 10_000;

  private EvaluateJob() {}

  /** The settings of a run, validated before any data is read. */
  static final class Settings {
    final String model;
    final String data;
    final String split;
    final int batchSize;
    final String output;
    final boolean useEma;
    final boolean flip;

    Settings(JobConfig c) {
      model = RunFiles.qualify(c.string("evaluate.model"));
      data = RunFiles.qualify(c.string("evaluate.data"));
      String s = c.string("evaluate.split");
      split = s.equals("train") || s.equals("validation") ? s : RunFiles.qualify(s);
      batchSize = Check.positive(c, "evaluate.batch-size");
      String out = c.optionalString("evaluate.output");
      output = out == null ? null : RunFiles.qualify(out);
      useEma = c.bool("evaluate.use-ema");
      flip = c.bool("evaluate.flip-tta");
    }
  }

  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    Settings s = new Settings(config);
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
    TrainedModel trained = TrainedModel.open(files, s.model, s.useEma, "effnet.evaluate.model");
    LabelIndex dataLabels = ShardSource.labels(files, s.data);
    if (trained.labels() != null && !trained.labels().equals(dataLabels)) {
      throw JobException.data("the model was trained on classes " + trained.labels().names() + " but " + s.data
          + " has " + dataLabels.names());
    }
    if (trained.model().spec().numClasses() != dataLabels.size()) {
      throw JobException.data("the model has " + trained.model().spec().numClasses() + " classes but " + s.data
          + " has " + dataLabels.size());
    }
    ShardSource source = ShardSource.from(trained.withRunPreprocessing(config, progress),
        trained.model().spec().inputSize());
    Dataset<Row> split = ShardSource.rows(spark, files, s.data, s.split);
    // Counted before spreading: Parquet answers a count from its footers, without moving any image.
    long total = split.count();
    Dataset<Row> rows = spread(spark, split);
    progress.line("evaluating " + trained.file() + " (" + (trained.isEma() ? "EMA" : "final") + " weights, id "
        + trained.id() + ") on " + total + " images of " + s.data + " (" + s.split + ")"
        + (s.flip ? ", each also mirrored (evaluate.flip-tta)" : ""));

    long started = System.nanoTime();
    JavaRDD<DistributedInference.Input<Integer>> inputs = rows.javaRDD().map(row -> {
      float[] chw;
      try {
        chw = source.evaluationTensor((byte[]) row.get(0));
      } catch (RuntimeException e) {
        chw = null;
      }
      return new DistributedInference.Input<>(row.getInt(1), chw);
    });
    final int classes = dataLabels.size();
    LongAccumulator done = spark.sparkContext().longAccumulator("evaluate.images");
    Tally tally;
    try (ProgressTicker ticker = new ProgressTicker(progress, done, total, PROGRESS_INTERVAL_MS)) {
      tally = DistributedInference.logits(trained.model(), inputs, s.batchSize, s.flip).map(scored -> {
        done.add(1);
        return scored;
      }).aggregate(new Tally(classes, s.flip), Tally::add, Tally::merge);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    ClassificationMetrics m = tally.metrics;
    if (m.count() == 0) {
      throw JobException.data("no image of " + s.data + " (" + s.split + ") could be evaluated"
          + (tally.unreadable > 0 ? ": all " + tally.unreadable + " are unreadable" : ": the split is empty"));
    }
    if (tally.unreadable > 0) {
      progress.line("warning: " + tally.unreadable + " images could not be decoded and are not in the figures");
    }
    progress.line(String.format(Locale.ROOT,
        "%s on %s (%s): top-1 %.4f, top-5 %.4f, loss %.4f, macro precision %.4f, macro recall %.4f, %d images in"
            + " %.1fs (%.1f images/s)", trained.file(), s.data, s.split, m.top1(), m.top5(), m.loss(),
        m.macroPrecision(), m.macroRecall(), m.count(), seconds, m.count() / seconds));
    ClassificationMetrics single = tally.singleView;
    if (single != null) {
      progress.line(String.format(Locale.ROOT, "the same pass, each image alone (no mirror): top-1 %.4f, top-5 %.4f,"
          + " loss %.4f", single.top1(), single.top5(), single.loss()));
    }

    List<String> names = dataLabels.names();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", trained.file());
    report.put("model_weights", trained.isEma() ? "ema" : "final");
    report.put("model_id", trained.id());
    report.put("data", s.data);
    report.put("split", s.split);
    report.put("test_time_augmentation", s.flip ? "flip" : "none");
    if (single != null) {
      Map<String, Object> alone = new LinkedHashMap<>();
      alone.put("top1", single.top1());
      alone.put("top5", single.top5());
      alone.put("loss", single.loss());
      report.put("single_view", alone);
    }
    report.put("top1", m.top1());
    report.put("top5", m.top5());
    report.put("loss", m.loss());
    report.put("count", m.count());
    report.put("unreadable_images", tally.unreadable);
    report.put("macro_precision", ClassificationMetrics.finiteOrNull(m.macroPrecision()));
    report.put("macro_recall", ClassificationMetrics.finiteOrNull(m.macroRecall()));
    report.put("macro_f1", ClassificationMetrics.finiteOrNull(m.macroF1()));
    report.put("per_class", m.perClass(names));
    report.put("confusion_matrix", m.confusionReport(names));
    report.put("seconds", seconds);
    report.put("images_per_second", m.count() / seconds);
    report.put("model_details", trained.describe());
    report.put("versions", Versions.all(spark.version()));
    if (s.output != null) {
      files.writeJson(files.child(s.output, REPORT_FILE), report);
      String title = String.format(Locale.ROOT, "%s on %s: top-1 %.3f (%d images)",
          trained.model().spec().variant().name(), s.split.equals("train") || s.split.equals("validation") ? s.split
              : "shards", m.top1(), m.count());
      files.write(files.child(s.output, CHART_FILE), out -> out.write(ConfusionMatrixChart.png(title, names,
          m.confusionMatrix())));
      progress.line("wrote " + files.child(s.output, REPORT_FILE) + " and " + CHART_FILE);
    }
    return report;
  }

  /** Spreads a split held in fewer files than there are cores over every core. */
  static Dataset<Row> spread(SparkSession spark, Dataset<Row> rows) {
    int cores = spark.sparkContext().defaultParallelism();
    return rows.rdd().getNumPartitions() < cores ? rows.repartition(cores) : rows;
  }

  /**
   * The figures of the readable images and the count of unreadable ones; with test-time augmentation, also the
   * figures of the images alone, from the same pass.
   */
  static final class Tally implements Serializable {
    private static final long serialVersionUID = 1L;
    final ClassificationMetrics metrics;
    final ClassificationMetrics singleView;
    long unreadable;

    Tally(int classes, boolean augmented) {
      metrics = new ClassificationMetrics(classes);
      singleView = augmented ? new ClassificationMetrics(classes) : null;
    }

    Tally add(DistributedInference.Scored<Integer> s) {
      if (s.hasLogits()) {
        metrics.add(s.key(), s.logits());
        if (singleView != null) {
          singleView.add(s.key(), s.singleViewLogits());
        }
      } else {
        unreadable++;
      }
      return this;
    }

    Tally merge(Tally other) {
      metrics.merge(other.metrics);
      if (singleView != null) {
        singleView.merge(other.singleView);
      }
      unreadable += other.unreadable;
      return this;
    }
  }
}
