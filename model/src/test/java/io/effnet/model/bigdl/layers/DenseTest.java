package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.mkl.MKL;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DenseTest {
  @Test
  void mklIsLoadedSoTheLayerTestsExerciseTheFastPath() {
    assertTrue(MKL.isMKLLoaded(), "BigDL's MKL library did not load");
  }

  @Test
  void mklAndJavaExpAgreeIncludingOverflow() {
    float[] x = Checks.uniform(new Random(71), 3000, -90, 90);
    float[] extremes = {0f, -0f, 1e-30f, -1e30f, 1e30f, -100f, 100f, -88.7f, 88.7f, 103.9f};
    System.arraycopy(extremes, 0, x, 0, extremes.length);
    float[] mkl = new float[x.length + 5];
    float[] java = new float[x.length + 5];
    System.arraycopy(x, 0, mkl, 5, x.length);
    System.arraycopy(x, 0, java, 5, x.length);
    Dense.expOfNegated(mkl, 5, x.length, true);
    Dense.expOfNegated(java, 5, x.length, false);
    for (int i = 0; i < x.length; i++) {
      float a = mkl[5 + i];
      float b = java[5 + i];
      if (Float.isInfinite(b) || b == 0f) {
        assertEquals(b, a, 0f, "exp(-" + x[i] + ")");
      } else {
        assertEquals(b, a, 4 * Math.ulp(b), "exp(-" + x[i] + ")");
      }
    }
  }
}
