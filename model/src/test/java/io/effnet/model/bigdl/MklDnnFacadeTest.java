package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import org.junit.jupiter.api.Test;

/**
 * The graphs {@link MklDnn} prepares, on BigDL's default engine (this JVM's): what they contain and that they
 * compute what the model computes. Their conversion and run on MKL-DNN is {@code MklDnnEngineTest}.
 */
class MklDnnFacadeTest {
  /** Width 0.25: the first block keeps the stem's 8 channels and so has a shortcut from the stem's Swish. */
  private static final Variant NARROW = new Variant("narrow", 0.25, 0.34, 32, 0.2, 0.2);

  @Test
  void theEngineOfThisJvmIsTheDefaultOne() {
    assertFalse(MklDnn.engineActive());
    assertEquals("mklblas", Engine.engineType());
  }

  /** BigDL's layers throughout: the graph holds the model's own layers, so it computes exactly the same. */
  @Test
  void inferenceGraphComputesExactlyWhatTheModelComputesAtInference() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32), 0,
        EfficientNetBuilder.DEFAULT_BN_DECAY, LayerChoice.BIGDL);
    KnownWeights.install(model, 3, KnownWeights.NARROW_GAIN);
    float[] images = Activations.images(4, 2, 32);
    model.module().evaluate();
    float[] expected = Activations.values(
        model.module().forward(BigDL.tensor(images.clone(), 2, 3, 32, 32)).toTensor(BigDL.numeric()));
    StaticGraph<Float> graph = MklDnn.convertibleGraph(model, MklDnn.Use.INFERENCE);
    graph.evaluate();
    float[] actual = Activations.values(graph.forward(BigDL.tensor(images.clone(), 2, 3, 32, 32))
        .toTensor(BigDL.numeric()));
    assertArrayEquals(expected, actual, 0f);
    assertFalse(graph.apply("block4b_drop").isDefined(), "drop-connect is left out at inference");
    assertFalse(graph.apply("top_dropout").isDefined(), "dropout is left out at inference");
  }

  /**
   * The default engine's model has the direct depthwise convolution; the graph for MKL-DNN has BigDL's grouped
   * one in its place, on the same weight tensors, computing the same within float rounding.
   */
  @Test
  void directDepthwiseConvolutionsBecomeBigDLsGroupedOnTheSameWeights() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32));
    KnownWeights.install(model, 3, KnownWeights.NARROW_GAIN);
    assertTrue((Object) model.module().apply("block1a_dwconv").get() instanceof DepthwiseConvolution);
    StaticGraph<Float> graph = MklDnn.convertibleGraph(model, MklDnn.Use.INFERENCE);
    for (int i = 0; i < model.spec().blocks().size(); i++) {
      String name = model.spec().blocks().get(i).name() + "_dwconv";
      Object layer = graph.apply(name).get();
      assertTrue(layer instanceof SpatialConvolution, name + " is " + layer);
      DepthwiseConvolution direct = (DepthwiseConvolution) (Object) model.module().apply(name).get();
      @SuppressWarnings("unchecked")
      SpatialConvolution<Float> grouped = (SpatialConvolution<Float>) layer;
      assertSame(direct.weight(), grouped.weight(), name);
      assertSame(direct.gradWeight(), grouped.gradWeight(), name);
      assertSame(direct.weightRegularizer(), grouped.wRegularizer(), name);
      assertEquals(direct.channels(), grouped.nGroup(), name);
      assertEquals(direct.stride(), grouped.strideW(), name);
    }
    float[] images = Activations.images(4, 2, 32);
    model.module().evaluate();
    float[] expected = Activations.values(
        model.module().forward(BigDL.tensor(images.clone(), 2, 3, 32, 32)).toTensor(BigDL.numeric()));
    graph.evaluate();
    float[] actual = Activations.values(graph.forward(BigDL.tensor(images.clone(), 2, 3, 32, 32))
        .toTensor(BigDL.numeric()));
    Activations.assertCloseRelative(Activations.toDouble(expected), actual, 1e-5, "logits");
    assertTrue((Object) model.module().apply("block1a_dwconv").get() instanceof DepthwiseConvolution,
        "the model itself keeps its layers");
  }

  @Test
  void trainingGraphSharesTheModelsParametersAndKeepsItsRandomLayers() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32));
    StaticGraph<Float> graph = MklDnn.convertibleGraph(model, MklDnn.Use.TRAINING);
    Tensor<Float>[] mine = graph.parameters()._1();
    Tensor<Float>[] models = model.module().parameters()._1();
    assertEquals(models.length, mine.length);
    for (int i = 0; i < mine.length; i++) {
      assertSame(models[i], mine[i], "parameter " + i + " is the model's own tensor");
    }
    assertTrue(graph.apply("block4b_drop").isDefined());
    assertTrue(graph.apply("top_dropout").isDefined());
  }

  /**
   * The stem's Swish (a wrapped layer under MKL-DNN) feeds block1a's depthwise convolution and its residual
   * sum, both MKL-DNN layers: the identity that lets BigDL sum their gradients natively goes there. B0's first
   * block changes width, has no shortcut and needs none.
   */
  @Test
  void anIdentityFollowsAWrappedLayerOnlyWhereItFeedsTwoMklDnnLayers() {
    EfficientNet narrow = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32));
    assertTrue(narrow.spec().blocks().get(0).hasSkip());
    StaticGraph<Float> graph = MklDnn.convertibleGraph(narrow, MklDnn.Use.TRAINING);
    assertTrue(graph.apply("stem_activation_fanout").isDefined());
    // The SE branch's Swish feeds one MKL-DNN layer (the pooling) and one wrapped layer (the channel scale).
    assertFalse(graph.apply("block1a_activation_fanout").isDefined());

    EfficientNet b0 = EfficientNetBuilder.build(NetworkSpec.resolve(Variant.published("b0"), 10, 64));
    StaticGraph<Float> b0Graph = MklDnn.convertibleGraph(b0, MklDnn.Use.TRAINING);
    assertFalse(b0Graph.apply("stem_activation_fanout").isDefined());
  }

  /**
   * The converter knows BigDL's own batch norm only (by class name): the graphs hold it, over the model's tensors.
   * MKL-DNN's batch norm has no frozen mode, so a frozen backbone is refused for training.
   */
  @Test
  void graphsUseBigDLsBatchNormAndRefuseAFrozenBackboneForTraining() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32));
    for (MklDnn.Use use : MklDnn.Use.values()) {
      StaticGraph<Float> graph = MklDnn.convertibleGraph(model, use);
      Object bn = graph.apply("top_bn").get();
      assertEquals(com.intel.analytics.bigdl.nn.SpatialBatchNormalization.class, bn.getClass());
      assertSame(model.namedTensors().get("top_bn/runningMean"),
          ((com.intel.analytics.bigdl.nn.SpatialBatchNormalization<?>) bn).runningMean());
    }
    model.freezeBackbone();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> MklDnn.convertibleGraph(model, MklDnn.Use.TRAINING));
    assertTrue(e.getMessage().contains("frozen"), e.getMessage());
    MklDnn.convertibleGraph(model, MklDnn.Use.INFERENCE);
  }

  @Test
  void convertingOnTheDefaultEngineSaysHowToGetMklDnn() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 5, 32));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> MklDnn.irGraph(model, MklDnn.Use.INFERENCE));
    assertTrue(e.getMessage().contains("-Dbigdl.engineType=mkldnn"), e.getMessage());
  }
}
