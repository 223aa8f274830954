package io.effnet.jobs;

import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.bigdl.DistributedTrainer;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Transfer learning: trains a saved EfficientNet's backbone under a new classifier on another prep dataset. The
 * head ({@value EfficientNet#HEAD_LAYER}, after {@code top_dropout}) is replaced by a fresh one sized for the new
 * dataset's classes ({@code labels.json}); the backbone (every other layer) is the source's, frozen for the first
 * {@code finetune.freeze-epochs} epochs (Keras' {@code trainable = False}: no gradients, batch norms use and keep
 * their running statistics) or for the whole run, then trained with everything else. The rest is the
 * {@code train} job's loop ({@link TrainJob}) with the {@code effnet.train} settings, except the learning rate
 * ({@code effnet.finetune.base-learning-rate}, {@code warmup-epochs}) and the architecture, which is the source's.
 */
public final class FinetuneJob {
  /** The {@code effnet.finetune} section, validated before Spark starts (with the train settings it reuses). */
  static final class Settings {
    final String source;
    final String kerasVariant;
    /** Epochs with the backbone frozen, from the first; -1: the whole run. */
    final int freezeEpochs;
    /** 0: the source's input size. */
    final int inputSize;

    Settings(JobConfig c) {
      source = RunFiles.qualify(c.string("finetune.source"));
      kerasVariant = c.optionalString("finetune.keras-variant");
      freezeEpochs = c.integer("finetune.freeze-epochs");
      Check.that(freezeEpochs >= -1, "finetune.freeze-epochs", "must be -1 (frozen for the whole run), 0 (never"
          + " frozen) or a number of epochs, got " + freezeEpochs);
      inputSize = c.integer("finetune.input-size");
      Check.that(inputSize == 0 || inputSize >= 32, "finetune.input-size", "must be 0 (the source's) or >= 32, got "
          + inputSize);
      TrainJob.Settings train = new TrainJob.Settings(c, "finetune");
      Check.that(freezeEpochs == 0 || !"mkldnn".equals(train.engine), "finetune.freeze-epochs",
          "must be 0 with train.engine = mkldnn (BigDL's MKL-DNN batch norm cannot be frozen): fine-tune a frozen"
              + " backbone with train.engine = mklblas, got " + freezeEpochs);
    }

    /** Why this fine-tune cannot train on MKL-DNN (a frozen backbone), or null if it can. */
    String mklBlasOnly() {
      return freezeEpochs == 0 ? null : "finetune.freeze-epochs = " + freezeEpochs + " freezes the backbone's batch"
          + " norms, which BigDL's MKL-DNN engine cannot";
    }

    boolean frozenIn(int epoch) {
      return freezeEpochs < 0 || epoch <= freezeEpochs;
    }
  }

  private FinetuneJob() {}

  /** Runs the job on an existing session (BigDL engine initialised); returns the report written. */
  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    Settings f = new Settings(config);
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
    String output = RunFiles.qualify(config.string("train.output"));
    FinetuneSource source = FinetuneSource.read(files, f.source, f.kerasVariant);
    if (source.modelFile.startsWith(output.endsWith("/") ? output : output + "/")) {
      throw JobException.config("effnet.train.output " + output + " holds the fine-tune's source "
          + source.modelFile + ": write the fine-tune to another folder");
    }
    progress.line("fine-tuning the backbone of " + source.modelFile + " (" + source.model.spec().variant().name()
        + ", " + source.model.spec().numClasses() + " classes) under a new head; backbone "
        + (f.freezeEpochs < 0 ? "frozen for the whole run" : f.freezeEpochs == 0 ? "never frozen"
            : "frozen for the first " + f.freezeEpochs + " epoch(s)"));
    return TrainJob.run(spark, config, progress, new Setup(f, source));
  }

  private static final class Setup implements RunSetup {
    private final Settings settings;
    private final FinetuneSource source;

    Setup(Settings settings, FinetuneSource source) {
      this.settings = settings;
      this.source = source;
    }

    @Override
    public String job() {
      return "finetune";
    }

    @Override
    public int inputSize() {
      return settings.inputSize > 0 ? settings.inputSize : source.model.spec().inputSize();
    }

    @Override
    public EfficientNet initialModel(int numClasses, double weightDecay, double bnDecay) {
      NetworkSpec spec = NetworkSpec.resolve(source.model.spec().variant(), numClasses, inputSize());
      EfficientNet model = EfficientNetBuilder.build(spec, weightDecay, bnDecay);
      model.copyBackboneFrom(source.model);
      return model;
    }

    @Override
    public boolean validatesInitialModel() {
      return true;
    }

    /**
     * Frozen or not is a function of the epoch, so a resumed run freezes exactly as the first run would have. On
     * unfreezing the optimizer's buffers restart (see {@link DistributedTrainer#resetOptimizerBuffers()}).
     */
    @Override
    public void beforeEpoch(int epoch, EfficientNet model, DistributedTrainer trainer,
        Map<String, Object> epochRecord, Progress progress) {
      boolean frozen = settings.frozenIn(epoch);
      if (frozen && !model.isBackboneFrozen()) {
        model.freezeBackbone();
        progress.line("epoch " + epoch + ": backbone frozen (" + model.frozenLayerNames().size()
            + " layers); only " + EfficientNet.HEAD_LAYER + " trains");
      } else if (!frozen && model.isBackboneFrozen()) {
        model.unfreezeBackbone();
        trainer.resetOptimizerBuffers();
        progress.line("epoch " + epoch + ": backbone unfrozen; every layer trains from here");
      }
      epochRecord.put("backbone_frozen", frozen);
    }

    @Override
    public Map<String, Object> reportEntries(int epochs) {
      List<Integer> frozenEpochs = new ArrayList<>();
      for (int e = 1; e <= epochs; e++) {
        if (settings.frozenIn(e)) {
          frozenEpochs.add(e);
        }
      }
      Map<String, Object> section = new LinkedHashMap<>();
      section.putAll(source.describe());
      section.put("freeze_epochs", settings.freezeEpochs);
      section.put("frozen_epochs", frozenEpochs);
      section.put("head", EfficientNet.HEAD_LAYER);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("finetune", section);
      return out;
    }

    @Override
    public Map<String, Object> provenanceEntries() {
      Map<String, Object> s = new LinkedHashMap<>(source.describe());
      s.put("provenance", source.provenance);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("source_model", s);
      return out;
    }
  }
}
