package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.tensor.TensorNumericMath;
import com.intel.analytics.bigdl.utils.RandomGenerator;
import com.intel.analytics.bigdl.utils.Table;
import java.util.LinkedHashMap;
import java.util.Map;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The one place that owns BigDL's Scala calling conventions for single precision: the implicit
 * {@code ClassTag} and {@code TensorNumeric} every BigDL constructor takes, Scala objects reached through
 * {@code MODULE$}, and tensor creation. Everything else in the project calls these helpers.
 */
public final class BigDL {
  private static final ClassTag<Float> FLOAT_TAG = floatTagOf();
  private static final TensorNumericMath.TensorNumeric<Float> FLOAT_NUMERIC = floatNumericOf();

  private BigDL() {}

  /** The implicit {@code ClassTag[Float]}. */
  public static ClassTag<Float> tag() {
    return FLOAT_TAG;
  }

  /** The implicit {@code TensorNumeric[Float]} (Scala object {@code NumericFloat}). */
  public static TensorNumericMath.TensorNumeric<Float> numeric() {
    return FLOAT_NUMERIC;
  }

  /** A new float tensor of the given shape, zero-filled. */
  public static Tensor<Float> tensor(int... shape) {
    return com.intel.analytics.bigdl.tensor.Tensor$.MODULE$.apply(shape, tag(), numeric());
  }

  /** A float tensor viewing {@code data} (not copied) with the given shape. */
  public static Tensor<Float> tensor(float[] data, int... shape) {
    return com.intel.analytics.bigdl.tensor.Tensor$.MODULE$.apply((Object) data, shape, tag(), numeric());
  }

  /** Seeds BigDL's own generator (weight initialisation, dropout) in this JVM. */
  public static void seed(long seed) {
    RandomGenerator.RNG().setSeed(seed);
  }

  /** A BigDL {@code Table}'s entries with string keys, in the table's iteration order. */
  static Map<String, Object> entries(Table table) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<Object, Object> e : JavaConverters.mapAsJavaMapConverter(table.getState()).asJava().entrySet()) {
      out.put(String.valueOf(e.getKey()), e.getValue());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static ClassTag<Float> floatTagOf() {
    return (ClassTag<Float>) (ClassTag<?>) ClassTag$.MODULE$.Float();
  }

  @SuppressWarnings("unchecked")
  private static TensorNumericMath.TensorNumeric<Float> floatNumericOf() {
    // javac cannot name the Scala object NumericFloat$ (its name contains '$' nested twice).
    try {
      Class<?> c = Class.forName(
          "com.intel.analytics.bigdl.tensor.TensorNumericMath$TensorNumeric$NumericFloat$");
      return (TensorNumericMath.TensorNumeric<Float>) c.getField("MODULE$").get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("BigDL's NumericFloat is not on the class path", e);
    }
  }
}
