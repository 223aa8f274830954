package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.tensor.Tensor;

/** Direct access to a contiguous float tensor's backing array (loops over it instead of boxing per element). */
final class FloatArrays {
  private FloatArrays() {}

  /** The backing array of a contiguous float tensor. */
  static float[] data(Tensor<Float> t) {
    return (float[]) t.storage().array();
  }

  /** Index of the tensor's first element in {@link #data} (BigDL's storage offset is 1-based). */
  static int offset(Tensor<Float> t) {
    return t.storageOffset() - 1;
  }

  /** {@code t} itself when contiguous, else a contiguous copy. */
  static Tensor<Float> contiguous(Tensor<Float> t) {
    return t.isContiguous() ? t : t.contiguous();
  }
}
