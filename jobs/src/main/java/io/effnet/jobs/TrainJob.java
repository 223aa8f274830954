package io.effnet.jobs;

import com.intel.analytics.bigdl.dataset.Sample;
import com.fasterxml.jackson.databind.JsonNode;
import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.config.ModelSettings;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.jobs.spark.EngineChoice;
import io.effnet.jobs.spark.SparkBootstrap;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.bigdl.BatchNormStatistics;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.DistributedTrainer;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import io.effnet.model.bigdl.Engine;
import io.effnet.model.bigdl.Metrics;
import io.effnet.model.bigdl.OptimizerSettings;
import io.effnet.prep.LabelIndex;
import io.effnet.prep.ShardSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Trains an EfficientNet on a prep dataset with BigDL's synchronous data-parallel DistriOptimizer, validating
 * after every epoch, and writes the model, its provenance and a metrics report to the run folder. The training
 * loop serves {@code train} and {@code finetune} alike: a {@link RunSetup} says what the run starts from and what
 * changes between epochs.
 */
public final class TrainJob {
  /** The settings of a run, validated before any data is read. */
  static final class Settings {
    final String data;
    final String output;
    final int epochs;
    final int batchSize;
    final OptimizerSettings optimizer;
    final double weightDecay;
    final double bnDecay;
    final long seed;
    final boolean flip;
    final long maxImages;
    final boolean resume;
    final int keepCheckpoints;
    final double averageDecay;
    /** Training images over which the weight average's batch-norm statistics are recomputed; 0: not recomputed. */
    final long averageBatchNormImages;
    /** Whether every epoch validates the average (else the trained weights, and only the last epoch the average). */
    final boolean averageEachEpoch;
    final boolean exportBigDL;
    /** {@code train.engine}: auto, mklblas or mkldnn ({@link EngineChoice} resolves auto when Spark starts). */
    final String engine;

    /** The {@code train} job's settings, with the model and input sections it trains from. */
    Settings(JobConfig c) {
      this(c, "train");
      ShardSource.from(c, ModelSettings.from(c).inputSize());
    }

    /**
     * The run settings of {@code effnet.train}, except the learning rate's {@code base-learning-rate} and
     * {@code warmup-epochs}, which come from {@code effnet.<rateSection>}.
     */
    Settings(JobConfig c, String rateSection) {
      data = RunFiles.qualify(c.string("train.data"));
      output = RunFiles.qualify(c.string("train.output"));
      epochs = Check.positive(c, "train.epochs");
      batchSize = Check.positive(c, "train.batch-size");
      try {
        OptimizerSettings o = new OptimizerSettings(OptimizerSettings.method(c.string("train.optimizer")),
            c.number(rateSection + ".base-learning-rate") * batchSize / 256.0,
            c.number(rateSection + ".warmup-epochs"),
            c.number("train.lr-decay-rate"), c.number("train.lr-decay-epochs"), c.number("train.momentum"),
            c.bool("train.nesterov"), c.number("train.rmsprop-decay"), c.number("train.rmsprop-epsilon"),
            c.number("train.label-smoothing"));
        optimizer = OptimizerSettings.decay(c.string("train.lr-decay-type")) == OptimizerSettings.Decay.COSINE
            ? o.withCosineDecay(epochs) : o;
      } catch (IllegalArgumentException e) {
        throw JobException.config("effnet.train / effnet." + rateSection + ": " + e.getMessage());
      }
      weightDecay = c.number("train.weight-decay");
      Check.that(weightDecay >= 0, "train.weight-decay", "must be >= 0");
      bnDecay = c.number("train.bn-decay");
      Check.that(bnDecay >= 0 && bnDecay < 1, "train.bn-decay", "must be in [0, 1)");
      seed = c.longValue("train.seed");
      flip = c.bool("train.flip");
      maxImages = c.longValue("train.max-images");
      Check.that(maxImages >= 0, "train.max-images", "must be >= 0");
      resume = c.bool("train.resume");
      keepCheckpoints = Check.positive(c, "train.keep-checkpoints");
      averageDecay = c.number("train.weight-average-decay");
      Check.that(averageDecay >= 0 && averageDecay < 1, "train.weight-average-decay", "must be in [0, 1)");
      averageBatchNormImages = c.longValue("train.weight-average-bn-images");
      Check.that(averageBatchNormImages == 0 || averageBatchNormImages >= batchSize,
          "train.weight-average-bn-images", "must be 0 (off) or at least train.batch-size (" + batchSize + ")");
      averageEachEpoch = c.bool("train.weight-average-each-epoch");
      exportBigDL = c.bool("train.export-bigdl");
      engine = engine(c);
    }

    /** {@code train.engine}, validated: auto, mklblas or mkldnn. */
    static String engine(JobConfig c) {
      return EngineChoice.setting(c.string("train.engine"));
    }
  }

  /** The moving average of the weights, next to model.effnet when train.weight-average-decay > 0. */
  static final String AVERAGE_MODEL = "model-ema.effnet";
  /**
   * Base names of the models in BigDL's protobuf module format ({@code .bigdl} definition, {@code .bin} weights),
   * written with {@code train.export-bigdl}: the final weights and, when kept, their moving average.
   */
  static final String BIGDL_MODEL = "model";
  static final String BIGDL_AVERAGE_MODEL = "model-ema";

  private TrainJob() {}

  /** A run from scratch: the {@code model} section's network, freshly initialised, all layers training. */
  static RunSetup fromScratch(JobConfig config) {
    final ModelSettings model = ModelSettings.from(config);
    return new RunSetup() {
      @Override
      public String job() {
        return "train";
      }

      @Override
      public int inputSize() {
        return model.inputSize();
      }

      @Override
      public EfficientNet initialModel(int numClasses, double weightDecay, double bnDecay) {
        return EfficientNetBuilder.build(model.resolve(numClasses), weightDecay, bnDecay);
      }

      @Override
      public boolean validatesInitialModel() {
        return false;
      }

      @Override
      public void beforeEpoch(int epoch, EfficientNet net, DistributedTrainer trainer, Map<String, Object> record,
          Progress progress) {}

      @Override
      public Map<String, Object> reportEntries(int epochs) {
        return new LinkedHashMap<>();
      }

      @Override
      public Map<String, Object> provenanceEntries() {
        return new LinkedHashMap<>();
      }
    };
  }

  /** Runs the train job on an existing session (BigDL engine initialised); returns the report written. */
  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    new Settings(config);
    return run(spark, config, progress, fromScratch(config));
  }

  /** Runs a training job as {@code setup} starts it; returns the report written. */
  static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress, RunSetup setup) {
    long started = System.nanoTime();
    Settings s = new Settings(config, setup.job());
    ShardSource source = ShardSource.from(config, setup.inputSize());
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());

    int nodes = Engine.nodeNumber();
    int cores = Engine.coreNumber();
    if (s.batchSize % (nodes * cores) != 0) {
      throw JobException.config(String.format(Locale.ROOT,
          "effnet.train.batch-size %d must be a multiple of the total cores BigDL trains on (%d nodes x %d cores"
              + " = %d)", s.batchSize, nodes, cores, nodes * cores));
    }
    LabelIndex labels = ShardSource.labels(files, s.data);
    Dataset<Row> trainRows = ShardSource.rows(spark, files, s.data, "train");
    Dataset<Row> validationRows = ShardSource.rows(spark, files, s.data, "validation");
    Checkpoints checkpoints = new Checkpoints(files, s.output, s.keepCheckpoints);
    Checkpoints.State resumed = s.resume && files.exists(s.output) ? checkpoints.latestState() : null;
    if (resumed == null) {
      files.createFreshDir(s.output);
    }
    files.writeText(files.child(s.output, "effective-config.conf"), config.render());

    // A row order fixed by the rows' contents: which rows a cap keeps, and the order in which the samples and their
    // augmentation streams are drawn, must not depend on the order shuffle blocks arrive in (it varies on a
    // cluster); with it a run repeats exactly for a train.seed.
    Column[] contentOrder = {functions.hash(trainRows.col(ShardSchema.IMAGE), trainRows.col(ShardSchema.LABEL)),
        trainRows.col(ShardSchema.LABEL), trainRows.col(ShardSchema.IMAGE)};
    if (s.maxImages > 0) {
      trainRows = trainRows.orderBy(contentOrder).limit((int) Math.min(Integer.MAX_VALUE, s.maxImages));
    }
    // Spread rows over every core BigDL uses so that decoding runs in parallel from the first epoch.
    trainRows = trainRows.repartition(nodes * cores).sortWithinPartitions(contentOrder)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long trainCount = trainRows.count();
    long validationCount = validationRows.count();
    if (trainCount == 0) {
      throw JobException.data("the train split of " + s.data + " has no images");
    }
    if (trainCount < s.batchSize) {
      throw JobException.config("effnet.train.batch-size " + s.batchSize + " is larger than the " + trainCount
          + " training images");
    }

    BigDL.seed(s.seed);
    EfficientNet model = setup.initialModel(labels.size(), s.weightDecay, s.bnDecay);
    NetworkSpec spec = model.spec();
    List<Map<String, Object>> epochs = new ArrayList<>();
    Map<String, Object> initialValidation = null;
    if (resumed != null) {
      EfficientNet saved = checkpoints.latestModel();
      if (saved.spec().numClasses() != spec.numClasses() || saved.spec().blocks().size() != spec.blocks().size()
          || saved.spec().inputSize() != spec.inputSize()) {
        throw JobException.config("the checkpoint in " + s.output + " is a different model (" + saved.spec().variant()
            + ", " + saved.spec().numClasses() + " classes) than the configured one: resume with the run's"
            + " effective-config.conf");
      }
      model.copyWeightsFrom(saved);
      for (JsonNode e : resumed.json.get("epochs")) {
        epochs.add(RunFiles.json().convertValue(e, Map.class));
      }
      if (resumed.json.hasNonNull(INITIAL_VALIDATION)) {
        initialValidation = RunFiles.json().convertValue(resumed.json.get(INITIAL_VALIDATION), Map.class);
      }
      progress.line("resuming after epoch " + resumed.epoch + " (iteration " + resumed.iteration + ") from "
          + files.child(s.output, Checkpoints.DIR));
    }
    String engineChoice = SparkBootstrap.engineChoice(spark);
    progress.line(String.format(Locale.ROOT,
        "model %s: %d classes, input %dx%d, %d blocks, %,d parameters, %.3f GMACs; BigDL engine %s on %d node(s)"
            + " x %d core(s); %d training / %d validation images",
        spec.variant().name(), spec.numClasses(), spec.inputSize(), spec.inputSize(), spec.blocks().size(),
        model.trainableParameterCount(), spec.multiplyAdds() / 1e9,
        engineChoice == null ? Engine.engineType() + " (this JVM's; train.engine = " + s.engine + ")" : engineChoice,
        nodes, cores, trainCount, validationCount));

    JavaRDD<Sample<Float>> validation = source.evaluationSamples(validationRows).persist(
        StorageLevel.MEMORY_AND_DISK());
    if (setup.validatesInitialModel() && resumed == null && validationCount > 0) {
      Metrics before = DistributedTrainer.evaluate(model, validation.rdd(), s.batchSize);
      initialValidation = metricsMap(before);
      progress.line("before training: validation " + before);
    }
    DistributedTrainer trainer = new DistributedTrainer(model,
        source.trainingSamples(trainRows, s.seed, 0, s.flip).rdd(), trainCount, s.batchSize, s.optimizer, s.seed,
        RunFiles.forBigDL(files.child(s.output, "tensorboard")), "train");

    if (s.averageDecay > 0) {
      trainer.averageWeights(s.averageDecay);
    }
    int firstEpoch = 1;
    List<String> restoredBuffers = new ArrayList<>();
    if (resumed != null) {
      trainer.resumeAfter(resumed.epoch, resumed.iteration);
      firstEpoch = resumed.epoch + 1;
      Map<String, float[]> buffers = checkpoints.latestOptimizerState();
      try {
        trainer.restoreOptimizerState(buffers);
      } catch (IllegalArgumentException e) {
        throw JobException.config("the checkpoint's optimizer state does not fit the configured optimizer (resume with"
            + " the run's effective-config.conf): " + e.getMessage());
      }
      restoredBuffers.addAll(buffers.keySet());
      progress.line("optimizer state restored: " + (buffers.isEmpty() ? "none in the checkpoint, buffers restart"
          : String.join(", ", buffers.keySet())));
    }
    EfficientNet evaluated = model;
    long trainingStarted = System.nanoTime();
    for (int epoch = firstEpoch; epoch <= s.epochs; epoch++) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("epoch", epoch);
      setup.beforeEpoch(epoch, model, trainer, e, progress);
      long epochStarted = System.nanoTime();
      int lossesBefore = trainer.lossHistory().size();
      trainer.trainEpoch(epoch == firstEpoch && resumed == null ? null
          : source.trainingSamples(trainRows, s.seed, epoch - 1, s.flip).rdd());
      double trainSeconds = (System.nanoTime() - epochStarted) / 1e9;
      Map<String, float[]> optimizerState = trainer.optimizerState();
      // With weight averaging, the average is the model that is validated and shipped (as the reference), with
      // batch-norm statistics of its own: after every epoch, or only after the last one.
      evaluated = model;
      boolean averaged = s.averageDecay > 0 && (s.averageEachEpoch || epoch == s.epochs);
      e.put("validated_weights", averaged ? "average" : "trained");
      if (averaged) {
        evaluated = model.withParameters(optimizerState.get(DistributedTrainer.AVERAGE));
        // A frozen backbone's batch norms keep the source's statistics (nothing to recompute).
        if (s.averageBatchNormImages > 0 && !evaluated.isBackboneFrozen()) {
          long bnStarted = System.nanoTime();
          long used = BatchNormStatistics.recompute(evaluated,
              source.trainingSamples(trainRows, s.seed, epoch - 1, s.flip), Math.max(2, trainer.replicaBatch()),
              s.averageBatchNormImages);
          e.put("weight_average_bn_images", used);
          e.put("weight_average_bn_seconds", (System.nanoTime() - bnStarted) / 1e9);
        }
      }
      Metrics val = validationCount > 0 ? DistributedTrainer.evaluate(evaluated, validation.rdd(), s.batchSize)
          : null;
      double elapsed = (System.nanoTime() - trainingStarted) / 1e9;
      double eta = elapsed / (epoch - firstEpoch + 1) * (s.epochs - epoch);
      e.put("train_seconds", trainSeconds);
      e.put("images_per_second", trainCount / trainSeconds);
      e.put("mean_loss", meanLoss(trainer.lossHistory(), lossesBefore));
      if (val != null) {
        e.put("validation", metricsMap(val));
        trainer.recordValidation(val);
      }
      e.put("iteration", trainer.iterationsDone());
      e.put("next_learning_rate", trainer.currentLearningRate());
      epochs.add(e);
      Map<String, Object> state = new LinkedHashMap<>();
      state.put("epoch", epoch);
      state.put("iteration", trainer.iterationsDone());
      state.put("epochs", epochs);
      state.put(INITIAL_VALIDATION, initialValidation);
      state.put("effective_config", config.renderJson());
      checkpoints.write(epoch, model, optimizerState, state);
      progress.line(String.format(Locale.ROOT,
          "epoch %d/%d: loss %.4f, lr %.5f, %.1f images/s, validation %s, elapsed %.0fs, ETA %.0fs",
          epoch, s.epochs, (Double) e.get("mean_loss"), trainer.currentLearningRate(), trainCount / trainSeconds,
          val == null ? "n/a" : val.toString(), elapsed, eta));
    }
    List<double[]> losses = trainer.lossHistory();
    trainer.close();

    String modelUri = files.child(s.output, "model.effnet");
    files.write(modelUri, model::write);
    if (s.averageDecay > 0) {
      files.write(files.child(s.output, AVERAGE_MODEL), evaluated::write);
    }
    Map<String, Object> bigdlModels = new LinkedHashMap<>();
    if (s.exportBigDL) {
      bigdlModels.put(BIGDL_MODEL, BigDLModelFiles.write(files, s.output, BIGDL_MODEL, model));
      if (s.averageDecay > 0) {
        bigdlModels.put(BIGDL_AVERAGE_MODEL, BigDLModelFiles.write(files, s.output, BIGDL_AVERAGE_MODEL, evaluated));
      }
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("status", "completed");
    report.put("job", setup.job());
    report.put("model", modelUri);
    report.put("weight_average_decay", s.averageDecay);
    if (resumed != null) {
      report.put("resumed_after_epoch", resumed.epoch);
      report.put("restored_optimizer_buffers", restoredBuffers);
    }
    report.put("validated_weights", s.averageDecay > 0 ? "moving average (" + AVERAGE_MODEL + ")" : "trained");
    if (!bigdlModels.isEmpty()) {
      report.put("bigdl_models", bigdlModels);
    }
    report.put("variant", spec.variant().name());
    report.put("variant_coefficients", spec.variant().toString());
    report.put("input_size", spec.inputSize());
    report.put("classes", labels.names());
    report.put("parameters", model.trainableParameterCount());
    report.put("multiply_adds", spec.multiplyAdds());
    report.put("data", s.data);
    report.put("train_images", trainCount);
    report.put("validation_images", validationCount);
    report.put("engine", Engine.engineType());
    report.put("engine_setting", s.engine);
    if (engineChoice != null) {
      report.put("engine_choice", engineChoice);
    }
    report.put("nodes", nodes);
    report.put("cores_per_node", cores);
    report.put("global_batch", s.batchSize);
    report.put("spark_master", spark.sparkContext().master());
    report.put("executors", executorCount(spark));
    if (initialValidation != null) {
      report.put(INITIAL_VALIDATION, initialValidation);
    }
    report.put("epochs", epochs);
    List<List<Double>> lossPairs = new ArrayList<>();
    for (double[] l : losses) {
      List<Double> pair = new ArrayList<>();
      pair.add(l[0]);
      pair.add(l[1]);
      lossPairs.add(pair);
    }
    report.put("loss_by_iteration", lossPairs);
    report.put("wall_seconds", (System.nanoTime() - started) / 1e9);
    report.put("versions", Versions.all(spark.version()));
    report.putAll(setup.reportEntries(s.epochs));
    Map<String, Object> provenance = provenance(config, s, spec, labels, report, spark.version(), bigdlModels);
    provenance.putAll(setup.provenanceEntries());
    files.writeJson(files.child(s.output, "provenance.json"), provenance);
    files.writeJson(files.child(s.output, "train-report.json"), report);
    files.writeText(files.child(s.output, "labels.json"), labels.toJson());
    files.write(files.child(s.output, "training-curves.png"), out -> out.write(TrainingCurves.png(
        "EfficientNet " + spec.variant().name() + " @" + spec.inputSize()
            + (setup.job().equals("train") ? "" : " (" + setup.job() + ")"), epochs)));
    progress.line("model written to " + modelUri);
    trainRows.unpersist();
    validation.unpersist();
    return report;
  }

  /** Validation of the initial model, before any training (report and checkpoint state key). */
  static final String INITIAL_VALIDATION = "validation_before_training";

  private static Map<String, Object> provenance(JobConfig config, Settings s, NetworkSpec spec, LabelIndex labels,
      Map<String, Object> report, String sparkVersion, Map<String, Object> bigdlModels) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("model_file", "model.effnet");
    if (!bigdlModels.isEmpty()) {
      p.put("bigdl_models", bigdlModels);
      p.put("bigdl_input", bigDLInput(config, spec));
    }
    p.put("variant", spec.variant().toString());
    p.put("classes", labels.names());
    p.put("data", s.data);
    p.put("train_images", report.get("train_images"));
    p.put("validation_images", report.get("validation_images"));
    p.put("effective_config", config.renderJson());
    p.put("versions", Versions.all(sparkVersion));
    return p;
  }

  /**
   * What the BigDL module files take, for a user who has only them and BigDL: the batch layout and the
   * normalisation of the evaluation pipeline (its crop is {@code input.crop-padding} in the effective
   * configuration).
   */
  private static Map<String, Object> bigDLInput(JobConfig config, NetworkSpec spec) {
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("layout", "NCHW: N x 3 x " + spec.inputSize() + " x " + spec.inputSize() + ", channels R, G, B");
    in.put("normalisation", "(pixel - mean) / std per channel, pixels on the 0..255 scale");
    in.put("mean", config.numbers("input.mean"));
    in.put("std", config.numbers("input.std"));
    in.put("output", "N x " + spec.numClasses() + " logits (no softmax), classes in labels.json order");
    in.put("load", "com.intel.analytics.bigdl.nn.Module.loadModule(definition, weights) (Scala/Java),"
        + " bigdl.nn.layer.Model.loadModel(definition, weights) (Python)");
    return in;
  }

  /** Mean training loss of the iterations recorded after the first {@code from}. */
  static double meanLoss(List<double[]> history, int from) {
    double sum = 0;
    int n = 0;
    for (int i = from; i < history.size(); i++) {
      sum += history.get(i)[1];
      n++;
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  static Map<String, Object> metricsMap(Metrics m) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("top1", m.top1());
    v.put("top5", m.top5());
    v.put("loss", m.loss());
    v.put("count", m.count());
    return v;
  }

  /** Executors registered with the driver (the driver itself excluded unless running locally). */
  static int executorCount(SparkSession spark) {
    int all = spark.sparkContext().getExecutorMemoryStatus().size();
    return spark.sparkContext().isLocal() ? all : Math.max(0, all - 1);
  }
}
