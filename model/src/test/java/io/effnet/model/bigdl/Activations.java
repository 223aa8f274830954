package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.tensor.Tensor;
import java.util.Random;

/** Test helpers: batches of images, BigDL tensors to plain arrays, and a scale-relative comparison. */
final class Activations {
  private Activations() {}

  /** {@code n} images of N(0, 1) values, laid out (n, 3, size, size). */
  static float[] images(long seed, int n, int size) {
    Random random = new Random(seed);
    float[] x = new float[n * 3 * size * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  /** The elements of a tensor in row-major order (a contiguous copy). */
  static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /** Sample {@code n} of an (N, C, H, W) tensor as a reference feature map. */
  static ReferenceEfficientNet.FeatureMap sample(Tensor<Float> batch, int n) {
    int[] s = batch.size();
    assertTrue(s.length == 4, "expected an (N, C, H, W) tensor, got " + java.util.Arrays.toString(s));
    float[] all = values(batch);
    int per = s[1] * s[2] * s[3];
    double[] v = new double[per];
    for (int i = 0; i < per; i++) {
      v[i] = all[n * per + i];
    }
    return new ReferenceEfficientNet.FeatureMap(s[1], s[2], s[3], v);
  }

  static double maxAbs(double[] v) {
    double m = 0;
    for (double x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  static double maxAbs(float[] v) {
    double m = 0;
    for (float x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  static double[] toDouble(float[] v) {
    double[] d = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      d[i] = v[i];
    }
    return d;
  }

  /**
   * Asserts {@code |actual - expected| <= rel x max|expected|} element-wise (relative to the tensor's scale,
   * so that elements near zero do not demand more than float precision) and returns the largest difference
   * divided by that scale.
   */
  static double assertCloseRelative(double[] expected, float[] actual, double rel, String what) {
    if (expected.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + expected.length);
    }
    double scale = maxAbs(expected);
    assertTrue(scale > 1e-3, what + ": the expected values are all near zero (max " + scale
        + "): the comparison would say nothing");
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      double d = Math.abs(actual[i] - expected[i]);
      if (!(d <= rel * scale)) {
        fail(what + " at " + i + ": got " + actual[i] + ", expected " + expected[i] + " (scale " + scale
            + ", tolerance " + rel * scale + ")");
      }
      worst = Math.max(worst, d / scale);
    }
    return worst;
  }

  static void assertShape(int[] expected, Tensor<Float> t, String what) {
    assertArrayEquals(expected, t.size(), what + " shape");
  }
}
