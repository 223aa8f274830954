package io.effnet.model.arch;

/**
 * The rounding rules of compound scaling, applied identically everywhere (stem, every block, head), as in
 * the TF reference's {@code round_filters} / {@code round_repeats} and torchvision's {@code _make_divisible}.
 */
public final class Scaling {
  /** Channel counts are multiples of this. */
  public static final int DIVISOR = 8;

  private Scaling() {}

  /**
   * Scales a channel count by the width coefficient and rounds it to the nearest multiple of 8, never going
   * below 90% of the scaled value.
   */
  public static int roundFilters(int filters, double widthCoefficient) {
    double scaled = filters * widthCoefficient;
    int rounded = Math.max(DIVISOR, (int) (scaled + DIVISOR / 2.0) / DIVISOR * DIVISOR);
    if (rounded < 0.9 * scaled) {
      rounded += DIVISOR;
    }
    return rounded;
  }

  /** Scales a stage's repeat count by the depth coefficient, rounding up. */
  public static int roundRepeats(int repeats, double depthCoefficient) {
    // The epsilon keeps products that are whole numbers in decimal but not in binary (5 x 1.2 =
    // 6.000000000000001) from gaining a block; no published variant hits such a product.
    return (int) Math.ceil(repeats * depthCoefficient - 1e-9);
  }
}
