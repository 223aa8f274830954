package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/** Test helpers: tensors from plain arrays and back, central-difference gradients, tolerant comparison. */
final class Checks {
  private Checks() {}

  static float[] gaussian(Random random, int n, double sd) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * sd);
    }
    return out;
  }

  static float[] uniform(Random random, int n, double lo, double hi) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + random.nextDouble() * (hi - lo));
    }
    return out;
  }

  /** A new tensor over a copy of {@code data}. */
  static Tensor<Float> tensor(float[] data, int... shape) {
    return BigDL.tensor(data.clone(), shape);
  }

  /** The tensor's elements in row-major order, read element by element (independent of the layers' code). */
  static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    Object storage = c.storage().array();
    System.arraycopy(storage, c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  /** d loss / d x by central differences, in the float steps actually taken. */
  static double[] numericGradient(ToDoubleFunction<float[]> loss, float[] x, float eps) {
    double[] grad = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      float[] plus = x.clone();
      float[] minus = x.clone();
      plus[i] = x[i] + eps;
      minus[i] = x[i] - eps;
      grad[i] = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / ((double) plus[i] - minus[i]);
    }
    return grad;
  }

  /** |actual - expected| <= abs + rel * |expected| for every element. */
  static void assertClose(double[] expected, float[] actual, double rel, double abs, String what) {
    if (expected.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = abs + rel * Math.abs(expected[i]);
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        fail(what + " at " + i + ": got " + actual[i] + ", expected " + expected[i] + " (tolerance " + tol + ")");
      }
    }
  }

  static void assertAllFinite(float[] values, String what) {
    for (int i = 0; i < values.length; i++) {
      assertTrue(Float.isFinite(values[i]), what + " at " + i + " is " + values[i]);
    }
  }
}
