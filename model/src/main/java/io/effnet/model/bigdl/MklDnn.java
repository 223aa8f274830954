package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.mkl.Memory;
import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Identity;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.utils.Edge;
import com.intel.analytics.bigdl.utils.Engine$;
import com.intel.analytics.bigdl.utils.MklDnn$;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.FreezableBatchNorm;
import io.effnet.model.bigdl.layers.InvertedDropout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import scala.Tuple2;
import scala.collection.JavaConverters;

/**
 * An {@link EfficientNet} for BigDL 0.13's MKL-DNN engine ({@code -Dbigdl.engineType=mkldnn}, fixed when BigDL's
 * {@code Engine} object initialises, so set it on the JVM command line, for executors too).
 *
 * <p>BigDL converts a {@code StaticGraph} with {@code toIRgraph()}: convolutions, batch norms, pooling, sums and
 * the classifier become MKL-DNN primitives; layers without an MKL-DNN version (our {@code Swish},
 * {@code Sigmoid}, {@code ChannelScale}, {@code DropConnect}, {@code GlobalAveragePooling},
 * {@code InvertedDropout}) run wrapped in {@code BlasWrapper}. A model built with the project's
 * {@code DepthwiseConvolution} (the default engine's {@link LayerChoice}) gets BigDL's grouped
 * {@code SpatialConvolution} in its place here, on the same weight tensors, so that MKL-DNN runs its native
 * depthwise convolution instead of a wrapped single-threaded Java one (under the MKL-DNN engine the builder
 * uses BigDL's layer already); likewise BigDL's own batch norm over the model's tensors replaces the builder's
 * {@link FreezableBatchNorm}, which the converter would not recognise. The builder's graph converts as it is,
 * but two BigDL 0.13 defects break it at run time; the graphs made here avoid both without changing the
 * network's function:
 * <ul>
 *   <li>Backward: where a wrapped layer's output feeds two or more MKL-DNN layers, {@code DnnGraph} registers
 *   a format conversion for the first consumer's gradient only and then adds a native tensor to a heap tensor
 *   ("Only support dense tensor in this operation"). EfficientNet has this when the first block keeps its
 *   width and so has a shortcut from the stem's Swish (narrow variants, e.g. width 0.25). An {@code Identity}
 *   (an MKL-DNN layer after conversion) is inserted after such a layer, so the gradients are summed natively.
 *   </li>
 *   <li>Inference: {@code DnnGraph} fuses a residual sum into the convolution it finds behind one of the
 *   sum's inputs. Behind a {@code DropConnect} it finds the shortcut's producer instead of the branch, moves
 *   the wrong convolution and fails in MKL-DNN ("[mkldnn] ivalid arguments" in
 *   {@code DilatedConvForwardDescInit}). Drop-connect and dropout are identities at inference, so the
 *   inference graph leaves them out and the fusion then pairs the branch's projection with the sum, as it
 *   should. The fusion runs only when an IR graph's first forward is in evaluation mode; an IR graph first
 *   run in training mode keeps no fused layers.</li>
 * </ul>
 *
 * <p>Not worked around, found while testing (BigDL 0.13, its bundled MKL-DNN, this AMD AVX-512 machine):
 * <ul>
 *   <li>MKL-DNN's weight gradients of some 3x3 depthwise convolutions are wrong (garbage up to 1e38) while
 *   outputs and input gradients are right: measured for 2x2 inputs (stride 1 and 2), 3x3 and 32x32 inputs
 *   with stride 2; right for 4, 7, 8, 14, 16 and 56 and for every 5x5 case tried. B0 at 224 pixels and the
 *   narrow test network at 128 match the default engine's gradients; small inputs (a narrow network at 32 or
 *   64 pixels) do not. Check a new input size against the default engine before training on MKL-DNN.</li>
 *   <li>An IR graph whose first forward was in training mode fails in evaluation mode ("DnnTensor doesn't
 *   support this operation" in a wrapped layer), hence one graph per {@link Use}.</li>
 *   <li>{@code IRGraph.getExtraParameter()} after a training forward does not hold the batch-norm running
 *   statistics the default engine would have (they are far smaller, as if the initial statistics copied at
 *   conversion were left out; not investigated further):
 *   copying statistics back from an MKL-DNN-trained replica is unverified.</li>
 * </ul>
 */
public final class MklDnn {
  /** What the MKL-DNN graph will be used for; it decides which graph BigDL's primitives are built for. */
  public enum Use {
    /** Forward and backward with drop-connect and dropout active (an IR graph's first forward in training mode). */
    TRAINING,
    /** Forward in evaluation mode only (validation, prediction); drop-connect and dropout are left out. */
    INFERENCE
  }

  private static final String IR_PACKAGE = "com.intel.analytics.bigdl.utils.intermediate.IR";

  private MklDnn() {}

  /** Whether BigDL runs its MKL-DNN engine in this JVM. */
  public static boolean engineActive() {
    return MklDnn$.MODULE$.equals(Engine$.MODULE$.getEngineType());
  }

  /**
   * A graph over the model's own layers (weights and batch-norm statistics are shared, not copied; a direct
   * depthwise convolution is replaced by BigDL's grouped one on the same weight tensors) that BigDL's
   * MKL-DNN conversion can run, with its input and output formats set (NCHW images in, N x classes logits
   * out). Hand it to BigDL's {@code Optimizer}, {@code Evaluator} or {@code predict}: under the MKL-DNN engine
   * they convert it themselves, and the optimiser writes the trained weights back into these shared layers,
   * so the {@link EfficientNet} holds them afterwards. On the default engine it computes what
   * {@link EfficientNet#module()} computes.
   */
  public static StaticGraph<Float> convertibleGraph(EfficientNet model, Use use) {
    if (!(model.module() instanceof Graph)) {
      throw new IllegalArgumentException("expected the builder's BigDL Graph, got "
          + model.module().getClass().getName());
    }
    @SuppressWarnings("unchecked")
    Graph<Float> source = (Graph<Float>) (AbstractModule<?, ?, ?>) model.module();
    StaticGraph<Float> graph = rebuild(source, use == Use.INFERENCE);
    graph.setInputFormats(formats(Memory.Format.nchw));
    graph.setOutputFormats(formats(Memory.Format.nc));
    return graph;
  }

  /**
   * The model converted for the MKL-DNN engine ({@code IRGraph}), on a copy of its weights and batch-norm
   * statistics taken now: later changes to the model do not reach it and its training does not reach the
   * model. Set to training or evaluation mode according to {@code use}; keep to that use, since BigDL builds
   * its primitives at the first forward.
   *
   * @throws IllegalStateException if this JVM does not run the MKL-DNN engine
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static AbstractModule<Activity, Activity, Float> irGraph(EfficientNet model, Use use) {
    if (!engineActive()) {
      throw new IllegalStateException("BigDL runs its " + Engine.engineType() + " engine in this JVM; start the"
          + " JVM with -Dbigdl.engineType=mkldnn (it is read once, when BigDL's Engine initialises)");
    }
    // A private copy: the IR graph's wrapped layers would otherwise be the model's own Java layers and share
    // their output buffers with it.
    StaticGraph<Float> copy = (StaticGraph<Float>) (AbstractModule) convertibleGraph(model, use).cloneModule();
    AbstractModule<Activity, Activity, Float> ir;
    try {
      ir = (AbstractModule) copy.toIRgraph();
    } catch (RuntimeException e) {
      throw new IllegalStateException("BigDL could not convert " + model.spec().variant().name()
          + " for MKL-DNN: " + e, e);
    }
    if (ir == null) {
      throw new IllegalStateException("BigDL refused to convert " + model.spec().variant().name()
          + " for MKL-DNN (toIRgraph gave null: a layer has no MKL-DNN conversion; see BigDL's log)");
    }
    if (use == Use.TRAINING) {
      ir.training();
    } else {
      ir.evaluate();
    }
    return ir;
  }

  /**
   * New nodes over the same modules in the same order, leaving out drop-connect and dropout for inference and
   * putting an {@code Identity} after a wrapped layer that feeds two or more MKL-DNN layers.
   */
  @SuppressWarnings("rawtypes")
  private static StaticGraph<Float> rebuild(Graph<Float> source, boolean inference) {
    List<Node> created = new ArrayList<>();
    GraphRewrite rewrite = GraphRewrite.of(source, (module, inputs) -> {
      if (inference && (module instanceof DropConnect || module instanceof InvertedDropout)
          && inputs.size() == 1) {
        return GraphRewrite.passThrough(module, inputs);
      }
      AbstractModule replacement = module instanceof FreezableBatchNorm
          ? bigDLBatchNorm((FreezableBatchNorm) module, inference) : convertible(module);
      Node node = GraphRewrite.connect(replacement, inputs);
      created.add(node);
      return node;
    });
    for (Node node : created) {
      if (runsWrapped((AbstractModule) node.element()) && nativeConsumers(node) >= 2) {
        insertIdentityAfter(node);
      }
    }
    return rewrite.toGraph(source.getName() + (inference ? "_mkldnn_inference" : "_mkldnn_training"));
  }

  /**
   * BigDL's converter finds a layer's MKL-DNN version by its class's simple name, so the builder's
   * {@link FreezableBatchNorm} would run wrapped; BigDL's own batch norm over the same tensors converts. MKL-DNN's
   * batch norm has no frozen mode: a frozen layer is refused for training.
   */
  private static SpatialBatchNormalization<Float> bigDLBatchNorm(FreezableBatchNorm bn, boolean inference) {
    if (bn.isFrozen() && !inference) {
      throw new IllegalStateException("batch norm " + bn.getName() + " is frozen (a fine-tune with a frozen"
          + " backbone), and BigDL's MKL-DNN batch norm has no frozen mode: train frozen layers on the default"
          + " engine (mklblas)");
    }
    return bn.sharingBigDLLayer();
  }

  /** BigDL's layer for one of the project's that MKL-DNN would otherwise run wrapped; else the module itself. */
  @SuppressWarnings("rawtypes")
  private static AbstractModule convertible(AbstractModule module) {
    if (!(module instanceof DepthwiseConvolution)) {
      return module;
    }
    AbstractModule grouped = Layers.groupedSharing((DepthwiseConvolution) module);
    grouped.setName(module.getName());
    if (!module.isTraining()) {
      grouped.evaluate();
    }
    return grouped;
  }

  /** BigDL's converter maps a layer {@code X} to an MKL-DNN layer only if {@code intermediate.IRX} exists. */
  private static boolean runsWrapped(AbstractModule<?, ?, ?> module) {
    try {
      Class.forName(IR_PACKAGE + module.getClass().getSimpleName(), false, MklDnn.class.getClassLoader());
      return false;
    } catch (ClassNotFoundException e) {
      return true;
    }
  }

  @SuppressWarnings("rawtypes")
  private static int nativeConsumers(Node node) {
    int count = 0;
    for (Node next : GraphRewrite.<Node>javaList(node.nextNodes())) {
      if (!runsWrapped((AbstractModule) next.element())) {
        count++;
      }
    }
    return count;
  }

  /** {@code producer -> consumers} becomes {@code producer -> identity -> consumers}, keeping input order. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void insertIdentityAfter(Node producer) {
    AbstractModule<Activity, Activity, Float> identity = new Identity<>(BigDL.tag(), BigDL.numeric());
    identity.setName(((AbstractModule) producer.element()).getName() + "_fanout");
    Node identityNode = new Node(identity);
    List<Node> consumers = GraphRewrite.javaList(producer.nextNodes());
    for (Node consumer : consumers) {
      List<Tuple2<Node, Edge>> prevs = GraphRewrite.javaList(consumer.prevNodesAndEdges());
      consumer.removePrevEdges();
      for (Tuple2<Node, Edge> prev : prevs) {
        (prev._1() == producer ? identityNode : prev._1()).add(consumer, prev._2());
      }
    }
    producer.add(identityNode, Edge.apply());
  }

  private static scala.collection.Seq<Object> formats(int format) {
    return JavaConverters.asScalaBufferConverter(Arrays.<Object>asList(format)).asScala();
  }
}
