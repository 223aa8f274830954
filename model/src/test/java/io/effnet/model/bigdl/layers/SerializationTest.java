package io.effnet.model.bigdl.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.T;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.bigdl.BigDL;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * BigDL copies models with {@code cloneModule()} (Java serialisation) and Spark ships them to executors the
 * same way: every layer must survive both and compute the same afterwards.
 */
class SerializationTest {
  private static final int[] SHAPE = {2, 3, 4, 5};
  private static final int N = 2 * 3 * 4 * 5;

  @SuppressWarnings("unchecked")
  private static <M> M javaRoundTrip(M module) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(module);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (M) in.readObject();
    }
  }

  @Test
  void parameterlessLayersCloneAndSerialise() throws Exception {
    float[] x = Checks.gaussian(new Random(51), N, 2);
    for (AbstractModule<Tensor<Float>, Tensor<Float>, Float> layer
        : java.util.Arrays.<AbstractModule<Tensor<Float>, Tensor<Float>, Float>>asList(
            new Swish(), new Sigmoid(), new GlobalAveragePooling(), new DropConnect(0.3, 52).evaluate())) {
      float[] expected = Checks.values(layer.forward(Checks.tensor(x, SHAPE)));
      AbstractModule<Tensor<Float>, Tensor<Float>, Float> clone = layer.cloneModule();
      AbstractModule<Tensor<Float>, Tensor<Float>, Float> shipped = javaRoundTrip(layer);
      assertNotSame(layer, clone);
      assertEquals(layer.getName(), clone.getName());
      assertEquals(layer.isTraining(), shipped.isTraining());
      assertArrayEquals(expected, Checks.values(clone.forward(Checks.tensor(x, SHAPE))), 0f, layer.getName());
      assertArrayEquals(expected, Checks.values(shipped.forward(Checks.tensor(x, SHAPE))), 0f, layer.getName());
    }
  }

  @Test
  void channelScaleClonesAndSerialises() throws Exception {
    Random random = new Random(53);
    float[] x = Checks.gaussian(random, N, 1);
    float[] s = Checks.uniform(random, 6, 0, 1);
    ChannelScale layer = new ChannelScale();
    float[] expected = Checks.values(layer.forward(pair(x, s)));
    layer.backward(pair(x, s), Checks.tensor(x, SHAPE));
    for (AbstractModule<Table, Tensor<Float>, Float> copy
        : java.util.Arrays.<AbstractModule<Table, Tensor<Float>, Float>>asList(layer.cloneModule(),
            javaRoundTrip(layer))) {
      assertArrayEquals(expected, Checks.values(copy.forward(pair(x, s))), 0f);
      Table grads = copy.backward(pair(x, s), Checks.tensor(x, SHAPE));
      assertArrayEquals(new int[] {2, 3, 1, 1}, grads.<Tensor<Float>>apply(2).size());
    }
  }

  /**
   * The weight, its regulariser and the geometry travel; the scratch buffers (transient) do not, and a copy
   * trained further leaves the original's weights alone (DistriOptimizer's replicas).
   */
  @Test
  void depthwiseConvolutionClonesAndSerialises() throws Exception {
    Random random = new Random(58);
    int[] shape = {3, 4, 9, 9};
    float[] x = Checks.gaussian(random, 3 * 4 * 81, 1);
    float[] g = Checks.gaussian(random, 3 * 4 * 25, 1);
    DepthwiseConvolution layer = new DepthwiseConvolution(4, 5, 2,
        new com.intel.analytics.bigdl.optim.L2Regularizer<>(0.1, BigDL.tag(), BigDL.numeric()));
    layer.setName("block2a_dwconv");
    float[] expected = Checks.values(layer.forward(Checks.tensor(x, shape)));
    layer.zeroGradParameters();
    float[] expectedGradInput = Checks.values(layer.backward(Checks.tensor(x, shape), Checks.tensor(g, 3, 4, 5, 5)));
    float[] expectedGradWeight = Checks.values(layer.gradWeight());
    float[] weightBefore = Checks.values(layer.weight());
    for (DepthwiseConvolution copy : java.util.Arrays.asList((DepthwiseConvolution) layer.cloneModule(),
        javaRoundTrip(layer))) {
      assertNotSame(layer.weight(), copy.weight());
      assertEquals("block2a_dwconv", copy.getName());
      assertArrayEquals(expected, Checks.values(copy.forward(Checks.tensor(x, shape))), 0f);
      copy.zeroGradParameters();
      assertArrayEquals(expectedGradInput,
          Checks.values(copy.backward(Checks.tensor(x, shape), Checks.tensor(g, 3, 4, 5, 5))), 0f);
      assertArrayEquals(expectedGradWeight, Checks.values(copy.gradWeight()), 0f, "includes the L2 term");
      copy.weight().fill(7f);
      assertArrayEquals(weightBefore, Checks.values(layer.weight()), 0f);
    }
  }

  @Test
  void seededDropConnectCopiesReplayTheSameMasks() throws Exception {
    float[] x = Checks.gaussian(new Random(54), 16 * 60, 1);
    DropConnect layer = new DropConnect(0.5, 55);
    DropConnect clone = (DropConnect) layer.cloneModule();
    DropConnect shipped = javaRoundTrip(layer);
    assertEquals(0.5, clone.rate(), 0);
    for (int step = 0; step < 3; step++) {
      float[] expected = Checks.values(layer.forward(Checks.tensor(x, 16, 60)));
      assertArrayEquals(expected, Checks.values(clone.forward(Checks.tensor(x, 16, 60))), 0f);
      assertArrayEquals(expected, Checks.values(shipped.forward(Checks.tensor(x, 16, 60))), 0f);
    }
  }

  @Test
  void graphWithAllLayersClonesAndSerialises() throws Exception {
    BigDL.seed(56);
    Graph<Float> graph = SqueezeExciteGraph.build(new DropConnect(0.2));
    graph.evaluate();
    float[] x = Checks.gaussian(new Random(57), 2 * SqueezeExciteGraph.CHANNELS * 25, 1);
    int[] shape = {2, SqueezeExciteGraph.CHANNELS, 5, 5};
    float[] expected = Checks.values(graph.forward(Checks.tensor(x, shape)).<Float>toTensor(BigDL.numeric()));
    for (Graph<Float> copy : java.util.Arrays.<Graph<Float>>asList((Graph<Float>) graph.cloneModule(),
        javaRoundTrip(graph))) {
      assertArrayEquals(expected,
          Checks.values(copy.forward(Checks.tensor(x, shape)).<Float>toTensor(BigDL.numeric())), 0f);
    }
  }

  private static Table pair(float[] x, float[] s) {
    return T.array(new Object[] {Checks.tensor(x, SHAPE), Checks.tensor(s, 2, 3, 1, 1)});
  }
}
