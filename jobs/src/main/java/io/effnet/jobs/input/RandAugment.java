package io.effnet.jobs.input;

import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * RandAugment (Cubuk et al. 2019, arXiv:1909.13719) as the EfficientNet reference's {@code
 * distort_image_with_randaugment(image, num_layers, magnitude)}: {@code layers} times, one operation drawn
 * uniformly from {@link #ops()} is applied at the shared magnitude, mapped to the operation's argument by the
 * reference's {@code level_to_arg} ({@link #argument}). Rotate, ShearX/Y and TranslateX/Y get a random sign;
 * Cutout a random center. The reference also draws a probability per operation, which no RandAugment
 * operation uses: every drawn operation is applied.
 *
 * <p>Immutable and serializable (it travels to the executors inside {@link ShardSource}). All randomness
 * comes from the {@link Random} the caller passes, so a sample's augmentation is fixed by the training
 * pipeline's (seed, epoch, partition) stream like its crop and flip.
 */
public final class RandAugment implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The reference's {@code _MAX_LEVEL}: magnitudes run from 0 to this. */
  public static final double MAX_MAGNITUDE = 10;
  /** Upper bound on {@code layers}: the paper searches N in 1..3; more only destroys the image. */
  public static final int MAX_LAYERS = 10;
  /** The reference's RandAugment {@code translate_const}: TranslateX/Y pixels at magnitude 10. */
  public static final double REFERENCE_TRANSLATE_PIXELS = 100;
  /** The reference's RandAugment {@code cutout_const}: Cutout's half side in pixels at magnitude 10. */
  public static final double REFERENCE_CUTOUT_PIXELS = 40;

  /** The operations, in the reference's {@code available_ops} order, with the reference's names. */
  public enum Op {
    AUTO_CONTRAST("AutoContrast"),
    EQUALIZE("Equalize"),
    INVERT("Invert"),
    ROTATE("Rotate"),
    POSTERIZE("Posterize"),
    SOLARIZE("Solarize"),
    COLOR("Color"),
    CONTRAST("Contrast"),
    BRIGHTNESS("Brightness"),
    SHARPNESS("Sharpness"),
    SHEAR_X("ShearX"),
    SHEAR_Y("ShearY"),
    TRANSLATE_X("TranslateX"),
    TRANSLATE_Y("TranslateY"),
    CUTOUT("Cutout"),
    SOLARIZE_ADD("SolarizeAdd");

    private final String referenceName;

    Op(String referenceName) {
      this.referenceName = referenceName;
    }

    /** The name in the reference (and in {@code effnet.input.randaugment.ops}). */
    public String referenceName() {
      return referenceName;
    }

    /** Whether the reference negates the argument with probability 1/2 ({@code _randomly_negate_tensor}). */
    public boolean signed() {
      return this == ROTATE || this == SHEAR_X || this == SHEAR_Y || this == TRANSLATE_X || this == TRANSLATE_Y;
    }

    /** The operation of a reference name (exact spelling); IllegalArgumentException listing the names. */
    public static Op named(String name) {
      for (Op op : values()) {
        if (op.referenceName.equals(name)) {
          return op;
        }
      }
      throw new IllegalArgumentException("unknown RandAugment operation '" + name + "'; the operations are "
          + referenceNames());
    }

    static String referenceNames() {
      List<String> names = new ArrayList<>();
      for (Op op : values()) {
        names.add(op.referenceName);
      }
      return names.toString();
    }
  }

  /** One drawn layer: the operation, its signed argument, and Cutout's center (else -1). */
  public static final class Step implements Serializable {
    private static final long serialVersionUID = 1L;

    public final Op op;
    public final double argument;
    public final int centerX;
    public final int centerY;

    public Step(Op op, double argument, int centerX, int centerY) {
      this.op = op;
      this.argument = argument;
      this.centerX = centerX;
      this.centerY = centerY;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Step)) {
        return false;
      }
      Step s = (Step) o;
      return op == s.op && Double.compare(argument, s.argument) == 0 && centerX == s.centerX
          && centerY == s.centerY;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(new Object[] {op, argument, centerX, centerY});
    }

    @Override
    public String toString() {
      return op.referenceName + "(" + argument + (op == Op.CUTOUT ? " at " + centerX + "," + centerY : "") + ")";
    }
  }

  private final int layers;
  private final double magnitude;
  private final Op[] ops;
  private final double translatePixels;
  private final double cutoutPixels;

  private RandAugment(Builder b) {
    if (b.layers < 0 || b.layers > MAX_LAYERS) {
      throw new IllegalArgumentException("layers must be in [0, " + MAX_LAYERS + "], got " + b.layers);
    }
    if (!(b.magnitude >= 0 && b.magnitude <= MAX_MAGNITUDE)) {
      throw new IllegalArgumentException("magnitude must be in [0, " + (int) MAX_MAGNITUDE + "], got " + b.magnitude);
    }
    if (b.ops.isEmpty()) {
      throw new IllegalArgumentException("the list of operations is empty; the operations are "
          + Op.referenceNames());
    }
    if (EnumSet.copyOf(b.ops).size() != b.ops.size()) {
      throw new IllegalArgumentException("the list of operations " + names(b.ops) + " names an operation twice");
    }
    if (!(b.translatePixels >= 0) || !(b.cutoutPixels >= 0)) {
      throw new IllegalArgumentException("translate and cutout pixels must be >= 0, got " + b.translatePixels
          + " and " + b.cutoutPixels);
    }
    this.layers = b.layers;
    this.magnitude = b.magnitude;
    this.ops = b.ops.toArray(new Op[0]);
    this.translatePixels = b.translatePixels;
    this.cutoutPixels = b.cutoutPixels;
  }

  /** No augmentation (0 layers). */
  public static RandAugment off() {
    return builder().layers(0).build();
  }

  /** Defaults: 0 layers (off), magnitude 10, all 16 operations, the reference's translate and cutout sizes. */
  public static Builder builder() {
    return new Builder();
  }

  /** The {@code effnet.input.randaugment} section. */
  public static RandAugment from(JobConfig c) {
    String section = "input.randaugment.";
    int layers = c.integer(section + "layers");
    Check.that(layers >= 0 && layers <= MAX_LAYERS, section + "layers",
        "must be in [0, " + MAX_LAYERS + "] (0 = off; the reference uses 2), got " + layers);
    double magnitude = c.number(section + "magnitude");
    Check.that(magnitude >= 0 && magnitude <= MAX_MAGNITUDE, section + "magnitude",
        "must be in [0, 10] (the reference's scale; it uses 10 for B0), got " + magnitude);
    List<String> names = c.strings(section + "ops");
    List<Op> ops = new ArrayList<>();
    for (String name : names) {
      try {
        ops.add(Op.named(name.trim()));
      } catch (IllegalArgumentException e) {
        throw io.effnet.jobs.JobException.config("effnet." + section + "ops: " + e.getMessage());
      }
    }
    Check.that(!ops.isEmpty(), section + "ops", "must name at least one operation of " + Op.referenceNames());
    Check.that(EnumSet.copyOf(ops).size() == ops.size(), section + "ops", "names an operation twice: " + names);
    double translate = c.number(section + "translate-pixels");
    Check.that(translate >= 0, section + "translate-pixels", "must be >= 0, got " + translate);
    double cutout = c.number(section + "cutout-pixels");
    Check.that(cutout >= 0, section + "cutout-pixels", "must be >= 0, got " + cutout);
    return builder().layers(layers).magnitude(magnitude).ops(ops).translatePixels(translate).cutoutPixels(cutout)
        .build();
  }

  public boolean enabled() {
    return layers > 0;
  }

  public int layers() {
    return layers;
  }

  public double magnitude() {
    return magnitude;
  }

  public List<Op> ops() {
    return java.util.Collections.unmodifiableList(Arrays.asList(ops));
  }

  public double translatePixels() {
    return translatePixels;
  }

  public double cutoutPixels() {
    return cutoutPixels;
  }

  /** The argument of {@code op} at this policy's magnitude and sizes, before any random sign. */
  public double argument(Op op) {
    return argument(op, magnitude, translatePixels, cutoutPixels);
  }

  /**
   * The reference's {@code level_to_arg} at {@code level} (0..10): Rotate level/10 x 30 degrees; Posterize
   * int(level/10 x 4) bits; Solarize int(level/10 x 256) threshold; SolarizeAdd int(level/10 x 110) addition;
   * Color, Contrast, Brightness, Sharpness level/10 x 1.8 + 0.1 factor; ShearX/Y level/10 x 0.3;
   * TranslateX/Y level/10 x translateConst pixels; Cutout int(level/10 x cutoutConst) half side; 0 for the
   * operations without argument (AutoContrast, Equalize, Invert).
   */
  public static double argument(Op op, double level, double translateConst, double cutoutConst) {
    double fraction = level / MAX_MAGNITUDE;
    switch (op) {
      case ROTATE:
        return fraction * 30.;
      case POSTERIZE:
        return (int) (fraction * 4);
      case SOLARIZE:
        return (int) (fraction * 256);
      case SOLARIZE_ADD:
        return (int) (fraction * 110);
      case COLOR:
      case CONTRAST:
      case BRIGHTNESS:
      case SHARPNESS:
        return fraction * 1.8 + 0.1;
      case SHEAR_X:
      case SHEAR_Y:
        return fraction * 0.3;
      case TRANSLATE_X:
      case TRANSLATE_Y:
        return fraction * translateConst;
      case CUTOUT:
        return (int) (fraction * cutoutConst);
      default:
        return 0;
    }
  }

  /** Draws the layers for one image of {@code width} x {@code height} (none when off). */
  public Step[] draw(Random random, int width, int height) {
    Step[] steps = new Step[layers];
    for (int i = 0; i < layers; i++) {
      Op op = ops[random.nextInt(ops.length)];
      double arg = argument(op);
      if (op.signed() && random.nextBoolean()) {
        arg = -arg;
      }
      int cx = -1;
      int cy = -1;
      if (op == Op.CUTOUT) {
        cy = random.nextInt(height);
        cx = random.nextInt(width);
      }
      steps[i] = new Step(op, arg, cx, cy);
    }
    return steps;
  }

  /**
   * Augments {@code rgb} (HWC uint8, 3 channels, {@code width} x {@code height}): draws the layers from
   * {@code random} and applies them in turn. Returns the input itself when off, else a new array.
   */
  public byte[] apply(byte[] rgb, int width, int height, Random random) {
    byte[] out = rgb;
    for (Step step : draw(random, width, height)) {
      out = apply(step, out, width, height);
    }
    return out;
  }

  /** Applies one drawn layer; a new array. */
  public static byte[] apply(Step step, byte[] rgb, int width, int height) {
    double a = step.argument;
    switch (step.op) {
      case AUTO_CONTRAST:
        return RandAugmentOps.autoContrast(rgb);
      case EQUALIZE:
        return RandAugmentOps.equalize(rgb);
      case INVERT:
        return RandAugmentOps.invert(rgb);
      case ROTATE:
        return RandAugmentOps.rotate(rgb, width, height, a);
      case POSTERIZE:
        return RandAugmentOps.posterize(rgb, (int) a);
      case SOLARIZE:
        return RandAugmentOps.solarize(rgb, (int) a);
      case SOLARIZE_ADD:
        // The reference's solarize_add keeps its default threshold, 128.
        return RandAugmentOps.solarizeAdd(rgb, (int) a, 128);
      case COLOR:
        return RandAugmentOps.color(rgb, (float) a);
      case CONTRAST:
        return RandAugmentOps.contrast(rgb, (float) a);
      case BRIGHTNESS:
        return RandAugmentOps.brightness(rgb, (float) a);
      case SHARPNESS:
        return RandAugmentOps.sharpness(rgb, width, height, (float) a);
      case SHEAR_X:
        return RandAugmentOps.shearX(rgb, width, height, a);
      case SHEAR_Y:
        return RandAugmentOps.shearY(rgb, width, height, a);
      case TRANSLATE_X:
        return RandAugmentOps.translateX(rgb, width, height, a);
      case TRANSLATE_Y:
        return RandAugmentOps.translateY(rgb, width, height, a);
      case CUTOUT:
        return RandAugmentOps.cutout(rgb, width, height, (int) a, step.centerX, step.centerY);
      default:
        throw new IllegalStateException("no implementation for " + step.op);
    }
  }

  @Override
  public String toString() {
    if (!enabled()) {
      return "RandAugment off";
    }
    return String.format(Locale.ROOT, "RandAugment N=%d M=%s of %s (translate %s px, cutout %s px at M=10)",
        layers, trim(magnitude), ops.length == Op.values().length ? "all 16 operations" : names(Arrays.asList(ops)),
        trim(translatePixels), trim(cutoutPixels));
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static String names(List<Op> ops) {
    List<String> names = new ArrayList<>();
    for (Op op : ops) {
      names.add(op.referenceName);
    }
    return names.toString();
  }

  /** Settings; {@link #build} validates. */
  public static final class Builder {
    private int layers;
    private double magnitude = MAX_MAGNITUDE;
    private List<Op> ops = new ArrayList<>(Arrays.asList(Op.values()));
    private double translatePixels = REFERENCE_TRANSLATE_PIXELS;
    private double cutoutPixels = REFERENCE_CUTOUT_PIXELS;

    private Builder() {}

    /** N: operations per image; 0 = off. */
    public Builder layers(int layers) {
      this.layers = layers;
      return this;
    }

    /** M in [0, 10]. */
    public Builder magnitude(double magnitude) {
      this.magnitude = magnitude;
      return this;
    }

    /** The operations to draw from (default: all 16). */
    public Builder ops(List<Op> ops) {
      this.ops = new ArrayList<>(ops);
      return this;
    }

    public Builder translatePixels(double pixels) {
      this.translatePixels = pixels;
      return this;
    }

    public Builder cutoutPixels(double pixels) {
      this.cutoutPixels = pixels;
      return this;
    }

    public RandAugment build() {
      return new RandAugment(this);
    }
  }
}
