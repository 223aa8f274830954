package io.effnet.model.arch;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The grid of step 1 of compound scaling (paper section 3.3): with phi = 1, every (alpha, beta, gamma) on a
 * regular grid with each coefficient >= 1 that satisfies the constraint, optionally capped to a practical
 * number of candidates. Pure and deterministic: the same settings always give the same candidates, in grid
 * order (alpha slowest, gamma fastest).
 */
public final class CoefficientGrid {
  /** Below this, two constraint values are equal: grid values like 1.1 are not exact in binary. */
  private static final double EPSILON = 1e-9;
  /** More points than this per axis is a mistake in the step, not a search anyone can train. */
  private static final int MAX_POINTS_PER_AXIS = 10_000;

  /** What must be about {@code target}. */
  public enum Constraint {
    /** |alpha x beta^2 x gamma^2 - target| <= tolerance (paper eq. 3). */
    FORMULA("formula"),
    /**
     * A multiply-add budget: target - tolerance <= counted MACs(phi = 1 network) / MACs(B0) <= target, both at
     * 224 x gamma (the budget is never exceeded; the lower bound keeps candidates that waste it out).
     */
    MULTIPLY_ADDS("multiply-adds");

    private final String key;

    Constraint(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Constraint parse(String text) {
      for (Constraint c : values()) {
        if (c.key.equals(text.trim().toLowerCase(Locale.ROOT))) {
          return c;
        }
      }
      throw new IllegalArgumentException("unknown constraint '" + text + "': expected formula or multiply-adds");
    }
  }

  /** Which candidates a cap keeps. */
  public enum Selection {
    /** The ones closest to the target (ties: grid order). */
    NEAREST("nearest"),
    /** A uniform sample drawn with the grid's seed. */
    RANDOM("random");

    private final String key;

    Selection(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    public static Selection parse(String text) {
      for (Selection s : values()) {
        if (s.key.equals(text.trim().toLowerCase(Locale.ROOT))) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown selection '" + text + "': expected nearest or random");
    }
  }

  /** One coefficient's range: min, min + step, ... up to max (included when it lies on the grid). */
  public static final class Axis {
    private final String name;
    private final double min;
    private final double max;
    private final double step;

    public Axis(String name, double min, double max, double step) {
      if (!(min >= 1)) {
        throw new IllegalArgumentException(name + " must be >= 1 (paper eq. 3), got a minimum of " + min);
      }
      if (!(max >= min)) {
        throw new IllegalArgumentException(name + "'s maximum " + max + " is below its minimum " + min);
      }
      if (!(step > 0)) {
        throw new IllegalArgumentException("the grid step for " + name + " must be > 0, got " + step);
      }
      this.name = name;
      this.min = min;
      this.max = max;
      this.step = step;
      if (count() > MAX_POINTS_PER_AXIS) {
        throw new IllegalArgumentException(name + " from " + min + " to " + max + " in steps of " + step + " gives "
            + count() + " values (at most " + MAX_POINTS_PER_AXIS + "): use a larger step");
      }
    }

    public String name() { return name; }
    public double min() { return min; }
    public double max() { return max; }
    public double step() { return step; }

    /** Number of grid values, counted in decimal so that 1.0..2.0 step 0.05 gives exactly 21. */
    public int count() {
      BigDecimal span = BigDecimal.valueOf(max).subtract(BigDecimal.valueOf(min));
      BigDecimal steps = span.divideToIntegralValue(BigDecimal.valueOf(step));
      return steps.min(BigDecimal.valueOf(MAX_POINTS_PER_AXIS)).intValue() + 1;
    }

    /** The values, computed in decimal (1.0 + 3 x 0.05 is 1.15, not 1.1500000000000001). */
    public double[] values() {
      double[] out = new double[count()];
      for (int i = 0; i < out.length; i++) {
        out[i] = BigDecimal.valueOf(min).add(BigDecimal.valueOf(step).multiply(BigDecimal.valueOf(i))).doubleValue();
      }
      return out;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%s %s..%s step %s", name, CoefficientCandidate.format(min),
          CoefficientCandidate.format(max), CoefficientCandidate.format(step));
    }
  }

  private final Axis alpha;
  private final Axis beta;
  private final Axis gamma;
  private final Constraint constraint;
  private final double target;
  private final double tolerance;
  private final int maxCandidates;
  private final Selection selection;
  private final long seed;
  private final int numClasses;

  private CoefficientGrid(Builder b) {
    this.alpha = b.alpha;
    this.beta = b.beta;
    this.gamma = b.gamma;
    this.constraint = b.constraint;
    this.target = b.target;
    this.tolerance = b.tolerance;
    this.maxCandidates = b.maxCandidates;
    this.selection = b.selection;
    this.seed = b.seed;
    this.numClasses = b.numClasses;
  }

  /** Defaults: each coefficient 1.0..2.0 in steps of 0.05, alpha x beta^2 x gamma^2 within 0.1 of 2, no cap. */
  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private Axis alpha = new Axis("alpha", 1.0, 2.0, 0.05);
    private Axis beta = new Axis("beta", 1.0, 2.0, 0.05);
    private Axis gamma = new Axis("gamma", 1.0, 2.0, 0.05);
    private Constraint constraint = Constraint.FORMULA;
    private double target = 2.0;
    private double tolerance = 0.1;
    private int maxCandidates = 0;
    private Selection selection = Selection.NEAREST;
    private long seed = 1;
    private int numClasses = 1000;

    private Builder() {}

    public Builder alpha(double min, double max, double step) {
      alpha = new Axis("alpha", min, max, step);
      return this;
    }

    public Builder beta(double min, double max, double step) {
      beta = new Axis("beta", min, max, step);
      return this;
    }

    public Builder gamma(double min, double max, double step) {
      gamma = new Axis("gamma", min, max, step);
      return this;
    }

    public Builder constraint(Constraint c) {
      constraint = c;
      return this;
    }

    /** The constraint's target: 2 in the paper (each step of phi about doubles the multiply-adds). */
    public Builder target(double t) {
      target = t;
      return this;
    }

    /** Absolute: |value - target| <= tolerance (formula), or value in [target - tolerance, target] (budget). */
    public Builder tolerance(double t) {
      tolerance = t;
      return this;
    }

    /** 0 = every admissible point. */
    public Builder maxCandidates(int max) {
      maxCandidates = max;
      return this;
    }

    public Builder selection(Selection s) {
      selection = s;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    /** The classifier size used when counting multiply-adds (the dataset's classes). */
    public Builder numClasses(int n) {
      numClasses = n;
      return this;
    }

    public CoefficientGrid build() {
      if (constraint == null || selection == null) {
        throw new IllegalArgumentException("constraint and selection must be given");
      }
      if (!(target >= 1)) {
        throw new IllegalArgumentException("the constraint target must be >= 1 (phi = 1 never shrinks B0), got "
            + target);
      }
      if (!(tolerance >= 0)) {
        throw new IllegalArgumentException("the constraint tolerance must be >= 0, got " + tolerance);
      }
      if (maxCandidates < 0) {
        throw new IllegalArgumentException("the maximum number of candidates must be >= 0 (0 = all), got "
            + maxCandidates);
      }
      if (numClasses < 1) {
        throw new IllegalArgumentException("number of classes must be >= 1, got " + numClasses);
      }
      return new CoefficientGrid(this);
    }
  }

  public Axis alpha() { return alpha; }
  public Axis beta() { return beta; }
  public Axis gamma() { return gamma; }
  public Constraint constraint() { return constraint; }
  public double target() { return target; }
  public double tolerance() { return tolerance; }
  public int maxCandidates() { return maxCandidates; }
  public Selection selection() { return selection; }
  public long seed() { return seed; }
  public int numClasses() { return numClasses; }

  /** Points on the grid before the constraint. */
  public long gridSize() {
    return (long) alpha.count() * beta.count() * gamma.count();
  }

  /** The value the constraint bounds: alpha x beta^2 x gamma^2, or the counted multiply-add ratio. */
  public double constrainedValue(CoefficientCandidate c) {
    return constraint == Constraint.FORMULA ? c.constraintValue() : c.multiplyAddsRatio();
  }

  public boolean admits(CoefficientCandidate c) {
    double v = constrainedValue(c);
    if (constraint == Constraint.FORMULA) {
      return Math.abs(v - target) <= tolerance + EPSILON;
    }
    return v <= target + EPSILON && v >= target - tolerance - EPSILON;
  }

  /** Every grid point that satisfies the constraint, in grid order. */
  public List<CoefficientCandidate> admissible() {
    long baseline = NetworkSpec.resolve(Variant.published("b0"), numClasses).multiplyAdds();
    List<CoefficientCandidate> out = new ArrayList<>();
    for (double a : alpha.values()) {
      for (double b : beta.values()) {
        for (double g : gamma.values()) {
          // The formula is free; the counted ratio resolves a network, so the formula mode filters first.
          if (constraint == Constraint.FORMULA
              && Math.abs(Variant.flopsMultiplier(a, b, g) - target) > tolerance + EPSILON) {
            continue;
          }
          CoefficientCandidate c = CoefficientCandidate.of(a, b, g, numClasses, baseline);
          if (admits(c)) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }

  /** The candidates to train: the admissible points, capped to {@link #maxCandidates()} if set, in grid order. */
  public List<CoefficientCandidate> candidates() {
    final List<CoefficientCandidate> all = admissible();
    if (maxCandidates == 0 || all.size() <= maxCandidates) {
      return all;
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      order.add(i);
    }
    if (selection == Selection.NEAREST) {
      Collections.sort(order, new Comparator<Integer>() {
        @Override
        public int compare(Integer x, Integer y) {
          double dx = Math.abs(constrainedValue(all.get(x)) - target);
          double dy = Math.abs(constrainedValue(all.get(y)) - target);
          if (Math.abs(dx - dy) > EPSILON) {
            return Double.compare(dx, dy);
          }
          return Integer.compare(x, y);
        }
      });
    } else {
      Collections.shuffle(order, new Random(seed));
    }
    List<Integer> kept = new ArrayList<>(order.subList(0, maxCandidates));
    Collections.sort(kept);
    List<CoefficientCandidate> out = new ArrayList<>();
    for (int i : kept) {
      out.add(all.get(i));
    }
    return out;
  }

  @Override
  public String toString() {
    String bound = constraint == Constraint.FORMULA
        ? String.format(Locale.ROOT, "|alpha x beta^2 x gamma^2 - %s| <= %s", CoefficientCandidate.format(target),
            CoefficientCandidate.format(tolerance))
        : String.format(Locale.ROOT, "%s <= MACs / MACs(B0) <= %s",
            CoefficientCandidate.format(target - tolerance), CoefficientCandidate.format(target));
    String cap = maxCandidates == 0 ? "no cap" : "at most " + maxCandidates + " (" + selection.key() + ")";
    return alpha + ", " + beta + ", " + gamma + "; " + bound + "; " + cap;
  }
}
