package io.effnet.model.arch;

import java.util.Locale;

/**
 * A network's scaling: width, depth and resolution coefficients plus its dropout. The published B0..B7 come
 * from one table (the TF reference's {@code efficientnet_params}); custom variants come from a compound
 * coefficient phi with alpha, beta, gamma (paper section 3.3: depth = alpha^phi, width = beta^phi,
 * resolution = gamma^phi) or from explicit coefficients.
 */
public final class Variant {
  /** The paper's grid-search result for B0 (section 4): alpha = 1.2, beta = 1.1, gamma = 1.15. */
  public static final double DEFAULT_ALPHA = 1.2;
  public static final double DEFAULT_BETA = 1.1;
  public static final double DEFAULT_GAMMA = 1.15;
  public static final int BASE_RESOLUTION = 224;
  /** The reference's survival-probability schedule starts from this drop-connect rate for every variant. */
  public static final double DEFAULT_DROP_CONNECT_RATE = 0.2;

  // name, width, depth, resolution, dropout
  private static final Object[][] PUBLISHED = {
      {"b0", 1.0, 1.0, 224, 0.2},
      {"b1", 1.0, 1.1, 240, 0.2},
      {"b2", 1.1, 1.2, 260, 0.3},
      {"b3", 1.2, 1.4, 300, 0.3},
      {"b4", 1.4, 1.8, 380, 0.4},
      {"b5", 1.6, 2.2, 456, 0.4},
      {"b6", 1.8, 2.6, 528, 0.5},
      {"b7", 2.0, 3.1, 600, 0.5},
  };

  private final String name;
  private final double widthCoefficient;
  private final double depthCoefficient;
  private final int resolution;
  private final double dropoutRate;
  private final double dropConnectRate;

  public Variant(String name, double widthCoefficient, double depthCoefficient, int resolution,
      double dropoutRate, double dropConnectRate) {
    if (name == null || name.trim().isEmpty()) {
      throw new IllegalArgumentException("variant name must not be empty");
    }
    if (!(widthCoefficient > 0) || !(depthCoefficient > 0)) {
      throw new IllegalArgumentException("width and depth coefficients must be > 0, got width "
          + widthCoefficient + ", depth " + depthCoefficient);
    }
    if (resolution < 32) {
      throw new IllegalArgumentException("resolution must be at least 32 pixels, got " + resolution);
    }
    if (dropoutRate < 0 || dropoutRate >= 1 || dropConnectRate < 0 || dropConnectRate >= 1) {
      throw new IllegalArgumentException("dropout and drop-connect rates must be in [0, 1)");
    }
    this.name = name;
    this.widthCoefficient = widthCoefficient;
    this.depthCoefficient = depthCoefficient;
    this.resolution = resolution;
    this.dropoutRate = dropoutRate;
    this.dropConnectRate = dropConnectRate;
  }

  /** One of the published variants, {@code b0} ... {@code b7} (case-insensitive, "efficientnet-" optional). */
  public static Variant published(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT).replace("efficientnet-", "").replace("efficientnet_", "");
    for (Object[] row : PUBLISHED) {
      if (row[0].equals(key)) {
        return new Variant((String) row[0], (Double) row[1], (Double) row[2], (Integer) row[3], (Double) row[4],
            DEFAULT_DROP_CONNECT_RATE);
      }
    }
    throw new IllegalArgumentException("unknown variant '" + name + "': expected b0 ... b7");
  }

  /** The published variant with compound coefficient {@code phi} (0..7). */
  public static Variant published(int phi) {
    if (phi < 0 || phi >= PUBLISHED.length) {
      throw new IllegalArgumentException("published variants have phi 0..7, got " + phi);
    }
    return published((String) PUBLISHED[phi][0]);
  }

  /** All published variants, B0 first. */
  public static Variant[] publishedFamily() {
    Variant[] all = new Variant[PUBLISHED.length];
    for (int i = 0; i < all.length; i++) {
      all[i] = published(i);
    }
    return all;
  }

  /**
   * A custom variant by compound scaling of B0: width = beta^phi, depth = alpha^phi, resolution =
   * round(224 x gamma^phi). phi may be fractional (phi = 1 is the coefficient search's setting).
   */
  public static Variant compound(double phi, double alpha, double beta, double gamma, double dropoutRate) {
    if (alpha < 1 || beta < 1 || gamma < 1) {
      throw new IllegalArgumentException("alpha, beta and gamma must be >= 1 (paper eq. 3), got "
          + alpha + ", " + beta + ", " + gamma);
    }
    if (phi < 0) {
      throw new IllegalArgumentException("phi must be >= 0, got " + phi);
    }
    String name = String.format(Locale.ROOT, "phi%s-a%s-b%s-g%s", trim(phi), trim(alpha), trim(beta), trim(gamma));
    return new Variant(name, Math.pow(beta, phi), Math.pow(alpha, phi),
        (int) Math.round(BASE_RESOLUTION * Math.pow(gamma, phi)), dropoutRate, DEFAULT_DROP_CONNECT_RATE);
  }

  /** The compound coefficient's constraint value alpha x beta^2 x gamma^2 (paper eq. 3 wants about 2). */
  public static double flopsMultiplier(double alpha, double beta, double gamma) {
    return alpha * beta * beta * gamma * gamma;
  }

  public Variant withResolution(int newResolution) {
    return new Variant(name, widthCoefficient, depthCoefficient, newResolution, dropoutRate, dropConnectRate);
  }

  public Variant withDropout(double newDropout, double newDropConnect) {
    return new Variant(name, widthCoefficient, depthCoefficient, resolution, newDropout, newDropConnect);
  }

  public String name() { return name; }
  public double widthCoefficient() { return widthCoefficient; }
  public double depthCoefficient() { return depthCoefficient; }
  public int resolution() { return resolution; }
  public double dropoutRate() { return dropoutRate; }
  public double dropConnectRate() { return dropConnectRate; }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s(width=%s, depth=%s, resolution=%d, dropout=%s, drop_connect=%s)",
        name, trim(widthCoefficient), trim(depthCoefficient), resolution, trim(dropoutRate), trim(dropConnectRate));
  }
}
