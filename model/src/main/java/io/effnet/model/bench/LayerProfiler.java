package io.effnet.model.bench;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.nn.mkldnn.BlasWrapper;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import scala.Tuple2;
import scala.Tuple3;
import scala.runtime.AbstractFunction1;

/**
 * Per-layer timing of training steps, with the step structure of BigDL's LocalOptimizer written out so that
 * every replica's modules can be asked for their times ({@code AbstractModule.getTimes()}, BigDL's own
 * forward/backward clocks around each module): one replica per core on the default engine (one on MKL-DNN),
 * each on its own thread with batch / replicas images, then the gradients summed, then SGD with momentum.
 * Replicas start from the same weights and the update is copied to them after each step, outside the
 * clocks, where LocalOptimizer shares the storage instead.
 */
final class LayerProfiler {
  private static final String GRAPH_BOOKKEEPING = "(graph scheduling)";

  private LayerProfiler() {}

  static LayerProfile run(BenchmarkSettings s, CpuContention contention) {
    // BlasWrapper (MKL-DNN) and BigDL's tensor code read the engine's core count.
    com.intel.analytics.bigdl.utils.Engine$.MODULE$.setNodeAndCore(1, s.cores());
    String engine = BenchModels.engine();
    int replicas = BenchModels.MKLDNN.equals(engine) ? 1 : s.cores();
    AbstractModule<Activity, Activity, Float> master = BenchModels.trainable(s, false);
    List<AbstractModule<Activity, Activity, Float>> models = new ArrayList<>();
    List<AbstractCriterion<Activity, Activity, Float>> criteria = new ArrayList<>();
    List<Tensor<Float>> inputs = new ArrayList<>();
    List<Tensor<Float>> targets = new ArrayList<>();
    Random random = new Random(7);
    int perReplica = s.batchSize() / replicas;
    for (int r = 0; r < replicas; r++) {
      models.add(r == 0 ? master : master.cloneModule());
      criteria.add(BenchModels.criterion());
      inputs.add(BenchModels.randomImages(random, perReplica, s.inputSize()));
      targets.add(BenchModels.randomLabels(random, perReplica, s.numClasses()));
    }
    List<Tuple2<Tensor<Float>, Tensor<Float>>> flat = new ArrayList<>();
    for (AbstractModule<Activity, Activity, Float> m : models) {
      flat.add(m.getParameters());
    }
    Tensor<Float> weight = flat.get(0)._1();
    Tensor<Float> gradient = flat.get(0)._2();
    OptimMethod<Float> sgd = BenchModels.sgd();

    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    int steps = s.totalIterations();
    double[] step = new double[s.measuredIterations()];
    double[] compute = new double[s.measuredIterations()];
    double[] sum = new double[s.measuredIterations()];
    double[] update = new double[s.measuredIterations()];
    long[] ends = new long[s.measuredIterations()];
    double[] stepLosses = new double[steps];
    try {
      for (int i = 0; i < steps; i++) {
        if (i == s.warmupIterations()) {
          for (AbstractModule<Activity, Activity, Float> m : models) {
            m.resetTimes();
          }
        }
        long t0 = System.nanoTime();
        List<Future<Double>> losses = new ArrayList<>();
        for (int r = 0; r < replicas; r++) {
          losses.add(pool.submit(replicaStep(models.get(r), criteria.get(r), inputs.get(r), targets.get(r))));
        }
        double loss = 0;
        for (Future<Double> f : losses) {
          loss += f.get();
        }
        final double meanLoss = loss / replicas;
        stepLosses[i] = meanLoss;
        long t1 = System.nanoTime();
        for (int r = 1; r < replicas; r++) {
          gradient.add(flat.get(r)._2());
        }
        if (replicas > 1) {
          gradient.div((float) replicas);
        }
        long t2 = System.nanoTime();
        sgd.optimize(new AbstractFunction1<Tensor<Float>, Tuple2<Float, Tensor<Float>>>() {
          @Override
          public Tuple2<Float, Tensor<Float>> apply(Tensor<Float> w) {
            return new Tuple2<>((float) meanLoss, gradient);
          }
        }, weight);
        long t3 = System.nanoTime();
        for (int r = 1; r < replicas; r++) {
          flat.get(r)._1().copy(weight);
        }
        int m = i - s.warmupIterations();
        if (m >= 0) {
          step[m] = (t3 - t0) / 1e6;
          compute[m] = (t1 - t0) / 1e6;
          sum[m] = (t2 - t1) / 1e6;
          update[m] = (t3 - t2) / 1e6;
          ends[m] = t3;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchmarkException("interrupted", e);
    } catch (ExecutionException e) {
      throw new BenchmarkException("a training step failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }

    LayerProfile.Accumulator byClass = new LayerProfile.Accumulator();
    LayerProfile.Accumulator byRole = new LayerProfile.Accumulator();
    for (AbstractModule<Activity, Activity, Float> m : models) {
      for (Tuple3<AbstractModule<? extends Activity, ? extends Activity, Float>, Object, Object> t : m.getTimes()) {
        AbstractModule<?, ?, ?> module = t._1();
        double fwd = ((Number) t._2()).longValue() / 1e6;
        double bwd = ((Number) t._3()).longValue() / 1e6;
        if (module instanceof Graph) {
          // A graph reports its own time minus its nodes'; an MKL-DNN graph keeps no own time (negative).
          if (fwd >= 0 && bwd >= 0) {
            byClass.add(GRAPH_BOOKKEEPING, fwd, bwd);
            byRole.add(GRAPH_BOOKKEEPING, fwd, bwd);
          }
          continue;
        }
        byClass.add(className(module), fwd, bwd);
        byRole.add(LayerProfile.role(module.getName()), fwd, bwd);
      }
    }
    double divisor = (double) replicas * s.measuredIterations();
    double[] stepSeconds = new double[step.length];
    for (int i = 0; i < step.length; i++) {
      stepSeconds[i] = step[i] / 1000;
    }
    ThroughputResult measured = ThroughputResult.of(s, engine, stepSeconds, ends, contention).withLosses(stepLosses);
    return new LayerProfile(s, engine, replicas, ThroughputResult.median(step), ThroughputResult.median(compute),
        ThroughputResult.median(sum), ThroughputResult.median(update), byClass.entries(divisor, replicas),
        byRole.entries(divisor, replicas), measured);
  }

  /** A BigDL layer's class, or for a Java layer inside an MKL-DNN graph, the wrapped layer's. */
  private static String className(AbstractModule<?, ?, ?> module) {
    if (module instanceof BlasWrapper) {
      return ((BlasWrapper) module).module().getClass().getSimpleName() + " (in BlasWrapper)";
    }
    return module.getClass().getSimpleName();
  }

  /** Forward, loss, backward of one replica on its share of the batch, as LocalOptimizer's worker does. */
  private static Callable<Double> replicaStep(AbstractModule<Activity, Activity, Float> model,
      AbstractCriterion<Activity, Activity, Float> criterion, Tensor<Float> input, Tensor<Float> target) {
    return () -> {
      model.zeroGradParameters();
      model.training();
      Activity output = model.forward(input);
      double loss = criterion.forward(output, target);
      Activity errors = criterion.backward(output, target);
      model.backward(input, errors);
      return loss;
    };
  }
}
