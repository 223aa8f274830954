package io.effnet.jobs.input;

/**
 * The image operations of RandAugment (Cubuk et al. 2019, arXiv:1909.13719) as the EfficientNet reference
 * implements them (tensorflow/tpu, models/official/efficientnet/autoaugment.py), on interleaved uint8 RGB
 * pixels in row-major HWC order: {@code rgb[(y * width + x) * 3 + c]}. Plain array code, no AWT.
 *
 * <p>Each operation returns a new array and leaves its input alone. Rounding follows the reference's
 * TensorFlow ops: float results are truncated when cast back to uint8 (after clipping to [0, 255] where the
 * reference clips), geometric operations sample the nearest source pixel (TF's {@code std::round}, half away
 * from zero) and fill what they uncover with {@link #FILL}. Deviations from the reference are named where
 * they occur (Contrast, Sharpness's arithmetic).
 */
public final class RandAugmentOps {
  /** The reference's {@code replace_value} ([128] * 3): uncovered pixels and the Cutout square. */
  public static final int FILL = 128;

  private RandAugmentOps() {}

  /** 255 - x. */
  public static byte[] invert(byte[] rgb) {
    byte[] out = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      out[i] = (byte) (255 - (rgb[i] & 0xff));
    }
    return out;
  }

  /**
   * Keeps the top {@code bits} bits (0..8) of every sample. As TF's uint8 shifts clamp the shift to 7, 0 bits
   * keeps the top bit (x &lt; 128 -> 0, else 128) rather than blacking the image out.
   */
  public static byte[] posterize(byte[] rgb, int bits) {
    if (bits < 0 || bits > 8) {
      throw new IllegalArgumentException("posterize bits must be in [0, 8], got " + bits);
    }
    int shift = Math.min(8 - bits, 7);
    int mask = (0xff >> shift) << shift;
    byte[] out = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      out[i] = (byte) (rgb[i] & mask);
    }
    return out;
  }

  /**
   * Samples at or above {@code threshold} become 255 - x. The reference compares uint8 pixels with the
   * threshold converted to uint8, so it is taken modulo 256: 256 (magnitude 10) wraps to 0 and inverts
   * every sample, as TensorFlow does with the reference's code (checked in RandAugmentReferenceTest).
   */
  public static byte[] solarize(byte[] rgb, int threshold) {
    int t = threshold & 0xff;
    byte[] out = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      int v = rgb[i] & 0xff;
      out[i] = (byte) (v < t ? v : 255 - v);
    }
    return out;
  }

  /** Samples below {@code threshold} get {@code addition} added (clipped to [0, 255]); the others stay. */
  public static byte[] solarizeAdd(byte[] rgb, int addition, int threshold) {
    byte[] lut = new byte[256];
    for (int v = 0; v < 256; v++) {
      lut[v] = (byte) (v < threshold ? clamp255(v + addition) : v);
    }
    return lookUp(rgb, lut);
  }

  /**
   * PIL's Color: blends the image's grey version (factor 0) with the image (factor 1); above 1 it
   * extrapolates (more saturated).
   */
  public static byte[] color(byte[] rgb, float factor) {
    byte[] grey = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i += 3) {
      byte g = (byte) grey(rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff);
      grey[i] = g;
      grey[i + 1] = g;
      grey[i + 2] = g;
    }
    return blend(grey, rgb, factor);
  }

  /**
   * PIL's Contrast: blends a uniform image of the mean grey level (factor 0) with the image (factor 1).
   *
   * <p>Deviation: the reference's {@code contrast} takes {@code sum(histogram) / 256}, i.e. the pixel count
   * / 256, as the "mean" (196 at 224x224 whatever the image); tensorflow/models fixed it to the mean grey
   * level (PR #11219), which is what PIL does and what is done here.
   */
  public static byte[] contrast(byte[] rgb, float factor) {
    long sum = 0;
    int pixels = rgb.length / 3;
    for (int i = 0; i < rgb.length; i += 3) {
      sum += grey(rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff);
    }
    float mean = pixels == 0 ? 0 : (float) sum / pixels;
    return blendConstant((int) Math.min(255f, Math.max(0f, mean)), rgb, factor);
  }

  /** PIL's Brightness: blends black (factor 0) with the image (factor 1). */
  public static byte[] brightness(byte[] rgb, float factor) {
    return blendConstant(0, rgb, factor);
  }

  /**
   * PIL's Sharpness: blends a smoothed image (factor 0; PIL's SMOOTH kernel [[1,1,1],[1,5,1],[1,1,1]] / 13 on
   * the interior, the border pixels kept) with the image (factor 1); above 1 it sharpens. The smoothed value
   * is the exact integer quotient (the reference's float32 convolution may land one lower when the sum is a
   * multiple of 13).
   */
  public static byte[] sharpness(byte[] rgb, int width, int height, float factor) {
    checkSize(rgb, width, height);
    byte[] smooth = rgb.clone();
    int row = width * 3;
    if (width < 3 || height < 3) {
      return blend(smooth, rgb, factor);
    }
    // The kernel is the 3x3 box plus 4 x the center: box sums from horizontal 3-sums of three rows.
    int[][] rowSums = {new int[row], new int[row], new int[row]};
    horizontalSums(rgb, 0, row, rowSums[0]);
    horizontalSums(rgb, row, row, rowSums[1]);
    for (int y = 1; y < height - 1; y++) {
      int[] above = rowSums[(y - 1) % 3];
      int[] here = rowSums[y % 3];
      int[] below = rowSums[(y + 1) % 3];
      horizontalSums(rgb, (y + 1) * row, row, below);
      int base = y * row;
      for (int i = 3; i < row - 3; i++) {
        int s = above[i] + here[i] + below[i] + 4 * (rgb[base + i] & 0xff);
        smooth[base + i] = (byte) (s / 13);
      }
    }
    return blend(smooth, rgb, factor);
  }

  /** sums[i] = the sample i of the row starting at {@code start} plus its left and right neighbours' (interior). */
  private static void horizontalSums(byte[] rgb, int start, int row, int[] sums) {
    for (int i = 3; i < row - 3; i++) {
      sums[i] = (rgb[start + i - 3] & 0xff) + (rgb[start + i] & 0xff) + (rgb[start + i + 3] & 0xff);
    }
  }

  /**
   * Per channel, stretches [min, max] linearly to [0, 255] (a constant channel stays as it is), in float32
   * as the reference: {@code x * scale + offset} with {@code scale = 255 / (max - min)}, {@code offset =
   * -min * scale}, clipped and truncated.
   */
  public static byte[] autoContrast(byte[] rgb) {
    byte[] out = new byte[rgb.length];
    for (int c = 0; c < 3; c++) {
      int lo = 255;
      int hi = 0;
      for (int i = c; i < rgb.length; i += 3) {
        int v = rgb[i] & 0xff;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (hi > lo) {
        float scale = 255f / (hi - lo);
        float offset = -lo * scale;
        byte[] lut = new byte[256];
        for (int v = lo; v <= hi; v++) {
          lut[v] = (byte) (int) Math.min(255f, Math.max(0f, v * scale + offset));
        }
        for (int i = c; i < rgb.length; i += 3) {
          out[i] = lut[rgb[i] & 0xff];
        }
      } else {
        for (int i = c; i < rgb.length; i += 3) {
          out[i] = rgb[i];
        }
      }
    }
    return out;
  }

  /**
   * PIL's Equalize, per channel: with {@code step = (pixels - count of the largest value present) / 255}
   * (integer division), value v maps to {@code (cumulative count below v + step / 2) / step}, clipped to 255;
   * a channel whose step is 0 stays as it is.
   */
  public static byte[] equalize(byte[] rgb) {
    byte[] out = new byte[rgb.length];
    int[] histogram = new int[256];
    int[] lut = new int[256];
    for (int c = 0; c < 3; c++) {
      java.util.Arrays.fill(histogram, 0);
      for (int i = c; i < rgb.length; i += 3) {
        histogram[rgb[i] & 0xff]++;
      }
      int total = 0;
      int last = 0;
      for (int v = 0; v < 256; v++) {
        total += histogram[v];
        if (histogram[v] != 0) {
          last = histogram[v];
        }
      }
      int step = (total - last) / 255;
      if (step == 0) {
        for (int i = c; i < rgb.length; i += 3) {
          out[i] = rgb[i];
        }
        continue;
      }
      int cumulative = 0;
      for (int v = 0; v < 256; v++) {
        lut[v] = Math.min(255, (cumulative + step / 2) / step);
        cumulative += histogram[v];
      }
      for (int i = c; i < rgb.length; i += 3) {
        out[i] = (byte) lut[rgb[i] & 0xff];
      }
    }
    return out;
  }

  /**
   * Rotates about the image center by {@code degrees} (positive: counter-clockwise on screen, as the reference's
   * {@code contrib_image.rotate}, whose sign RandAugment randomises anyway), nearest neighbour.
   */
  public static byte[] rotate(byte[] rgb, int width, int height, double degrees) {
    // float32 arithmetic throughout, as the reference's (a float32 angle tensor times pi / 180).
    float radians = (float) degrees * (float) (Math.PI / 180.0);
    float cos = (float) Math.cos(radians);
    float sin = (float) Math.sin(radians);
    float w1 = width - 1;
    float h1 = height - 1;
    float xOffset = (w1 - (cos * w1 - sin * h1)) / 2f;
    float yOffset = (h1 - (sin * w1 + cos * h1)) / 2f;
    return transform(rgb, width, height, cos, -sin, xOffset, sin, cos, yOffset);
  }

  /** Output (x, y) takes input (x + level * y, y), as PIL's shear. */
  public static byte[] shearX(byte[] rgb, int width, int height, double level) {
    return transform(rgb, width, height, 1f, (float) level, 0f, 0f, 1f, 0f);
  }

  /** Output (x, y) takes input (x, level * x + y). */
  public static byte[] shearY(byte[] rgb, int width, int height, double level) {
    return transform(rgb, width, height, 1f, 0f, 0f, (float) level, 1f, 0f);
  }

  /** Output (x, y) takes input (x + pixels, y): positive moves the content left, as PIL's translate. */
  public static byte[] translateX(byte[] rgb, int width, int height, double pixels) {
    return transform(rgb, width, height, 1f, 0f, (float) pixels, 0f, 1f, 0f);
  }

  /** Output (x, y) takes input (x, y + pixels): positive moves the content up. */
  public static byte[] translateY(byte[] rgb, int width, int height, double pixels) {
    return transform(rgb, width, height, 1f, 0f, 0f, 0f, 1f, (float) pixels);
  }

  /**
   * Fills the square of side 2 x {@code padSize} around ({@code centerX}, {@code centerY}) (rows [cy - pad,
   * cy + pad), columns likewise, cut at the borders) with {@link #FILL}, as the reference's cutout with
   * RandAugment's replace value.
   */
  public static byte[] cutout(byte[] rgb, int width, int height, int padSize, int centerX, int centerY) {
    checkSize(rgb, width, height);
    byte[] out = rgb.clone();
    int y0 = Math.max(0, centerY - padSize);
    int y1 = Math.min(height, centerY + padSize);
    int x0 = Math.max(0, centerX - padSize);
    int x1 = Math.min(width, centerX + padSize);
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int o = (y * width + x) * 3;
        out[o] = (byte) FILL;
        out[o + 1] = (byte) FILL;
        out[o + 2] = (byte) FILL;
      }
    }
    return out;
  }

  /**
   * TF's {@code rgb_to_grayscale} on uint8: the float32 weighted sum of x / 255 with weights (0.2989, 0.587,
   * 0.114), times 255.5, truncated (its {@code convert_image_dtype}); 149 for pure green, where PIL says 150.
   */
  static int grey(int r, int g, int b) {
    final float toUnit = (float) (1.0 / 255);
    float luma = r * toUnit * 0.2989f + g * toUnit * 0.587f + b * toUnit * 0.114f;
    return (int) (luma * 255.5f);
  }

  /**
   * The reference's {@code blend}: factor 0 gives image1, 1 gives image2, in between the float32
   * interpolation {@code image1 + factor * (image2 - image1)} truncated, outside it the same clipped to [0, 255].
   */
  static byte[] blend(byte[] image1, byte[] image2, float factor) {
    if (factor == 0f) {
      return image1.clone();
    }
    if (factor == 1f) {
      return image2.clone();
    }
    byte[] out = new byte[image2.length];
    for (int i = 0; i < out.length; i++) {
      float a = image1[i] & 0xff;
      out[i] = (byte) blended(a, (image2[i] & 0xff) - a, factor);
    }
    return out;
  }

  /** {@link #blend} with a uniform image1, as a table of the 256 possible results. */
  private static byte[] blendConstant(int degenerate, byte[] image, float factor) {
    if (factor == 0f) {
      byte[] out = new byte[image.length];
      java.util.Arrays.fill(out, (byte) degenerate);
      return out;
    }
    if (factor == 1f) {
      return image.clone();
    }
    float a = degenerate;
    byte[] lut = new byte[256];
    for (int v = 0; v < 256; v++) {
      lut[v] = (byte) blended(a, v - a, factor);
    }
    return lookUp(image, lut);
  }

  private static byte[] lookUp(byte[] rgb, byte[] lut) {
    byte[] out = new byte[rgb.length];
    for (int i = 0; i < rgb.length; i++) {
      out[i] = lut[rgb[i] & 0xff];
    }
    return out;
  }

  private static int blended(float image1, float difference, float factor) {
    float v = image1 + factor * difference;
    return (int) Math.min(255f, Math.max(0f, v));
  }

  /**
   * TF's {@code ImageProjectiveTransform} (affine part, nearest neighbour): output (x, y) takes input
   * (round(a0 x + a1 y + a2), round(b0 x + b1 y + b2)), and {@link #FILL} where that lies outside, which is
   * what the reference's wrap/unwrap around {@code contrib_image.transform} amounts to.
   */
  static byte[] transform(byte[] rgb, int width, int height, float a0, float a1, float a2, float b0, float b1,
      float b2) {
    checkSize(rgb, width, height);
    byte[] out = new byte[rgb.length];
    int o = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++, o += 3) {
        long sx = roundHalfAway(a0 * x + a1 * y + a2);
        long sy = roundHalfAway(b0 * x + b1 * y + b2);
        if (sx >= 0 && sx < width && sy >= 0 && sy < height) {
          int i = (int) (sy * width + sx) * 3;
          out[o] = rgb[i];
          out[o + 1] = rgb[i + 1];
          out[o + 2] = rgb[i + 2];
        } else {
          out[o] = (byte) FILL;
          out[o + 1] = (byte) FILL;
          out[o + 2] = (byte) FILL;
        }
      }
    }
    return out;
  }

  /** C++'s {@code std::round}: halves away from zero (Java's Math.round takes -0.5 to 0). */
  static long roundHalfAway(float v) {
    double d = v;
    return d >= 0 ? (long) Math.floor(d + 0.5) : -(long) Math.floor(-d + 0.5);
  }

  private static int clamp255(int v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  private static void checkSize(byte[] rgb, int width, int height) {
    if (width < 1 || height < 1 || rgb.length != width * height * 3) {
      throw new IllegalArgumentException("expected " + width + "x" + height + " RGB pixels (" + width * height * 3
          + " bytes), got " + rgb.length + " bytes");
    }
  }
}
