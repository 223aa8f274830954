package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.mkl.Memory;
import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Identity;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Edge;
import com.intel.analytics.bigdl.utils.Engine$;
import com.intel.analytics.bigdl.utils.MklDnn$;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.arch.ResolvedBlock;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.FreezableBatchNorm;
import io.effnet.model.bigdl.layers.InvertedDropout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Two more BigDL 0.13 defects concern training, and are handled here (measured on this AMD AVX-512 machine):
 * <ul>
 *   <li>MKL-DNN's weight gradients of some 3x3 depthwise convolutions are wrong (up to 1e38) while outputs and
 *   input gradients are right: 2x2 inputs at stride 1, and 2x2, 3x3, 32x32, 62x62, 92x92 ... (32 + 30 n, up to
 *   212 tried) at stride 2, for 8 to 96 channels and batches of 2 to 8; 5x5 kernels were right at every size up to
 *   240. The training graph keeps the project's {@link DepthwiseConvolution} (run wrapped, on the same weights)
 *   for every configuration where {@link #nativeDepthwiseTrainsRight} finds MKL-DNN disagreeing with it, checked
 *   in the converting JVM, and MKL-DNN's own elsewhere.</li>
 *   <li>MKL-DNN's batch norm starts its running statistics from zero in training, and reports a normalised
 *   average: what BigDL copies back from a replica is corrected by {@link #correctRunningStatistics}.</li>
 * </ul>
 *
 * <p>Not worked around:
 * <ul>
 *   <li>An IR graph whose first forward was in training mode fails in evaluation mode ("DnnTensor doesn't
 *   support this operation" in a wrapped layer), hence one graph per {@link Use}.</li>
 *   <li>MKL-DNN's batch norm has no frozen mode: a frozen backbone cannot train here.</li>
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
   * A graph over the model's own layers (weights and batch-norm statistics are shared, not copies; each depthwise
   * convolution is BigDL's grouped one, MKL-DNN's native depthwise, except for training where MKL-DNN's weight
   * gradient of its configuration is wrong: there the project's direct layer, both on the model's weight tensors)
   * that BigDL's
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
    StaticGraph<Float> graph = rebuild(source, use == Use.INFERENCE, depthwiseInputSizes(model));
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
   * The batch-norm running statistics of a model now, by layer name: {mean, variance} copies. Take it before
   * handing the model's training graph to BigDL's optimiser on MKL-DNN, for {@link #correctRunningStatistics}.
   */
  public static Map<String, float[][]> runningStatistics(EfficientNet model) {
    Map<String, float[][]> out = new HashMap<>();
    for (SpatialBatchNormalization<Float> bn : batchNorms(model)) {
      out.put(bn.getName(), new float[][] {values(bn.runningMean()), values(bn.runningVar())});
    }
    return out;
  }

  /**
   * Puts into the model the running statistics BigDL's default engine would have after {@code steps} training
   * steps, given the statistics {@code before} them and what BigDL copied back from an MKL-DNN replica that did those
   * steps (one graph conversion).
   *
   * <p>Why: BigDL 0.13's MKL-DNN batch norm ({@code nn.mkldnn.SpatialBatchNormalization}) starts its native running
   * sums at zero in training (the statistics copied in at conversion stay on the heap side), accumulates
   * {@code R = m R + batch} and {@code S = m S + 1} from {@code S = 1} with {@code m = 1 - momentum}, and
   * reports {@code R / S}. The default engine's {@code r = m r + (1 - m) batch} from {@code r0} is then
   * {@code m^T r0 + (1 - m^(T+1)) R / S} after {@code T} steps. Measured against the default engine on the same
   * batches: equal within 6e-5 (statistics up to 9).
   *
   * @param steps training forwards the replica ran since its conversion (iterations of one {@code optimize()});
   *     0 leaves the model as it is (the replica's statistics are then the ones it was given)
   */
  public static void correctRunningStatistics(EfficientNet model, Map<String, float[][]> before, long steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be >= 0, got " + steps);
    }
    if (steps == 0) {
      return;
    }
    for (SpatialBatchNormalization<Float> bn : batchNorms(model)) {
      float[][] initial = before.get(bn.getName());
      if (initial == null) {
        throw new IllegalArgumentException("no running statistics of batch norm " + bn.getName() + " before training");
      }
      double m = 1 - bn.momentum();
      double initialWeight = Math.pow(m, steps);
      double reportedWeight = 1 - initialWeight * m;
      correct(bn.runningMean(), initial[0], initialWeight, reportedWeight);
      correct(bn.runningVar(), initial[1], initialWeight, reportedWeight);
    }
  }

  private static void correct(Tensor<Float> reported, float[] initial, double initialWeight, double reportedWeight) {
    float[] q = values(reported);
    if (q.length != initial.length) {
      throw new IllegalArgumentException("running statistics of " + q.length + " channels, " + initial.length
          + " before training");
    }
    float[] fixed = new float[q.length];
    for (int i = 0; i < q.length; i++) {
      fixed[i] = (float) (initialWeight * initial[i] + reportedWeight * q[i]);
    }
    reported.copy(BigDL.tensor(fixed, q.length));
  }

  private static List<SpatialBatchNormalization<Float>> batchNorms(EfficientNet model) {
    return GraphRewrite.batchNorms(model.module());
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[(int) c.nElement()];
    System.arraycopy((float[]) (Object) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /**
   * New nodes over the same modules in the same order, leaving out drop-connect and dropout for inference and
   * putting an {@code Identity} after a wrapped layer that feeds two or more MKL-DNN layers.
   */
  @SuppressWarnings("rawtypes")
  private static StaticGraph<Float> rebuild(Graph<Float> source, boolean inference,
      Map<String, Integer> depthwiseInputSizes) {
    List<Node> created = new ArrayList<>();
    GraphRewrite rewrite = GraphRewrite.of(source, (module, inputs) -> {
      if (inference && (module instanceof DropConnect || module instanceof InvertedDropout)
          && inputs.size() == 1) {
        return GraphRewrite.passThrough(module, inputs);
      }
      AbstractModule replacement = module instanceof FreezableBatchNorm
          ? bigDLBatchNorm((FreezableBatchNorm) module, inference) : convertible(module, inference, depthwiseInputSizes);
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

  /**
   * The depthwise convolution MKL-DNN computes right for a layer: BigDL's grouped convolution (MKL-DNN's native
   * depthwise) where it does, for training the project's {@link DepthwiseConvolution} (run wrapped) where
   * {@link #nativeDepthwiseTrainsRight} finds MKL-DNN's weight gradient wrong. Either shares the model's weight
   * tensors. Other modules are kept.
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static AbstractModule convertible(AbstractModule module, boolean inference,
      Map<String, Integer> depthwiseInputSizes) {
    AbstractModule replacement;
    if (module instanceof DepthwiseConvolution) {
      DepthwiseConvolution direct = (DepthwiseConvolution) module;
      if (!inference && !nativeDepthwiseTrainsRight(direct.channels(), direct.kernel(), direct.stride(),
          inputSizeOf(direct.getName(), depthwiseInputSizes))) {
        return module;
      }
      replacement = Layers.groupedSharing(direct);
    } else if (isGroupedDepthwise(module) && !inference) {
      SpatialConvolution<Float> grouped = (SpatialConvolution<Float>) module;
      if (nativeDepthwiseTrainsRight(grouped.nGroup(), grouped.kernelW(), grouped.strideW(),
          inputSizeOf(grouped.getName(), depthwiseInputSizes))) {
        return module;
      }
      replacement = DepthwiseConvolution.sharing(grouped.nGroup(), grouped.kernelW(), grouped.strideW(),
          grouped.wRegularizer(), grouped.weight(), grouped.gradWeight());
    } else {
      return module;
    }
    replacement.setName(module.getName());
    if (!module.isTraining()) {
      replacement.evaluate();
    }
    return replacement;
  }

  /** BigDL's grouped convolution with one group per channel, square, no bias (the builder's depthwise layer). */
  private static boolean isGroupedDepthwise(AbstractModule<?, ?, ?> module) {
    if (!(module instanceof SpatialConvolution)) {
      return false;
    }
    SpatialConvolution<?> c = (SpatialConvolution<?>) module;
    return c.nGroup() > 1 && c.nGroup() == c.nInputPlane() && c.nGroup() == c.nOutputPlane()
        && c.kernelW() == c.kernelH() && c.strideW() == c.strideH() && c.bias() == null;
  }

  /** The spatial input size of every block's depthwise convolution, by layer name. */
  private static Map<String, Integer> depthwiseInputSizes(EfficientNet model) {
    Map<String, Integer> sizes = new HashMap<>();
    for (ResolvedBlock b : model.spec().blocks()) {
      sizes.put(b.name() + "_dwconv", b.inputSize());
    }
    return sizes;
  }

  private static int inputSizeOf(String layer, Map<String, Integer> depthwiseInputSizes) {
    Integer size = depthwiseInputSizes.get(layer);
    if (size == null) {
      throw new IllegalStateException("depthwise convolution " + layer + " is not the depthwise layer of any block"
          + " of the model's spec");
    }
    return size;
  }

  /** Verdicts of {@link NativeDepthwiseCheck} in this JVM, by "channels kernel stride size". */
  private static final Map<String, Boolean> NATIVE_DEPTHWISE_VERDICTS = new ConcurrentHashMap<>();

  /**
   * Whether MKL-DNN's depthwise convolution of this configuration gives the same output, input gradient and
   * weight gradient as the project's {@link DepthwiseConvolution}, checked once per JVM on random data (two draws)
   * when the MKL-DNN engine runs here; without it, true (nothing MKL-DNN computes is used then). On this machine
   * (BigDL 0.13, AMD AVX-512) the 3x3 kernel was wrong on 2x2 inputs at stride 1 and on 2x2, 3x3, 32x32,
   * 62x62, 92x92 ... (32 + 30 n) inputs at stride 2, for every channel count and batch size tried; 5x5 was right.
   */
  public static boolean nativeDepthwiseTrainsRight(int channels, int kernel, int stride, int inputSize) {
    if (!engineActive()) {
      return true;
    }
    String key = channels + " " + kernel + " " + stride + " " + inputSize;
    Boolean verdict = NATIVE_DEPTHWISE_VERDICTS.get(key);
    if (verdict == null) {
      verdict = NativeDepthwiseCheck.run(channels, kernel, stride, inputSize, 2, 1).agrees()
          && NativeDepthwiseCheck.run(channels, kernel, stride, inputSize, 2, 2).agrees();
      NATIVE_DEPTHWISE_VERDICTS.put(key, verdict);
    }
    return verdict;
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
