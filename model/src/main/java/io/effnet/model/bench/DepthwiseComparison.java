package io.effnet.model.bench;

import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.optim.L2Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.ResolvedBlock;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import java.util.Locale;
import java.util.Random;

/**
 * Forward + backward time of every depthwise convolution of a network, BigDL's grouped {@code
 * SpatialConvolution} against {@link DepthwiseConvolution}, on one thread with one replica's share of the
 * batch (batch / cores images): what each core does in a default-engine training step.
 */
final class DepthwiseComparison {
  private DepthwiseComparison() {}

  static String run(BenchmarkSettings s) {
    NetworkSpec spec = s.spec();
    int images = s.batchSize() / s.cores();
    Random random = new Random(11);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "depthwise convolutions of %s, %d images per replica, forward + backward"
        + " (median ms of %d after %d warm-up)%n", s.describe(), images, s.measuredIterations(),
        s.warmupIterations()));
    b.append(String.format(Locale.ROOT, "  %-10s %9s %6s %6s %10s %10s %8s%n", "block", "channels", "k/s",
        "input", "BigDL ms", "direct ms", "speed-up"));
    double totalBigdl = 0;
    double totalDirect = 0;
    for (ResolvedBlock block : spec.blocks()) {
      int c = block.expandedChannels();
      int k = block.kernel();
      int stride = block.stride();
      int size = block.inputSize();
      SpatialConvolution<Float> bigdl = new SpatialConvolution<>(c, c, k, k, stride, stride, -1, -1, c, true,
          new L2Regularizer<>(BenchmarkSettings.WEIGHT_DECAY, BigDL.tag(), BigDL.numeric()), null, null, null, null,
          null, false, DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
      DepthwiseConvolution direct = new DepthwiseConvolution(c, k, stride,
          new L2Regularizer<>(BenchmarkSettings.WEIGHT_DECAY, BigDL.tag(), BigDL.numeric()));
      direct.weight().copy(bigdl.weight());
      Tensor<Float> x = BigDL.tensor(images, c, size, size);
      fillGaussian(random, x);
      int out = (size + stride - 1) / stride;
      Tensor<Float> g = BigDL.tensor(images, c, out, out);
      fillGaussian(random, g);
      double bigdlMs = time(bigdl, x, g, s);
      double directMs = time(direct, x, g, s);
      totalBigdl += bigdlMs;
      totalDirect += directMs;
      b.append(String.format(Locale.ROOT, "  %-10s %9d %3d/%-2d %6d %10.2f %10.2f %7.1fx%n", block.name(), c, k,
          stride, size, bigdlMs, directMs, bigdlMs / directMs));
    }
    b.append(String.format(Locale.ROOT, "  %-10s %9s %6s %6s %10.2f %10.2f %7.1fx%n", "total", "", "", "",
        totalBigdl, totalDirect, totalBigdl / totalDirect));
    return b.toString();
  }

  private static double time(TensorModule<Float> layer, Tensor<Float> x, Tensor<Float> g, BenchmarkSettings s) {
    double[] ms = new double[s.measuredIterations()];
    for (int i = 0; i < s.totalIterations(); i++) {
      long t0 = System.nanoTime();
      layer.forward(x);
      layer.backward(x, g);
      long t1 = System.nanoTime();
      if (i >= s.warmupIterations()) {
        ms[i - s.warmupIterations()] = (t1 - t0) / 1e6;
      }
    }
    return ThroughputResult.median(ms);
  }

  private static void fillGaussian(Random random, Tensor<Float> t) {
    float[] d = (float[]) t.storage().array();
    for (int i = t.storageOffset() - 1; i < t.storageOffset() - 1 + t.nElement(); i++) {
      d[i] = (float) random.nextGaussian();
    }
  }
}
