package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
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
 */
public final class EfficientNet {
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
   * {@link #flatParameters()} order: e.g. the moving average of the weights.
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
