package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.CMulTable;
import com.intel.analytics.bigdl.nn.CAddTable;
import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.Identity;
import com.intel.analytics.bigdl.nn.Input;
import com.intel.analytics.bigdl.nn.Input$;
import com.intel.analytics.bigdl.nn.Linear;
import com.intel.analytics.bigdl.nn.Module;
import com.intel.analytics.bigdl.nn.Reshape;
import com.intel.analytics.bigdl.nn.SpatialAveragePooling;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Edge;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.bigdl.layers.ChannelScale;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.GlobalAveragePooling;
import io.effnet.model.bigdl.layers.InvertedDropout;
import io.effnet.model.bigdl.layers.Sigmoid;
import io.effnet.model.bigdl.layers.Swish;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import scala.Tuple2;

/**
 * An {@link EfficientNet} as a network of BigDL 0.13's own layers, for inference, saved in BigDL's protobuf module
 * format ({@code saveModule}: a definition file and a weights file) that BigDL alone loads and runs, without this
 * project on the class path:
 * <ul>
 *   <li>Scala: {@code Module.loadModule[Float]("model.bigdl", "model.bin")}
 *   ({@code com.intel.analytics.bigdl.nn.Module}); Java: {@code Module.loadModule(definition, weights,
 *   ClassTag, TensorNumeric)} with the Float class tag and numeric (or {@link #load} here);</li>
 *   <li>Python (BigDL 0.x): {@code Model.loadModel("model.bigdl", "model.bin")} ({@code bigdl.nn.layer}).</li>
 * </ul>
 * Paths may be local or any Hadoop file system BigDL's reader reaches (hdfs://, s3a://). The module takes a batch
 * N x 3 x H x W (NCHW, RGB, H = W = the model's input size) normalised as the model was trained
 * ({@code input.mean} / {@code input.std} of the run's configuration: (pixel / 255 - mean) / std per channel) and
 * returns N x classes logits (no softmax). It is saved in evaluation mode; call {@code evaluate()} after loading
 * all the same if the caller may have switched it.
 *
 * <p>The same function as {@link EfficientNet#predictLogits} (to float rounding: BigDL's sigmoid and multiply
 * instead of the project's fused ones), on copies of the weights and batch-norm statistics taken at export:
 * <ul>
 *   <li>the project's {@code DepthwiseConvolution}: BigDL's {@code SpatialConvolution} with one group per channel
 *   (same weight layout, as {@link MklDnn} swaps them);</li>
 *   <li>{@code FreezableBatchNorm}: BigDL's {@code SpatialBatchNormalization} with the running statistics;</li>
 *   <li>{@code Swish} (x * sigmoid(x), which BigDL 0.13 lacks): {@code Sigmoid} and {@code CMulTable} of the input
 *   and its sigmoid (the sigmoid node is named {@code <layer>_sigmoid}, the product keeps the layer's name);</li>
 *   <li>the project's {@code Sigmoid}: BigDL's {@code Sigmoid};</li>
 *   <li>{@code ChannelScale} (the squeeze-excitation's excite): {@code CMulTable}, whose forward broadcasts the
 *   (N, C, 1, 1) scale over the (N, C, H, W) input (its backward would not, which inference never runs);</li>
 *   <li>the project's {@code GlobalAveragePooling}: BigDL's global {@code SpatialAveragePooling};</li>
 *   <li>drop-connect and dropout: left out, as they are identities at inference;</li>
 *   <li>BigDL's own convolutions, classifier ({@code Linear}), reshape and residual sums: new layers of the same
 *   configuration without regularisers.</li>
 * </ul>
 * Layer names are the Keras-style names of the model ({@code stem_conv}, {@code block1a_dwconv},
 * {@code predictions}).
 */
public final class BigDLExport {
  /** BigDL's documentation names the definition file {@code *.bigdl} and the weights file {@code *.bin}. */
  public static final String DEFINITION_EXTENSION = ".bigdl";
  public static final String WEIGHTS_EXTENSION = ".bin";

  private BigDLExport() {}

  /**
   * The model as a graph of BigDL's layers, in evaluation mode, on copies of its weights and batch-norm statistics
   * (later training of the model does not reach it). The model is not changed.
   *
   * @throws IllegalStateException if the model holds a layer this export does not know (a bug: every layer the
   *     builder makes is handled)
   */
  public static StaticGraph<Float> inferenceGraph(EfficientNet model) {
    if (!(model.module() instanceof Graph)) {
      throw new IllegalArgumentException("expected the builder's BigDL Graph, got "
          + model.module().getClass().getName());
    }
    @SuppressWarnings("unchecked")
    Graph<Float> source = (Graph<Float>) (AbstractModule<?, ?, ?>) model.module();
    StaticGraph<Float> graph = GraphRewrite.of(source, BigDLExport::bigDLNodes)
        .toGraph("EfficientNet-" + model.spec().variant().name());
    graph.evaluate();
    return graph;
  }

  /**
   * Writes {@link #inferenceGraph} with BigDL's {@code saveModule} to two local files (replaced if they exist):
   * the protobuf definition and the weights. For another file system, write locally and copy: BigDL's own file
   * access closes the Hadoop file system instance it used, Hadoop's cached one, which would break the HDFS client
   * that Spark shares (see {@link #load}).
   */
  public static void save(EfficientNet model, File definition, File weights) throws IOException {
    StaticGraph<Float> graph = inferenceGraph(model);
    try {
      graph.saveModule(definition.getAbsolutePath(), weights.getAbsolutePath(), true);
    } catch (RuntimeException e) {
      throw new IOException("BigDL could not save " + model.spec().variant().name() + " to " + definition
          + " and " + weights + ": " + e, e);
    }
    if (!definition.isFile() || !weights.isFile()) {
      throw new IOException("BigDL's saveModule did not write " + (definition.isFile() ? weights : definition));
    }
  }

  /**
   * Loads a module with BigDL's own protobuf loader ({@code Module.loadModule}), as a user of the saved files
   * would; it holds BigDL's layers only. Paths: local or any Hadoop file system BigDL's reader reaches. Caveat
   * (BigDL 0.13): its reader closes the Hadoop {@code FileSystem} it read through, which is Hadoop's cached
   * instance for that file system, so other holders of it in this JVM (Spark's, for one) then fail with
   * "Filesystem closed": in such a JVM, load from a local copy.
   */
  public static AbstractModule<Activity, Activity, Float> load(String definition, String weights) {
    return Module.loadModule(definition, weights, BigDL.tag(), BigDL.numeric());
  }

  /**
   * Forward of a loaded module in evaluation mode on a batch laid out N x 3 x size x size (normalised as in
   * training); returns N x classes logits.
   */
  @SuppressWarnings("unchecked")
  public static float[][] predictLogits(AbstractModule<Activity, Activity, Float> module, float[] batch, int n,
      int size) {
    if (n < 1 || batch.length != n * 3 * size * size) {
      throw new IllegalArgumentException("batch has " + batch.length + " values, expected " + n + "x3x" + size
          + "x" + size);
    }
    module.evaluate();
    Tensor<Float> out = (Tensor<Float>) module.forward(BigDL.tensor(batch.clone(), n, 3, size, size));
    if (out.dim() != 2 || out.size(1) != n) {
      throw new IllegalStateException("the module returned shape " + Arrays.toString(out.size())
          + ", expected " + n + " x classes");
    }
    float[][] logits = new float[n][out.size(2)];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < logits[i].length; c++) {
        logits[i][c] = out.valueAt(i + 1, c + 1);
      }
    }
    return logits;
  }

  /** The node(s) of BigDL layers computing what {@code module} computes at inference. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Node bigDLNodes(AbstractModule module, List<Tuple2<Node, Edge>> inputs) {
    String name = module.getName();
    if (module instanceof DropConnect || module instanceof InvertedDropout) {
      return GraphRewrite.passThrough(module, inputs);
    }
    if (module instanceof Input) {
      return Input$.MODULE$.apply(name, BigDL.tag(), BigDL.numeric());
    }
    if (module instanceof Swish) {
      Node sigmoid = GraphRewrite.connect(named(new com.intel.analytics.bigdl.nn.Sigmoid<>(BigDL.tag(),
          BigDL.numeric()), name + "_sigmoid"), inputs);
      List<Tuple2<Node, Edge>> product = new ArrayList<>(inputs);
      product.add(new Tuple2<>(sigmoid, Edge.apply()));
      return GraphRewrite.connect(named(new CMulTable<>(BigDL.tag(), BigDL.numeric()), name), product);
    }
    return GraphRewrite.connect(named(bigDLLayer(module), name), inputs);
  }

  /** BigDL's layer for a single-node module, with copies of its tensors. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static AbstractModule bigDLLayer(AbstractModule module) {
    if (module instanceof DepthwiseConvolution) {
      DepthwiseConvolution dw = (DepthwiseConvolution) module;
      return Layers.groupedOver(dw, copy(dw.weight()));
    }
    if (module instanceof SpatialConvolution) {
      SpatialConvolution<Float> conv = (SpatialConvolution<Float>) module;
      return Layers.convolutionOver(conv, copy(conv.weight()), conv.withBias() ? copy(conv.bias()) : null);
    }
    if (module instanceof SpatialBatchNormalization) {
      SpatialBatchNormalization<Float> bn = (SpatialBatchNormalization<Float>) module;
      SpatialBatchNormalization<Float> out = Layers.batchNormOver(bn, copyOrNull(bn.weight()),
          copyOrNull(bn.bias()));
      out.runningMean().copy(bn.runningMean());
      out.runningVar().copy(bn.runningVar());
      return out;
    }
    if (module instanceof Linear) {
      Linear<Float> linear = (Linear<Float>) module;
      return Layers.linearOver(linear, copy(linear.weight()), linear.withBias() ? copy(linear.bias()) : null);
    }
    if (module instanceof Sigmoid) {
      return new com.intel.analytics.bigdl.nn.Sigmoid<>(BigDL.tag(), BigDL.numeric());
    }
    if (module instanceof ChannelScale) {
      return new CMulTable<>(BigDL.tag(), BigDL.numeric());
    }
    if (module instanceof GlobalAveragePooling) {
      return Layers.globalAveragePool();
    }
    if (module instanceof SpatialAveragePooling) {
      if (!((SpatialAveragePooling<Float>) module).globalPooling()) {
        throw new IllegalStateException("average pooling " + module.getName() + " is not global; the export"
            + " handles the global poolings the builder makes only");
      }
      return Layers.globalAveragePool();
    }
    if (module instanceof Reshape) {
      Reshape<Float> reshape = (Reshape<Float>) module;
      return new Reshape<>(reshape.size().clone(), reshape.batchMode(), BigDL.tag(), BigDL.numeric());
    }
    if (module instanceof CAddTable) {
      return Layers.add();
    }
    if (module instanceof Identity) {
      return new Identity<>(BigDL.tag(), BigDL.numeric());
    }
    throw new IllegalStateException("layer " + module.getName() + " (" + module.getClass().getName()
        + ") has no BigDL equivalent in the export");
  }

  @SuppressWarnings("rawtypes")
  private static AbstractModule named(AbstractModule module, String name) {
    module.setName(name);
    return module;
  }

  /** A contiguous copy with a storage of its own (a model's tensors may be views into one shared storage). */
  private static Tensor<Float> copy(Tensor<Float> t) {
    return BigDL.tensor(t.size()).copy(t);
  }

  private static Tensor<Float> copyOrNull(Tensor<Float> t) {
    return t == null ? null : copy(t);
  }
}
