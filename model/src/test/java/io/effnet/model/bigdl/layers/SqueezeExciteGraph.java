package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.CAddTable;
import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Graph$;
import com.intel.analytics.bigdl.nn.Input$;
import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat;
import com.intel.analytics.bigdl.nn.abstractnn.DataFormat$;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.bigdl.BigDL;

/**
 * A miniature MBConv block in the shape EfficientNet uses the custom layers: 1x1 conv, Swish,
 * squeeze-excitation (global average pool, 1x1 conv, Swish, 1x1 conv, Sigmoid, ChannelScale), 1x1 projection,
 * DropConnect and the identity shortcut, then the next block's 1x1 conv. Shared by the graph tests and the
 * MKL-DNN check.
 */
final class SqueezeExciteGraph {
  static final int CHANNELS = 4;
  private static final DataFormat NCHW = DataFormat$.MODULE$.apply("NCHW");

  private SqueezeExciteGraph() {}

  /** {@link #CHANNELS} channels, expanded to 6, squeezed to 2. */
  static Graph<Float> build(DropConnect dropConnect) {
    return build(CHANNELS, 6, 2, dropConnect);
  }

  /** Weights are drawn from BigDL's generator: call {@code BigDL.seed} first for a reproducible graph. */
  @SuppressWarnings("unchecked")
  static Graph<Float> build(int channels, int expanded, int squeezed, DropConnect dropConnect) {
    Node<AbstractModule<Activity, Activity, Float>> input = Input$.MODULE$.apply("input", BigDL.tag(), BigDL.numeric());
    Node<AbstractModule<Activity, Activity, Float>> x = node("expand", conv(channels, expanded, false), input);
    x = node("expand_swish", new Swish(), x);
    Node<AbstractModule<Activity, Activity, Float>> s = node("se_squeeze",
        new SpatialAveragePooling<>(1, 1, 1, 1, 0, 0, true, false, true, true, NCHW, BigDL.tag(), BigDL.numeric()),
        x);
    s = node("se_reduce", conv(expanded, squeezed, true), s);
    s = node("se_reduce_swish", new Swish(), s);
    s = node("se_expand", conv(squeezed, expanded, true), s);
    s = node("se_sigmoid", new Sigmoid(), s);
    x = node("se_excite", new ChannelScale(), x, s);
    x = node("project", conv(expanded, channels, false), x);
    x = node("drop", dropConnect, x);
    x = node("add", new CAddTable<Float, Float>(false, BigDL.tag(), BigDL.tag(), BigDL.numeric(), BigDL.numeric()),
        x, input);
    // What follows a block in EfficientNet is a convolution. Under MKL-DNN it also keeps the residual sum's
    // gradient native: a graph ending in the sum hands it a heap gradient, which BigDL 0.13's DnnGraph then
    // fails to add to the native gradient of the block's first convolution ("Just support two dnn tensor add").
    x = node("next_conv", conv(channels, channels, false), x);
    return Graph$.MODULE$.apply(new Node[] {input}, new Node[] {x}, scala.Option.empty(), BigDL.tag(),
        BigDL.numeric());
  }

  private static SpatialConvolution<Float> conv(int in, int out, boolean bias) {
    return new SpatialConvolution<>(in, out, 1, 1, 1, 1, 0, 0, 1, true, null, null, null, null, null, null, bias,
        NCHW, BigDL.tag(), BigDL.numeric());
  }

  @SafeVarargs
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Node<AbstractModule<Activity, Activity, Float>> node(String name, AbstractModule module,
      Node<AbstractModule<Activity, Activity, Float>>... inputs) {
    module.setName(name);
    return module.inputs(inputs);
  }
}
