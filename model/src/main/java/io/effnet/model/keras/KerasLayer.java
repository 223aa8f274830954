package io.effnet.model.keras;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A layer's group in a Keras weight file: its name and its weights in the file's {@code weight_names} order. */
public final class KerasLayer {
  private final String name;
  private final List<KerasTensor> weights;

  public KerasLayer(String name, List<KerasTensor> weights) {
    if (name == null || name.isEmpty() || name.contains("/")) {
      throw new IllegalArgumentException("a layer name must be a non-empty HDF5 group name, got '" + name + "'");
    }
    Set<String> seen = new HashSet<>();
    for (KerasTensor w : weights) {
      if (!seen.add(w.name())) {
        throw new IllegalArgumentException("layer '" + name + "' lists weight '" + w.name() + "' twice");
      }
    }
    this.name = name;
    this.weights = Collections.unmodifiableList(new ArrayList<>(weights));
  }

  public String name() {
    return name;
  }

  public List<KerasTensor> weights() {
    return weights;
  }

  /** The weight whose {@link KerasTensor#shortName()} is {@code shortName}, or null. */
  public KerasTensor find(String shortName) {
    for (KerasTensor w : weights) {
      if (w.shortName().equals(shortName)) {
        return w;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name + weights;
  }
}
