package io.effnet.model.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.api.WritableGroup;
import io.jhdf.api.WritableNode;
import io.jhdf.exceptions.HdfException;
import java.io.File;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Keras model in Keras' HDF5 layout ({@code model.save_weights('x.h5')} in TF2 Keras, the
 * {@code model_weights} group of a whole-model {@code .h5}, and the keras-applications files such as {@code
 * efficientnetb0.h5}), read and written with jHDF.
 *
 * <p>The layout, as Keras' {@code save_weights_to_hdf5_group} / {@code load_weights_from_hdf5_group} (legacy
 * HDF5 format) write and read it: the root group's attribute {@code layer_names} lists the layers in model order
 * (split into {@code layer_names0}, {@code layer_names1}, ... when it would exceed an HDF5 object header); each
 * layer has a group of its name whose attribute {@code weight_names} lists its weights in Keras' legacy order
 * (trainable, then non-trainable); each weight is a dataset at that relative path, e.g. {@code
 * /stem_bn/stem_bn/moving_mean:0}. Layers without weights list none. Keras 3's own {@code .weights.h5} format is a
 * different layout and is rejected with a message saying how to save the legacy one.
 */
public final class KerasWeightFile {
  /**
   * Keras reads {@code keras_version} only to decide whether to convert a Keras 1 file (a missing value counts
   * as Keras 1): written files state the Keras 2 layout they follow.
   */
  static final String KERAS_LAYOUT_VERSION = "2.15.0";
  static final String BACKEND = "tensorflow";
  /** Keras' {@code HDF5_OBJECT_HEADER_LIMIT}: larger string-list attributes are split into numbered chunks. */
  static final int HDF5_OBJECT_HEADER_LIMIT = 64512;

  private final List<KerasLayer> layers;
  private final Map<String, KerasLayer> byName;

  /** Layers in model order; names must be unique. */
  public KerasWeightFile(List<KerasLayer> layers) {
    Map<String, KerasLayer> index = new LinkedHashMap<>();
    for (KerasLayer layer : layers) {
      if (index.put(layer.name(), layer) != null) {
        throw new IllegalArgumentException("layer '" + layer.name() + "' appears twice");
      }
    }
    this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
    this.byName = Collections.unmodifiableMap(index);
  }

  /** Every layer listed in {@code layer_names}, in that order, including layers without weights. */
  public List<KerasLayer> layers() {
    return layers;
  }

  /** The layer of that name, or null. */
  public KerasLayer layer(String name) {
    return byName.get(name);
  }

  /** Reads every layer listed in the file's {@code layer_names} and every weight listed in its {@code weight_names}. */
  public static KerasWeightFile read(File file) {
    if (!file.isFile()) {
      throw new KerasWeightsException("Keras weight file " + file + " does not exist or is not a regular file");
    }
    try (HdfFile hdf = new HdfFile(file)) {
      Group root = weightsRoot(hdf, file);
      List<KerasLayer> layers = new ArrayList<>();
      for (String layerName : stringList(root, "layer_names", file)) {
        Node node = root.getChildren().get(layerName);
        if (!(node instanceof Group)) {
          throw new KerasWeightsException(file + " lists layer '" + layerName + "' in layer_names but has no group "
              + "of that name: the file is damaged or not written by Keras");
        }
        Group group = (Group) node;
        List<KerasTensor> weights = new ArrayList<>();
        for (String weightName : stringList(group, "weight_names", file)) {
          weights.add(readTensor(group, weightName, file));
        }
        layers.add(new KerasLayer(layerName, weights));
      }
      return new KerasWeightFile(layers);
    } catch (HdfException e) {
      throw new KerasWeightsException("cannot read " + file + " as an HDF5 file: " + e.getMessage(), e);
    }
  }

  /**
   * Writes the Keras layout: {@code layer_names}, {@code backend}, {@code keras_version} on the root, then one
   * group per layer with its {@code weight_names} and datasets (float32). Layers without weights are left out:
   * Keras' loaders skip them anyway, and an empty string list is not representable here.
   */
  public void write(File file) {
    List<KerasLayer> weighted = new ArrayList<>();
    for (KerasLayer layer : layers) {
      if (!layer.weights().isEmpty()) {
        weighted.add(layer);
      }
    }
    List<String> layerNames = new ArrayList<>();
    for (KerasLayer layer : weighted) {
      layerNames.add(layer.name());
    }
    try (WritableHdfFile out = HdfFile.write(file.toPath())) {
      putStrings(out, "layer_names", layerNames);
      out.putAttribute("backend", BACKEND);
      out.putAttribute("keras_version", KERAS_LAYOUT_VERSION);
      for (KerasLayer layer : weighted) {
        WritableGroup group = out.putGroup(layer.name());
        List<String> weightNames = new ArrayList<>();
        for (KerasTensor w : layer.weights()) {
          weightNames.add(w.name());
        }
        putStrings(group, "weight_names", weightNames);
        for (KerasTensor w : layer.weights()) {
          putTensor(group, w);
        }
      }
    } catch (HdfException e) {
      throw new KerasWeightsException("cannot write Keras weight file " + file + ": " + e.getMessage(), e);
    }
  }

  private static Group weightsRoot(HdfFile hdf, File file) {
    if (hasStringList(hdf, "layer_names")) {
      return hdf;
    }
    Node modelWeights = hdf.getChildren().get("model_weights");
    if (modelWeights instanceof Group && hasStringList(modelWeights, "layer_names")) {
      return (Group) modelWeights; // a whole model saved with model.save('x.h5')
    }
    if (hdf.getChildren().containsKey("layers") || hdf.getChildren().containsKey("vars")) {
      throw new KerasWeightsException(file + " is in Keras 3's '.weights.h5' layout, not the Keras HDF5 weights "
          + "layout this importer reads. Save the legacy layout instead: in TF2 Keras (tf.keras, tf_keras) "
          + "model.save_weights('name.h5'), or in Keras 3 model.save('name.h5') (whole model, legacy HDF5).");
    }
    throw new KerasWeightsException(file + " is an HDF5 file without Keras' 'layer_names' attribute (on its root "
        + "or a 'model_weights' group): not a Keras HDF5 weights file");
  }

  private static boolean hasStringList(Node node, String name) {
    Map<String, Attribute> attributes = node.getAttributes();
    return attributes.containsKey(name) || attributes.containsKey(name + "0");
  }

  /** A string-list attribute, joined from Keras' numbered chunks when split; absent means empty (as Keras reads it). */
  private static List<String> stringList(Node node, String name, File file) {
    Map<String, Attribute> attributes = node.getAttributes();
    List<String> out = new ArrayList<>();
    if (attributes.containsKey(name)) {
      addStrings(attributes.get(name), node, out, file);
    } else {
      for (int chunk = 0; attributes.containsKey(name + chunk); chunk++) {
        addStrings(attributes.get(name + chunk), node, out, file);
      }
    }
    return out;
  }

  private static void addStrings(Attribute attribute, Node node, List<String> out, File file) {
    if (attribute.isEmpty()) {
      return;
    }
    Object data = attribute.getData();
    if (data instanceof String) {
      out.add((String) data);
    } else if (data instanceof String[]) {
      Collections.addAll(out, (String[]) data);
    } else if (data == null || !data.getClass().isArray() || Array.getLength(data) != 0) {
      // Keras writes an empty list as an empty numeric array; anything else here is not Keras' layout.
      throw new KerasWeightsException(file + ": attribute '" + attribute.getName() + "' of '" + node.getPath()
          + "' is not a list of strings (" + (data == null ? "null" : data.getClass().getSimpleName()) + ")");
    }
  }

  private static KerasTensor readTensor(Group layerGroup, String weightName, File file) {
    Node node;
    try {
      node = layerGroup.getByPath(weightName);
    } catch (HdfException e) {
      node = null;
    }
    if (!(node instanceof Dataset)) {
      throw new KerasWeightsException(file + ": layer '" + layerGroup.getName() + "' lists weight '" + weightName
          + "' in weight_names but has no dataset at that path");
    }
    Dataset dataset = (Dataset) node;
    int[] shape = dataset.isScalar() ? new int[0] : dataset.getDimensions();
    Object data = dataset.isScalar() ? dataset.getData() : dataset.getDataFlat();
    return new KerasTensor(weightName, shape, toFloats(data, layerGroup.getName() + "/" + weightName, file));
  }

  private static float[] toFloats(Object data, String what, File file) {
    if (data instanceof float[]) {
      return (float[]) data;
    }
    if (data instanceof Number) {
      return new float[] {((Number) data).floatValue()};
    }
    if (data != null && data.getClass().isArray() && data.getClass().getComponentType().isPrimitive()
        && data.getClass().getComponentType() != boolean.class && data.getClass().getComponentType() != char.class) {
      float[] out = new float[Array.getLength(data)];
      for (int i = 0; i < out.length; i++) {
        out[i] = ((Number) Array.get(data, i)).floatValue();
      }
      return out;
    }
    throw new KerasWeightsException(file + ": weight '" + what + "' is not numeric ("
        + (data == null ? "null" : data.getClass().getSimpleName()) + ")");
  }

  /**
   * A string list as one attribute, or as {@code name0}, {@code name1}, ... chunks of near-equal length when it
   * exceeds Keras' limit, as Keras' {@code save_attributes_to_hdf5_group} splits it.
   */
  private static void putStrings(WritableNode node, String name, List<String> values) {
    if (values.isEmpty()) {
      throw new IllegalStateException("empty string list '" + name + "' for " + node.getName());
    }
    int longest = 0;
    for (String v : values) {
      longest = Math.max(longest, v.getBytes(StandardCharsets.UTF_8).length + 1);
    }
    int chunks = 1;
    while ((long) longest * ((values.size() + chunks - 1) / chunks) > HDF5_OBJECT_HEADER_LIMIT) {
      chunks++;
    }
    if (chunks == 1) {
      node.putAttribute(name, values.toArray(new String[0]));
      return;
    }
    // numpy.array_split: the first (size % chunks) chunks get one extra element.
    int base = values.size() / chunks;
    int extra = values.size() % chunks;
    int from = 0;
    for (int c = 0; c < chunks; c++) {
      int to = from + base + (c < extra ? 1 : 0);
      node.putAttribute(name + c, values.subList(from, to).toArray(new String[0]));
      from = to;
    }
  }

  /** The dataset at the weight's path below the layer group, creating the intermediate groups (Keras' scope). */
  private static void putTensor(WritableGroup layerGroup, KerasTensor tensor) {
    String[] parts = tensor.name().split("/");
    WritableGroup group = layerGroup;
    for (int i = 0; i < parts.length - 1; i++) {
      Node child = group.getChildren().get(parts[i]);
      group = child instanceof WritableGroup ? (WritableGroup) child : group.putGroup(parts[i]);
    }
    int[] shape = tensor.shape();
    float[] values = tensor.values();
    Object data = shape.length == 0 ? (Object) Float.valueOf(values[0]) : nested(values, shape);
    group.putDataset(parts[parts.length - 1], data);
  }

  /** Row-major flat values as a {@code float[d0][d1]...} array (what jHDF writes with its dimensions). */
  private static Object nested(float[] values, int[] shape) {
    Object array = Array.newInstance(float.class, shape);
    fill(array, shape, 0, values, 0);
    return array;
  }

  private static int fill(Object array, int[] shape, int depth, float[] values, int from) {
    if (depth == shape.length - 1) {
      System.arraycopy(values, from, array, 0, shape[depth]);
      return from + shape[depth];
    }
    int next = from;
    for (int i = 0; i < shape[depth]; i++) {
      next = fill(Array.get(array, i), shape, depth + 1, values, next);
    }
    return next;
  }

  /** Names of the layers that hold weights, in file order (what Keras' order-based loader pairs with model layers). */
  public List<String> weightedLayerNames() {
    List<String> out = new ArrayList<>();
    for (KerasLayer layer : layers) {
      if (!layer.weights().isEmpty()) {
        out.add(layer.name());
      }
    }
    return out;
  }
}
