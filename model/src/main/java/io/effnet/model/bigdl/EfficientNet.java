package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.Container;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.FreezableBatchNorm;
import io.effnet.model.bigdl.layers.SeededMasks;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A built EfficientNet: its resolved spec and the BigDL graph.
 *
 * <p>Persistence is the spec plus named tensors, rebuilt by {@link EfficientNetBuilder} on load, not Java or
 * BigDL protobuf serialization of the module: BigDL's protobuf loader cannot restore Java-defined layers
 * (it looks for a Scala companion object), and a model file should never be able to run code when read.
 * Tensor names are {@code <layer>/<weight|bias|runningMean|runningVar>} with the Keras-style layer names.
 * For users of BigDL alone, {@link #toBigDLModule()} and {@link BigDLExport} give the same network for inference
 * as BigDL's own layers, in BigDL's protobuf module format.
 */
public final class EfficientNet {
  /**
   * The head: the classifier, the one layer a fine-tune replaces and, with the backbone frozen, the only one that
   * trains. {@code top_dropout} before it belongs to the head too but has no weights.
   */
  public static final String HEAD_LAYER = "predictions";

  private static final String MAGIC = "EFFNET-MODEL-1";

  private final NetworkSpec spec;
  private final AbstractModule<Activity, Activity, Float> module;

  @SuppressWarnings({"unchecked", "rawtypes"})
  EfficientNet(NetworkSpec spec, AbstractModule module) {
    this.spec = spec;
    this.module = module;
  }

  public NetworkSpec spec() {
    return spec;
  }

  /** The BigDL module, for the training and inference facades. */
  public AbstractModule<Activity, Activity, Float> module() {
    return module;
  }

  /**
   * This network for inference as a graph of BigDL's own layers, on copies of the weights: what
   * {@link BigDLExport#inferenceGraph} gives (see there), ready for BigDL's {@code saveModule}.
   */
  public AbstractModule<Activity, Activity, Float> toBigDLModule() {
    @SuppressWarnings({"unchecked", "rawtypes"})
    AbstractModule<Activity, Activity, Float> graph = (AbstractModule) BigDLExport.inferenceGraph(this);
    return graph;
  }

  /** Trainable parameters as BigDL holds them (must equal {@link NetworkSpec#parameterCount()}). */
  public long trainableParameterCount() {
    long n = 0;
    for (Tensor<Float> t : module.parameters()._1()) {
      n += t.nElement();
    }
    return n;
  }

  /** Forward in inference mode on a batch laid out N x 3 x H x W; returns N x classes logits. */
  public float[][] predictLogits(float[] batch, int n) {
    int size = spec.inputSize();
    if (batch.length != n * 3 * size * size) {
      throw new IllegalArgumentException("batch has " + batch.length + " values, expected " + n + "x3x" + size
          + "x" + size);
    }
    module.evaluate();
    // A fresh tensor per call: BigDL may resize the input buffer during backward (see STACK.md).
    Tensor<Float> out = (Tensor<Float>) module.forward(BigDL.tensor(batch.clone(), n, 3, size, size));
    float[][] logits = new float[n][spec.numClasses()];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < spec.numClasses(); c++) {
        logits[i][c] = out.valueAt(i + 1, c + 1);
      }
    }
    return logits;
  }

  /** Every persistent tensor by name: weights, biases and batch-norm running statistics, sorted by name. */
  public Map<String, Tensor<Float>> namedTensors() {
    Map<String, Tensor<Float>> out = new TreeMap<>();
    for (Map.Entry<String, Object> layer : BigDL.entries(module.getParametersTable()).entrySet()) {
      for (Map.Entry<String, Object> p : BigDL.entries((Table) layer.getValue()).entrySet()) {
        if (p.getKey().startsWith("grad") || !(p.getValue() instanceof Tensor)) {
          continue;
        }
        @SuppressWarnings("unchecked")
        Tensor<Float> t = (Tensor<Float>) p.getValue();
        out.put(layer.getKey() + "/" + p.getKey(), t);
      }
    }
    return out;
  }

  /** Writes the spec and every named tensor. */
  public void write(OutputStream target) throws IOException {
    DataOutputStream out = new DataOutputStream(target);
    out.writeUTF(MAGIC);
    byte[] specBytes = specProperties(spec).getBytes(StandardCharsets.UTF_8);
    out.writeInt(specBytes.length);
    out.write(specBytes);
    Map<String, Tensor<Float>> tensors = namedTensors();
    out.writeInt(tensors.size());
    for (Map.Entry<String, Tensor<Float>> e : tensors.entrySet()) {
      Tensor<Float> t = e.getValue().isContiguous() ? e.getValue() : e.getValue().contiguous();
      out.writeUTF(e.getKey());
      int[] shape = t.size();
      out.writeInt(shape.length);
      for (int d : shape) {
        out.writeInt(d);
      }
      float[] data = (float[]) t.storage().array();
      int offset = t.storageOffset() - 1;
      for (int i = 0; i < t.nElement(); i++) {
        out.writeFloat(data[offset + i]);
      }
    }
    out.flush();
  }

  /** Reads a model written by {@link #write}: rebuilds the graph from the spec and loads every tensor. */
  public static EfficientNet read(InputStream source) throws IOException {
    DataInputStream in = new DataInputStream(source);
    String magic;
    try {
      magic = in.readUTF();
    } catch (IOException e) {
      throw new IOException("not an EfficientNet model file (unreadable header)", e);
    }
    if (!MAGIC.equals(magic)) {
      throw new IOException("not an EfficientNet model file (header '" + magic + "')");
    }
    byte[] specBytes = new byte[in.readInt()];
    in.readFully(specBytes);
    NetworkSpec spec = parseSpec(new String(specBytes, StandardCharsets.UTF_8));
    EfficientNet model = EfficientNetBuilder.build(spec);
    Map<String, Tensor<Float>> targets = model.namedTensors();
    int count = in.readInt();
    List<String> seen = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      String name = in.readUTF();
      int[] shape = new int[in.readInt()];
      int n = 1;
      for (int d = 0; d < shape.length; d++) {
        shape[d] = in.readInt();
        n *= shape[d];
      }
      float[] data = new float[n];
      for (int i = 0; i < n; i++) {
        data[i] = in.readFloat();
      }
      Tensor<Float> target = targets.get(name);
      if (target == null) {
        throw new IOException("model file has tensor '" + name + "' that the architecture does not have");
      }
      if (!Arrays.equals(target.size(), shape)) {
        throw new IOException("tensor '" + name + "' has shape " + Arrays.toString(shape) + ", the architecture "
            + Arrays.toString(target.size()));
      }
      target.copy(BigDL.tensor(data, shape));
      seen.add(name);
    }
    if (seen.size() != targets.size()) {
      List<String> missing = new ArrayList<>(targets.keySet());
      missing.removeAll(seen);
      throw new IOException("model file lacks tensors " + missing);
    }
    return model;
  }

  /**
   * The trainable parameters as one vector, in the order of BigDL's {@code getParameters()} (the order of
   * {@code parameters()}), which is the order of the optimizer buffers {@link DistributedTrainer} gathers.
   */
  public float[] flatParameters() {
    float[] flat = new float[Math.toIntExact(trainableParameterCount())];
    int offset = 0;
    for (Tensor<Float> t : module.parameters()._1()) {
      Tensor<Float> c = t.isContiguous() ? t : t.contiguous();
      System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, flat, offset, c.nElement());
      offset += c.nElement();
    }
    return flat;
  }

  /**
   * A copy of this model (batch-norm statistics included) whose trainable parameters are {@code flat}, in
   * {@link #flatParameters()} order: e.g. the moving average of the weights. A frozen backbone stays frozen in the
   * copy (its batch norms keep their statistics, see {@link BatchNormStatistics}).
   */
  public EfficientNet withParameters(float[] flat) {
    if (flat.length != trainableParameterCount()) {
      throw new IllegalArgumentException("got " + flat.length + " parameter values for a model with "
          + trainableParameterCount());
    }
    EfficientNet copy = fromBytes(toBytes());
    int offset = 0;
    for (Tensor<Float> t : copy.module.parameters()._1()) {
      float[] part = Arrays.copyOfRange(flat, offset, offset + t.nElement());
      t.copy(BigDL.tensor(part, t.size()));
      offset += t.nElement();
    }
    if (isBackboneFrozen()) {
      copy.freezeBackbone();
    }
    return copy;
  }

  /** Copies another model's tensors into this one (same architecture). */
  public void copyWeightsFrom(EfficientNet other) {
    Map<String, Tensor<Float>> mine = namedTensors();
    for (Map.Entry<String, Tensor<Float>> e : other.namedTensors().entrySet()) {
      Tensor<Float> t = mine.get(e.getKey());
      if (t == null || !Arrays.equals(t.size(), e.getValue().size())) {
        throw new IllegalArgumentException("architectures differ at tensor " + e.getKey());
      }
      t.copy(e.getValue());
    }
  }

  /** Names (as {@link #namedTensors()}) of the head's tensors: the {@value #HEAD_LAYER} layer's weight and bias. */
  public List<String> headTensorNames() {
    List<String> out = new ArrayList<>();
    for (String name : namedTensors().keySet()) {
      if (isHead(name)) {
        out.add(name);
      }
    }
    return out;
  }

  /** Names of every other tensor: convolutions, batch-norm scales, offsets and running statistics. */
  public List<String> backboneTensorNames() {
    List<String> out = new ArrayList<>();
    for (String name : namedTensors().keySet()) {
      if (!isHead(name)) {
        out.add(name);
      }
    }
    return out;
  }

  private static boolean isHead(String tensorName) {
    return tensorName.startsWith(HEAD_LAYER + "/");
  }

  /**
   * Copies every backbone tensor (weights and batch-norm running statistics, everything but the head) of
   * {@code source} into this network, whose head is left as it is. The class counts may differ; the backbones must
   * be the same architecture (same tensor names and shapes, i.e. the same width and depth; the input size and the
   * dropout rates do not matter).
   *
   * @throws IllegalArgumentException naming the first differences when the backbones differ
   */
  public void copyBackboneFrom(EfficientNet source) {
    Map<String, Tensor<Float>> mine = namedTensors();
    Map<String, Tensor<Float>> theirs = source.namedTensors();
    List<String> differences = new ArrayList<>();
    for (String name : backboneTensorNames()) {
      Tensor<Float> t = theirs.get(name);
      if (t == null) {
        differences.add(name + " missing in the source");
      } else if (!Arrays.equals(t.size(), mine.get(name).size())) {
        differences.add(name + " is " + Arrays.toString(t.size()) + " in the source, "
            + Arrays.toString(mine.get(name).size()) + " here");
      }
    }
    for (String name : source.backboneTensorNames()) {
      if (!mine.containsKey(name)) {
        differences.add(name + " only in the source");
      }
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException("the source's backbone (" + source.spec.variant() + ") is not this"
          + " network's (" + spec.variant() + "): " + differences.size() + " tensor(s) differ, e.g. "
          + differences.subList(0, Math.min(5, differences.size())));
    }
    for (String name : backboneTensorNames()) {
      mine.get(name).copy(theirs.get(name));
    }
  }

  /**
   * Freezes every layer but the head, as Keras' {@code trainable = False}: convolution and batch-norm weights get
   * no gradient (BigDL's {@code freeze()}: gradient scales 0, which also skips the layers' L2 regularisers) and
   * batch norms normalise with their running statistics in training too, without updating them
   * ({@link FreezableBatchNorm}). Drop-connect in the blocks is off as well ({@link DropConnect}): the frozen
   * backbone computes its inference function in training too, a fixed feature extractor, as in Keras' recipe
   * {@code base_model(x, training=False)}. Only {@value #HEAD_LAYER} trains; {@code top_dropout}, in the head,
   * stays active.
   *
   * <p>With optimizers whose buffers start at zero for a zero gradient (momentum; RMSProp's momentum), frozen weights
   * stay bit-identical. BigDL's {@code DistriOptimizer} copies the model to the executors at every {@code optimize()}
   * call, so a change between epochs reaches them. Caveat (BigDL 0.13): a {@code SpatialConvolution} that already ran
   * a batched backward in this JVM keeps per-sample weight gradients in a buffer that its next backward adds even with
   * scale 0, so freeze a network before training it in place, not after (fresh copies, as the executors get, have no
   * such buffer).
   */
  public void freezeBackbone() {
    setBackboneFrozen(true);
  }

  /** Undoes {@link #freezeBackbone()}: every layer trains (in training mode, batch norms use batch statistics). */
  public void unfreezeBackbone() {
    setBackboneFrozen(false);
  }

  /** Whether every backbone layer with weights is frozen. */
  public boolean isBackboneFrozen() {
    for (AbstractModule<Activity, Activity, Float> layer : weightedLayers()) {
      if (!layer.getName().equals(HEAD_LAYER) && !isFrozen(layer)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Seeds the masks of the dropout and drop-connect layers: from now on each training forward's masks are a pure
   * function of {@code seed}, the layer's name, its forward count and its input, so training repeats exactly for a
   * seed. Returns how many layers were seeded.
   */
  public int seedMasks(long seed) {
    int seeded = 0;
    for (AbstractModule<Activity, Activity, Float> layer : layers()) {
      if (layer instanceof SeededMasks) {
        ((SeededMasks) layer).seedMasks(seed);
        seeded++;
      }
    }
    return seeded;
  }

  /** Names of the layers with weights that are frozen, sorted. */
  public List<String> frozenLayerNames() {
    List<String> out = new ArrayList<>();
    for (AbstractModule<Activity, Activity, Float> layer : weightedLayers()) {
      if (isFrozen(layer)) {
        out.add(layer.getName());
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  private void setBackboneFrozen(boolean freeze) {
    boolean training = module.isTraining();
    scala.collection.Seq<String> allOfIt = scala.collection.JavaConverters.asScalaBufferConverter(
        new ArrayList<String>()).asScala();
    for (AbstractModule<Activity, Activity, Float> layer : layers()) {
      if (layer.getName().equals(HEAD_LAYER)) {
        continue;
      }
      if (freeze) {
        layer.freeze(allOfIt);
      } else {
        layer.unFreeze(allOfIt);
      }
    }
    // Freezing switched the batch norms to evaluation mode; unfreezing leaves them there until training() is called.
    if (training) {
      module.training();
    }
  }

  private static boolean isFrozen(AbstractModule<Activity, Activity, Float> layer) {
    boolean noGradient = layer.getScaleW() == 0 && layer.getScaleB() == 0;
    Object bn = layer;
    return bn instanceof FreezableBatchNorm ? noGradient && ((FreezableBatchNorm) bn).isFrozen() : noGradient;
  }

  private List<AbstractModule<Activity, Activity, Float>> weightedLayers() {
    List<AbstractModule<Activity, Activity, Float>> out = new ArrayList<>();
    for (AbstractModule<Activity, Activity, Float> layer : layers()) {
      scala.Tuple2<Tensor<Float>[], Tensor<Float>[]> p = layer.parameters();
      if (p != null && p._1() != null && p._1().length > 0) {
        out.add(layer);
      }
    }
    return out;
  }

  /** The graph's layers (the builder's graph is a BigDL container). */
  @SuppressWarnings("unchecked")
  private List<AbstractModule<Activity, Activity, Float>> layers() {
    if (!(module instanceof Container)) {
      throw new IllegalStateException("expected the builder's BigDL graph, got " + module.getClass().getName());
    }
    return new ArrayList<>(scala.collection.JavaConverters.seqAsJavaListConverter(
        ((Container<Activity, Activity, Float>) (AbstractModule<?, ?, ?>) module).modules()).asJava());
  }

  /** Serialises the model to bytes (for broadcasting to executors). */
  public byte[] toBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(bytes);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return bytes.toByteArray();
  }

  public static EfficientNet fromBytes(byte[] bytes) {
    try {
      return read(new ByteArrayInputStream(bytes));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String specProperties(NetworkSpec spec) {
    Variant v = spec.variant();
    Properties p = new Properties();
    p.setProperty("variant", v.name());
    p.setProperty("width", Double.toString(v.widthCoefficient()));
    p.setProperty("depth", Double.toString(v.depthCoefficient()));
    p.setProperty("resolution", Integer.toString(v.resolution()));
    p.setProperty("dropout", Double.toString(v.dropoutRate()));
    p.setProperty("drop_connect", Double.toString(v.dropConnectRate()));
    p.setProperty("classes", Integer.toString(spec.numClasses()));
    p.setProperty("input_size", Integer.toString(spec.inputSize()));
    StringBuilder b = new StringBuilder();
    for (String k : new TreeMap<>(toMap(p)).keySet()) {
      b.append(k).append('=').append(p.getProperty(k)).append('\n');
    }
    return b.toString();
  }

  static NetworkSpec parseSpec(String text) throws IOException {
    Properties p = new Properties();
    p.load(new java.io.StringReader(text));
    try {
      Variant v = new Variant(p.getProperty("variant"), Double.parseDouble(p.getProperty("width")),
          Double.parseDouble(p.getProperty("depth")), Integer.parseInt(p.getProperty("resolution")),
          Double.parseDouble(p.getProperty("dropout")), Double.parseDouble(p.getProperty("drop_connect")));
      return NetworkSpec.resolve(v, Integer.parseInt(p.getProperty("classes")),
          Integer.parseInt(p.getProperty("input_size")));
    } catch (RuntimeException e) {
      throw new IOException("model file has an invalid architecture header: " + e.getMessage(), e);
    }
  }

  private static Map<String, String> toMap(Properties p) {
    Map<String, String> m = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      m.put(k, p.getProperty(k));
    }
    return m;
  }
}
