package io.effnet.model.bench;

import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.DistriOptimizer;
import com.intel.analytics.bigdl.optim.Optimizer;
import com.intel.analytics.bigdl.optim.Optimizer$;
import com.intel.analytics.bigdl.optim.Trigger$;
import com.intel.analytics.bigdl.visualization.TrainSummary;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.Engine;
import io.effnet.model.bigdl.Samples;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.Tuple3;

/**
 * Times training steps of BigDL's DistriOptimizer on a Spark {@code local[cores]} context in this JVM: BigDL
 * sees one node with {@code cores} cores, keeps one model replica per core (one in all on MKL-DNN, which
 * threads inside its primitives), splits each batch between them, sums their gradients and exchanges them
 * through Spark's block manager before the SGD update, with two Spark jobs per step. This is what the
 * project's {@code DistributedTrainer} runs. On MKL-DNN it is given the {@code MklDnn} facade's convertible
 * graph, which DistriOptimizer converts with {@code toIRgraph} itself.
 *
 * <p>Step times are BigDL's own: the optimizer records {@code Throughput} (images / step wall time) for every
 * step in its train summary, which is read back here.
 */
final class DistriOptimizerBenchmark {
  /** Batches of distinct random samples in the data set: any data costs the same, two batches keep it small. */
  private static final int BATCHES_OF_DATA = 2;

  private DistriOptimizerBenchmark() {}

  @SuppressWarnings({"unchecked", "rawtypes"})
  static ThroughputResult run(BenchmarkSettings s, CpuContention contention) {
    SparkConf conf = Engine.configure(new SparkConf()
        .setMaster("local[" + s.cores() + "]")
        .setAppName("effnet-benchmark")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false"));
    JavaSparkContext sc = new JavaSparkContext(conf);
    Path summaryDir = null;
    try {
      Engine.init();
      if (Engine.coreNumber() != s.cores()) {
        throw new BenchmarkException("BigDL's engine uses " + Engine.coreNumber() + " cores, the benchmark asked "
            + "for " + s.cores());
      }
      AbstractModule<Activity, Activity, Float> model = BenchModels.trainable(s, true);
      RDD<Sample<Float>> data = sc.parallelize(randomSamples(s), s.cores()).rdd();
      Optimizer<Float, ?> optimizer = (Optimizer<Float, ?>) (Optimizer) Optimizer$.MODULE$.apply(
          (AbstractModule) model, data, BenchModels.criterion(), s.batchSize(), null, null, BigDL.tag(),
          BigDL.numeric());
      if (!(optimizer instanceof DistriOptimizer)) {
        throw new BenchmarkException("BigDL built a " + optimizer.getClass().getName() + ", not DistriOptimizer"
            + " (bigdl.optimizerVersion set?)");
      }
      if (s.uncompressedGradients()) {
        ((DistriOptimizer<Float>) (Optimizer) optimizer).setCompressType("none");
      }
      optimizer.setOptimMethod(BenchModels.sgd());
      optimizer.setEndWhen(Trigger$.MODULE$.maxIteration(s.totalIterations()));
      summaryDir = Files.createTempDirectory("effnet-benchmark");
      TrainSummary summary = new TrainSummary(summaryDir.toString(), "benchmark");
      summary.setSummaryTrigger("Throughput", Trigger$.MODULE$.severalIteration(1));
      optimizer.setTrainSummary(summary);
      optimizer.optimize();
      optimizer.shutdown();
      summary.close();
      return steps(summary, s, contention);
    } catch (IOException e) {
      throw new BenchmarkException("cannot write BigDL's train summary: " + e.getMessage(), e);
    } finally {
      sc.stop();
      deleteQuietly(summaryDir);
    }
  }

  /**
   * Measured steps' wall times from BigDL's per-step throughput (BigDL counts steps from 1); each step ends
   * at its record's wall-clock time (epoch seconds, written right after the step).
   */
  private static ThroughputResult steps(TrainSummary summary, BenchmarkSettings s, CpuContention contention) {
    long nanosMinusEpochNanos = System.nanoTime() - System.currentTimeMillis() * 1_000_000L;
    Tuple3<Object, Object, Object>[] rows = summary.readScalar("Throughput");
    Arrays.sort(rows, Comparator.comparingLong(r -> ((Number) r._1()).longValue()));
    if (rows.length != s.totalIterations()) {
      throw new BenchmarkException("BigDL recorded " + rows.length + " steps, expected " + s.totalIterations());
    }
    double[] seconds = new double[s.measuredIterations()];
    long[] ends = new long[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      Tuple3<Object, Object, Object> row = rows[s.warmupIterations() + i];
      seconds[i] = s.batchSize() / ((Number) row._2()).doubleValue();
      ends[i] = (long) (((Number) row._3()).doubleValue() * 1e9) + nanosMinusEpochNanos;
    }
    Tuple3<Object, Object, Object>[] lossRows = summary.readScalar("Loss");
    Arrays.sort(lossRows, Comparator.comparingLong(r -> ((Number) r._1()).longValue()));
    double[] losses = new double[lossRows.length];
    for (int i = 0; i < losses.length; i++) {
      losses[i] = ((Number) lossRows[i]._2()).doubleValue();
    }
    return ThroughputResult.of(s, BenchModels.engine(), seconds, ends, contention).withLosses(losses);
  }

  private static List<Sample<Float>> randomSamples(BenchmarkSettings s) {
    Random random = new Random(7);
    int size = s.inputSize();
    int n = s.batchSize() * BATCHES_OF_DATA;
    List<Sample<Float>> samples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      float[] chw = new float[3 * size * size];
      for (int j = 0; j < chw.length; j++) {
        chw[j] = (float) random.nextGaussian();
      }
      samples.add(Samples.image(chw, 3, size, size, random.nextInt(s.numClasses())));
    }
    return samples;
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException | RuntimeException e) {
      System.err.println("effnet-benchmark: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
