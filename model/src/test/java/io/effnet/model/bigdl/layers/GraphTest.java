package io.effnet.model.bigdl.layers;

import static io.effnet.model.bigdl.layers.Checks.assertAllFinite;
import static io.effnet.model.bigdl.layers.Checks.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The layers inside a BigDL StaticGraph on BigDL's default engine. */
class GraphTest {
  private static final int[] SHAPE = {2, SqueezeExciteGraph.CHANNELS, 5, 5};
  private static final int N = 2 * SqueezeExciteGraph.CHANNELS * 5 * 5;

  private static float[] forward(Graph<Float> graph, float[] x) {
    Activity out = graph.forward(Checks.tensor(x, SHAPE));
    return Checks.values(out.<Float>toTensor(BigDL.numeric()));
  }

  @Test
  void trainingForwardAndBackwardAreFinite() {
    BigDL.seed(41);
    Graph<Float> graph = SqueezeExciteGraph.build(new DropConnect(0.5, 42));
    graph.training();
    float[] x = Checks.gaussian(new Random(43), N, 1);
    Tensor<Float> out = graph.forward(Checks.tensor(x, SHAPE)).toTensor(BigDL.numeric());
    assertArrayEquals(SHAPE, out.size());
    assertAllFinite(Checks.values(out), "graph output");
    Tensor<Float> gradIn = graph.backward(Checks.tensor(x, SHAPE), Checks.tensor(x, SHAPE))
        .toTensor(BigDL.numeric());
    assertArrayEquals(SHAPE, gradIn.size());
    assertAllFinite(Checks.values(gradIn), "graph gradInput");
    Tensor<Float>[] gradients = graph.parameters()._2();
    for (Tensor<Float> g : gradients) {
      assertAllFinite(Checks.values(g), "parameter gradient");
    }
  }

  /** The SE branch routes the input gradient through ChannelScale's second input: CMulTable broke this. */
  @Test
  void inputGradientMatchesCentralDifferences() {
    BigDL.seed(44);
    Graph<Float> graph = SqueezeExciteGraph.build(new DropConnect(0.5, 45));
    graph.evaluate();
    Random random = new Random(46);
    float[] x = Checks.gaussian(random, N, 1);
    float[] g = Checks.uniform(random, N, -1, 1);
    forward(graph, x);
    float[] analytic = Checks.values(graph.backward(Checks.tensor(x, SHAPE), Checks.tensor(g, SHAPE))
        .<Float>toTensor(BigDL.numeric()));
    double[] numeric = Checks.numericGradient(xs -> Checks.dot(g, forward(graph, xs)), x, 1e-2f);
    assertClose(numeric, analytic, 1e-2, 1e-3, "graph gradInput");
  }

  /**
   * Weight gradients of the SE convolutions reach them only through ChannelScale's gradient for its second
   * input, so this pins that path down on its own (it is small next to the x path in the input gradient).
   */
  @Test
  void squeezeExcitationWeightGradientsMatchCentralDifferences() {
    BigDL.seed(50);
    Graph<Float> graph = SqueezeExciteGraph.build(new DropConnect(0.5, 51));
    graph.evaluate();
    Random random = new Random(52);
    float[] x = Checks.gaussian(random, N, 1);
    float[] g = Checks.uniform(random, N, -1, 1);
    forward(graph, x);
    graph.zeroGradParameters();
    graph.backward(Checks.tensor(x, SHAPE), Checks.tensor(g, SHAPE));
    for (String name : new String[] {"se_reduce", "se_expand"}) {
      AbstractModule<Activity, Activity, Float> conv = graph.apply(name).get();
      for (int p = 0; p < 2; p++) {
        Tensor<Float> weight = conv.parameters()._1()[p];
        float[] analytic = Checks.values(conv.parameters()._2()[p]);
        float[] original = Checks.values(weight);
        double[] numeric = Checks.numericGradient(w -> {
          weight.copy(Checks.tensor(w, weight.size()));
          return Checks.dot(g, forward(graph, x));
        }, original, 1e-2f);
        weight.copy(Checks.tensor(original, weight.size()));
        assertClose(numeric, analytic, 1e-2, 1e-3, name + (p == 0 ? " weight" : " bias") + " gradient");
      }
    }
  }

  @Test
  void trainingModeDropsTheResidualBranchPerSample() {
    BigDL.seed(47);
    DropConnect drop = new DropConnect(0.5, 48);
    Graph<Float> graph = SqueezeExciteGraph.build(drop);
    graph.training();
    AbstractModule<Activity, Activity, Float> residualSum = graph.apply("add").get();
    float[] x = Checks.gaussian(new Random(49), N, 1);
    int perSample = N / 2;
    boolean sawDropped = false;
    for (int step = 0; step < 20; step++) {
      forward(graph, x);
      float[] sum = Checks.values(residualSum.output().<Float>toTensor(BigDL.numeric()));
      boolean[] mask = drop.lastMask();
      for (int n = 0; n < 2; n++) {
        if (!mask[n]) {
          sawDropped = true;
          for (int j = 0; j < perSample; j++) {
            assertTrue(sum[n * perSample + j] == x[n * perSample + j], "a dropped branch leaves the shortcut only");
          }
        }
      }
    }
    assertTrue(sawDropped, "20 forwards with rate 0.5 drew no dropped sample");
  }
}
