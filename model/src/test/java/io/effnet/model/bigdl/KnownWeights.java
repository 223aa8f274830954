package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.Collections;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seeded values for every named tensor of a model, written into it through {@link EfficientNet#namedTensors()}
 * and kept here as plain arrays for an independent computation: kernels N(0, gain/fan_in), batch-norm gamma and
 * running variance U(0.5, 1.5), biases, betas and running means N(0, 0.1^2).
 *
 * <p>The gain decides whether the output depends on the input (so that comparing logits tests every layer)
 * and stays of moderate size. With gain 1, Swish and the SE gates shrink the input's share block after block:
 * the narrow test network's logits for two images differed by 1e-6. Too large a gain makes activations grow
 * with depth. Measured: {@link #NARROW_GAIN} for the ten-block test networks (logits of order 10 to 1000 with
 * the seeds used),
 * {@link #B0_GAIN} for B0's sixteen blocks (order 5; gain 2.5 gave order 10^4).
 */
final class KnownWeights {
  static final double NARROW_GAIN = 3;
  static final double B0_GAIN = 2;

  private final Map<String, float[]> values;
  private final Map<String, int[]> shapes;

  private KnownWeights(Map<String, float[]> values, Map<String, int[]> shapes) {
    this.values = Collections.unmodifiableMap(values);
    this.shapes = Collections.unmodifiableMap(shapes);
  }

  /** Draws values for every tensor of {@code model} and copies them into it. */
  static KnownWeights install(EfficientNet model, long seed, double gain) {
    Random random = new Random(seed);
    Map<String, float[]> values = new TreeMap<>();
    Map<String, int[]> shapes = new TreeMap<>();
    for (Map.Entry<String, Tensor<Float>> e : model.namedTensors().entrySet()) {
      String name = e.getKey();
      int[] shape = e.getValue().size();
      float[] v = new float[e.getValue().nElement()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) draw(random, name, shape, gain);
      }
      e.getValue().copy(BigDL.tensor(v.clone(), shape));
      values.put(name, v);
      shapes.put(name, shape.clone());
    }
    return new KnownWeights(values, shapes);
  }

  private static double draw(Random random, String name, int[] shape, double gain) {
    if (name.endsWith("/runningVar")) {
      return 0.5 + random.nextDouble();
    }
    if (name.endsWith("/runningMean") || name.endsWith("/bias")) {
      return 0.1 * random.nextGaussian();
    }
    if (shape.length == 1) {
      return 0.5 + random.nextDouble(); // batch-norm gamma
    }
    // Convolution (groups, out / groups, in / groups, kh, kw) or Linear (out, in): fan-in is all but the
    // leading output dimension(s).
    int fanIn = shape.length == 2 ? shape[1] : shape[2] * shape[3] * shape[4];
    return random.nextGaussian() * Math.sqrt(gain / fanIn);
  }

  Map<String, float[]> values() {
    return values;
  }

  Map<String, int[]> shapes() {
    return shapes;
  }
}
