package io.effnet.jobs.input;

import java.util.Random;

/**
 * Training and evaluation crops, done in one pass from interleaved uint8 pixels (HWC, RGB) to the
 * normalised planar floats (CHW) the network takes: crop, bilinear resize, optional horizontal flip and
 * per-channel (x - mean) / std, without intermediate images.
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
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("expected 1 or 3 channels, got " + channels);
    }
    if (pixels.length < width * height * channels) {
      throw new IllegalArgumentException("pixel buffer too small for " + width + "x" + height + "x" + channels);
    }
    float[] result = new float[3 * out * out];
    int plane = out * out;
    float[] scale = new float[3];
    float[] shift = new float[3];
    for (int c = 0; c < 3; c++) {
      scale[c] = (float) (1.0 / std[c]);
      shift[c] = (float) (-mean[c] / std[c]);
    }
    double sx = (double) window.width / out;
    double sy = (double) window.height / out;
    for (int oy = 0; oy < out; oy++) {
      // Pixel centers aligned as in OpenCV / TF resize (half-pixel offsets).
      double fy = window.y + (oy + 0.5) * sy - 0.5;
      int y0 = clamp((int) Math.floor(fy), window.y, window.y + window.height - 1);
      int y1 = clamp(y0 + 1, window.y, window.y + window.height - 1);
      float wy = (float) clampUnit(fy - Math.floor(fy));
      if (fy < window.y) {
        wy = 0;
      }
      for (int ox = 0; ox < out; ox++) {
        double fx = window.x + (ox + 0.5) * sx - 0.5;
        int x0 = clamp((int) Math.floor(fx), window.x, window.x + window.width - 1);
        int x1 = clamp(x0 + 1, window.x, window.x + window.width - 1);
        float wx = (float) clampUnit(fx - Math.floor(fx));
        if (fx < window.x) {
          wx = 0;
        }
        int dst = oy * out + (flip ? out - 1 - ox : ox);
        for (int c = 0; c < 3; c++) {
          int sc = channels == 1 ? 0 : c;
          float p00 = pixels[(y0 * width + x0) * channels + sc] & 0xff;
          float p01 = pixels[(y0 * width + x1) * channels + sc] & 0xff;
          float p10 = pixels[(y1 * width + x0) * channels + sc] & 0xff;
          float p11 = pixels[(y1 * width + x1) * channels + sc] & 0xff;
          float top = p00 + (p01 - p00) * wx;
          float bottom = p10 + (p11 - p10) * wx;
          float v = top + (bottom - top) * wy;
          result[c * plane + dst] = v * scale[c] + shift[c];
        }
      }
    }
    return result;
  }

  private static int clamp(int v, int lo, int hi) {
    return v < lo ? lo : (v > hi ? hi : v);
  }

  private static double clampUnit(double v) {
    return v < 0 ? 0 : (v > 1 ? 1 : v);
  }
}
