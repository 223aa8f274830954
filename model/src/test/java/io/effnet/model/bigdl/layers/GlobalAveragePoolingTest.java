package io.effnet.model.bigdl.layers;

import static io.effnet.model.testing.LayerComparison.assertSameStep;
import static io.effnet.model.testing.LayerComparison.gaussian;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape$;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Java global average pooling against BigDL's global SpatialAveragePooling. */
class GlobalAveragePoolingTest {
  @ParameterizedTest(name = "{0}x{1}")
  @CsvSource({"1,1", "7,5", "8,8", "56,56"})
  void matchesBigDLsGlobalPoolingForwardAndBackward(int height, int width) {
    Random r = new Random(height * 100 + width);
    SpatialAveragePooling<Float> reference = new SpatialAveragePooling<>(1, 1, 1, 1, 0, 0, true, false, true, true,
        DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
    Tensor<Float> y = assertSameStep(reference, new GlobalAveragePooling(), gaussian(r, 3, 5, height, width),
        gaussian(r, 3, 5, 1, 1), 1e-6, 1e-5, height + "x" + width);
    assertArrayEquals(new int[] {3, 5, 1, 1}, y.size());
  }

  @Test
  void outputShapeKeepsSamplesAndChannels() {
    assertEquals(Shape$.MODULE$.apply(new int[] {-1, 96, 1, 1}),
        new GlobalAveragePooling().computeOutputShape(Shape$.MODULE$.apply(new int[] {-1, 96, 28, 28})));
  }
}
