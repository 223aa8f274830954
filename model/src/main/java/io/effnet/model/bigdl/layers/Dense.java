package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.mkl.MKL;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;

/**
 * Direct access to a float tensor's backing array. Element-wise layers loop over the array instead of
 * calling {@code Tensor.valueAt} per element (a virtual call and index arithmetic each) or BigDL's
 * {@code map}, which boxes through a Scala closure.
 */
final class Dense {
  private Dense() {}

  /** {@code t} itself when contiguous, else a contiguous copy (so one offset and unit stride apply). */
  static Tensor<Float> contiguous(Tensor<Float> t) {
    return t.isContiguous() ? t : t.contiguous();
  }

  /** The backing array of a contiguous, non-empty float tensor. */
  static float[] data(Tensor<Float> t) {
    return (float[]) t.storage().array();
  }

  /** Index of the tensor's first element in {@link #data} (BigDL's storage offset is 1-based). */
  static int offset(Tensor<Float> t) {
    return t.storageOffset() - 1;
  }

  /**
   * Elements per block of the multi-pass element-wise loops: 32 KB of floats, so a block stays in the L1/L2
   * cache between passes, and one native call covers enough elements to amortise its cost.
   */
  static final int BLOCK = 8192;

  /** Planes (sample x channel maps of {@code area} elements) per range of a layer split over threads: about a block. */
  static int planesPerBlock(int area) {
    return Math.max(1, BLOCK / Math.max(1, area));
  }

  /**
   * {@code a[from + i] = exp(-a[from + i])} for {@code i < n}, in place. MKL's vectorised exp (the one BigDL's
   * own tensors use) is several times faster than {@code Math.exp} per element; {@code Math.exp} when BigDL's
   * MKL library is not loaded. Overflow gives +inf, which callers turn into exact 0 or 1.
   */
  static void expOfNegated(float[] a, int from, int n) {
    expOfNegated(a, from, n, MKL.isMKLLoaded());
  }

  /** {@link #expOfNegated(float[], int, int)} with the implementation chosen (both are tested). */
  static void expOfNegated(float[] a, int from, int n, boolean useMkl) {
    int end = from + n;
    for (int i = from; i < end; i++) {
      a[i] = -a[i];
    }
    if (useMkl) {
      MKL.vsExp(n, a, from, a, from);
    } else {
      for (int i = from; i < end; i++) {
        a[i] = (float) Math.exp(a[i]);
      }
    }
  }

  /** For element-wise layers: the output shape is the input shape. */
  static Shape sameShape(Shape inputShape) {
    return inputShape;
  }
}
