package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.optim.Loss;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.Optimizer;
import com.intel.analytics.bigdl.optim.Optimizer$;
import com.intel.analytics.bigdl.optim.SGD;
import com.intel.analytics.bigdl.optim.Top1Accuracy;
import com.intel.analytics.bigdl.optim.Top5Accuracy;
import com.intel.analytics.bigdl.optim.Trigger$;
import com.intel.analytics.bigdl.optim.ValidationMethod;
import com.intel.analytics.bigdl.optim.ValidationResult;
import com.intel.analytics.bigdl.visualization.TrainSummary;
import com.intel.analytics.bigdl.visualization.ValidationSummary;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.Tuple3;

/**
 * Synchronous data-parallel training with BigDL's DistriOptimizer, one epoch per {@link #trainEpoch()} call
 * so that the caller owns validation, checkpoints, progress and stopping between epochs. BigDL keeps the
 * epoch and iteration counters in the optimizer state across calls.
 */
public final class DistributedTrainer {
  private final EfficientNet model;
  private final Optimizer<Float, ?> optimizer;
  private final TrainSummary trainSummary;
  private final int globalBatch;
  private int epochsDone;

  /**
   * @param globalBatch samples per synchronous step over all executors (BigDL requires it to be a multiple
   *     of the total core count)
   * @param summaryDir TensorBoard log folder (BigDL TrainSummary / ValidationSummary), or null
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public DistributedTrainer(EfficientNet model, RDD<Sample<Float>> train, int globalBatch,
      OptimizerSettings settings, String summaryDir, String runName) {
    this.model = model;
    AbstractCriterion criterion = new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric());
    this.optimizer = (Optimizer<Float, ?>) (Optimizer) Optimizer$.MODULE$.apply((com.intel.analytics.bigdl.nn.abstractnn.AbstractModule) model.module(),
        train, criterion, globalBatch, null, null, BigDL.tag(), BigDL.numeric());
    optimizer.setOptimMethod(optimMethod(settings));
    // Keep momentum buffers on the executors between the per-epoch optimize() calls.
    ((com.intel.analytics.bigdl.optim.DistriOptimizer<Float>) (Optimizer) optimizer).reserveOptim(true);
    this.globalBatch = globalBatch;
    if (summaryDir != null) {
      this.trainSummary = new TrainSummary(summaryDir, runName);
      optimizer.setTrainSummary(trainSummary);
      optimizer.setValidationSummary(new ValidationSummary(summaryDir, runName));
    } else {
      this.trainSummary = null;
    }
  }

  private static OptimMethod<Float> optimMethod(OptimizerSettings s) {
    // Weight decay is a per-layer L2 regulariser set by the builder (so that BN is exempt), hence 0 here.
    return new SGD<>(s.learningRate(), 0, 0, s.momentum(), 0, false, new SGD.Default(), null, null,
        BigDL.tag(), BigDL.numeric());
  }

  /**
   * Trains one more epoch; the model's weights are updated in place. {@code epochData} replaces the
   * training samples (freshly augmented for this epoch: BigDL caches the samples it is given, so
   * augmentation must be redone per epoch); null keeps the previous epoch's samples.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public void trainEpoch(RDD<Sample<Float>> epochData) {
    if (epochData != null && epochsDone > 0) {
      ((Optimizer) optimizer).setTrainData(epochData, globalBatch, null, null);
    }
    epochsDone++;
    optimizer.setEndWhen(Trigger$.MODULE$.maxEpoch(epochsDone + 1));
    optimizer.optimize();
  }

  /** Releases the cached training data and model replicas on the executors. */
  public void close() {
    optimizer.shutdown();
  }

  public int epochsDone() {
    return epochsDone;
  }

  /** Training loss per iteration so far, as BigDL recorded it: {iteration, loss} pairs. */
  public List<double[]> lossHistory() {
    List<double[]> out = new ArrayList<>();
    if (trainSummary == null) {
      return out;
    }
    for (Tuple3<Object, Object, Object> t : trainSummary.readScalar("Loss")) {
      out.add(new double[] {((Number) t._1()).doubleValue(), ((Number) t._2()).doubleValue()});
    }
    return out;
  }

  /** Top-1, top-5 and cross-entropy of a model on labelled samples, computed on the executors. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Metrics evaluate(EfficientNet model, RDD<Sample<Float>> data, int batchSize) {
    ValidationMethod[] methods = {
        new Top1Accuracy<>(BigDL.tag(), BigDL.numeric()),
        new Top5Accuracy<>(BigDL.tag(), BigDL.numeric()),
        new Loss<>((AbstractCriterion) new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric()),
            BigDL.tag(), BigDL.numeric())};
    model.module().evaluate();
    Tuple2<ValidationResult, ValidationMethod<Float>>[] results =
        model.module().evaluate(data, methods, scala.Option.apply((Object) batchSize));
    double top1 = value(results[0]._1());
    double top5 = value(results[1]._1());
    double loss = value(results[2]._1());
    long count = ((Number) results[0]._1().result()._2()).longValue();
    return new Metrics(top1, top5, loss, count);
  }

  private static double value(ValidationResult r) {
    return ((Number) r.result()._1()).doubleValue();
  }
}
