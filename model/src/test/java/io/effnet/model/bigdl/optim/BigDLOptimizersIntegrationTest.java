package io.effnet.model.bigdl.optim;

import io.effnet.model.bigdl.LocalSpark;

import static io.effnet.model.bigdl.optim.OptimTesting.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.dataset.LocalArrayDataSet;
import com.intel.analytics.bigdl.dataset.MiniBatch;
import com.intel.analytics.bigdl.dataset.MiniBatch$;
import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.dataset.Sample$;
import com.intel.analytics.bigdl.nn.Linear;
import com.intel.analytics.bigdl.nn.Sequential;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.DistriOptimizer;
import com.intel.analytics.bigdl.optim.LocalOptimizer;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.OptimMethod$;
import com.intel.analytics.bigdl.optim.Optimizer;
import com.intel.analytics.bigdl.optim.Optimizer$;
import com.intel.analytics.bigdl.optim.Trigger$;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.Engine;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/**
 * The optim methods and the criterion inside BigDL's own training loops, against a hand-driven reference loop
 * (full-batch forward, backward, {@code optimize} with {@code neval} set as BigDL does) on a tiny linear
 * classifier. Every epoch is one full-batch step, so BigDL's per-epoch shuffling cannot change the gradient.
 */
class BigDLOptimizersIntegrationTest {
  private static final int SAMPLES = 16;
  private static final int FEATURES = 4;
  private static final int CLASSES = 3;
  private static final int STEPS = 4;

  /** Rates 0, 0.025, 0.05, 0.0485 for the four steps (one step per epoch, warmup over two). */
  private static RateSchedule schedule() {
    return WarmupExponentialSchedule.builder(0.05, 1).warmupEpochs(2).build();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void localOptimizerTrainsLikeTheReferenceLoop() {
    // One model replica, so BigDL's gradient is the full batch's, as in the reference loop.
    com.intel.analytics.bigdl.utils.Engine$.MODULE$.setNodeAndCore(1, 1);
    Data data = new Data();
    AbstractModule<Activity, Activity, Float> model = tinyModel();
    float[] expected = referenceTraining(model.cloneModule(), data, RmsPropMomentum.efficientNetReference(schedule()));

    RmsPropMomentum rms = RmsPropMomentum.efficientNetReference(schedule());
    MiniBatch<Float>[] batches = new MiniBatch[] {
        MiniBatch$.MODULE$.apply(data.features(), data.labels(), BigDL.tag())};
    LocalOptimizer<Float> optimizer = new LocalOptimizer<>(model, new LocalArrayDataSet<>(batches),
        (AbstractCriterion) LabelSmoothingCrossEntropy.efficientNetReference(), BigDL.tag(), BigDL.numeric());
    optimizer.setOptimMethod(rms);
    optimizer.setEndWhen(Trigger$.MODULE$.maxIteration(STEPS));
    optimizer.optimize();

    assertClose(expected, values(model.getParameters()._1()), "LocalOptimizer weights after " + STEPS + " steps");
    // LocalOptimizer 0.13 stores neval wrapped in a Some (state.get("neval")); the counter must still be read.
    assertTrue(rms.state().get("neval").get() instanceof scala.Option);
    assertEquals(STEPS - 1, rms.iteration());
  }

  @Test
  void distriOptimizerKeepsBuffersAndCounterAcrossPerEpochCalls() throws IOException {
    JavaSparkContext sc = LocalSpark.start(
        LocalSpark.conf("optim-integration").set("spark.sql.shuffle.partitions", "2"));
    Path checkpoints = Files.createTempDirectory("optim-checkpoints");
    try {
      Data data = new Data();
      RDD<Sample<Float>> samples = sc.parallelize(data.samples(), 2).rdd();

      List<ScheduledOptimMethod> methods = new ArrayList<>();
      methods.add(RmsPropMomentum.efficientNetReference(schedule()));
      methods.add(new SgdMomentum(schedule(), 0.9, true));
      for (ScheduledOptimMethod method : methods) {
        AbstractModule<Activity, Activity, Float> model = tinyModel();
        float[] initial = values(model.getParameters()._1());
        float[] expected = referenceTraining(model.cloneModule(), data, method.clone());
        boolean checkpoint = method instanceof RmsPropMomentum;
        trainPerEpoch(model, samples, method, true, checkpoint ? checkpoints : null);
        float[] trained = values(model.getParameters()._1());
        assertTrue(maxDifference(initial, trained) > 1e-3, method + " did not move the weights");
        assertClose(expected, trained, method + ": DistriOptimizer weights after " + STEPS + " per-epoch calls");
        // The driver's copy holds the counter of the next step, and logs that step's rate.
        assertEquals(STEPS, method.iteration());
        assertEquals(schedule().rate(STEPS), method.getLearningRate(), 1e-12);
      }

      // BigDL's checkpoint of the optim method (Java serialization of the driver's copy) restores the schedule and
      // the counter, without buffers (BigDL clears them before saving).
      Path latest = latestCheckpoint(checkpoints, "optimMethod-");
      assertEquals(STEPS + 1, checkpointIteration(latest));
      OptimMethod<Float> restored = OptimMethod$.MODULE$.load(latest.toString(), BigDL.tag());
      assertTrue(restored instanceof RmsPropMomentum, restored.getClass().getName());
      RmsPropMomentum restoredRms = (RmsPropMomentum) restored;
      assertEquals(schedule(), restoredRms.schedule());
      assertEquals(STEPS, restoredRms.iteration());
      assertTrue(!restoredRms.state().contains("rms") && !restoredRms.state().contains("momentum"));

      // Control: without reserveOptim each optimize() call starts from fresh buffers on the executors, which
      // changes the result; the comparison above would catch buffers lost between calls.
      AbstractModule<Activity, Activity, Float> model = tinyModel();
      float[] expected = referenceTraining(model.cloneModule(), data,
          RmsPropMomentum.efficientNetReference(schedule()));
      trainPerEpoch(model, samples, RmsPropMomentum.efficientNetReference(schedule()), false, null);
      assertTrue(maxDifference(expected, values(model.getParameters()._1())) > 1e-3,
          "without reserveOptim the momentum should restart every epoch");
    } finally {
      sc.stop();
      deleteRecursively(checkpoints);
    }
  }

  /**
   * The executors' buffers read back after two epochs and put back into a fresh optimizer continue the run exactly
   * as an uninterrupted one (the resume path of a checkpoint); the weight average equals one computed by hand from
   * the reference loop's weights after every step.
   */
  @Test
  void buffersAndWeightAverageSurviveARestart() {
    JavaSparkContext sc = LocalSpark.start("optim-restart");
    try {
      Data data = new Data();
      RDD<Sample<Float>> samples = sc.parallelize(data.samples(), 2).rdd();
      List<float[]> weightsByStep = new ArrayList<>();
      AbstractModule<Activity, Activity, Float> model = tinyModel();
      float[] expected = referenceTraining(model.cloneModule(), data,
          RmsPropMomentum.efficientNetReference(schedule()).averageWeights(0.9999), weightsByStep);
      float[] expectedAverage = weightsByStep.get(0).clone();
      for (int k = 0; k < STEPS; k++) {
        double d = Math.min(0.9999, (2.0 + k) / (11.0 + k));
        float[] w = weightsByStep.get(k + 1);
        for (int i = 0; i < w.length; i++) {
          expectedAverage[i] = (float) (d * expectedAverage[i] + (1 - d) * w[i]);
        }
      }

      ScheduledOptimMethod firstHalf = RmsPropMomentum.efficientNetReference(schedule()).averageWeights(0.9999);
      Map<String, float[]> afterTwo = trainEpochs(model, samples, firstHalf, true, null, 1, 2, null, null);
      assertEquals(new java.util.HashSet<>(java.util.Arrays.asList("rms", "momentum", ScheduledOptimMethod.AVERAGE)),
          afterTwo.keySet());
      // A new optimizer and optim method, as a resumed driver builds them: counters from the checkpoint.
      ScheduledOptimMethod secondHalf = RmsPropMomentum.efficientNetReference(schedule()).averageWeights(0.9999);
      secondHalf.state().update("epoch", 3);
      secondHalf.state().update("neval", 3);
      AbstractModule<Activity, Activity, Float> control = model.cloneModule();
      Map<String, float[]> afterFour = trainEpochs(model, samples, secondHalf, true, null, 3, STEPS, afterTwo,
          sc.sc());
      assertClose(expected, values(model.getParameters()._1()), "weights after a restart with restored buffers");
      assertClose(expectedAverage, afterFour.get(ScheduledOptimMethod.AVERAGE), "weight average after a restart");

      // Control: the same restart without the buffers gives other weights.
      ScheduledOptimMethod fresh = RmsPropMomentum.efficientNetReference(schedule());
      fresh.state().update("epoch", 3);
      fresh.state().update("neval", 3);
      trainEpochs(control, samples, fresh, true, null, 3, STEPS, null, null);
      assertTrue(maxDifference(expected, values(control.getParameters()._1())) > 1e-3,
          "a restart without the buffers should differ");
    } finally {
      sc.stop();
    }
  }

  /**
   * One {@code optimize()} per epoch as DistributedTrainer. BigDL's {@code maxEpoch(n)} stops once its epoch
   * counter (1-based, the epoch about to run) exceeds n, i.e. after n epochs in all.
   */
  private static void trainPerEpoch(AbstractModule<Activity, Activity, Float> model, RDD<Sample<Float>> samples,
      ScheduledOptimMethod method, boolean reserveOptim, Path checkpoints) {
    trainEpochs(model, samples, method, reserveOptim, checkpoints, 1, STEPS, null, null);
  }

  /**
   * Epochs {@code first..last} (one optimize() each); with {@code restore} the executors start from those
   * buffers; returns the gathered buffers after the last epoch.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Map<String, float[]> trainEpochs(AbstractModule<Activity, Activity, Float> model,
      RDD<Sample<Float>> samples, ScheduledOptimMethod method, boolean reserveOptim, Path checkpoints, int first,
      int last, Map<String, float[]> restore, SparkContext sc) {
    Optimizer<Float, ?> optimizer = (Optimizer<Float, ?>) (Optimizer) Optimizer$.MODULE$.apply(
        (AbstractModule) model, samples, (AbstractCriterion) LabelSmoothingCrossEntropy.efficientNetReference(),
        SAMPLES, null, null, BigDL.tag(), BigDL.numeric());
    assertTrue(optimizer instanceof DistriOptimizer, optimizer.getClass().getName());
    DistriOptimizer<Float> distri = (DistriOptimizer<Float>) (Optimizer) optimizer;
    distri.reserveOptim(reserveOptim);
    // BigDL 0.13 sends weights and gradients between replicas truncated to 16 bits by default ("fp16"), which
    // moves the result by ~1e-3 relative; uncompressed, BigDL must reproduce the reference loop to rounding.
    distri.setCompressType("none");
    optimizer.setOptimMethod(method);
    if (checkpoints != null) {
      optimizer.setCheckpoint(checkpoints.toString(), Trigger$.MODULE$.everyEpoch());
    }
    if (restore != null) {
      ShardedOptimizerState.restore(distri, sc, Engine.nodeNumber(), restore);
    }
    for (int epoch = first; epoch <= last; epoch++) {
      optimizer.setEndWhen(Trigger$.MODULE$.maxEpoch(epoch));
      optimizer.optimize();
    }
    Map<String, float[]> gathered = reserveOptim
        ? ShardedOptimizerState.gather(distri, model.getParameters()._1().nElement()) : null;
    optimizer.shutdown();
    return gathered;
  }

  /** The checkpoint file {@code <prefix>*.<neval>} with the highest counter (BigDL nests a folder per call). */
  private static Path latestCheckpoint(Path root, String prefix) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(p -> p.getFileName().toString().startsWith(prefix))
          .max(Comparator.comparingInt(BigDLOptimizersIntegrationTest::checkpointIteration))
          .orElseThrow(() -> new AssertionError("no " + prefix + "* checkpoint under " + root));
    }
  }

  private static int checkpointIteration(Path file) {
    String name = file.getFileName().toString();
    return Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }

  /**
   * The recipe by hand: full-batch forward and backward, then {@code optimize} with {@code neval} = step. Also
   * checks that the loss went down.
   */
  @SuppressWarnings("unchecked")
  private static float[] referenceTraining(AbstractModule<Activity, Activity, Float> model, Data data,
      ScheduledOptimMethod method) {
    return referenceTraining(model, data, method, new ArrayList<>());
  }

  /** As above; {@code weightsByStep} receives the weights before the first step and after every step. */
  @SuppressWarnings("unchecked")
  private static float[] referenceTraining(AbstractModule<Activity, Activity, Float> model, Data data,
      ScheduledOptimMethod method, List<float[]> weightsByStep) {
    LabelSmoothingCrossEntropy criterion = LabelSmoothingCrossEntropy.efficientNetReference();
    Tuple2<Tensor<Float>, Tensor<Float>> parameters = model.getParameters();
    model.training();
    weightsByStep.add(values(parameters._1()));
    float firstLoss = Float.NaN;
    for (int step = 1; step <= STEPS; step++) {
      model.zeroGradParameters();
      Tensor<Float> logits = (Tensor<Float>) model.forward(data.features());
      final float loss = criterion.forward(logits, data.labels());
      if (step == 1) {
        firstLoss = loss;
      }
      model.backward(data.features(), criterion.backward(logits, data.labels()));
      method.state().update("neval", step);
      final Tensor<Float> gradient = parameters._2();
      method.optimize(new AbstractFunction1<Tensor<Float>, Tuple2<Float, Tensor<Float>>>() {
        @Override
        public Tuple2<Float, Tensor<Float>> apply(Tensor<Float> x) {
          return new Tuple2<>(loss, gradient);
        }
      }, parameters._1());
      weightsByStep.add(values(parameters._1()));
    }
    float lastLoss = criterion.forward((Tensor<Float>) model.forward(data.features()), data.labels());
    assertTrue(lastLoss < firstLoss - 1e-3, method + ": loss " + firstLoss + " -> " + lastLoss);
    return values(parameters._1());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static AbstractModule<Activity, Activity, Float> tinyModel() {
    BigDL.seed(42);
    Sequential<Float> model = new Sequential<>(BigDL.tag(), BigDL.numeric());
    model.add(new Linear<>(FEATURES, CLASSES, true, null, null, null, null, null, null, BigDL.tag(),
        BigDL.numeric()));
    return (AbstractModule) model;
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      // Summation order differs (BigDL splits the batch over replicas): float rounding only.
      double tol = 1e-5 + 1e-4 * Math.abs(expected[i]);
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        fail(what + " at " + i + ": got " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  private static double maxDifference(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** 16 Gaussian points labelled by the largest of three fixed linear scores (a learnable problem). */
  private static final class Data {
    final float[] x = new float[SAMPLES * FEATURES];
    final float[] y = new float[SAMPLES];

    Data() {
      Random random = new Random(5);
      float[][] w = {{1, -1, 0.5f, 0}, {-0.5f, 1, 1, -1}, {0, 0.5f, -1, 1}};
      for (int i = 0; i < SAMPLES; i++) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < FEATURES; f++) {
          x[i * FEATURES + f] = (float) random.nextGaussian();
        }
        for (int c = 0; c < CLASSES; c++) {
          double score = 0;
          for (int f = 0; f < FEATURES; f++) {
            score += w[c][f] * x[i * FEATURES + f];
          }
          if (score > bestScore) {
            bestScore = score;
            best = c;
          }
        }
        y[i] = best + 1;
      }
    }

    Tensor<Float> features() {
      return BigDL.tensor(x.clone(), SAMPLES, FEATURES);
    }

    Tensor<Float> labels() {
      return BigDL.tensor(y.clone(), SAMPLES);
    }

    List<Sample<Float>> samples() {
      List<Sample<Float>> out = new ArrayList<>();
      for (int i = 0; i < SAMPLES; i++) {
        float[] features = new float[FEATURES];
        System.arraycopy(x, i * FEATURES, features, 0, FEATURES);
        out.add(Sample$.MODULE$.apply(BigDL.tensor(features, FEATURES), BigDL.tensor(new float[] {y[i]}, 1),
            BigDL.tag(), BigDL.numeric()));
      }
      return out;
    }
  }
}
