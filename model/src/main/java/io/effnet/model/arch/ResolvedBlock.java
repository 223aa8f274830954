package io.effnet.model.arch;

import java.util.Locale;

/**
 * One MBConv block after scaling: everything a builder needs, with no further arithmetic. Names follow the
 * Keras reference ({@code block2a}: stage 2, first repeat) so that layer names are stable and weights from
 * other frameworks can be mapped.
 */
public final class ResolvedBlock {
  private final String name;
  private final int stage;
  private final int indexInStage;
  private final int globalIndex;
  private final int inChannels;
  private final int outChannels;
  private final int expandRatio;
  private final int kernel;
  private final int stride;
  private final int seChannels;
  private final boolean idSkip;
  private final double dropConnectRate;
  private final int inputSize;

  ResolvedBlock(int stage, int indexInStage, int globalIndex, int inChannels, int outChannels, int expandRatio,
      int kernel, int stride, int seChannels, boolean idSkip, double dropConnectRate, int inputSize) {
    this.stage = stage;
    this.indexInStage = indexInStage;
    this.globalIndex = globalIndex;
    this.name = blockName(stage, indexInStage);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.expandRatio = expandRatio;
    this.kernel = kernel;
    this.stride = stride;
    this.seChannels = seChannels;
    this.idSkip = idSkip;
    this.dropConnectRate = dropConnectRate;
    this.inputSize = inputSize;
  }

  /** Keras naming: stage numbers from 1, repeats lettered a, b, ... (aa, ab after z, as Keras never needs). */
  static String blockName(int stage, int indexInStage) {
    String letters = indexInStage < 26 ? String.valueOf((char) ('a' + indexInStage))
        : String.valueOf((char) ('a' + indexInStage / 26 - 1)) + (char) ('a' + indexInStage % 26);
    return "block" + stage + letters;
  }

  public String name() { return name; }
  /** Stage number, from 1. */
  public int stage() { return stage; }
  public int indexInStage() { return indexInStage; }
  /** Index over all blocks of the network, from 0. */
  public int globalIndex() { return globalIndex; }
  public int inChannels() { return inChannels; }
  public int outChannels() { return outChannels; }
  public int expandRatio() { return expandRatio; }
  public boolean hasExpansion() { return expandRatio != 1; }
  public int expandedChannels() { return inChannels * expandRatio; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }
  /** Squeeze-excitation width: max(1, int(block input channels x se ratio)); 0 when SE is off. */
  public int seChannels() { return seChannels; }
  public boolean hasSqueezeExcitation() { return seChannels > 0; }
  /** Identity shortcut: only when the block keeps shape (stride 1, same channels) and skips are enabled. */
  public boolean hasSkip() { return idSkip && stride == 1 && inChannels == outChannels; }
  /** Drop-connect rate of this block's residual branch (rate x globalIndex / blocks). */
  public double dropConnectRate() { return dropConnectRate; }
  /** Spatial size (height = width) of the block's input. */
  public int inputSize() { return inputSize; }
  /** Spatial size of the output: TF "same" padding gives ceil(input / stride). */
  public int outputSize() { return (inputSize + stride - 1) / stride; }

  /** Trainable parameters: convs without bias, BN gamma and beta, SE convs with bias. */
  public long parameterCount() {
    long exp = expandedChannels();
    long p = 0;
    if (hasExpansion()) {
      p += (long) inChannels * exp + 2 * exp;
    }
    p += (long) kernel * kernel * exp + 2 * exp;
    if (hasSqueezeExcitation()) {
      p += exp * seChannels + seChannels + (long) seChannels * exp + exp;
    }
    p += exp * outChannels + 2L * outChannels;
    return p;
  }

  /** Multiply-adds of the convolutions (expansion, depthwise, SE, projection) at this block's input size. */
  public long multiplyAdds() {
    long exp = expandedChannels();
    long in = (long) inputSize * inputSize;
    long out = (long) outputSize() * outputSize();
    long m = 0;
    if (hasExpansion()) {
      m += in * inChannels * exp;
    }
    m += out * kernel * kernel * exp;
    if (hasSqueezeExcitation()) {
      m += 2 * exp * seChannels;
    }
    m += out * exp * outChannels;
    return m;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s %dx%d k%d s%d e%d %d->%d se%d%s drop_connect=%.4f",
        name, inputSize, inputSize, kernel, stride, expandRatio, inChannels, outChannels, seChannels,
        hasSkip() ? " skip" : "", dropConnectRate);
  }
}
