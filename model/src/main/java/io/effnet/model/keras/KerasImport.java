package io.effnet.model.keras;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What an import of Keras weights did: the tensors copied into the model (Keras names, {@code layer/weight}),
 * the file's layers left alone and why, and the input normalisation stored in the file's Keras {@code
 * Normalization} layer, if it has one.
 *
 * <p>The TF2 Keras EfficientNet starts with {@code Rescaling(1/255)} and {@code Normalization} layers; this
 * project normalises its input in the data pipeline instead ({@code effnet.input.mean/std}), so those weights
 * are reported, not imported.
 */
public final class KerasImport {
  private final List<String> importedTensors;
  private final List<String> ignoredLayers;
  private final float[] normalizationMean;
  private final float[] normalizationVariance;

  public KerasImport(List<String> importedTensors, List<String> ignoredLayers, float[] normalizationMean,
      float[] normalizationVariance) {
    this.importedTensors = Collections.unmodifiableList(new ArrayList<>(importedTensors));
    this.ignoredLayers = Collections.unmodifiableList(new ArrayList<>(ignoredLayers));
    this.normalizationMean = normalizationMean == null ? null : normalizationMean.clone();
    this.normalizationVariance = normalizationVariance == null ? null : normalizationVariance.clone();
  }

  /** Keras names ({@code stem_conv/kernel}) of every tensor copied into the model, in model order. */
  public List<String> importedTensors() {
    return importedTensors;
  }

  /** File layers not imported, each as {@code name (reason)}: no weights, preprocessing, or the classifier. */
  public List<String> ignoredLayers() {
    return ignoredLayers;
  }

  /**
   * The {@code mean} of the file's Keras {@code Normalization} layer, applied after {@code Rescaling(1/255)}
   * (so on a 0..1 pixel scale), per channel.
   */
  public Optional<float[]> normalizationMean() {
    return normalizationMean == null ? Optional.<float[]>empty() : Optional.of(normalizationMean.clone());
  }

  /**
   * The {@code variance} of the file's Keras {@code Normalization} layer, as stored. By Keras' own source, the
   * keras-applications EfficientNet files hold the ImageNet standard deviations here, not their squares, and
   * Keras compensates with an extra {@code Rescaling} when it loads them (tensorflow/tensorflow#49930).
   */
  public Optional<float[]> normalizationVariance() {
    return normalizationVariance == null ? Optional.<float[]>empty() : Optional.of(normalizationVariance.clone());
  }

  @Override
  public String toString() {
    return importedTensors.size() + " tensors imported; ignored layers: " + ignoredLayers;
  }
}
