package io.effnet.model.bigdl.layers;

/**
 * A layer that draws random masks in training (dropout, drop connect), each from a stream that is a pure function of
 * a run seed, the layer's name, its forward count and its input (see {@link MaskStream}), so that a training run
 * is repeatable for a given seed whatever threads BigDL runs the model replicas on.
 */
public interface SeededMasks {
  /** Draws later masks from {@code runSeed}; the forward count restarts. */
  void seedMasks(long runSeed);
}
