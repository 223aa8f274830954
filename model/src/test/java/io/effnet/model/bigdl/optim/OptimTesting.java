package io.effnet.model.bigdl.optim;

import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

/** Test helpers: tensors from arrays and back, a quadratic objective, BigDL-style steps, serialization. */
final class OptimTesting {
  private OptimTesting() {}

  static Tensor<Float> tensor(float[] data, int... shape) {
    return BigDL.tensor(data.clone(), shape);
  }

  /** Row-major values, read through BigDL's element accessor (independent of the code under test). */
  static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    for (int i = 0; i < out.length; i++) {
      out[i] = c.storage().apply(c.storageOffset() - 1 + i);
    }
    return out;
  }

  /**
   * f(x) = 0.5 sum a_i x_i^2, gradient a_i x_i: the {@code feval} BigDL passes to {@code optimize}, with a fresh
   * gradient tensor per call (as BigDL's gradient buffer is refilled each step).
   */
  static final class Quadratic extends AbstractFunction1<Tensor<Float>, Tuple2<Float, Tensor<Float>>>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final float[] a;

    Quadratic(float... a) {
      this.a = a.clone();
    }

    @Override
    public Tuple2<Float, Tensor<Float>> apply(Tensor<Float> x) {
      float[] xs = values(x);
      float[] g = new float[xs.length];
      double f = 0;
      for (int i = 0; i < xs.length; i++) {
        g[i] = a[i] * xs[i];
        f += 0.5 * a[i] * xs[i] * xs[i];
      }
      return new Tuple2<>((float) f, BigDL.tensor(g, g.length));
    }
  }

  /** One step as BigDL's optimizers take it: {@code neval} (1-based) written into the state, then optimize. */
  static void step(OptimMethod<Float> method, Quadratic objective, Tensor<Float> x, int neval) {
    method.state().update("neval", neval);
    method.optimize(objective, x);
  }

  static void assertClose(double[] expected, float[] actual, double rel, String what) {
    if (expected.length != actual.length) {
      fail(what + ": " + actual.length + " values, expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double tol = rel * Math.max(1e-6, Math.abs(expected[i]));
      if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
        fail(what + " at " + i + ": got " + actual[i] + ", expected " + expected[i] + " (tolerance " + tol + ")");
      }
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T javaRoundTrip(T value) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(value);
      }
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        return (T) in.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new AssertionError("Java serialization round trip failed: " + e, e);
    }
  }
}
