package io.effnet.model.arch;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One MBConv stage of the baseline, in the block-string notation of the authors' TF reference
 * ({@code efficientnet_builder.BlockDecoder}): {@code r2_k3_s22_e6_i16_o24_se0.25} means 2 repeats,
 * kernel 3, stride 2, expansion 6, 16 input and 24 output channels, squeeze-excitation ratio 0.25.
 * {@code noskip} disables the identity shortcut. {@link #parse} and {@link #toString} round-trip.
 */
public final class BlockSpec {
  private static final Pattern PART = Pattern.compile("^([a-z]+)(.*)$");

  private final int repeats;
  private final int kernel;
  private final int stride;
  private final int expandRatio;
  private final int inChannels;
  private final int outChannels;
  private final double seRatio;
  private final boolean idSkip;

  public BlockSpec(int repeats, int kernel, int stride, int expandRatio, int inChannels, int outChannels,
      double seRatio, boolean idSkip) {
    require(repeats >= 1, "repeats must be >= 1, got " + repeats);
    require(kernel >= 1 && kernel % 2 == 1, "kernel must be odd and >= 1, got " + kernel);
    require(stride == 1 || stride == 2, "stride must be 1 or 2, got " + stride);
    require(expandRatio >= 1, "expansion ratio must be >= 1, got " + expandRatio);
    require(inChannels >= 1 && outChannels >= 1, "channels must be >= 1");
    require(seRatio >= 0 && seRatio <= 1, "se ratio must be in [0, 1], got " + seRatio);
    this.repeats = repeats;
    this.kernel = kernel;
    this.stride = stride;
    this.expandRatio = expandRatio;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.seRatio = seRatio;
    this.idSkip = idSkip;
  }

  /** Decodes a block string; every field but {@code se} and {@code noskip} is required. */
  public static BlockSpec parse(String text) {
    if (text == null || text.trim().isEmpty()) {
      throw new IllegalArgumentException("empty block string");
    }
    Integer r = null, k = null, s = null, e = null, i = null, o = null;
    double se = 0;
    boolean skip = true;
    for (String part : text.trim().split("_")) {
      if (part.equals("noskip")) {
        skip = false;
        continue;
      }
      Matcher m = PART.matcher(part);
      if (!m.matches() || m.group(2).isEmpty()) {
        throw new IllegalArgumentException("bad block string part '" + part + "' in '" + text + "'");
      }
      String key = m.group(1);
      String value = m.group(2);
      try {
        switch (key) {
          case "r": r = Integer.parseInt(value); break;
          case "k": k = Integer.parseInt(value); break;
          case "s":
            // The reference writes strides per axis ("s22"); only square strides are supported.
            if (value.length() == 2 && value.charAt(0) == value.charAt(1)) {
              s = Character.digit(value.charAt(0), 10);
            } else if (value.length() == 1) {
              s = Integer.parseInt(value);
            } else {
              throw new IllegalArgumentException("only square strides are supported: '" + part + "'");
            }
            break;
          case "e": e = Integer.parseInt(value); break;
          case "i": i = Integer.parseInt(value); break;
          case "o": o = Integer.parseInt(value); break;
          case "se": se = Double.parseDouble(value); break;
          default:
            throw new IllegalArgumentException("unknown block string key '" + key + "' in '" + text + "'");
        }
      } catch (NumberFormatException ex) {
        throw new IllegalArgumentException("bad number in block string part '" + part + "' of '" + text + "'");
      }
    }
    if (r == null || k == null || s == null || e == null || i == null || o == null) {
      throw new IllegalArgumentException(
          "block string '" + text + "' must give r, k, s, e, i and o (e.g. r2_k3_s22_e6_i16_o24_se0.25)");
    }
    return new BlockSpec(r, k, s, e, i, o, se, skip);
  }

  /** This stage with channels rounded by {@link Scaling#roundFilters} and repeats by {@link Scaling#roundRepeats}. */
  public BlockSpec scaled(double widthCoefficient, double depthCoefficient) {
    return new BlockSpec(Scaling.roundRepeats(repeats, depthCoefficient), kernel, stride, expandRatio,
        Scaling.roundFilters(inChannels, widthCoefficient), Scaling.roundFilters(outChannels, widthCoefficient),
        seRatio, idSkip);
  }

  public int repeats() { return repeats; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }
  public int expandRatio() { return expandRatio; }
  public int inChannels() { return inChannels; }
  public int outChannels() { return outChannels; }
  public double seRatio() { return seRatio; }
  public boolean idSkip() { return idSkip; }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append('r').append(repeats).append("_k").append(kernel).append("_s").append(stride).append(stride)
        .append("_e").append(expandRatio).append("_i").append(inChannels).append("_o").append(outChannels);
    if (seRatio > 0) {
      b.append("_se").append(formatRatio(seRatio));
    }
    if (!idSkip) {
      b.append("_noskip");
    }
    return b.toString();
  }

  private static String formatRatio(double v) {
    String s = String.format(Locale.ROOT, "%.6f", v);
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s + "0" : s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlockSpec && o.toString().equals(toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
