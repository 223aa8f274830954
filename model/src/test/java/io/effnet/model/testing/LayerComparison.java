package io.effnet.model.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;

/**
 * Shared by the tests that hold one of the project's layers (or graphs) against BigDL's own: random tensors,
 * tensors to plain arrays, tolerant element-wise comparison, and one forward + backward of two modules on the
 * same data compared output, input gradient and parameter gradients.
 */
public final class LayerComparison {
  private LayerComparison() {}

  /** A tensor of N(0, 1) values. */
  public static Tensor<Float> gaussian(Random random, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return BigDL.tensor(v, shape);
  }

  /** The tensor's elements in row-major order (a copy). */
  public static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /** All tensors' elements one after the other (a module's parameters or gradients in its order). */
  public static float[] flatten(Tensor<Float>[] tensors) {
    int total = 0;
    for (Tensor<Float> t : tensors) {
      total += t.nElement();
    }
    float[] out = new float[total];
    int at = 0;
    for (Tensor<Float> t : tensors) {
      float[] v = values(t);
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  /** The largest element-wise |a - b|; infinite when the lengths differ. */
  public static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      return Double.POSITIVE_INFINITY;
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }

  /** {@code |actual - expected| <= abs + rel x |expected|} for every element. */
  public static void assertClose(float[] expected, float[] actual, double abs, double rel, String what) {
    assertEquals(expected.length, actual.length, what + ": number of values");
    for (int i = 0; i < expected.length; i++) {
      double tolerance = abs + rel * Math.abs(expected[i]);
      if (!(Math.abs((double) actual[i] - expected[i]) <= tolerance)) {
        fail(what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (tolerance " + tolerance
            + ")");
      }
    }
  }

  /**
   * Forward and backward of {@code reference} and {@code candidate} (gradients zeroed first) on copies of the
   * same input and output gradient: the outputs, input gradients and every parameter gradient agree within
   * {@code abs + rel x |expected|}. Returns the candidate's output.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static Tensor<Float> assertSameStep(AbstractModule reference, AbstractModule candidate, Tensor<Float> input,
      Tensor<Float> gradOutput, double abs, double rel, String what) {
    AbstractModule<Activity, Activity, Float> a = reference;
    AbstractModule<Activity, Activity, Float> b = candidate;
    a.zeroGradParameters();
    b.zeroGradParameters();
    Tensor<Float> yA = a.forward(input.clone()).toTensor(BigDL.numeric());
    Tensor<Float> yB = b.forward(input.clone()).toTensor(BigDL.numeric());
    assertArrayEquals(yA.size(), yB.size(), what + ": output shape");
    assertClose(values(yA), values(yB), abs, rel, what + " output");
    Tensor<Float> giA = a.backward(input.clone(), gradOutput.clone()).toTensor(BigDL.numeric());
    Tensor<Float> giB = b.backward(input.clone(), gradOutput.clone()).toTensor(BigDL.numeric());
    assertClose(values(giA), values(giB), abs, rel, what + " input gradient");
    assertClose(gradients(a), gradients(b), abs, rel, what + " parameter gradients");
    return yB;
  }

  /** A module's parameter gradients flattened; none for a module without parameters (BigDL gives null). */
  private static float[] gradients(AbstractModule<Activity, Activity, Float> module) {
    scala.Tuple2<Tensor<Float>[], Tensor<Float>[]> p = module.parameters();
    return p == null ? new float[0] : flatten(p._2());
  }
}
