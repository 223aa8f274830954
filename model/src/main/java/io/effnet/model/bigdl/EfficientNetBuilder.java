package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Graph$;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.ResolvedBlock;
import io.effnet.model.bigdl.layers.ChannelScale;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.Sigmoid;
import io.effnet.model.bigdl.layers.Swish;

/**
 * Builds the BigDL graph of a resolved {@link NetworkSpec}. It only walks the spec: every channel count,
 * stride and rate was decided by the architecture part. Layer names follow the Keras reference
 * ({@code stem_conv}, {@code block2a_expand_conv}, {@code top_bn}, {@code predictions}).
 *
 * <p>The depthwise convolutions and global poolings are BigDL's layers or the project's faster ones, as a
 * {@link LayerChoice} says; by default the choice for the BigDL engine this JVM runs
 * ({@link LayerChoice#forThisJvm()}). Parameter names and shapes are the same either way.
 */
public final class EfficientNetBuilder {
  /** The reference's batch-norm decay (TF convention). */
  public static final double DEFAULT_BN_DECAY = 0.99;

  private final double weightDecay;
  private final double bnDecay;
  private final LayerChoice layers;

  private EfficientNetBuilder(double weightDecay, double bnDecay, LayerChoice layers) {
    this.weightDecay = weightDecay;
    this.bnDecay = bnDecay;
    this.layers = layers;
  }

  /**
   * The network with the reference's batch-norm decay and no weight decay (inference, loading), with the
   * layers for this JVM's engine.
   */
  public static EfficientNet build(NetworkSpec spec) {
    return build(spec, 0, DEFAULT_BN_DECAY);
  }

  /**
   * The network with L2 weight decay on conv and dense weights only (never on batch norm) and the given
   * batch-norm decay (TF convention: running = decay x running + (1 - decay) x batch), with the layers for
   * this JVM's engine ({@link LayerChoice#forThisJvm()}).
   */
  public static EfficientNet build(NetworkSpec spec, double weightDecay, double bnDecay) {
    return build(spec, weightDecay, bnDecay, LayerChoice.forThisJvm());
  }

  /** As {@link #build(NetworkSpec, double, double)}, with the given layer implementations. */
  public static EfficientNet build(NetworkSpec spec, double weightDecay, double bnDecay, LayerChoice layers) {
    if (weightDecay < 0) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    if (bnDecay < 0 || bnDecay >= 1) {
      throw new IllegalArgumentException("batch-norm decay must be in [0, 1), got " + bnDecay);
    }
    if (layers == null) {
      throw new IllegalArgumentException("layer choice is null: use LayerChoice.forThisJvm() for the default");
    }
    return new EfficientNet(spec, new EfficientNetBuilder(weightDecay, bnDecay, layers).graph(spec));
  }

  private Graph<Float> graph(NetworkSpec spec) {
    Node<AbstractModule<Activity, Activity, Float>> input = com.intel.analytics.bigdl.nn.Input$.MODULE$.apply("input", BigDL.tag(), BigDL.numeric());
    Node<AbstractModule<Activity, Activity, Float>> x = input;
    x = node("stem_conv", Layers.conv(3, spec.stemChannels(), 3, 2, 1, weightDecay), x);
    x = node("stem_bn", Layers.batchNorm(spec.stemChannels(), bnDecay), x);
    x = node("stem_activation", new Swish(), x);
    for (ResolvedBlock block : spec.blocks()) {
      x = mbConv(block, x);
    }
    x = node("top_conv", Layers.conv(spec.headInputChannels(), spec.headChannels(), 1, 1, 1, weightDecay), x);
    x = node("top_bn", Layers.batchNorm(spec.headChannels(), bnDecay), x);
    x = node("top_activation", new Swish(), x);
    x = node("avg_pool", globalAveragePool(), x);
    x = node("avg_pool_flatten", Layers.flatten(spec.headChannels()), x);
    if (spec.variant().dropoutRate() > 0) {
      x = node("top_dropout", Layers.dropout(spec.variant().dropoutRate()), x);
    }
    x = node("predictions", Layers.dense(spec.headChannels(), spec.numClasses(), weightDecay), x);
    return graphOf(input, x);
  }

  /**
   * Mobile inverted bottleneck (MBConv) with squeeze-excitation, in the reference's phases: expansion,
   * depthwise, squeeze-excitation, projection, then drop-connect and the identity shortcut.
   */
  private Node<AbstractModule<Activity, Activity, Float>> mbConv(ResolvedBlock b,
      Node<AbstractModule<Activity, Activity, Float>> input) {
    String n = b.name();
    int exp = b.expandedChannels();
    Node<AbstractModule<Activity, Activity, Float>> x = input;
    if (b.hasExpansion()) {
      x = node(n + "_expand_conv", Layers.conv(b.inChannels(), exp, 1, 1, 1, weightDecay), x);
      x = node(n + "_expand_bn", Layers.batchNorm(exp, bnDecay), x);
      x = node(n + "_expand_activation", new Swish(), x);
    }
    x = node(n + "_dwconv", depthwise(exp, b.kernel(), b.stride()), x);
    x = node(n + "_bn", Layers.batchNorm(exp, bnDecay), x);
    x = node(n + "_activation", new Swish(), x);
    if (b.hasSqueezeExcitation()) {
      Node<AbstractModule<Activity, Activity, Float>> s = node(n + "_se_squeeze", globalAveragePool(), x);
      s = node(n + "_se_reduce", Layers.conv1x1WithBias(exp, b.seChannels(), weightDecay), s);
      s = node(n + "_se_reduce_activation", new Swish(), s);
      s = node(n + "_se_expand", Layers.conv1x1WithBias(b.seChannels(), exp, weightDecay), s);
      s = node(n + "_se_expand_activation", new Sigmoid(), s);
      x = node(n + "_se_excite", new ChannelScale(), x, s);
    }
    x = node(n + "_project_conv", Layers.conv(exp, b.outChannels(), 1, 1, 1, weightDecay), x);
    x = node(n + "_project_bn", Layers.batchNorm(b.outChannels(), bnDecay), x);
    if (b.hasSkip()) {
      if (b.dropConnectRate() > 0) {
        x = node(n + "_drop", new DropConnect(b.dropConnectRate()), x);
      }
      x = node(n + "_add", Layers.add(), x, input);
    }
    return x;
  }

  private AbstractModule<?, ?, Float> depthwise(int channels, int kernel, int stride) {
    return layers.depthwise() == LayerChoice.Depthwise.DIRECT
        ? Layers.depthwise(channels, kernel, stride, weightDecay)
        : Layers.conv(channels, channels, kernel, stride, channels, weightDecay);
  }

  private AbstractModule<?, ?, Float> globalAveragePool() {
    return layers.globalPooling() == LayerChoice.GlobalPooling.JAVA ? Layers.javaGlobalAveragePool()
        : Layers.globalAveragePool();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Node<AbstractModule<Activity, Activity, Float>> node(String name, AbstractModule module,
      Node<AbstractModule<Activity, Activity, Float>>... inputs) {
    module.setName(name);
    return module.inputs(inputs);
  }

  @SuppressWarnings("unchecked")
  private static Graph<Float> graphOf(Node<AbstractModule<Activity, Activity, Float>> input,
      Node<AbstractModule<Activity, Activity, Float>> output) {
    return Graph$.MODULE$.apply(new Node[] {input}, new Node[] {output}, scala.Option.empty(), BigDL.tag(),
        BigDL.numeric());
  }
}
