package io.effnet.model.arch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A fully resolved EfficientNet: the baseline scaled by a {@link Variant} for a class count and input size,
 * flattened into a list of {@link ResolvedBlock}s. The BigDL builder only walks this; parameter and
 * multiply-add counts are computed here so that {@code summary} needs no framework.
 */
public final class NetworkSpec {
  private final Variant variant;
  private final int numClasses;
  private final int inputSize;
  private final int stemChannels;
  private final List<ResolvedBlock> blocks;
  private final int headChannels;

  private NetworkSpec(Variant variant, int numClasses, int inputSize, int stemChannels, List<ResolvedBlock> blocks,
      int headChannels) {
    this.variant = variant;
    this.numClasses = numClasses;
    this.inputSize = inputSize;
    this.stemChannels = stemChannels;
    this.blocks = Collections.unmodifiableList(blocks);
    this.headChannels = headChannels;
  }

  /** Resolves the variant at its own resolution. */
  public static NetworkSpec resolve(Variant variant, int numClasses) {
    return resolve(variant, numClasses, variant.resolution());
  }

  /** Resolves the variant for any input size from 32 pixels up. */
  public static NetworkSpec resolve(Variant variant, int numClasses, int inputSize) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("number of classes must be >= 1, got " + numClasses);
    }
    if (inputSize < 32) {
      throw new IllegalArgumentException("input size must be at least 32 pixels, got " + inputSize);
    }
    List<BlockSpec> stages = new ArrayList<>();
    int total = 0;
    for (BlockSpec stage : Baseline.stages()) {
      BlockSpec scaled = stage.scaled(variant.widthCoefficient(), variant.depthCoefficient());
      stages.add(scaled);
      total += scaled.repeats();
    }
    int size = (inputSize + Baseline.STEM_STRIDE - 1) / Baseline.STEM_STRIDE;
    List<ResolvedBlock> blocks = new ArrayList<>();
    int global = 0;
    for (int s = 0; s < stages.size(); s++) {
      BlockSpec stage = stages.get(s);
      for (int r = 0; r < stage.repeats(); r++) {
        // Only the first block of a stage changes channels and strides; the rest keep its output shape.
        int in = r == 0 ? stage.inChannels() : stage.outChannels();
        int stride = r == 0 ? stage.stride() : 1;
        int se = stage.seRatio() > 0 ? Math.max(1, (int) (in * stage.seRatio())) : 0;
        double dropConnect = variant.dropConnectRate() * global / total;
        ResolvedBlock block = new ResolvedBlock(s + 1, r, global, in, stage.outChannels(), stage.expandRatio(),
            stage.kernel(), stride, se, stage.idSkip(), dropConnect, size);
        blocks.add(block);
        size = block.outputSize();
        global++;
      }
    }
    return new NetworkSpec(variant, numClasses, inputSize,
        Scaling.roundFilters(Baseline.STEM_CHANNELS, variant.widthCoefficient()), blocks,
        Scaling.roundFilters(Baseline.HEAD_CHANNELS, variant.widthCoefficient()));
  }

  public Variant variant() { return variant; }
  public int numClasses() { return numClasses; }
  public int inputSize() { return inputSize; }
  public int stemChannels() { return stemChannels; }
  public int stemOutputSize() { return (inputSize + Baseline.STEM_STRIDE - 1) / Baseline.STEM_STRIDE; }
  public List<ResolvedBlock> blocks() { return blocks; }
  public int headChannels() { return headChannels; }
  public int headInputChannels() { return blocks.get(blocks.size() - 1).outChannels(); }
  /** Spatial size of the final feature map (before global pooling). */
  public int featureSize() { return blocks.get(blocks.size() - 1).outputSize(); }

  /** Number of MBConv blocks in each stage. */
  public int[] stageDepths() {
    int[] depths = new int[blocks.get(blocks.size() - 1).stage()];
    for (ResolvedBlock b : blocks) {
      depths[b.stage() - 1]++;
    }
    return depths;
  }

  /** Trainable parameters, as torchvision counts them (BN running statistics excluded). */
  public long parameterCount() {
    long p = (long) Baseline.INPUT_CHANNELS * Baseline.STEM_KERNEL * Baseline.STEM_KERNEL * stemChannels
        + 2L * stemChannels;
    for (ResolvedBlock b : blocks) {
      p += b.parameterCount();
    }
    p += (long) headInputChannels() * headChannels + 2L * headChannels;
    p += (long) headChannels * numClasses + numClasses;
    return p;
  }

  /**
   * Multiply-adds of every convolution and the classifier at {@link #inputSize()}; batch norm, activations,
   * pooling and the element-wise products are not counted (they are under 1% here).
   */
  public long multiplyAdds() {
    long stemOut = (long) stemOutputSize() * stemOutputSize();
    long m = stemOut * Baseline.INPUT_CHANNELS * Baseline.STEM_KERNEL * Baseline.STEM_KERNEL * stemChannels;
    for (ResolvedBlock b : blocks) {
      m += b.multiplyAdds();
    }
    long f = (long) featureSize() * featureSize();
    m += f * headInputChannels() * headChannels;
    m += (long) headChannels * numClasses;
    return m;
  }
}
