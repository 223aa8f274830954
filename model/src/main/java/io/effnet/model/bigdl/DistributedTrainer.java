package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.dataset.AbstractDataSet;
import com.intel.analytics.bigdl.dataset.MiniBatch;
import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.dataset.SampleToMiniBatch;
import com.intel.analytics.bigdl.dataset.SampleToMiniBatch$;
import com.intel.analytics.bigdl.dataset.Transformer;
import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.DistriOptimizer;
import com.intel.analytics.bigdl.optim.Loss;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.Optimizer;
import com.intel.analytics.bigdl.optim.Optimizer$;
import com.intel.analytics.bigdl.optim.Top1Accuracy;
import com.intel.analytics.bigdl.optim.Top5Accuracy;
import com.intel.analytics.bigdl.optim.Trigger$;
import com.intel.analytics.bigdl.optim.ValidationMethod;
import com.intel.analytics.bigdl.optim.ValidationResult;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.visualization.TrainSummary;
import com.intel.analytics.bigdl.visualization.ValidationSummary;
import io.effnet.model.bigdl.optim.LabelSmoothingCrossEntropy;
import io.effnet.model.bigdl.optim.RateSchedule;
import io.effnet.model.bigdl.optim.RmsPropMomentum;
import io.effnet.model.bigdl.optim.ScheduledOptimMethod;
import io.effnet.model.bigdl.optim.SgdMomentum;
import io.effnet.model.bigdl.optim.ShardedOptimizerState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.Tuple3;
import scala.reflect.ClassTag$;

/**
 * Synchronous data-parallel training with BigDL's DistriOptimizer, one epoch per {@link #trainEpoch()} call
 * so that the caller owns validation, checkpoints, progress and stopping between epochs. BigDL keeps the
 * epoch and iteration counters in the optimizer state across calls.
 */
public final class DistributedTrainer {
  private final EfficientNet model;
  private final Optimizer<Float, ?> optimizer;
  private final String summaryDir;
  private final String runName;
  private TrainSummary trainSummary;
  private final int globalBatch;
  private final long seed;
  private final OptimMethod<Float> optimMethod;
  private int epochsDone;
  private boolean started;
  private final org.apache.spark.SparkContext spark;
  /** Whether this JVM runs BigDL's MKL-DNN engine (fixed per JVM): the model trains through {@link MklDnn}. */
  private final boolean mklDnn;

  /** As {@link #DistributedTrainer(EfficientNet, RDD, long, int, OptimizerSettings, long, String, String)} with seed 0. */
  public DistributedTrainer(EfficientNet model, RDD<Sample<Float>> train, long trainCount, int globalBatch,
      OptimizerSettings settings, String summaryDir, String runName) {
    this(model, train, trainCount, globalBatch, settings, 0L, summaryDir, runName);
  }

  /**
   * Training repeats exactly for a given {@code seed} (same data in the same RDD order, same initial weights, same
   * node and core counts): the order in which samples are visited is a seeded permutation per node and epoch
   * ({@link SeededTrainingSet}, instead of BigDL's thread-local shuffles), and the dropout and drop-connect masks
   * are a pure function of the seed ({@link EfficientNet#seedMasks}, set here on {@code model}).
   *
   * @param globalBatch samples per synchronous step over all executors (BigDL requires it to be a multiple
   *     of the total core count)
   * @param seed decides the sample order and the dropout / drop-connect masks
   * @param summaryDir TensorBoard log folder (BigDL TrainSummary / ValidationSummary), or null
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public DistributedTrainer(EfficientNet model, RDD<Sample<Float>> train, long trainCount, int globalBatch,
      OptimizerSettings settings, long seed, String summaryDir, String runName) {
    this.model = model;
    this.spark = train.sparkContext();
    this.seed = seed;
    this.globalBatch = globalBatch;
    model.seedMasks(seed);
    AbstractCriterion criterion = new LabelSmoothingCrossEntropy(settings.labelSmoothing());
    this.mklDnn = MklDnn.engineActive();
    // On MKL-DNN, BigDL converts what it is given at each optimize(): the facade's graph, which converts and trains
    // right there, on the model's own tensors.
    com.intel.analytics.bigdl.nn.abstractnn.AbstractModule trained = mklDnn
        ? MklDnn.convertibleGraph(model, MklDnn.Use.TRAINING) : model.module();
    this.optimizer = (Optimizer<Float, ?>) (Optimizer) Optimizer$.MODULE$.apply(trained, trainingSet(train, 0),
        criterion, BigDL.tag(), BigDL.numeric());
    // BigDL ends an epoch once it has seen at least as many records as the data set holds.
    this.optimMethod = optimMethod(settings, Math.ceil((double) trainCount / globalBatch));
    optimizer.setOptimMethod(optimMethod);
    // Keep momentum buffers on the executors between the per-epoch optimize() calls.
    ((DistriOptimizer<Float>) (Optimizer) optimizer).reserveOptim(true);
    this.summaryDir = summaryDir;
    this.runName = runName;
  }

  /**
   * BigDL's mini-batches over a {@link SeededTrainingSet} (what {@code Optimizer.setTrainData(rdd, batch)} builds,
   * with a seeded order instead of {@code DataSet.rdd}'s).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private AbstractDataSet<MiniBatch<Float>, ?> trainingSet(RDD<Sample<Float>> samples, long stream) {
    SampleToMiniBatch<Float> batches = SampleToMiniBatch$.MODULE$.apply(globalBatch, scala.Option.empty(),
        scala.Option.empty(), scala.Option.empty(), BigDL.tag(), BigDL.numeric());
    return (AbstractDataSet) SeededTrainingSet.of(samples, Engine.nodeNumber(), seed, stream)
        .transform((Transformer) batches, ClassTag$.MODULE$.apply(MiniBatch.class));
  }

  /** Weight decay is not here: the builder sets per-layer L2 regularisers so that batch norm is exempt. */
  private static OptimMethod<Float> optimMethod(OptimizerSettings s, double stepsPerEpoch) {
    RateSchedule schedule = s.schedule(stepsPerEpoch);
    return s.method() == OptimizerSettings.Method.RMSPROP
        ? new RmsPropMomentum(schedule, s.rmsDecay(), s.momentum(), s.rmsEpsilon())
        : new SgdMomentum(schedule, s.momentum(), s.nesterov());
  }

  /**
   * Keeps an exponential moving average of the weights with this decay (the reference: 0.9999, see
   * {@link ScheduledOptimMethod#averageWeights}); read it with {@link #optimizerState()} and
   * {@link EfficientNet#withParameters}. Call before the first epoch.
   */
  public DistributedTrainer averageWeights(double decay) {
    if (started) {
      throw new IllegalStateException("weight averaging must be set before the first epoch");
    }
    ((ScheduledOptimMethod) optimMethod).averageWeights(decay);
    return this;
  }

  /**
   * The optimizer's buffers after the last epoch as whole vectors in {@link EfficientNet#flatParameters()} order:
   * "momentum" (and "rms" for RMSProp) and, with weight averaging, {@link #AVERAGE}. For checkpoints; gathered
   * from the executors.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Map<String, float[]> optimizerState() {
    return ShardedOptimizerState.gather((DistriOptimizer<Float>) (Optimizer) optimizer,
        model.trainableParameterCount());
  }

  /**
   * Starts the executors' optimizer copies from buffers saved by {@link #optimizerState()} (a resumed run), so
   * momentum and the weight average continue instead of restarting. Call after {@link #resumeAfter} and before
   * the first epoch.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void restoreOptimizerState(Map<String, float[]> buffers) {
    if (started) {
      throw new IllegalStateException("optimizer state must be restored before the first epoch");
    }
    for (Map.Entry<String, float[]> e : buffers.entrySet()) {
      if (e.getValue().length != model.trainableParameterCount()) {
        throw new IllegalArgumentException("saved optimizer buffer '" + e.getKey() + "' has " + e.getValue().length
            + " values, the model " + model.trainableParameterCount() + " parameters");
      }
    }
    ShardedOptimizerState.restore((DistriOptimizer<Float>) (Optimizer) optimizer, spark,
        Engine.nodeNumber(), buffers);
  }

  /** Names BigDL 0.13 gives the cached RDDs of a training set (DataSet.scala) and of its replicas. */
  private static final java.util.Set<String> DATA_SET_RDDS = new java.util.HashSet<>(
      java.util.Arrays.asList("cached dataset", "Cached Transformer", "shuffled index"));
  private static final java.util.Set<String> REPLICA_RDDS = java.util.Collections.singleton("Thread Model RDD");

  private void unpersistBigDL(java.util.Set<String> names) {
    for (RDD<?> rdd : scala.collection.JavaConverters.mapAsJavaMapConverter(spark.getPersistentRDDs()).asJava()
        .values()) {
      if (rdd.name() != null && names.contains(rdd.name())) {
        rdd.unpersist(false);
      }
    }
  }

  /** State entry of the weight average in {@link #optimizerState()}. */
  public static final String AVERAGE = ScheduledOptimMethod.AVERAGE;

  /** The learning rate of the next step, as the schedule gives it. */
  public double currentLearningRate() {
    return ((ScheduledOptimMethod) optimMethod).schedule().rate(iterationsDone());
  }

  /**
   * Trains one more epoch; the model's weights are updated in place. {@code epochData} replaces the
   * training samples (freshly augmented for this epoch: BigDL caches the samples it is given, so
   * augmentation must be redone per epoch); null keeps the previous epoch's samples.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void trainEpoch(RDD<Sample<Float>> epochData) {
    if (epochData != null && epochsDone > 0) {
      // BigDL caches the samples it is given (a coalesced copy, its transformed batches and a shuffled index)
      // and never releases a replaced data set: one epoch's decoded images each time (0.7 GB for Fashion-MNIST
      // at 32 px), until the heap ran out in epoch 10.
      unpersistBigDL(DATA_SET_RDDS);
      ((Optimizer) optimizer).dataset_$eq(trainingSet(epochData, epochsDone));
      endUnfinishedEpoch();
    }
    if (mklDnn && model.isBackboneFrozen()) {
      throw new IllegalStateException("the model's backbone is frozen, and BigDL's MKL-DNN batch norm has no frozen"
          + " mode: train a frozen backbone on BigDL's default engine (train.engine = mklblas)");
    }
    epochsDone++;
    started = true;
    if (summaryDir != null) {
      // One event file per epoch, closed after it: BigDL reads scalars back only from complete files.
      trainSummary = new TrainSummary(summaryDir, runName);
      optimizer.setTrainSummary(trainSummary);
    }
    // BigDL stops when its epoch counter exceeds the trigger's value: after epoch `epochsDone`.
    optimizer.setEndWhen(Trigger$.MODULE$.maxEpoch(epochsDone));
    long started = System.currentTimeMillis();
    RDD<?> previousOptim = ((DistriOptimizer<Float>) (Optimizer) optimizer).previousOptim();
    Map<String, float[][]> statisticsBefore = mklDnn ? MklDnn.runningStatistics(model) : null;
    long iterationsBefore = iterationsDone();
    optimizer.optimize();
    if (mklDnn) {
      // BigDL copied back the first replica's MKL-DNN statistics, which this optimize() converted afresh.
      MklDnn.correctRunningStatistics(model, statisticsBefore, iterationsDone() - iterationsBefore);
    }
    // BigDL replaces its cached copy of the executors' optim methods after each call without releasing the
    // old one (the buffers, i.e. 2-3 x the model's size per node and epoch); the new copy is materialised.
    RDD<?> currentOptim = ((DistriOptimizer<Float>) (Optimizer) optimizer).previousOptim();
    if (previousOptim != null && previousOptim != currentOptim) {
      previousOptim.unpersist(false);
    }
    // Each call builds (and caches) fresh model replicas; with reserveOptim BigDL leaves them cached after the
    // call (it releases the zipped RDD over them, not them). The optim methods were copied out above.
    unpersistBigDL(REPLICA_RDDS);
    if (trainSummary != null) {
      trainSummary.close();
      // Event files are named by the second they were opened in; keep the next epoch's name distinct.
      long wait = 1001 - (System.currentTimeMillis() - started);
      if (wait > 0) {
        try {
          Thread.sleep(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /** What BigDL's (private) {@code DistriOptimizer.endEpoch} does when {@code setTrainData} replaces the data. */
  private void endUnfinishedEpoch() {
    Object records = BigDL.entries(optimMethod.state()).get("recordsProcessedThisEpoch");
    if (records != null && ((Number) records).intValue() != 0) {
      Object epoch = BigDL.entries(optimMethod.state()).get("epoch");
      optimMethod.state().update("epoch", ((Number) epoch).intValue() + 1);
      optimMethod.state().update("recordsProcessedThisEpoch", 0);
    }
  }

  /**
   * Continues a run after {@code epochs} finished epochs and {@code iterations} finished iterations (from a
   * checkpoint): BigDL's epoch and iteration counters, which drive the learning-rate schedule, resume
   * there. Call before the first {@link #trainEpoch}. Optimizer buffers (momentum) start afresh unless
   * {@link #restoreOptimizerState} gives them.
   */
  public void resumeAfter(int epochs, long iterations) {
    if (epochsDone != 0) {
      throw new IllegalStateException("resumeAfter must come before the first epoch");
    }
    epochsDone = epochs;
    optimMethod.state().update("epoch", epochs + 1);
    optimMethod.state().update("neval", (int) iterations + 1);
  }

  /**
   * The next {@link #trainEpoch} starts from fresh optimizer buffers on every executor (momentum 0, RMSProp's mean
   * square 1), as Keras' recipe of recompiling after unfreezing a fine-tuned backbone does; the iteration counter,
   * and with it the learning-rate schedule, continues. Needed after unfreezing with RMSProp: a frozen weight's
   * mean square decays towards 0 under zero gradients (its momentum stays 0, so the weight does not move), and
   * the first steps after unfreezing would divide by its square root.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void resetOptimizerBuffers() {
    DistriOptimizer<Float> distri = (DistriOptimizer<Float>) (Optimizer) optimizer;
    // The weight average is not an update buffer: it carries on.
    Map<String, float[]> kept = new java.util.LinkedHashMap<>();
    float[] average = optimizerState().get(AVERAGE);
    if (average != null) {
      kept.put(AVERAGE, average);
    }
    // reserveOptim(true) hands the executors' previous optim methods (with their buffers) to the next optimize()
    // call when this is set; without it they get fresh copies of the driver's, whose buffers optimize() clears.
    RDD<?> previous = distri.previousOptim();
    if (previous != null) {
      previous.unpersist(false);
      distri.previousOptim_$eq(null);
    }
    if (!kept.isEmpty()) {
      ShardedOptimizerState.restore(distri, spark, Engine.nodeNumber(), kept);
    }
  }

  /**
   * Records validation figures in the TensorBoard log (BigDL's ValidationSummary, the tags BigDL's own
   * validation uses), at the current iteration.
   */
  public void recordValidation(Metrics m) {
    if (summaryDir == null) {
      return;
    }
    ValidationSummary summary = new ValidationSummary(summaryDir, runName);
    long step = iterationsDone();
    summary.addScalar("Top1Accuracy", (float) m.top1(), step);
    summary.addScalar("Top5Accuracy", (float) m.top5(), step);
    summary.addScalar("Loss", (float) m.loss(), step);
    summary.close();
  }

  /**
   * Images one model replica sees per step: the global batch over the executors on MKL-DNN (one replica per
   * executor), over every core on the default engine (one replica per core).
   */
  public int replicaBatch() {
    int replicas = Engine.nodeNumber() * (mklDnn ? 1 : Engine.coreNumber());
    return Math.max(1, globalBatch / Math.max(1, replicas));
  }

  /** Iterations (synchronous steps) finished so far, as BigDL counts them. */
  public long iterationsDone() {
    Object neval = BigDL.entries(optimMethod.state()).get("neval");
    return neval == null ? 0 : ((Number) neval).longValue() - 1;
  }

  /** Releases the cached training data and model replicas on the executors. */
  public void close() {
    optimizer.shutdown();
  }

  public int epochsDone() {
    return epochsDone;
  }

  /** Training loss per iteration of the finished epochs, as BigDL recorded it: {iteration, loss} pairs. */
  public List<double[]> lossHistory() {
    List<double[]> out = new ArrayList<>();
    if (trainSummary == null) {
      return out;
    }
    for (Tuple3<Object, Object, Object> t : trainSummary.readScalar("Loss")) {
      out.add(new double[] {((Number) t._1()).doubleValue(), ((Number) t._2()).doubleValue()});
    }
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  /**
   * Top-1, top-5 and mean cross-entropy (per sample, in double precision) of a model on labelled samples,
   * computed on the executors; {@code batchSize} images are in flight over all cores at once. With fewer than 5
   * classes every label is in the top 5, so top-5 is 1 by definition.
   *
   * <p>Repeatable: each partition's sums are combined on the driver in partition order. BigDL's own
   * {@code evaluate} reduces partition results in the order tasks finish, so with more than two partitions its
   * floating-point loss changed in the last digits from run to run (and it averaged batch means).
   */
  public static Metrics evaluate(EfficientNet model, RDD<Sample<Float>> data, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (MklDnn.engineActive()) {
      return evaluateOnMklDnn(model, data, batchSize);
    }
    int perTask = Math.max(1, batchSize / Math.max(1, Engine.nodeNumber() * Engine.coreNumber()));
    JavaRDD<DistributedInference.Input<Integer>> inputs = data.toJavaRDD()
        .map(s -> new DistributedInference.Input<>(Samples.label(s), Samples.features(s)));
    List<double[]> partitions = DistributedInference.logits(model, inputs, perTask)
        .mapPartitions(DistributedTrainer::sums).collect();
    double[] total = new double[4];
    for (double[] p : partitions) {
      for (int i = 0; i < total.length; i++) {
        total[i] += p[i];
      }
    }
    long count = (long) total[3];
    if (count == 0) {
      throw new IllegalArgumentException("no samples to evaluate");
    }
    boolean top5 = model.spec().numClasses() >= 5;
    return new Metrics(total[0] / count, top5 ? total[1] / count : 1.0, total[2] / count, count);
  }

  /** One partition's {top-1 hits, top-5 hits, summed cross-entropy, samples}. */
  private static Iterator<double[]> sums(Iterator<DistributedInference.Scored<Integer>> scored) {
    double[] s = new double[4];
    while (scored.hasNext()) {
      DistributedInference.Scored<Integer> r = scored.next();
      float[] logits = r.logits();
      int label = r.key();
      float own = logits[label];
      int above = 0;
      int firstMax = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < logits.length; c++) {
        if (logits[c] > own) {
          above++;
        }
        if (logits[c] > max) {
          max = logits[c];
          firstMax = c;
        }
      }
      double sumExp = 0;
      for (float l : logits) {
        sumExp += Math.exp(l - max);
      }
      s[0] += firstMax == label ? 1 : 0;
      s[1] += above < 5 ? 1 : 0;
      s[2] += max + Math.log(sumExp) - own;
      s[3] += 1;
    }
    return Collections.singletonList(s).iterator();
  }

  /**
   * On MKL-DNN, BigDL's evaluator converts what it is given: the facade's inference graph converts and runs right.
   * BigDL reduces the partitions' results in the order tasks finish, so the loss may differ in its last digits
   * between runs there.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Metrics evaluateOnMklDnn(EfficientNet model, RDD<Sample<Float>> data, int batchSize) {
    boolean top5 = model.spec().numClasses() >= 5;
    List<ValidationMethod> methods = new ArrayList<>();
    methods.add(new Top1Accuracy<>(BigDL.tag(), BigDL.numeric()));
    methods.add(new Loss<>((AbstractCriterion) new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric()),
        BigDL.tag(), BigDL.numeric()));
    if (top5) {
      methods.add(new Top5Accuracy<>(BigDL.tag(), BigDL.numeric()));
    }
    AbstractModule<Activity, Activity, Float> evaluated =
        (AbstractModule) MklDnn.convertibleGraph(model, MklDnn.Use.INFERENCE);
    evaluated.evaluate();
    Tuple2<ValidationResult, ValidationMethod<Float>>[] results = evaluated.evaluate(data,
        methods.toArray(new ValidationMethod[0]), scala.Option.apply((Object) batchSize));
    long count = ((Number) results[0]._1().result()._2()).longValue();
    return new Metrics(value(results[0]._1()), top5 ? value(results[2]._1()) : 1.0, value(results[1]._1()), count);
  }

  private static double value(ValidationResult r) {
    return ((Number) r.result()._1()).doubleValue();
  }
}
