package io.effnet.model.keras;

import java.util.Arrays;

/**
 * One weight of a Keras layer as the HDF5 file holds it: its name in the layer's {@code weight_names} (a path
 * relative to the layer's group, {@code block2a_expand_conv/kernel:0} in TF2 Keras, {@code
 * block2a_expand_conv/kernel} in Keras 3), its shape in Keras' layout (conv kernels [kh, kw, in, out],
 * depthwise kernels [kh, kw, channels, multiplier], dense kernels [in, out]) and its values in row-major order.
 * Values of other numeric types (float64, float16, int64) are held as floats.
 */
public final class KerasTensor {
  private final String name;
  private final int[] shape;
  private final float[] values;

  /**
   * @param name the weight's path below its layer's group, without a leading '/'
   * @param shape the dimensions; empty for a scalar
   * @param values row-major, as many as the shape's product (copied)
   */
  public KerasTensor(String name, int[] shape, float[] values) {
    if (name == null || name.isEmpty() || name.startsWith("/") || name.endsWith("/")) {
      throw new IllegalArgumentException("a weight name must be a relative HDF5 path, got '" + name + "'");
    }
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("weight '" + name + "' has a negative dimension " + Arrays.toString(shape));
      }
      count *= d;
    }
    if (count != values.length) {
      throw new IllegalArgumentException("weight '" + name + "' of shape " + Arrays.toString(shape) + " needs "
          + count + " values, got " + values.length);
    }
    this.name = name;
    this.shape = shape.clone();
    this.values = values.clone();
  }

  /** The name as stored, e.g. {@code stem_conv/kernel:0}. */
  public String name() {
    return name;
  }

  /**
   * The weight's own name without the layer scope and TF's {@code :0} suffix: {@code kernel}, {@code
   * depthwise_kernel}, {@code bias}, {@code gamma}, {@code beta}, {@code moving_mean}, {@code moving_variance}.
   */
  public String shortName() {
    return shortName(name);
  }

  static String shortName(String storedName) {
    String last = storedName.substring(storedName.lastIndexOf('/') + 1);
    int colon = last.lastIndexOf(':');
    if (colon > 0 && colon < last.length() - 1 && isDigits(last.substring(colon + 1))) {
      return last.substring(0, colon);
    }
    return last;
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  public int[] shape() {
    return shape.clone();
  }

  public int size() {
    return values.length;
  }

  /** A copy of the values, row-major. */
  public float[] values() {
    return values.clone();
  }

  /** The same weight with other values and shape (for building files, e.g. in tests). */
  public KerasTensor withValues(int[] newShape, float[] newValues) {
    return new KerasTensor(name, newShape, newValues);
  }

  @Override
  public String toString() {
    return name + " " + Arrays.toString(shape);
  }
}
