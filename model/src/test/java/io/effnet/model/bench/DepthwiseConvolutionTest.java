package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.optim.L2Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The direct depthwise convolution against BigDL's grouped SpatialConvolution with the same weights. */
class DepthwiseConvolutionTest {
  private static final int N = 3;
  private static final int C = 4;

  private static SpatialConvolution<Float> bigdlDepthwise(int channels, int kernel, int stride, double decay) {
    return new SpatialConvolution<>(channels, channels, kernel, kernel, stride, stride, -1, -1, channels, true,
        decay > 0 ? new L2Regularizer<>(decay, BigDL.tag(), BigDL.numeric()) : null, null, null, null, null, null,
        false, DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
  }

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

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " size");
    for (int i = 0; i < expected.length; i++) {
      double tolerance = 1e-4 + 1e-4 * Math.abs(expected[i]);
      assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance,
          what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i]);
    }
  }

  /** Every geometry on both code paths: MKL (stride 1 only; MKL is loaded in the test JVM) and plain loops. */
  @ParameterizedTest(name = "k{0} s{1} {2}x{3} mkl {4}")
  @CsvSource({"3,1,7,7,true", "3,1,7,7,false", "3,2,8,8,false", "3,2,7,9,false", "5,1,6,5,true", "5,1,6,5,false",
      "5,2,9,9,false", "5,2,2,2,false", "3,2,1,1,false", "3,1,1,1,true", "3,1,1,1,false", "5,1,3,3,true",
      "5,1,3,3,false", "5,1,2,7,true", "3,1,16,16,true", "3,1,16,16,false"})
  void matchesBigDLsGroupedConvolutionForwardAndBackward(int kernel, int stride, int height, int width,
      boolean mkl) {
    Random r = new Random(kernel * 1000 + stride * 100 + height * 10 + width);
    double decay = 1e-2;
    SpatialConvolution<Float> reference = bigdlDepthwise(C, kernel, stride, decay);
    DepthwiseConvolution direct = new DepthwiseConvolution(C, kernel, stride,
        new L2Regularizer<>(decay, BigDL.tag(), BigDL.numeric()));
    direct.forceMklPath(mkl);
    Tensor<Float> weight = random(r, C, 1, 1, kernel, kernel);
    reference.weight().copy(weight);
    direct.parameters()._1()[0].copy(weight);

    Tensor<Float> x = random(r, N, C, height, width);
    Tensor<Float> yRef = reference.forward(x.clone());
    Tensor<Float> y = direct.forward(x.clone());
    assertArrayEquals(yRef.size(), y.size(), "output shape");
    assertClose(values(yRef), values(y), "output");

    Tensor<Float> g = random(r, yRef.size());
    reference.zeroGradParameters();
    direct.zeroGradParameters();
    Tensor<Float> giRef = reference.backward(x.clone(), g.clone());
    Tensor<Float> gi = direct.backward(x.clone(), g.clone());
    assertClose(values(giRef), values(gi), "gradInput");
    assertClose(values(reference.gradWeight()), values(direct.parameters()._2()[0]), "gradWeight");

    // Gradients accumulate over backward calls, as BigDL's.
    reference.backward(x.clone(), g.clone());
    direct.backward(x.clone(), g.clone());
    assertClose(values(reference.gradWeight()), values(direct.parameters()._2()[0]), "accumulated gradWeight");
  }

  @Test
  void sameGeometryIsTensorFlows() {
    assertArrayEquals(new int[] {112, 0}, DepthwiseConvolution.same(224, 3, 2));
    assertArrayEquals(new int[] {56, 1}, DepthwiseConvolution.same(56, 3, 1));
    assertArrayEquals(new int[] {14, 1}, DepthwiseConvolution.same(28, 5, 2));
    assertArrayEquals(new int[] {1, 1}, DepthwiseConvolution.same(1, 3, 2));
  }

  @Test
  void rejectsAnInputWithOtherChannels() {
    DepthwiseConvolution direct = new DepthwiseConvolution(C, 3, 1, null);
    // updateOutput directly: BigDL's forward() rewraps a layer's exception as a LayerException.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> direct.updateOutput(BigDL.tensor(1, C + 1, 5, 5)));
    assertTrue(e.getMessage().contains("(N, 4, H, W)"), e.getMessage());
  }
}
