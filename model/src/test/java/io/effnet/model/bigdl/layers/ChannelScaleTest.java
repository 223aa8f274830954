package io.effnet.model.bigdl.layers;

import static io.effnet.model.bigdl.layers.Checks.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.LayerException;
import com.intel.analytics.bigdl.utils.MultiShape;
import com.intel.analytics.bigdl.utils.Shape;
import com.intel.analytics.bigdl.utils.Shape$;
import com.intel.analytics.bigdl.utils.T;
import com.intel.analytics.bigdl.utils.Table;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;

class ChannelScaleTest {
  private static final int B = 2;
  private static final int C = 3;
  private static final int H = 4;
  private static final int W = 5;
  private static final int NX = B * C * H * W;
  private static final int NS = B * C;

  private static Table pair(float[] x, float[] s) {
    return T.array(new Object[] {Checks.tensor(x, B, C, H, W), Checks.tensor(s, B, C, 1, 1)});
  }

  @Test
  void forwardScalesEachChannelPlane() {
    Random random = new Random(21);
    float[] x = Checks.gaussian(random, NX, 1);
    float[] s = Checks.uniform(random, NS, 0, 1);
    Tensor<Float> y = new ChannelScale().forward(pair(x, s));
    assertArrayEquals(new int[] {B, C, H, W}, y.size());
    double[] expected = new double[NX];
    for (int n = 0; n < B; n++) {
      for (int c = 0; c < C; c++) {
        for (int k = 0; k < H * W; k++) {
          int i = (n * C + c) * H * W + k;
          expected[i] = (double) x[i] * s[n * C + c];
        }
      }
    }
    assertClose(expected, Checks.values(y), 1e-6, 0, "x * s");
  }

  @Test
  void gradientsOfBothInputsMatchCentralDifferences() {
    Random random = new Random(22);
    float[] x = Checks.gaussian(random, NX, 1);
    float[] s = Checks.uniform(random, NS, -1, 1);
    float[] g = Checks.uniform(random, NX, -1, 1);
    Table grads = new ChannelScale().backward(pair(x, s), Checks.tensor(g, B, C, H, W));
    Tensor<Float> gradX = grads.apply(1);
    Tensor<Float> gradS = grads.apply(2);
    assertArrayEquals(new int[] {B, C, H, W}, gradX.size());
    assertArrayEquals(new int[] {B, C, 1, 1}, gradS.size());

    double[] numericX = Checks.numericGradient(
        xs -> Checks.dot(g, Checks.values(new ChannelScale().forward(pair(xs, s)))), x, 1e-2f);
    double[] numericS = Checks.numericGradient(
        ss -> Checks.dot(g, Checks.values(new ChannelScale().forward(pair(x, ss)))), s, 1e-2f);
    assertClose(numericX, Checks.values(gradX), 1e-2, 1e-4, "gradient of x");
    assertClose(numericS, Checks.values(gradS), 1e-2, 1e-4, "gradient of s");
  }

  @Test
  void gradientOfScaleSumsOverSpatialPositions() {
    Random random = new Random(23);
    float[] x = Checks.gaussian(random, NX, 1);
    float[] s = Checks.uniform(random, NS, -1, 1);
    float[] g = Checks.uniform(random, NX, -1, 1);
    Table grads = new ChannelScale().backward(pair(x, s), Checks.tensor(g, B, C, H, W));
    double[] expectedS = new double[NS];
    double[] expectedX = new double[NX];
    for (int p = 0; p < NS; p++) {
      for (int k = 0; k < H * W; k++) {
        int i = p * H * W + k;
        expectedS[p] += (double) g[i] * x[i];
        expectedX[i] = (double) g[i] * s[p];
      }
    }
    assertClose(expectedX, Checks.values(grads.<Tensor<Float>>apply(1)), 1e-6, 0, "g * s");
    assertClose(expectedS, Checks.values(grads.<Tensor<Float>>apply(2)), 1e-5, 1e-6, "sum of g * x");
  }

  @Test
  void acceptsScaleAsMatrix() {
    float[] x = Checks.gaussian(new Random(24), NX, 1);
    float[] s = Checks.uniform(new Random(25), NS, 0, 1);
    Table in = T.array(new Object[] {Checks.tensor(x, B, C, H, W), Checks.tensor(s, B, C)});
    float[] y4 = Checks.values(new ChannelScale().forward(pair(x, s)));
    ChannelScale layer = new ChannelScale();
    assertArrayEquals(y4, Checks.values(layer.forward(in)), 0f);
    Tensor<Float> gradS = layer.backward(in, Checks.tensor(x, B, C, H, W)).apply(2);
    assertArrayEquals(new int[] {B, C}, gradS.size());
  }

  /** BigDL's {@code forward} wraps a layer's exception in its {@code LayerException}; its {@code error()} is ours. */
  @Test
  void rejectsMismatchedScale() {
    Table wrongChannels = T.array(new Object[] {Checks.tensor(new float[NX], B, C, H, W),
        Checks.tensor(new float[B * (C + 1)], B, C + 1, 1, 1)});
    LayerException e = assertThrows(LayerException.class, () -> new ChannelScale().forward(wrongChannels));
    assertInstanceOf(IllegalArgumentException.class, e.error());
    assertTrue(e.error().getMessage().contains("one value per sample and channel"), e.error().getMessage());
    Table single = T.array(new Object[] {Checks.tensor(new float[NX], B, C, H, W)});
    assertThrows(IllegalArgumentException.class, () -> new ChannelScale().updateOutput(single));
  }

  @Test
  void outputShapeIsShapeOfX() {
    Shape x = Shape$.MODULE$.apply(new int[] {8, 16, 7, 7});
    Shape s = Shape$.MODULE$.apply(new int[] {8, 16, 1, 1});
    Shape both = new MultiShape(JavaConverters.asScalaBufferConverter(Arrays.asList(x, s)).asScala().toList());
    assertEquals(x, new ChannelScale().computeOutputShape(both));
    assertThrows(IllegalArgumentException.class, () -> new ChannelScale().computeOutputShape(x));
  }
}
