package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape$;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The Java global average pooling against BigDL's global SpatialAveragePooling. */
class GlobalAveragePoolingTest {
  private static Tensor<Float> random(Random r, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return BigDL.tensor(v, shape);
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  @ParameterizedTest(name = "{0}x{1}")
  @CsvSource({"1,1", "7,5", "8,8", "56,56"})
  void matchesBigDLsGlobalPoolingForwardAndBackward(int height, int width) {
    Random r = new Random(height * 100 + width);
    SpatialAveragePooling<Float> reference = new SpatialAveragePooling<>(1, 1, 1, 1, 0, 0, true, false, true, true,
        DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
    GlobalAveragePooling pool = new GlobalAveragePooling();
    Tensor<Float> x = random(r, 3, 5, height, width);
    Tensor<Float> yRef = reference.forward(x.clone());
    Tensor<Float> y = pool.forward(x.clone());
    assertArrayEquals(new int[] {3, 5, 1, 1}, y.size());
    float[] a = values(yRef);
    float[] b = values(y);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 1e-5 + 1e-5 * Math.abs(a[i]), "output " + i);
    }
    Tensor<Float> g = random(r, 3, 5, 1, 1);
    float[] giRef = values(reference.backward(x.clone(), g.clone()));
    float[] gi = values(pool.backward(x.clone(), g.clone()));
    assertEquals(giRef.length, gi.length);
    for (int i = 0; i < gi.length; i++) {
      assertEquals(giRef[i], gi[i], 1e-6, "gradInput " + i);
    }
  }

  @Test
  void outputShapeKeepsSamplesAndChannels() {
    assertEquals(Shape$.MODULE$.apply(new int[] {-1, 96, 1, 1}),
        new GlobalAveragePooling().computeOutputShape(Shape$.MODULE$.apply(new int[] {-1, 96, 28, 28})));
  }
}
