package io.effnet.model.bigdl.layers;

import static io.effnet.model.testing.LayerComparison.assertClose;
import static io.effnet.model.testing.LayerComparison.assertSameStep;
import static io.effnet.model.testing.LayerComparison.gaussian;
import static io.effnet.model.testing.LayerComparison.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.optim.L2Regularizer;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape$;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The direct depthwise convolution against BigDL's grouped SpatialConvolution with the same weights. */
class DepthwiseConvolutionTest {
  private static final int C = 4;
  private static final double ABS = 1e-4;
  private static final double REL = 1e-4;

  private static SpatialConvolution<Float> bigdlDepthwise(int channels, int kernel, int stride, double decay) {
    return new SpatialConvolution<>(channels, channels, kernel, kernel, stride, stride, -1, -1, channels, true,
        decay > 0 ? new L2Regularizer<>(decay, BigDL.tag(), BigDL.numeric()) : null, null, null, null, null, null,
        false, DataFormat$.MODULE$.apply("NCHW"), BigDL.tag(), BigDL.numeric());
  }

  /**
   * Every geometry the network has (kernel 3 and 5, stride 1 and 2, even and odd sizes, planes down to 1x1,
   * non-square) with MKL's axpy/dot and with the Java loops. The sample count decides how many planes share a
   * block: 3 samples of a small plane fill one block, 40 of 16x16 at stride 1 need three (the last one partial),
   * 12 of 33x33 at stride 2 one per sample.
   */
  @ParameterizedTest(name = "k{0} s{1} {2}x{3} n{4} mkl {5}")
  @CsvSource({"3,1,7,7,3,true", "3,1,7,7,3,false", "3,2,8,8,3,true", "3,2,8,8,3,false", "3,2,7,9,3,true",
      "3,2,7,9,3,false", "5,1,6,5,3,true", "5,1,6,5,3,false", "5,2,9,9,3,true", "5,2,9,9,3,false",
      "5,2,2,2,3,true", "3,2,1,1,3,true", "3,1,1,1,3,true", "3,1,1,1,3,false", "5,1,3,3,3,true",
      "5,1,2,7,3,true", "3,1,16,16,40,true", "5,2,33,33,12,true", "5,2,33,33,12,false", "3,2,56,56,2,true",
      "5,1,14,14,5,true", "1,2,8,8,3,true", "1,1,5,5,3,false", "3,2,2,2,40,true"})
  void matchesBigDLsGroupedConvolutionForwardAndBackward(int kernel, int stride, int height, int width, int n,
      boolean mkl) {
    Random r = new Random(kernel * 1000 + stride * 100 + height * 10 + width);
    double decay = 1e-2;
    SpatialConvolution<Float> reference = bigdlDepthwise(C, kernel, stride, decay);
    DepthwiseConvolution direct = new DepthwiseConvolution(C, kernel, stride,
        new L2Regularizer<>(decay, BigDL.tag(), BigDL.numeric()));
    direct.useMkl(mkl);
    Tensor<Float> weight = gaussian(r, C, 1, 1, kernel, kernel);
    reference.weight().copy(weight);
    direct.weight().copy(weight);

    Tensor<Float> x = gaussian(r, n, C, height, width);
    int[] out = {n, C, (height + stride - 1) / stride, (width + stride - 1) / stride};
    Tensor<Float> g = gaussian(r, out);
    Tensor<Float> y = assertSameStep(reference, direct, x, g, ABS, REL, "depthwise");
    assertArrayEquals(out, y.size());

    // Gradients accumulate over backward calls, as BigDL's; the regulariser adds its term each time.
    reference.backward(x.clone(), g.clone());
    direct.backward(x.clone(), g.clone());
    assertClose(values(reference.gradWeight()), values(direct.gradWeight()), ABS, REL, "accumulated gradWeight");
  }

  /** A second call with another input size (validation at a different resolution) reuses the scratch buffers. */
  @Test
  void anotherInputSizeAfterALargerOneGivesTheSameAsAFreshLayer() {
    Random r = new Random(5);
    SpatialConvolution<Float> reference = bigdlDepthwise(C, 3, 2, 0);
    DepthwiseConvolution direct = new DepthwiseConvolution(C, 3, 2, null);
    reference.weight().copy(direct.weight());
    for (int size : new int[] {20, 7, 12}) {
      Tensor<Float> x = gaussian(r, 5, C, size, size);
      int o = (size + 1) / 2;
      assertSameStep(reference, direct, x, gaussian(r, 5, C, o, o), ABS, REL, size + " px");
    }
  }

  @Test
  void weightDecayAddsTheL2TermToTheWeightGradient() {
    DepthwiseConvolution direct = new DepthwiseConvolution(C, 3, 1,
        new L2Regularizer<>(0.5, BigDL.tag(), BigDL.numeric()));
    Tensor<Float> x = BigDL.tensor(2, C, 5, 5);
    direct.zeroGradParameters();
    direct.forward(x);
    direct.backward(x, BigDL.tensor(2, C, 5, 5));
    // Zero input and gradient: only the regulariser's 0.5 x w remains.
    float[] w = values(direct.weight());
    float[] expected = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      expected[i] = 0.5f * w[i];
    }
    assertClose(expected, values(direct.gradWeight()), 1e-7, 1e-6, "regularised gradWeight");
  }

  @Test
  void weightsAreDrawnWithTheReferencesVarianceScaling() {
    BigDL.seed(9);
    DepthwiseConvolution direct = new DepthwiseConvolution(400, 5, 1, null);
    float[] w = values(direct.weight());
    double sum = 0;
    double squares = 0;
    for (float v : w) {
      sum += v;
      squares += (double) v * v;
    }
    double mean = sum / w.length;
    double std = Math.sqrt(squares / w.length - mean * mean);
    // N(0, 2 / 25) over 10 000 draws.
    assertEquals(0, mean, 0.01);
    assertEquals(Math.sqrt(2.0 / 25), std, 0.01);
    assertArrayEquals(new int[] {400, 1, 1, 5, 5}, direct.weight().size());
    assertEquals(1, direct.parameters()._1().length, "one parameter: no bias");
  }

  @Test
  void sameGeometryIsTensorFlows() {
    assertArrayEquals(new int[] {112, 0}, DepthwiseConvolution.same(224, 3, 2));
    assertArrayEquals(new int[] {56, 1}, DepthwiseConvolution.same(56, 3, 1));
    assertArrayEquals(new int[] {14, 1}, DepthwiseConvolution.same(28, 5, 2));
    assertArrayEquals(new int[] {1, 1}, DepthwiseConvolution.same(1, 3, 2));
  }

  @Test
  void outputShapeIsSamePaddedAndStrided() {
    assertEquals(Shape$.MODULE$.apply(new int[] {-1, 96, 28, 28}), new DepthwiseConvolution(96, 3, 2, null)
        .computeOutputShape(Shape$.MODULE$.apply(new int[] {-1, 96, 56, 56})));
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
