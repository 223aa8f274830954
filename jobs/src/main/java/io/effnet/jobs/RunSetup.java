package io.effnet.jobs;

import io.effnet.model.bigdl.DistributedTrainer;
import io.effnet.model.bigdl.EfficientNet;
import java.util.Map;

/**
 * What a training run starts from and what it changes between epochs: the only difference between {@code train}
 * (a fresh network, {@link TrainJob#fromScratch}) and {@code finetune} (a saved network's backbone under a new
 * head, frozen for some epochs, {@link FinetuneJob}). {@link TrainJob#run(org.apache.spark.sql.SparkSession,
 * io.effnet.jobs.config.JobConfig, Progress, RunSetup)} owns everything else: data, the cluster, epochs,
 * validation, checkpoints, resume, reports.
 */
interface RunSetup {
  /**
   * The job's name, in reports and progress lines; also the configuration section holding the run's own
   * {@code base-learning-rate} and {@code warmup-epochs} ({@code effnet.train} or {@code effnet.finetune}).
   */
  String job();

  /** The input size in pixels the network trains and validates at. */
  int inputSize();

  /**
   * The network to train, weights initialised, for a dataset of {@code numClasses} classes, with L2 weight decay
   * on conv and dense weights and the given batch-norm decay (TF convention). BigDL's generator is seeded before
   * the call. On resume the checkpoint's tensors are copied in afterwards.
   */
  EfficientNet initialModel(int numClasses, double weightDecay, double bnDecay);

  /** Whether to validate the initial model before the first epoch (the baseline a fine-tune has to beat). */
  boolean validatesInitialModel();

  /**
   * Called before every epoch ({@code epoch} counts from 1; after a resume, first with the epoch the run continues
   * at), before any training in it, with the epoch's record for the report, to which it may add entries.
   */
  void beforeEpoch(int epoch, EfficientNet model, DistributedTrainer trainer, Map<String, Object> epochRecord,
      Progress progress);

  /** Entries added to {@code train-report.json} for a run of {@code epochs} epochs. */
  Map<String, Object> reportEntries(int epochs);

  /** Entries added to {@code provenance.json}. */
  Map<String, Object> provenanceEntries();
}
