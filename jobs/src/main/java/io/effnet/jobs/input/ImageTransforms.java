package io.effnet.jobs.input;

import java.util.Random;

/**
 * Training and evaluation crops, done in one pass from interleaved uint8 pixels (HWC, RGB) to the
 * normalised planar floats (CHW) the network takes: crop, bilinear resize, optional horizontal flip and
 * per-channel (x - mean) / std, without intermediate images. With uint8 augmentation in between
 * (RandAugment), the same crop and resize go to uint8 RGB ({@link #cropResize}) and {@link #normalise} does
 * the flip and normalisation after it.
 */
public final class ImageTransforms {
  private ImageTransforms() {}

  /** A crop window in source pixels. */
  public static final class Window {
    public final int x;
    public final int y;
    public final int width;
    public final int height;

    public Window(int x, int y, int width, int height) {
      this.x = x;
      this.y = y;
      this.width = width;
      this.height = height;
    }
  }

  /**
   * The evaluation window: centered square, side min(h, w) x out / (out + cropPadding) (the reference uses
   * a padding of 32).
   */
  public static Window centerCrop(int width, int height, int out, int cropPadding) {
    int side = Math.max(1, (int) Math.round(Math.min(width, height) * (double) out / (out + cropPadding)));
    return new Window((width - side) / 2, (height - side) / 2, side, side);
  }

  /**
   * Inception-style random-resized-crop (as the reference's {@code distorted_bounding_box_crop}): area in
   * [minArea, 1] of the image (the reference: 0.08), aspect ratio in [3/4, 4/3] (log-uniform), up to 10
   * attempts, else the whole shorter side centered.
   */
  public static Window randomResizedCrop(int width, int height, double minArea, Random random) {
    double area = (double) width * height;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target = area * (minArea + random.nextDouble() * (1 - minArea));
      double logRatio = Math.log(3.0 / 4) + random.nextDouble() * (Math.log(4.0 / 3) - Math.log(3.0 / 4));
      double ratio = Math.exp(logRatio);
      int w = (int) Math.round(Math.sqrt(target * ratio));
      int h = (int) Math.round(Math.sqrt(target / ratio));
      if (w > 0 && h > 0 && w <= width && h <= height) {
        return new Window(random.nextInt(width - w + 1), random.nextInt(height - h + 1), w, h);
      }
    }
    return centerCrop(width, height, 1, 0);
  }

  /**
   * Crops {@code window} from {@code pixels} (HWC uint8 with {@code channels} 1 or 3), resizes it bilinearly
   * to {@code out} x {@code out}, optionally mirrors it, and normalises to CHW floats with 3 channels
   * (greyscale is repeated).
   */
  public static float[] toTensor(byte[] pixels, int width, int height, int channels, Window window, int out,
      boolean flip, double[] mean, double[] std) {
    checkPixels(pixels, width, height, channels);
    float[] result = new float[3 * out * out];
    int plane = out * out;
    float[] scale = new float[3];
    float[] shift = new float[3];
    normalisation(mean, std, scale, shift);
    Axis ax = Axis.of(window.x, window.width, out);
    Axis ay = Axis.of(window.y, window.height, out);
    for (int oy = 0; oy < out; oy++) {
      int row0 = ay.lo[oy] * width;
      int row1 = ay.hi[oy] * width;
      float wy = ay.weight[oy];
      for (int ox = 0; ox < out; ox++) {
        int x0 = ax.lo[ox];
        int x1 = ax.hi[ox];
        float wx = ax.weight[ox];
        int dst = oy * out + (flip ? out - 1 - ox : ox);
        for (int c = 0; c < 3; c++) {
          int sc = channels == 1 ? 0 : c;
          float v = bilinear(pixels, (row0 + x0) * channels + sc, (row0 + x1) * channels + sc,
              (row1 + x0) * channels + sc, (row1 + x1) * channels + sc, wx, wy);
          result[c * plane + dst] = v * scale[c] + shift[c];
        }
      }
    }
    return result;
  }

  /**
   * Crops {@code window} and resizes it bilinearly to {@code out} x {@code out} as {@link #toTensor} does, but
   * to interleaved uint8 RGB (HWC, greyscale repeated, rounded to nearest): the input of the uint8 image
   * operations (RandAugment) that come between the crop and {@link #normalise}.
   */
  public static byte[] cropResize(byte[] pixels, int width, int height, int channels, Window window, int out) {
    checkPixels(pixels, width, height, channels);
    byte[] result = new byte[out * out * 3];
    Axis ax = Axis.of(window.x, window.width, out);
    Axis ay = Axis.of(window.y, window.height, out);
    int dst = 0;
    for (int oy = 0; oy < out; oy++) {
      int row0 = ay.lo[oy] * width;
      int row1 = ay.hi[oy] * width;
      float wy = ay.weight[oy];
      for (int ox = 0; ox < out; ox++) {
        int x0 = ax.lo[ox];
        int x1 = ax.hi[ox];
        float wx = ax.weight[ox];
        for (int c = 0; c < 3; c++, dst++) {
          int sc = channels == 1 ? 0 : c;
          float v = bilinear(pixels, (row0 + x0) * channels + sc, (row0 + x1) * channels + sc,
              (row1 + x0) * channels + sc, (row1 + x1) * channels + sc, wx, wy);
          result[dst] = (byte) Math.min(255, (int) (v + 0.5f));
        }
      }
    }
    return result;
  }

  /**
   * Interleaved uint8 RGB ({@code size} x {@code size}) to normalised planar floats (CHW), optionally
   * mirrored left-right.
   */
  public static float[] normalise(byte[] rgb, int size, boolean flip, double[] mean, double[] std) {
    checkPixels(rgb, size, size, 3);
    float[] scale = new float[3];
    float[] shift = new float[3];
    normalisation(mean, std, scale, shift);
    int plane = size * size;
    float[] result = new float[3 * plane];
    int src = 0;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++, src += 3) {
        int dst = y * size + (flip ? size - 1 - x : x);
        result[dst] = (rgb[src] & 0xff) * scale[0] + shift[0];
        result[plane + dst] = (rgb[src + 1] & 0xff) * scale[1] + shift[1];
        result[2 * plane + dst] = (rgb[src + 2] & 0xff) * scale[2] + shift[2];
      }
    }
    return result;
  }

  /**
   * Bilinear sampling positions along one axis, computed once per image instead of once per pixel: output
   * index o reads source indices lo[o] and hi[o] with weight[o] on hi.
   */
  private static final class Axis {
    final int[] lo;
    final int[] hi;
    final float[] weight;

    private Axis(int out) {
      lo = new int[out];
      hi = new int[out];
      weight = new float[out];
    }

    static Axis of(int start, int length, int out) {
      Axis a = new Axis(out);
      double step = (double) length / out;
      int last = start + length - 1;
      for (int o = 0; o < out; o++) {
        // Pixel centers aligned as in OpenCV / TF resize (half-pixel offsets).
        double f = start + (o + 0.5) * step - 0.5;
        int i0 = clamp((int) Math.floor(f), start, last);
        a.lo[o] = i0;
        a.hi[o] = clamp(i0 + 1, start, last);
        a.weight[o] = f < start ? 0f : (float) clampUnit(f - Math.floor(f));
      }
      return a;
    }
  }

  private static float bilinear(byte[] p, int i00, int i01, int i10, int i11, float wx, float wy) {
    float p00 = p[i00] & 0xff;
    float p01 = p[i01] & 0xff;
    float p10 = p[i10] & 0xff;
    float p11 = p[i11] & 0xff;
    float top = p00 + (p01 - p00) * wx;
    float bottom = p10 + (p11 - p10) * wx;
    return top + (bottom - top) * wy;
  }

  private static void normalisation(double[] mean, double[] std, float[] scale, float[] shift) {
    for (int c = 0; c < 3; c++) {
      scale[c] = (float) (1.0 / std[c]);
      shift[c] = (float) (-mean[c] / std[c]);
    }
  }

  private static void checkPixels(byte[] pixels, int width, int height, int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("expected 1 or 3 channels, got " + channels);
    }
    if (pixels.length < width * height * channels) {
      throw new IllegalArgumentException("pixel buffer too small for " + width + "x" + height + "x" + channels);
    }
  }

  private static int clamp(int v, int lo, int hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }

  private static double clampUnit(double v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
}
