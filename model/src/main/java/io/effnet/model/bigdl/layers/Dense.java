package io.effnet.model.bigdl.layers;

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

  /** For element-wise layers: the output shape is the input shape. */
  static Shape sameShape(Shape inputShape) {
    return inputShape;
  }
}
