package io.effnet.model.bench;

import com.intel.analytics.bigdl.dataset.LocalArrayDataSet;
import com.intel.analytics.bigdl.dataset.MiniBatch;
import com.intel.analytics.bigdl.dataset.MiniBatch$;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.LocalOptimizer;
import com.intel.analytics.bigdl.optim.Trigger$;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import scala.collection.AbstractIterator;
import scala.collection.Iterator;

/**
 * Times training steps of BigDL's LocalOptimizer, no Spark: one model replica per core on BigDL's thread pool
 * (one on MKL-DNN), each forward/backward on batch / cores images, gradients summed and averaged in memory,
 * then the SGD update. A step is the time between two consecutive batch fetches of the optimizer (it fetches
 * at the start of a step; the update ends it), so one step more than asked is run.
 */
final class LocalOptimizerBenchmark {
  /** Batches of distinct random images in the data set: any data costs the same, two batches keep it small. */
  private static final int BATCHES_OF_DATA = 2;

  private LocalOptimizerBenchmark() {}

  static ThroughputResult run(BenchmarkSettings s, CpuContention contention) {
    // What Engine.init() does in local mode (bigdl.localMode=true) from -Dbigdl.coreNumber, whose default is
    // half the logical processors (1 here); set directly so that nothing JVM-wide has to be switched.
    com.intel.analytics.bigdl.utils.Engine$.MODULE$.setNodeAndCore(1, s.cores());
    AbstractModule<Activity, Activity, Float> model = BenchModels.trainable(s, false);
    Random random = new Random(7);
    @SuppressWarnings("unchecked")
    MiniBatch<Float>[] batches = new MiniBatch[BATCHES_OF_DATA];
    for (int i = 0; i < batches.length; i++) {
      batches[i] = MiniBatch$.MODULE$.apply(BenchModels.randomImages(random, s.batchSize(), s.inputSize()),
          BenchModels.randomLabels(random, s.batchSize(), s.numClasses()), BigDL.tag());
    }
    TimedBatches data = new TimedBatches(batches, s.totalIterations() + 1);
    LocalOptimizer<Float> optimizer = new LocalOptimizer<>(model, data, BenchModels.criterion(), BigDL.tag(),
        BigDL.numeric());
    optimizer.setOptimMethod(BenchModels.sgd());
    optimizer.setEndWhen(Trigger$.MODULE$.maxIteration(s.totalIterations() + 1));
    optimizer.optimize();
    long[] fetched = data.fetchTimes();
    double[] seconds = new double[s.measuredIterations()];
    long[] ends = new long[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      int step = s.warmupIterations() + i;
      seconds[i] = (fetched[step + 1] - fetched[step]) / 1e9;
      ends[i] = fetched[step + 1];
    }
    return ThroughputResult.of(s, BenchModels.engine(), seconds, ends, contention);
  }

  /** BigDL's in-memory data set, recording when the optimizer fetches each training batch. */
  static final class TimedBatches extends LocalArrayDataSet<MiniBatch<Float>> {
    private static final long serialVersionUID = 1L;
    private final long[] fetchTimes;
    private int fetches;

    TimedBatches(MiniBatch<Float>[] batches, int expectedFetches) {
      super(batches);
      this.fetchTimes = new long[expectedFetches];
    }

    @Override
    public Iterator<MiniBatch<Float>> data(boolean train) {
      final Iterator<MiniBatch<Float>> batches = super.data(train);
      if (!train) {
        return batches;
      }
      return new AbstractIterator<MiniBatch<Float>>() {
        @Override
        public boolean hasNext() {
          return batches.hasNext();
        }

        @Override
        public MiniBatch<Float> next() {
          if (fetches < fetchTimes.length) {
            fetchTimes[fetches] = System.nanoTime();
          }
          fetches++;
          return batches.next();
        }
      };
    }

    long[] fetchTimes() {
      if (fetches < fetchTimes.length) {
        throw new BenchmarkException("the optimizer fetched " + fetches + " batches, expected " + fetchTimes.length);
      }
      return fetchTimes.clone();
    }
  }
}
