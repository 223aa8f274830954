package io.effnet.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.substring_index;

import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.ClassScores;
import io.effnet.model.bigdl.DistributedInference;
import io.effnet.prep.BadImageException;
import io.effnet.prep.ImageFiles;
import io.effnet.prep.LabelIndex;
import io.effnet.prep.PrepException;
import io.effnet.prep.ResizeSpec;
import io.effnet.prep.ShardSchema;
import io.effnet.prep.SourceImages;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * Batch inference: a prep dataset's split, a folder of its Parquet shards, or a folder tree of image files
 * (local, hdfs://, s3a://) -> one Parquet row per image with the top-k classes and their probabilities and
 * the id of the model that made them. Reading, decoding, inference and writing run on the executors. An
 * image that cannot be read or decoded gets a row with the reason in {@code error} instead of failing the
 * job. The output folder ({@code predictions/} + {@code predict-report.json}) is built in a hidden sibling
 * and renamed into place when complete.
 */
public final class PredictJob {
  static final String PREDICTIONS_DIR = "predictions";
  static final String REPORT_FILE = "predict-report.json";

  /** Output columns. */
  static final String PATH = "path";
  static final String LABEL = "label";
  static final String LABEL_NAME = "label_name";
  static final String TOP_CLASS_IDS = "top_class_ids";
  static final String TOP_CLASSES = "top_classes";
  static final String TOP_PROBABILITIES = "top_probabilities";
  static final String PROBABILITIES = "probabilities";
  static final String MODEL_ID = "model_id";
  static final String ERROR = "error";

  /** Raw image files per task: enough to amortise a task's start, few enough to balance many cores. */
  private static final long FILES_PER_TASK = 200;
  private static final long PROGRESS_INTERVAL_MS = 10_000;

  private PredictJob() {}

  enum InputFormat { AUTO, DATASET, SHARDS, IMAGES }

  /** The settings of a run, validated before any data is read. */
  static final class Settings {
    final String model;
    final boolean useEma;
    final String input;
    final InputFormat inputFormat;
    final String split;
    final String output;
    final boolean overwrite;
    final int topK;
    final int batchSize;
    final boolean allProbabilities;
    final boolean flip;
    final ResizeSpec resize;
    final long maxPixels;
    final int maxListedErrors;

    Settings(JobConfig c) {
      model = RunFiles.qualify(c.string("predict.model"));
      useEma = c.bool("predict.use-ema");
      input = RunFiles.qualify(c.string("predict.input"));
      String format = c.string("predict.input-format");
      try {
        inputFormat = InputFormat.valueOf(format.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw JobException.config("effnet.predict.input-format must be auto, dataset, shards or images, got '"
            + format + "'");
      }
      split = c.string("predict.split");
      Check.that(split.equals("train") || split.equals("validation"), "predict.split",
          "must be train or validation, got '" + split + "'");
      output = RunFiles.qualify(c.string("predict.output"));
      overwrite = c.bool("predict.overwrite");
      topK = Check.positive(c, "predict.top-k");
      batchSize = Check.positive(c, "predict.batch-size");
      allProbabilities = c.bool("predict.all-probabilities");
      flip = c.bool("predict.flip-tta");
      String r = c.optionalString("predict.resize");
      try {
        resize = r == null ? null : ResizeSpec.parse(r);
      } catch (PrepException | IllegalArgumentException e) {
        throw JobException.config("effnet.predict.resize: " + e.getMessage());
      }
      maxPixels = c.longValue("predict.max-pixels");
      Check.that(maxPixels > 0, "predict.max-pixels", "must be > 0");
      maxListedErrors = c.integer("predict.max-listed-errors");
      Check.that(maxListedErrors >= 0, "predict.max-listed-errors", "must be >= 0");
      Check.that(!output.equals(input), "predict.output", "must differ from effnet.predict.input");
    }
  }

  /** What travels with an image through inference. */
  static final class Key implements Serializable {
    private static final long serialVersionUID = 1L;
    final String path;
    final Integer label;
    final String labelName;
    final String error;

    Key(String path, Integer label, String labelName, String error) {
      this.path = path;
      this.label = label;
      this.labelName = labelName;
      this.error = error;
    }
  }

  /** Runs the job on an existing session (BigDL engine initialised); returns the report written. */
  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    long started = System.nanoTime();
    Settings s = new Settings(config);
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
    if (files.exists(s.output) && !s.overwrite) {
      throw JobException.data("output " + s.output + " already exists: choose a new folder or set"
          + " predict.overwrite=true");
    }
    if (!files.exists(s.input)) {
      throw JobException.data("predict input " + s.input + " does not exist");
    }
    TrainedModel trained = TrainedModel.open(files, s.model, s.useEma, "effnet.predict.model");
    int classes = trained.model().spec().numClasses();
    InputFormat format = s.inputFormat == InputFormat.AUTO ? detect(files, s.input) : s.inputFormat;
    List<String> names = classNames(files, trained, format == InputFormat.DATASET ? s.input : null, progress);
    ShardSource source = ShardSource.from(trained.withRunPreprocessing(config, progress),
        trained.model().spec().inputSize());
    // Raw images are brought to the scale the evaluation crop expects: by default the shorter side becomes
    // input + crop padding, so the crop takes input-size pixels (224 of 256 for B0), as the reference does.
    ResizeSpec resize = s.resize != null ? s.resize
        : ResizeSpec.shorterSide(source.inputSize() + source.cropPadding());

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("status", "completed");
    report.put("model", trained.describe());
    report.put("input", s.input);
    report.put("input_format", format.name().toLowerCase(Locale.ROOT));
    JavaRDD<DistributedInference.Input<Key>> inputs;
    long expected;
    List<JavaRDD<?>> cached = new ArrayList<>();
    if (format == InputFormat.IMAGES) {
      JavaRDD<ImageFiles.Entry> listed;
      try {
        listed = ImageFiles.list(JavaSparkContext.fromSparkContext(spark.sparkContext()), files.hadoop(), s.input)
            .persist(StorageLevel.MEMORY_AND_DISK());
      } catch (PrepException e) {
        throw JobException.data(e.getMessage());
      }
      cached.add(listed);
      Map<String, Long> ignored = new TreeMap<>(listed.filter(e -> !e.isImageCandidate())
          .map(ImageFiles.Entry::ignoredReason).countByValue());
      JavaRDD<ImageFiles.Entry> candidates = listed.filter(ImageFiles.Entry::isImageCandidate);
      expected = candidates.count();
      report.put("resize", resize.toString());
      report.put("ignored_files", ignored);
      progress.line("found " + expected + " image files under " + s.input + (ignored.isEmpty() ? ""
          : "; ignored other files " + ignored));
      int partitions = (int) Math.max(spark.sparkContext().defaultParallelism(),
          Math.min(100_000, (expected + FILES_PER_TASK - 1) / FILES_PER_TASK));
      inputs = imageInputs(candidates.repartition(partitions), ImageFiles.reader(files.hadoop(), s.maxPixels),
          s.maxPixels, resize, source);
    } else {
      String dir = format == InputFormat.DATASET ? files.child(s.input, s.split) : s.input;
      if (format == InputFormat.DATASET) {
        report.put("split", s.split);
      }
      if (!files.exists(dir)) {
        throw JobException.data("no shards at " + dir);
      }
      Dataset<Row> shards = spark.read().parquet(dir);
      List<String> columns = Arrays.asList(shards.columns());
      for (String required : new String[] {ShardSchema.IMAGE, ShardSchema.PATH}) {
        if (!columns.contains(required)) {
          throw JobException.data("the Parquet files at " + dir + " have no '" + required + "' column: not shards"
              + " written by prep (or set predict.input-format=images for a folder of image files)");
        }
      }
      expected = shards.count();
      progress.line(expected + " images in the shards at " + dir);
      inputs = shardInputs(EvaluateJob.spread(spark, shards), source);
    }
    if (expected == 0) {
      throw JobException.data("no images to predict in " + s.input);
    }
    report.put("output", s.output);

    String tmp = files.createTempSibling(s.output, "predict");
    boolean published = false;
    try {
      LongAccumulator done = spark.sparkContext().longAccumulator("predict.images");
      JavaRDD<Row> predictions = toRows(DistributedInference.logits(trained.model(), inputs, s.batchSize, s.flip),
          names, s.topK, s.allProbabilities, trained.id(), done);
      progress.line(String.format(Locale.ROOT, "predicting %d images with %s (%s weights, id %s), top-%d, batches of"
          + " %d per task on %d cores%s", expected, trained.file(), trained.isEma() ? "EMA" : "final", trained.id(),
          Math.min(s.topK, classes), s.batchSize, spark.sparkContext().defaultParallelism(),
          s.flip ? ", each image also mirrored (predict.flip-tta)" : ""));
      String predictionsDir = files.child(tmp, PREDICTIONS_DIR);
      long inferenceStarted = System.nanoTime();
      try (ProgressTicker ticker = new ProgressTicker(progress, done, expected, PROGRESS_INTERVAL_MS)) {
        spark.createDataFrame(predictions, schema(s.allProbabilities)).write().parquet(predictionsDir);
      }
      double inferenceSeconds = (System.nanoTime() - inferenceStarted) / 1e9;

      Dataset<Row> written = spark.read().parquet(predictionsDir);
      long images = written.count();
      Dataset<Row> failed = written.filter(col(ERROR).isNotNull());
      // Reasons are few: counted into a driver-side map without a SQL shuffle.
      Map<String, Long> byReason = new TreeMap<>(failed.select(substring_index(col(ERROR), ":", 1)).javaRDD()
          .map(r -> r.getString(0)).countByValue());
      long errors = 0;
      for (long n : byReason.values()) {
        errors += n;
      }
      List<Map<String, String>> listedErrors = new ArrayList<>();
      for (Row r : failed.select(PATH, ERROR).orderBy(PATH).limit(s.maxListedErrors).collectAsList()) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("path", r.getString(0));
        e.put("error", r.getString(1));
        listedErrors.add(e);
      }
      report.put("predictions", files.child(s.output, PREDICTIONS_DIR));
      report.put("images", images);
      report.put("predicted", images - errors);
      report.put("errors", errors);
      report.put("errors_by_reason", byReason);
      report.put("error_files", listedErrors);
      report.put("top_k", Math.min(s.topK, classes));
      report.put("classes", names);
      report.put("batch_size_per_task", s.batchSize);
      report.put("all_probabilities", s.allProbabilities);
      report.put("test_time_augmentation", s.flip ? "flip" : "none");
      report.put("inference_seconds", inferenceSeconds);
      report.put("images_per_second", images / inferenceSeconds);
      report.put("seconds", (System.nanoTime() - started) / 1e9);
      report.put("spark_master", spark.sparkContext().master());
      report.put("executors", TrainJob.executorCount(spark));
      report.put("cores", spark.sparkContext().defaultParallelism());
      report.put("versions", Versions.all(spark.version()));
      if (images != expected) {
        throw new JobException(JobException.FAILED, "wrote " + images + " prediction rows for " + expected
            + " images: the input changed while the job ran; nothing was published");
      }
      files.writeJson(files.child(tmp, REPORT_FILE), report);
      files.publish(tmp, s.output, s.overwrite);
      published = true;
      progress.line(String.format(Locale.ROOT, "%d images (%d errors %s) in %.1fs: %.1f images/s; wrote %s", images,
          errors, byReason, inferenceSeconds, images / inferenceSeconds, s.output));
      return report;
    } finally {
      if (!published) {
        files.deleteQuietly(tmp);
      }
      for (JavaRDD<?> rdd : cached) {
        rdd.unpersist(false);
      }
    }
  }

  /** A prep dataset (labels.json with train/ or validation/), else Parquet files, else image files. */
  static InputFormat detect(RunFiles files, String input) {
    if (files.exists(files.child(input, ShardSchema.LABELS_FILE))
        && (files.exists(files.child(input, ShardSchema.TRAIN_DIR))
            || files.exists(files.child(input, ShardSchema.VALIDATION_DIR)))) {
      return InputFormat.DATASET;
    }
    try {
      for (FileStatus st : files.fs(input).listStatus(new Path(input))) {
        if (st.isFile() && st.getPath().getName().endsWith(".parquet")) {
          return InputFormat.SHARDS;
        }
      }
    } catch (java.io.IOException e) {
      throw JobException.data("cannot list " + input + ": " + e.getMessage());
    }
    return InputFormat.IMAGES;
  }

  /** The model's class names; else the dataset's (same count); else the class ids, with a warning. */
  private static List<String> classNames(RunFiles files, TrainedModel trained, String dataset, Progress progress) {
    int classes = trained.model().spec().numClasses();
    if (trained.labels() != null) {
      return new ArrayList<>(trained.labels().names());
    }
    if (dataset != null) {
      LabelIndex data = ShardSource.labels(files, dataset);
      if (data.size() == classes) {
        progress.line("warning: no labels.json beside " + trained.file() + ": class names from " + dataset);
        return new ArrayList<>(data.names());
      }
    }
    progress.line("warning: no labels.json beside " + trained.file() + ": classes are named by their ids");
    List<String> ids = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      ids.add(Integer.toString(c));
    }
    return ids;
  }

  private static JavaRDD<DistributedInference.Input<Key>> shardInputs(Dataset<Row> rows, ShardSource source) {
    List<String> columns = Arrays.asList(rows.columns());
    final int image = columns.indexOf(ShardSchema.IMAGE);
    final int path = columns.indexOf(ShardSchema.PATH);
    final int label = columns.indexOf(ShardSchema.LABEL);
    final int labelName = columns.indexOf(ShardSchema.LABEL_NAME);
    return rows.javaRDD().map(row -> {
      Integer l = label < 0 || row.isNullAt(label) ? null : row.getInt(label);
      String n = labelName < 0 || row.isNullAt(labelName) ? null : row.getString(labelName);
      try {
        return new DistributedInference.Input<>(new Key(row.getString(path), l, n, null),
            source.evaluationTensor((byte[]) row.get(image)));
      } catch (RuntimeException e) {
        return new DistributedInference.Input<>(new Key(row.getString(path), l, n, "corrupt: " + describe(e)), null);
      }
    });
  }

  private static JavaRDD<DistributedInference.Input<Key>> imageInputs(JavaRDD<ImageFiles.Entry> files,
      ImageFiles.Reader reader, long maxPixels, ResizeSpec resize, ShardSource source) {
    return files.map(f -> {
      try {
        byte[] bytes = reader.read(f);
        return new DistributedInference.Input<>(new Key(f.uri(), null, null, null),
            source.evaluationTensor(SourceImages.decodeResized(bytes, maxPixels, resize)));
      } catch (BadImageException e) {
        return new DistributedInference.Input<>(new Key(f.uri(), null, null, e.reason().key() + ": " + e.getMessage()),
            null);
      } catch (RuntimeException e) {
        return new DistributedInference.Input<>(new Key(f.uri(), null, null, "corrupt: " + describe(e)), null);
      }
    });
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String s = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  private static JavaRDD<Row> toRows(JavaRDD<DistributedInference.Scored<Key>> scored, List<String> names, int topK,
      boolean all, String modelId, LongAccumulator done) {
    return scored.map(s -> {
      done.add(1);
      Key k = s.key();
      if (!s.hasLogits()) {
        return all ? RowFactory.create(k.path, k.label, k.labelName, null, null, null, null, modelId, k.error)
            : RowFactory.create(k.path, k.label, k.labelName, null, null, null, modelId, k.error);
      }
      int[] top = ClassScores.ranking(s.logits(), topK);
      double[] p = ClassScores.softmax(s.logits());
      // Spark's row encoder takes Scala Seqs or Java arrays (not java.util.List) for array columns.
      Integer[] ids = new Integer[top.length];
      String[] classes = new String[top.length];
      Double[] probabilities = new Double[top.length];
      for (int i = 0; i < top.length; i++) {
        ids[i] = top[i];
        classes[i] = names.get(top[i]);
        probabilities[i] = p[top[i]];
      }
      if (!all) {
        return RowFactory.create(k.path, k.label, k.labelName, ids, classes, probabilities, modelId, null);
      }
      Double[] every = new Double[p.length];
      for (int c = 0; c < p.length; c++) {
        every[c] = p[c];
      }
      return RowFactory.create(k.path, k.label, k.labelName, ids, classes, probabilities, every, modelId, null);
    });
  }

  static StructType schema(boolean allProbabilities) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(PATH, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(LABEL, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(LABEL_NAME, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(TOP_CLASS_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), true));
    f.add(DataTypes.createStructField(TOP_CLASSES, DataTypes.createArrayType(DataTypes.StringType, false), true));
    f.add(DataTypes.createStructField(TOP_PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false),
        true));
    if (allProbabilities) {
      f.add(DataTypes.createStructField(PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false), true));
    }
    f.add(DataTypes.createStructField(MODEL_ID, DataTypes.StringType, false));
    f.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
    return DataTypes.createStructType(f);
  }
}
