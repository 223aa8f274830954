package io.effnet.jobs;

import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.DistributedTrainer;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.Metrics;
import io.effnet.prep.LabelIndex;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Evaluates a trained model on a split of a prep dataset: top-1, top-5 and loss. */
public final class EvaluateJob {
  private EvaluateJob() {}

  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    String modelPath = RunFiles.qualify(config.string("evaluate.model"));
    String data = RunFiles.qualify(config.string("evaluate.data"));
    String split = config.string("evaluate.split");
    int batch = Check.positive(config, "evaluate.batch-size");
    String output = config.optionalString("evaluate.output");
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());

    String modelFile = modelPath.endsWith(".effnet") ? modelPath : files.child(modelPath, "model.effnet");
    if (!files.exists(modelFile)) {
      throw JobException.data("no model at " + modelFile + ": give a model.effnet file or a train run folder");
    }
    EfficientNet model = files.read(modelFile, EfficientNet::read);
    LabelIndex dataLabels = ShardSource.labels(files, data);
    String modelDir = modelFile.substring(0, modelFile.lastIndexOf('/'));
    String modelLabelsFile = files.child(modelDir, "labels.json");
    if (files.exists(modelLabelsFile)) {
      LabelIndex modelLabels = LabelIndex.read(modelLabelsFile, files.hadoop());
      if (!modelLabels.equals(dataLabels)) {
        throw JobException.data("the model was trained on classes " + modelLabels.names() + " but " + data
            + " has " + dataLabels.names());
      }
    } else if (model.spec().numClasses() != dataLabels.size()) {
      throw JobException.data("the model has " + model.spec().numClasses() + " classes but " + data + " has "
          + dataLabels.size());
    }
    ShardSource source = ShardSource.from(config, model.spec().inputSize());
    long started = System.nanoTime();
    Metrics m = DistributedTrainer.evaluate(model,
        source.evaluationSamples(ShardSource.rows(spark, files, data, split)).rdd(), batch);
    double seconds = (System.nanoTime() - started) / 1e9;
    progress.line(String.format(java.util.Locale.ROOT, "%s on %s (%s): top-1 %.4f, top-5 %.4f, loss %.4f, %d images"
        + " in %.1fs", modelFile, data, split, m.top1(), m.top5(), m.loss(), m.count(), seconds));
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", modelFile);
    report.put("data", data);
    report.put("split", split);
    report.putAll(TrainJob.metricsMap(m));
    report.put("seconds", seconds);
    report.put("versions", Versions.all(spark.version()));
    if (output != null) {
      String dir = RunFiles.qualify(output);
      files.fs(dir);
      files.writeJson(files.child(dir, "evaluation.json"), report);
    }
    return report;
  }
}
