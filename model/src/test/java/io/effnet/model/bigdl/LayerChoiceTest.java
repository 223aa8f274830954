package io.effnet.model.bigdl;

import static io.effnet.model.testing.LayerComparison.assertClose;
import static io.effnet.model.testing.LayerComparison.flatten;
import static io.effnet.model.testing.LayerComparison.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.LayerChoice.Depthwise;
import io.effnet.model.bigdl.LayerChoice.GlobalPooling;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.bigdl.layers.GlobalAveragePooling;
import io.effnet.model.bigdl.layers.SeededMasks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The builder's layer choices: which layers each one puts into the graph, and that every choice is the same
 * network (same tensor names and shapes, same training step) as BigDL's own layers.
 */
class LayerChoiceTest {
  /** Drop-connect and dropout on, a shortcut from the stem, stride-2 blocks with kernels 3 and 5. */
  private static final NetworkSpec SPEC = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 64, 0.2, 0.2), 7, 40);

  @Test
  void eachEngineGetsItsFastestLayers() {
    assertEquals(LayerChoice.of(Depthwise.DIRECT, GlobalPooling.BIGDL), LayerChoice.forEngine("mklblas"));
    assertEquals(LayerChoice.of(Depthwise.BIGDL_GROUPED, GlobalPooling.JAVA), LayerChoice.forEngine("mkldnn"));
    assertEquals(LayerChoice.forEngine("mklblas"), LayerChoice.forThisJvm(), "this test JVM runs the default");
    assertEquals("depthwise direct, global pooling bigdl", LayerChoice.forEngine("mklblas").toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerChoice.forEngine("gpu"));
    assertTrue(e.getMessage().contains("mklblas or mkldnn"), e.getMessage());
  }

  @Test
  void theDefaultBuildOnThisEngineUsesTheDirectDepthwiseConvolutionAndBigDLsPooling() {
    AbstractModule<Activity, Activity, Float> graph = EfficientNetBuilder.build(SPEC, 1e-5, 0.99).module();
    int squeezes = (int) SPEC.blocks().stream().filter(b -> b.hasSqueezeExcitation()).count();
    assertEquals(SPEC.blocks().size(), count(graph, DepthwiseConvolution.class));
    assertEquals(0, count(graph, SpatialConvolution.class, "_dwconv"));
    assertEquals(squeezes + 1, count(graph, SpatialAveragePooling.class));
    assertTrue((Object) graph.apply("block1a_dwconv").get() instanceof DepthwiseConvolution);
  }

  @Test
  void bigdlsChoiceUsesItsGroupedConvolutionAndTheMklDnnChoiceTheJavaPooling() {
    AbstractModule<Activity, Activity, Float> bigdl = build(LayerChoice.BIGDL).module();
    assertEquals(0, count(bigdl, DepthwiseConvolution.class));
    assertEquals(SPEC.blocks().size(), count(bigdl, SpatialConvolution.class, "_dwconv"));
    AbstractModule<Activity, Activity, Float> mkldnn = build(LayerChoice.forEngine("mkldnn")).module();
    assertEquals(0, count(mkldnn, SpatialAveragePooling.class));
    assertEquals(count(bigdl, SpatialAveragePooling.class), count(mkldnn, GlobalAveragePooling.class));
  }

  /**
   * The weight decay reaches the direct depthwise convolution as it reaches BigDL's: the same regulariser type
   * and factor (it adds decay x weight to the weight gradient, checked in {@code DepthwiseConvolutionTest}).
   */
  @Test
  void weightDecayReachesTheDirectDepthwiseConvolution() {
    EfficientNet direct = EfficientNetBuilder.build(SPEC, 4e-5, 0.99, LayerChoice.forEngine("mklblas"));
    EfficientNet bigdl = EfficientNetBuilder.build(SPEC, 4e-5, 0.99, LayerChoice.BIGDL);
    DepthwiseConvolution dw = (DepthwiseConvolution) (Object) direct.module().apply("block2a_dwconv").get();
    @SuppressWarnings("unchecked")
    SpatialConvolution<Float> grouped =
        (SpatialConvolution<Float>) (Object) bigdl.module().apply("block2a_dwconv").get();
    assertEquals(grouped.wRegularizer().getClass(), dw.weightRegularizer().getClass());
    assertEquals(((com.intel.analytics.bigdl.optim.L2Regularizer<?>) grouped.wRegularizer()).l2(),
        ((com.intel.analytics.bigdl.optim.L2Regularizer<?>) dw.weightRegularizer()).l2(), 0);
    EfficientNet noDecay = EfficientNetBuilder.build(SPEC, 0, 0.99, LayerChoice.forEngine("mklblas"));
    Object noDecayLayer = noDecay.module().apply("block2a_dwconv").get();
    assertEquals(null, ((DepthwiseConvolution) noDecayLayer).weightRegularizer());
  }

  @Test
  void everyChoiceHasTheSameTensorNamesAndShapesSoModelFilesMoveBetweenThem() throws IOException {
    EfficientNet bigdl = build(LayerChoice.BIGDL);
    EfficientNet direct = build(LayerChoice.of(Depthwise.DIRECT, GlobalPooling.JAVA));
    Map<String, Tensor<Float>> a = bigdl.namedTensors();
    Map<String, Tensor<Float>> b = direct.namedTensors();
    assertEquals(a.keySet(), b.keySet());
    for (String name : a.keySet()) {
      assertArrayEquals(a.get(name).size(), b.get(name).size(), name);
    }
    int stemWidth = SPEC.blocks().get(0).expandedChannels();
    assertArrayEquals(new int[] {stemWidth, 1, 1, 3, 3}, b.get("block1a_dwconv/weight").size());
    assertEquals(SPEC.parameterCount(), direct.trainableParameterCount());

    // Written with BigDL's layers, read (built for this engine: the direct layer) back: the same logits.
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    bigdl.write(file);
    EfficientNet loaded = EfficientNet.read(new ByteArrayInputStream(file.toByteArray()));
    assertTrue((Object) loaded.module().apply("block1a_dwconv").get() instanceof DepthwiseConvolution);
    float[] images = Activations.images(8, 2, SPEC.inputSize());
    float[][] expected = bigdl.predictLogits(images, 2);
    float[][] actual = loaded.predictLogits(images, 2);
    for (int i = 0; i < 2; i++) {
      assertClose(expected[i], actual[i], 1e-4, 1e-4, "logits of image " + i);
    }
  }

  /**
   * Two training-mode steps (batch norm on batch statistics) on copies of the same weights. Drop connect and
   * dropout stay in evaluation mode: their masks depend on the bits of their inputs (so that BigDL's model replicas
   * draw different masks, repeatably), which the implementations compared here round differently.
   */
  @ParameterizedTest(name = "{0} + {1}")
  @CsvSource({"DIRECT,BIGDL", "DIRECT,JAVA", "BIGDL_GROUPED,JAVA"})
  void everyChoiceTrainsLikeBigDLsOwnLayers(Depthwise depthwise, GlobalPooling pooling) {
    EfficientNet reference = build(LayerChoice.BIGDL);
    EfficientNet candidate = build(LayerChoice.of(depthwise, pooling));
    candidate.copyWeightsFrom(reference);
    AbstractModule<Activity, Activity, Float> a = reference.module();
    AbstractModule<Activity, Activity, Float> b = candidate.module();
    Random random = new Random(4);
    Tensor<Float> x = BigDL.tensor(Activations.images(random.nextLong(), 4, SPEC.inputSize()), 4, 3,
        SPEC.inputSize(), SPEC.inputSize());
    Tensor<Float> g = BigDL.tensor(Activations.images(random.nextLong(), 4, 1), 4, 3).resize(4, 7);
    for (AbstractModule<Activity, Activity, Float> m : java.util.Arrays.asList(a, b)) {
      m.training();
      m.zeroGradParameters();
      for (AbstractModule<?, ?, ?> layer : graphModules(m)) {
        if (layer instanceof SeededMasks) {
          layer.evaluate();
        }
      }
    }
    for (int step = 0; step < 2; step++) {
      float[] ya = values(a.forward(x.clone()).toTensor(BigDL.numeric()));
      float[] yb = values(b.forward(x.clone()).toTensor(BigDL.numeric()));
      assertClose(ya, yb, 1e-4, 1e-3, "output of step " + step);
      float[] gia = values(a.backward(x.clone(), g.clone()).toTensor(BigDL.numeric()));
      float[] gib = values(b.backward(x.clone(), g.clone()).toTensor(BigDL.numeric()));
      assertClose(gia, gib, 1e-4, 1e-3, "input gradient of step " + step);
    }
    assertClose(flatten(a.parameters()._2()), flatten(b.parameters()._2()), 1e-4, 1e-3,
        "accumulated parameter gradients");
  }

  private static EfficientNet build(LayerChoice layers) {
    BigDL.seed(3);
    return EfficientNetBuilder.build(SPEC, 1e-4, 0.99, layers);
  }

  private static int count(AbstractModule<Activity, Activity, Float> graph, Class<?> type) {
    return count(graph, type, "");
  }

  /** Layers of {@code type} whose name ends with {@code suffix}. */
  private static int count(AbstractModule<Activity, Activity, Float> graph, Class<?> type, String suffix) {
    int n = 0;
    for (AbstractModule<?, ?, ?> m : graphModules(graph)) {
      if (type.isInstance(m) && m.getName().endsWith(suffix)) {
        n++;
      }
    }
    return n;
  }

  @SuppressWarnings("unchecked")
  private static java.util.List<AbstractModule<?, ?, ?>> graphModules(AbstractModule<Activity, Activity, Float> g) {
    com.intel.analytics.bigdl.nn.Graph<Float> graph = (com.intel.analytics.bigdl.nn.Graph<Float>) (Object) g;
    java.util.List<AbstractModule<?, ?, ?>> out = new java.util.ArrayList<>();
    for (int i = 0; i < graph.modules().size(); i++) {
      out.add(graph.modules().apply(i));
    }
    return out;
  }
}
