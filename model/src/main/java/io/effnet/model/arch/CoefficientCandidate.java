package io.effnet.model.arch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One point (alpha, beta, gamma) of the compound-coefficient search at phi = 1 (paper section 3.3, step 1):
 * its constraint value alpha x beta^2 x gamma^2 and the multiply-add ratio it really gives once channels
 * are rounded to multiples of 8, blocks rounded up and the resolution rounded to whole pixels.
 */
public final class CoefficientCandidate {
  private final double alpha;
  private final double beta;
  private final double gamma;
  private final double multiplyAddsRatio;

  private CoefficientCandidate(double alpha, double beta, double gamma, double multiplyAddsRatio) {
    this.alpha = alpha;
    this.beta = beta;
    this.gamma = gamma;
    this.multiplyAddsRatio = multiplyAddsRatio;
  }

  /**
   * A candidate with its multiply-add ratio counted for {@code numClasses}: the phi = 1 network at
   * round(224 x gamma) over B0 at 224 (both from {@link NetworkSpec#multiplyAdds()}).
   */
  public static CoefficientCandidate of(double alpha, double beta, double gamma, int numClasses) {
    long baseline = NetworkSpec.resolve(Variant.published("b0"), numClasses).multiplyAdds();
    return of(alpha, beta, gamma, numClasses, baseline);
  }

  static CoefficientCandidate of(double alpha, double beta, double gamma, int numClasses, long baselineMultiplyAdds) {
    Variant v = Variant.compound(1, alpha, beta, gamma, Variant.DEFAULT_DROP_CONNECT_RATE);
    double ratio = NetworkSpec.resolve(v, numClasses).multiplyAdds() / (double) baselineMultiplyAdds;
    return new CoefficientCandidate(alpha, beta, gamma, ratio);
  }

  public double alpha() { return alpha; }
  public double beta() { return beta; }
  public double gamma() { return gamma; }

  /** alpha x beta^2 x gamma^2: the FLOPS multiplier per unit of phi the paper constrains to about 2 (eq. 3). */
  public double constraintValue() {
    return Variant.flopsMultiplier(alpha, beta, gamma);
  }

  /** Counted multiply-adds of the phi = 1 network at round(224 x gamma) over B0's at 224. */
  public double multiplyAddsRatio() {
    return multiplyAddsRatio;
  }

  /** A stable name usable as a folder name, e.g. {@code a1.2-b1.1-g1.15}. */
  public String id() {
    return "a" + format(alpha) + "-b" + format(beta) + "-g" + format(gamma);
  }

  /** The proxy's input size when the baseline is trained at {@code baseResolution}: round(base x gamma). */
  public int proxyResolution(int baseResolution) {
    return (int) Math.round(baseResolution * gamma);
  }

  /** The variant at compound coefficient {@code phi} (what {@code model.variant = custom} builds). */
  public Variant variant(double phi, double dropoutRate) {
    return Variant.compound(phi, alpha, beta, gamma, dropoutRate);
  }

  /** Step 2: the variants for phi = 1 .. {@code size}. */
  public List<Variant> family(int size, double dropoutRate) {
    if (size < 1) {
      throw new IllegalArgumentException("a family needs at least phi = 1, got size " + size);
    }
    List<Variant> out = new ArrayList<>();
    for (int phi = 1; phi <= size; phi++) {
      out.add(variant(phi, dropoutRate));
    }
    return out;
  }

  /** Up to four decimals, trailing zeros dropped (1.2, 1.15, 1.0 -> "1"). */
  static String format(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CoefficientCandidate)) {
      return false;
    }
    CoefficientCandidate c = (CoefficientCandidate) o;
    return alpha == c.alpha && beta == c.beta && gamma == c.gamma;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(alpha) * 31 * 31 + Double.hashCode(beta) * 31 + Double.hashCode(gamma);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(constraint %.4f, multiply-adds x%.4f)", id(), constraintValue(),
        multiplyAddsRatio);
  }
}
