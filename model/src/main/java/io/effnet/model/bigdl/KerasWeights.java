package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Node;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.keras.KerasImport;
import io.effnet.model.keras.KerasLayer;
import io.effnet.model.keras.KerasTensor;
import io.effnet.model.keras.KerasWeightFile;
import io.effnet.model.keras.KerasWeightsException;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Imports the published Keras EfficientNet weights (keras-applications {@code efficientnetb0.h5} ...
 * {@code efficientnetb7.h5}, or any {@code save_weights} file of a Keras EfficientNet) into an {@link EfficientNet},
 * and exports one in the same layout.
 *
 * <p>Layers pair by name (the builder uses Keras' names) and weights by role, decided from the BigDL tensor's name
 * and shape, never from the layer class (a faster depthwise layer with the same names and weight shape maps the
 * same way):
 * <ul>
 *   <li>convolution {@code weight} [1, out, in, kh, kw] = Keras {@code kernel} [kh, kw, in, out] (HWIO);
 *   <li>depthwise convolution {@code weight} [channels, 1, 1, kh, kw] = Keras {@code depthwise_kernel}
 *       [kh, kw, channels, 1] ({@code kernel} in files written by Keras 3);
 *   <li>dense {@code weight} [out, in] = Keras {@code kernel} [in, out]; {@code bias} = {@code bias};
 *   <li>batch norm {@code weight}, {@code bias}, {@code runningMean}, {@code runningVar} = {@code gamma},
 *       {@code beta}, {@code moving_mean}, {@code moving_variance} (both use epsilon 1e-3, see {@link Layers}).
 * </ul>
 * Any tensor the model needs and the file lacks, any weight or weighted layer in the file the model has no place
 * for, and any shape that differs fails the whole import with every problem listed, before anything is copied.
 * Layers without weights and Keras' input preprocessing layers ({@code rescaling}, {@code normalization}) are
 * skipped and reported: this project normalises its input in the data pipeline.
 */
public final class KerasWeights {
  /** Keras' name of the classifier layer (and the builder's). */
  public static final String CLASSIFIER = "predictions";

  /** Keras 3 names DepthwiseConv2D's kernel {@code kernel} (TF2 Keras, and the published files: {@code depthwise_kernel}). */
  private static final String KERAS3_DEPTHWISE_KERNEL = "kernel";
  private static final Pattern PREPROCESSING = Pattern.compile("(rescaling|normalization)(_\\d+)?");
  private static final Set<String> NORMALIZATION_WEIGHTS = new HashSet<>(Arrays.asList("mean", "variance", "count"));

  private KerasWeights() {}

  /**
   * Copies every tensor of the file into {@code target}, the classifier included: the file and the model must be
   * the same variant with the same number of classes (1000 for the ImageNet files).
   *
   * @throws KerasWeightsException naming every missing, extra or mis-shaped tensor; {@code target} is unchanged
   */
  public static KerasImport load(File h5, EfficientNet target) {
    return load(KerasWeightFile.read(h5), target, true, h5.toString());
  }

  /**
   * Copies everything but the classifier ({@code predictions}), for fine-tuning on other classes: the file may be
   * an {@code include_top=False} ("_notop") file or a full one, whose classifier is then ignored.
   *
   * @throws KerasWeightsException naming every missing, extra or mis-shaped tensor; {@code target} is unchanged
   */
  public static KerasImport loadBackbone(File h5, EfficientNet target) {
    return load(KerasWeightFile.read(h5), target, false, h5.toString());
  }

  /** {@link #load} or {@link #loadBackbone} from weights already read. */
  public static KerasImport load(KerasWeightFile file, EfficientNet target, boolean includeClassifier) {
    return load(file, target, includeClassifier, "the Keras weights");
  }

  /**
   * Writes {@code source} in the Keras layout (TF2 Keras weight names such as {@code stem_conv/kernel:0}, layers
   * in model order). Keras loads it into the same {@code EfficientNet(...)} architecture with {@code
   * model.load_weights(path, by_name=True)}; its input {@code Normalization} layer is not written (see the README).
   */
  public static void write(EfficientNet source, File h5) {
    export(source).write(h5);
  }

  /** The model's tensors in the Keras layout, in model order. */
  public static KerasWeightFile export(EfficientNet source) {
    List<KerasLayer> layers = new ArrayList<>();
    for (LayerMap layer : layout(source)) {
      List<KerasTensor> weights = new ArrayList<>();
      for (TensorMap t : layer.tensors) {
        weights.add(new KerasTensor(layer.name + "/" + t.kerasName + ":0", t.kerasShape, t.toKeras(values(t.tensor))));
      }
      layers.add(new KerasLayer(layer.name, weights));
    }
    return new KerasWeightFile(layers);
  }

  private static KerasImport load(KerasWeightFile file, EfficientNet target, boolean includeClassifier,
      String source) {
    List<String> problems = new ArrayList<>();
    List<String> ignored = new ArrayList<>();
    List<Runnable> copies = new ArrayList<>();
    List<String> imported = new ArrayList<>();
    Set<String> pairedLayers = new HashSet<>();
    String classifierHint = null;

    for (LayerMap layer : layout(target)) {
      if (!includeClassifier && layer.name.equals(CLASSIFIER)) {
        continue;
      }
      KerasLayer fileLayer = file.layer(layer.name);
      if (fileLayer == null || fileLayer.weights().isEmpty()) {
        problems.add("missing layer '" + layer.name + "': the model needs " + layer.describeKeras());
        if (layer.name.equals(CLASSIFIER)) {
          classifierHint = "The file has no classifier ('" + CLASSIFIER + "'), as an include_top=False ('_notop') "
              + "file: import it with loadBackbone.";
        }
        continue;
      }
      pairedLayers.add(layer.name);
      Set<String> used = new HashSet<>();
      for (final TensorMap t : layer.tensors) {
        final KerasTensor w = fileLayer.find(t.kerasName) != null || t.layout != Layout.DEPTHWISE
            ? fileLayer.find(t.kerasName) : fileLayer.find(KERAS3_DEPTHWISE_KERNEL);
        String kerasName = layer.name + "/" + t.kerasName;
        if (w == null) {
          problems.add("missing tensor '" + kerasName + "' " + Arrays.toString(t.kerasShape) + " (the model's "
              + t.bigdlName + " " + Arrays.toString(t.tensor.size()) + ")");
          continue;
        }
        used.add(w.name());
        if (!Arrays.equals(w.shape(), t.kerasShape)) {
          problems.add("tensor '" + kerasName + "' has shape " + Arrays.toString(w.shape()) + " in the file; the model "
              + "needs " + Arrays.toString(t.kerasShape) + " (its " + t.bigdlName + " "
              + Arrays.toString(t.tensor.size()) + ")");
          if (layer.name.equals(CLASSIFIER) && t.kerasName.equals("kernel") && w.shape().length == 2
              && w.shape()[0] == t.kerasShape[0]) {
            classifierHint = "The file's classifier has " + w.shape()[1] + " classes, the model " + t.kerasShape[1]
                + ": build the model with " + w.shape()[1] + " classes, or import with loadBackbone to fine-tune.";
          }
          continue;
        }
        imported.add(kerasName);
        copies.add(new Runnable() {
          @Override
          public void run() {
            t.tensor.copy(BigDL.tensor(t.toBigDL(w.values()), t.tensor.size()));
          }
        });
      }
      for (KerasTensor w : fileLayer.weights()) {
        if (!used.contains(w.name())) {
          problems.add("extra tensor '" + layer.name + "/" + w.name() + "' " + Arrays.toString(w.shape())
              + " in the file: the model's layer " + layer.name + " has no " + w.shortName());
        }
      }
    }

    float[] mean = null;
    float[] variance = null;
    for (KerasLayer fileLayer : file.layers()) {
      if (pairedLayers.contains(fileLayer.name())) {
        continue;
      }
      if (fileLayer.weights().isEmpty()) {
        ignored.add(fileLayer.name() + " (no weights)");
      } else if (!includeClassifier && fileLayer.name().equals(CLASSIFIER)) {
        ignored.add(fileLayer.name() + " (classifier, not imported by loadBackbone)");
      } else if (isPreprocessing(fileLayer)) {
        ignored.add(fileLayer.name() + " (input preprocessing; the data pipeline normalises the input)");
        if (fileLayer.find("mean") != null && fileLayer.find("variance") != null) {
          mean = fileLayer.find("mean").values();
          variance = fileLayer.find("variance").values();
        }
      } else {
        List<String> names = new ArrayList<>();
        for (KerasTensor w : fileLayer.weights()) {
          names.add(w.name() + " " + Arrays.toString(w.shape()));
        }
        problems.add("extra layer '" + fileLayer.name() + "' in the file " + names + ": the model has no such layer");
      }
    }

    if (!problems.isEmpty()) {
      throw new KerasWeightsException(message(source, target, problems, classifierHint));
    }
    for (Runnable copy : copies) {
      copy.run();
    }
    return new KerasImport(imported, ignored, mean, variance);
  }

  private static boolean isPreprocessing(KerasLayer layer) {
    if (!PREPROCESSING.matcher(layer.name()).matches()) {
      return false;
    }
    for (KerasTensor w : layer.weights()) {
      if (!NORMALIZATION_WEIGHTS.contains(w.shortName())) {
        return false;
      }
    }
    return true;
  }

  private static String message(String source, EfficientNet target, List<String> problems, String classifierHint) {
    NetworkSpec spec = target.spec();
    // Whole layers first: a different depth shows as missing or extra blocks, the clearest sign of a variant mix-up.
    List<String> ordered = new ArrayList<>();
    for (String prefix : new String[] {"missing layer", "extra layer"}) {
      for (String p : problems) {
        if (p.startsWith(prefix)) {
          ordered.add(p);
        }
      }
    }
    int layerProblems = ordered.size();
    for (String p : problems) {
      if (!p.startsWith("missing layer") && !p.startsWith("extra layer")) {
        ordered.add(p);
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(source).append(" does not fit the model (").append(spec.variant()).append(", ")
        .append(spec.numClasses()).append(" classes): ").append(problems.size()).append(" problem")
        .append(problems.size() == 1 ? "" : "s").append('.');
    if (classifierHint != null) {
      b.append(' ').append(classifierHint);
    }
    if (layerProblems > 1 || problems.size() > 3) {
      b.append(" Are the file and the model the same EfficientNet variant (width and depth coefficients)?");
    }
    int shown = Math.min(ordered.size(), 40);
    for (int i = 0; i < shown; i++) {
      b.append("\n  - ").append(ordered.get(i));
    }
    if (shown < problems.size()) {
      b.append("\n  ... and ").append(problems.size() - shown).append(" more");
    }
    return b.toString();
  }

  // ---------------------------------------------------------------------------------------------- layout

  /** How the Keras values of one tensor are laid out relative to BigDL's. */
  private enum Layout {
    /** Same order (vectors). */
    SAME,
    /** Keras [kh, kw, in, out] to BigDL [1, out, in, kh, kw]. */
    CONV,
    /** Keras [kh, kw, channels, 1] to BigDL [channels, 1, 1, kh, kw]. */
    DEPTHWISE,
    /** Keras [in, out] to BigDL [out, in]. */
    DENSE
  }

  private static final class TensorMap {
    final String bigdlName;
    final Tensor<Float> tensor;
    final String kerasName;
    final int[] kerasShape;
    final Layout layout;

    TensorMap(String bigdlName, Tensor<Float> tensor, String kerasName, int[] kerasShape, Layout layout) {
      this.bigdlName = bigdlName;
      this.tensor = tensor;
      this.kerasName = kerasName;
      this.kerasShape = kerasShape;
      this.layout = layout;
    }

    float[] toBigDL(float[] keras) {
      return transpose(keras, true);
    }

    float[] toKeras(float[] bigdl) {
      return transpose(bigdl, false);
    }

    /** Index arithmetic of the permutation in {@link Layout}, applied in either direction. */
    private float[] transpose(float[] in, boolean kerasToBigDL) {
      if (layout == Layout.SAME) {
        return in.clone();
      }
      float[] out = new float[in.length];
      int[] k = kerasShape;
      if (layout == Layout.DENSE) {
        int inputs = k[0];
        int outputs = k[1];
        for (int i = 0; i < inputs; i++) {
          for (int o = 0; o < outputs; o++) {
            int keras = i * outputs + o;
            int bigdl = o * inputs + i;
            move(in, out, keras, bigdl, kerasToBigDL);
          }
        }
        return out;
      }
      int kh = k[0];
      int kw = k[1];
      int channelsIn = k[2];
      int channelsOut = k[3]; // the depth multiplier (1) for depthwise
      for (int h = 0; h < kh; h++) {
        for (int w = 0; w < kw; w++) {
          for (int i = 0; i < channelsIn; i++) {
            for (int o = 0; o < channelsOut; o++) {
              int keras = ((h * kw + w) * channelsIn + i) * channelsOut + o;
              int bigdl = layout == Layout.CONV
                  ? ((o * channelsIn + i) * kh + h) * kw + w
                  : ((i * channelsOut + o) * kh + h) * kw + w;
              move(in, out, keras, bigdl, kerasToBigDL);
            }
          }
        }
      }
      return out;
    }

    private static void move(float[] in, float[] out, int keras, int bigdl, boolean kerasToBigDL) {
      if (kerasToBigDL) {
        out[bigdl] = in[keras];
      } else {
        out[keras] = in[bigdl];
      }
    }
  }

  private static final class LayerMap {
    final String name;
    final List<TensorMap> tensors;

    LayerMap(String name, List<TensorMap> tensors) {
      this.name = name;
      this.tensors = tensors;
    }

    String describeKeras() {
      List<String> out = new ArrayList<>();
      for (TensorMap t : tensors) {
        out.add(t.kerasName + " " + Arrays.toString(t.kerasShape));
      }
      return out.toString();
    }
  }

  /** Every layer with tensors, in the graph's execution order (Keras' layer order), with the Keras view of each. */
  private static List<LayerMap> layout(EfficientNet model) {
    Map<String, Map<String, Tensor<Float>>> byLayer = new TreeMap<>();
    for (Map.Entry<String, Tensor<Float>> e : model.namedTensors().entrySet()) {
      int slash = e.getKey().lastIndexOf('/');
      String layer = e.getKey().substring(0, slash);
      if (!byLayer.containsKey(layer)) {
        byLayer.put(layer, new LinkedHashMap<String, Tensor<Float>>());
      }
      byLayer.get(layer).put(e.getKey().substring(slash + 1), e.getValue());
    }
    List<LayerMap> out = new ArrayList<>();
    for (String layer : executionOrder(model, byLayer.keySet())) {
      out.add(layerMap(layer, byLayer.get(layer)));
    }
    return out;
  }

  /**
   * Layer names in forward execution order. EfficientNet is a chain with side branches that rejoin it, so every
   * topological order lists the weighted layers in Keras' order.
   */
  private static List<String> executionOrder(EfficientNet model, Set<String> layers) {
    List<String> order = new ArrayList<>();
    AbstractModule<Activity, Activity, Float> module = model.module();
    if (module instanceof Graph) {
      for (Node<AbstractModule<Activity, Activity, Float>> node : ((Graph<Float>) module).getSortedForwardExecutions()) {
        String name = node.element().getName();
        if (layers.contains(name) && !order.contains(name)) {
          order.add(name);
        }
      }
    }
    for (String name : layers) {
      if (!order.contains(name)) {
        order.add(name);
      }
    }
    return order;
  }

  private static LayerMap layerMap(String layer, Map<String, Tensor<Float>> params) {
    List<TensorMap> tensors = new ArrayList<>();
    if (params.containsKey("runningMean") || params.containsKey("runningVar")) {
      String[][] roles = {{"weight", "gamma"}, {"bias", "beta"}, {"runningMean", "moving_mean"},
          {"runningVar", "moving_variance"}};
      for (String[] role : roles) {
        Tensor<Float> t = params.get(role[0]);
        if (t == null || t.dim() != 1) {
          throw unsupported(layer, params);
        }
        tensors.add(new TensorMap(layer + "/" + role[0], t, role[1], t.size(), Layout.SAME));
      }
      if (params.size() != roles.length) {
        throw unsupported(layer, params);
      }
      return new LayerMap(layer, tensors);
    }
    Tensor<Float> weight = params.get("weight");
    if (weight == null) {
      throw unsupported(layer, params);
    }
    int[] s = weight.size();
    if (s.length == 5 && s[0] == 1) {
      tensors.add(new TensorMap(layer + "/weight", weight, "kernel", new int[] {s[3], s[4], s[2], s[1]}, Layout.CONV));
    } else if (s.length == 5 && s[1] == 1 && s[2] == 1) {
      tensors.add(new TensorMap(layer + "/weight", weight, "depthwise_kernel", new int[] {s[3], s[4], s[0], 1},
          Layout.DEPTHWISE));
    } else if (s.length == 2) {
      tensors.add(new TensorMap(layer + "/weight", weight, "kernel", new int[] {s[1], s[0]}, Layout.DENSE));
    } else {
      throw unsupported(layer, params);
    }
    Tensor<Float> bias = params.get("bias");
    if (bias != null) {
      tensors.add(new TensorMap(layer + "/bias", bias, "bias", bias.size(), Layout.SAME));
    }
    if (params.size() != tensors.size()) {
      throw unsupported(layer, params);
    }
    return new LayerMap(layer, tensors);
  }

  private static IllegalStateException unsupported(String layer, Map<String, Tensor<Float>> params) {
    Map<String, String> shapes = new TreeMap<>();
    for (Map.Entry<String, Tensor<Float>> e : params.entrySet()) {
      shapes.put(e.getKey(), Arrays.toString(e.getValue().size()));
    }
    return new IllegalStateException("layer '" + layer + "' has tensors " + shapes + " that have no Keras "
        + "counterpart here (known: convolution, depthwise convolution, dense, batch norm)");
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.isContiguous() ? t : t.contiguous();
    float[] out = new float[(int) c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }
}
