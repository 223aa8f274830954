package io.effnet.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each operation on tiny hand-made images against values worked out by hand from the reference's code. */
class RandAugmentOpsTest {
  private static final int G = RandAugmentOps.FILL;

  static byte[] px(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static int[] ints(byte[] b) {
    int[] v = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      v[i] = b[i] & 0xff;
    }
    return v;
  }

  /** A w x h image whose pixel (x, y) is (10 * (y * w + x) + 1, +2, +3), all distinct. */
  static byte[] numbered(int w, int h) {
    byte[] b = new byte[w * h * 3];
    for (int i = 0; i < w * h; i++) {
      for (int c = 0; c < 3; c++) {
        b[i * 3 + c] = (byte) (10 * i + c + 1);
      }
    }
    return b;
  }

  /** The RGB of pixel (x, y) of {@link #numbered}. */
  static int[] pixel(int w, int x, int y) {
    int i = y * w + x;
    return new int[] {10 * i + 1, 10 * i + 2, 10 * i + 3};
  }

  static int[] row(int[]... pixels) {
    int[] out = new int[pixels.length * 3];
    for (int i = 0; i < pixels.length; i++) {
      System.arraycopy(pixels[i], 0, out, i * 3, 3);
    }
    return out;
  }

  static final int[] FILLED = {G, G, G};

  @Test
  void invertSubtractsFrom255() {
    byte[] in = px(0, 1, 128, 200, 254, 255);
    assertArrayEquals(new int[] {255, 254, 127, 55, 1, 0}, ints(RandAugmentOps.invert(in)));
    assertArrayEquals(new int[] {0, 1, 128, 200, 254, 255}, ints(in), "input untouched");
  }

  @Test
  void posterizeKeepsTheTopBits() {
    byte[] in = px(0xAB, 0x0F, 0xFF, 0x80, 0x7F, 0x10);
    assertArrayEquals(new int[] {0xA0, 0x00, 0xF0, 0x80, 0x70, 0x10}, ints(RandAugmentOps.posterize(in, 4)));
    assertArrayEquals(new int[] {0xA0, 0x00, 0xE0, 0x80, 0x60, 0x00}, ints(RandAugmentOps.posterize(in, 3)));
    assertArrayEquals(ints(in), ints(RandAugmentOps.posterize(in, 8)));
    // TF clamps the uint8 shift of 8 to 7: zero bits still keeps the top one.
    assertArrayEquals(new int[] {128, 0, 128, 128, 0, 0}, ints(RandAugmentOps.posterize(in, 0)));
  }

  @Test
  void solarizeInvertsFromTheThresholdUpModulo256() {
    byte[] in = px(0, 100, 127, 128, 200, 255);
    assertArrayEquals(new int[] {0, 100, 127, 127, 55, 0}, ints(RandAugmentOps.solarize(in, 128)));
    assertArrayEquals(new int[] {0, 100, 127, 128, 55, 0}, ints(RandAugmentOps.solarize(in, 129)));
    // 256 (magnitude 10) becomes uint8 0 in the reference's comparison: every sample is inverted.
    assertArrayEquals(new int[] {255, 155, 128, 127, 55, 0}, ints(RandAugmentOps.solarize(in, 256)));
    assertArrayEquals(new int[] {255, 155, 128, 127, 55, 0}, ints(RandAugmentOps.solarize(in, 0)));
  }

  @Test
  void solarizeAddAddsBelowTheThresholdAndClips() {
    byte[] in = px(0, 100, 127, 128, 200, 255);
    assertArrayEquals(new int[] {110, 210, 237, 128, 200, 255}, ints(RandAugmentOps.solarizeAdd(in, 110, 128)));
    assertArrayEquals(new int[] {200, 255, 255, 128, 200, 255}, ints(RandAugmentOps.solarizeAdd(in, 200, 128)));
  }

  @Test
  void greyIsTfRgbToGrayscaleTruncated() {
    assertEquals(149, RandAugmentOps.grey(0, 255, 0)); // 0.587 x 255.5 = 149.98
    assertEquals(76, RandAugmentOps.grey(255, 0, 0)); // 0.2989 x 255.5 = 76.37
    assertEquals(29, RandAugmentOps.grey(0, 0, 255)); // 0.114 x 255.5 = 29.13
    for (int v = 0; v < 256; v++) {
      assertEquals(v, RandAugmentOps.grey(v, v, v), "grey stays grey");
    }
  }

  @Test
  void colorBlendsWithTheGreyImage() {
    byte[] in = px(0, 255, 0, 100, 100, 100);
    assertArrayEquals(new int[] {149, 149, 149, 100, 100, 100}, ints(RandAugmentOps.color(in, 0f)));
    // 149 + 0.5 (0 - 149) = 74.5 -> 74; 149 + 0.5 (255 - 149) = 202
    assertArrayEquals(new int[] {74, 202, 74, 100, 100, 100}, ints(RandAugmentOps.color(in, 0.5f)));
    // extrapolation clips: 149 + 2 (0 - 149) < 0; 149 + 2 (255 - 149) = 361
    assertArrayEquals(new int[] {0, 255, 0, 100, 100, 100}, ints(RandAugmentOps.color(in, 2f)));
    assertArrayEquals(ints(in), ints(RandAugmentOps.color(in, 1f)));
  }

  @Test
  void contrastBlendsWithTheMeanGreyLevel() {
    byte[] in = px(0, 0, 0, 200, 200, 200); // grey levels 0 and 200: mean 100
    assertArrayEquals(new int[] {100, 100, 100, 100, 100, 100}, ints(RandAugmentOps.contrast(in, 0f)));
    assertArrayEquals(new int[] {50, 50, 50, 150, 150, 150}, ints(RandAugmentOps.contrast(in, 0.5f)));
    assertArrayEquals(new int[] {0, 0, 0, 255, 255, 255}, ints(RandAugmentOps.contrast(in, 2f)));
    // mean grey (0 + 149) / 2 = 74.5 -> 74; factor 1.5: 74 + 1.5 (255 - 74) = 345.5 -> 255, 74 - 111 < 0 -> 0
    byte[] green = px(0, 0, 0, 0, 255, 0);
    assertArrayEquals(new int[] {74, 74, 74, 74, 74, 74}, ints(RandAugmentOps.contrast(green, 0f)));
    assertArrayEquals(new int[] {0, 0, 0, 0, 255, 0}, ints(RandAugmentOps.contrast(green, 1.5f)));
  }

  @Test
  void brightnessScalesTowardsBlack() {
    byte[] in = px(255, 3, 100, 200, 0, 1);
    assertArrayEquals(new int[] {127, 1, 50, 100, 0, 0}, ints(RandAugmentOps.brightness(in, 0.5f)));
    assertArrayEquals(new int[] {255, 5, 190, 255, 0, 1}, ints(RandAugmentOps.brightness(in, 1.9f)));
    assertArrayEquals(new int[] {0, 0, 0, 0, 0, 0}, ints(RandAugmentOps.brightness(in, 0f)));
  }

  @Test
  void sharpnessBlendsWithTheSmoothedInterior() {
    // 3x3, border 130, center 0: smoothed center (8 x 130 + 5 x 0) / 13 = 80; the border stays.
    int[] v = new int[27];
    java.util.Arrays.fill(v, 130);
    v[12] = 0;
    v[13] = 0;
    v[14] = 0;
    byte[] in = px(v);
    int[] smoothed = v.clone();
    smoothed[12] = 80;
    smoothed[13] = 80;
    smoothed[14] = 80;
    assertArrayEquals(smoothed, ints(RandAugmentOps.sharpness(in, 3, 3, 0f)));
    int[] half = v.clone();
    half[12] = 40; // 80 + 0.5 (0 - 80)
    half[13] = 40;
    half[14] = 40;
    assertArrayEquals(half, ints(RandAugmentOps.sharpness(in, 3, 3, 0.5f)));
    // factor 1.9 (magnitude 10): 80 + 1.9 (0 - 80) < 0 -> 0: the dip deepens, the border is unchanged
    assertArrayEquals(v, ints(RandAugmentOps.sharpness(in, 3, 3, 1.9f)));
    // no interior (2 pixels wide): the image itself whatever the factor
    byte[] thin = numbered(2, 3);
    assertArrayEquals(ints(thin), ints(RandAugmentOps.sharpness(thin, 2, 3, 0f)));
  }

  @Test
  void autoContrastStretchesEachChannel() {
    // R: 10, 20, 60 -> 0, 51, 255; G constant 77 stays; B: 0, 255, 128 stays (already full range)
    byte[] in = px(10, 77, 0, 20, 77, 255, 60, 77, 128);
    assertArrayEquals(new int[] {0, 77, 0, 51, 77, 255, 255, 77, 128}, ints(RandAugmentOps.autoContrast(in)));
    // 50 -> 0, 100 -> 127.5 -> 127, 150 -> 255
    assertArrayEquals(new int[] {0, 0, 0, 127, 127, 127, 255, 255, 255},
        ints(RandAugmentOps.autoContrast(px(50, 50, 50, 100, 100, 100, 150, 150, 150))));
  }

  @Test
  void equalizeFollowsPilOnAKnownHistogram() {
    // 16 x 16 = 256 pixels. R: 128 x 10, 127 x 20, 1 x 30: step = (256 - 1) / 255 = 1, lut[v] = count below v:
    // 10 -> 0, 20 -> 128, 30 -> 255.
    // G: 200 x 50, 56 x 100: step = (256 - 56) / 255 = 0: unchanged.
    // B: 64 each of 0, 64, 128, 192: step = (256 - 64) / 255 = 0: unchanged.
    byte[] in = new byte[256 * 3];
    for (int i = 0; i < 256; i++) {
      in[i * 3] = (byte) (i < 128 ? 10 : i < 255 ? 20 : 30);
      in[i * 3 + 1] = (byte) (i < 200 ? 50 : 100);
      in[i * 3 + 2] = (byte) (64 * (i / 64));
    }
    int[] out = ints(RandAugmentOps.equalize(in));
    for (int i = 0; i < 256; i++) {
      assertEquals(i < 128 ? 0 : i < 255 ? 128 : 255, out[i * 3], "R of pixel " + i);
      assertEquals(in[i * 3 + 1] & 0xff, out[i * 3 + 1], "G of pixel " + i);
      assertEquals(in[i * 3 + 2] & 0xff, out[i * 3 + 2], "B of pixel " + i);
    }
    // 512 pixels, R: 256 x 0, 255 x 100, 1 x 200: step = (512 - 1) / 255 = 2; lut[v] = (count below v + 1) / 2:
    // 0 -> 0, 100 -> (256 + 1) / 2 = 128, 200 -> (511 + 1) / 2 = 256 -> clipped to 255.
    byte[] two = new byte[512 * 3];
    for (int i = 0; i < 512; i++) {
      two[i * 3] = (byte) (i < 256 ? 0 : i < 511 ? 100 : 200);
    }
    int[] eq = ints(RandAugmentOps.equalize(two));
    assertEquals(0, eq[0]);
    assertEquals(128, eq[300 * 3]);
    assertEquals(255, eq[511 * 3]);
  }

  @Test
  void translateMovesByWholePixelsAndFillsWithGrey() {
    byte[] in = numbered(3, 1);
    int[] a = pixel(3, 0, 0);
    int[] b = pixel(3, 1, 0);
    int[] c = pixel(3, 2, 0);
    // positive: output x takes input x + 1, i.e. the content moves left
    assertArrayEquals(row(b, c, FILLED), ints(RandAugmentOps.translateX(in, 3, 1, 1)));
    assertArrayEquals(row(FILLED, a, b), ints(RandAugmentOps.translateX(in, 3, 1, -1)));
    assertArrayEquals(row(c, FILLED, FILLED), ints(RandAugmentOps.translateX(in, 3, 1, 2)));
    assertArrayEquals(row(b, c, FILLED), ints(RandAugmentOps.translateX(in, 3, 1, 1.4)), "nearest pixel");
    assertArrayEquals(row(c, FILLED, FILLED), ints(RandAugmentOps.translateX(in, 3, 1, 1.5)), "half away from 0");
    assertArrayEquals(row(FILLED, FILLED, FILLED), ints(RandAugmentOps.translateX(in, 3, 1, 100)));
    byte[] column = numbered(1, 3);
    assertArrayEquals(row(pixel(1, 0, 1), pixel(1, 0, 2), FILLED),
        ints(RandAugmentOps.translateY(column, 1, 3, 1)));
    assertArrayEquals(row(FILLED, pixel(1, 0, 0), pixel(1, 0, 1)),
        ints(RandAugmentOps.translateY(column, 1, 3, -1)));
  }

  @Test
  void shearShiftsRowsOrColumnsInProportion() {
    byte[] in = numbered(3, 3);
    // shearX 1: output (x, y) takes input (x + y, y)
    int[] expected = new int[27];
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        int[] p = x + y < 3 ? pixel(3, x + y, y) : FILLED;
        System.arraycopy(p, 0, expected, (y * 3 + x) * 3, 3);
      }
    }
    assertArrayEquals(expected, ints(RandAugmentOps.shearX(in, 3, 3, 1)));
    // shearY -1: output (x, y) takes input (x, y - x)
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        int[] p = y - x >= 0 ? pixel(3, x, y - x) : FILLED;
        System.arraycopy(p, 0, expected, (y * 3 + x) * 3, 3);
      }
    }
    assertArrayEquals(expected, ints(RandAugmentOps.shearY(in, 3, 3, -1)));
    // 0.3 (magnitude 10) on row 1: x + 0.3 rounds to x; on row 2: x + 0.6 rounds to x + 1
    int[] sheared = ints(RandAugmentOps.shearX(in, 3, 3, 0.3));
    assertArrayEquals(pixel(3, 1, 1), java.util.Arrays.copyOfRange(sheared, (1 * 3 + 1) * 3, (1 * 3 + 2) * 3));
    assertArrayEquals(pixel(3, 2, 2), java.util.Arrays.copyOfRange(sheared, (2 * 3 + 1) * 3, (2 * 3 + 2) * 3));
    assertArrayEquals(FILLED, java.util.Arrays.copyOfRange(sheared, (2 * 3 + 2) * 3, (2 * 3 + 3) * 3));
  }

  @Test
  void rotateByRightAnglesPermutesPixels() {
    byte[] in = numbered(3, 3);
    // 90 degrees: output (x, y) takes input (2 - y, x): the top-right corner comes to the top-left
    int[] expected = new int[27];
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        System.arraycopy(pixel(3, 2 - y, x), 0, expected, (y * 3 + x) * 3, 3);
      }
    }
    assertArrayEquals(expected, ints(RandAugmentOps.rotate(in, 3, 3, 90)));
    // -90: output (x, y) takes input (y, 2 - x)
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        System.arraycopy(pixel(3, y, 2 - x), 0, expected, (y * 3 + x) * 3, 3);
      }
    }
    assertArrayEquals(expected, ints(RandAugmentOps.rotate(in, 3, 3, -90)));
    // 180 on a 4 x 2 image: output (x, y) takes input (3 - x, 1 - y)
    byte[] wide = numbered(4, 2);
    int[] flipped = new int[24];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 4; x++) {
        System.arraycopy(pixel(4, 3 - x, 1 - y), 0, flipped, (y * 4 + x) * 3, 3);
      }
    }
    assertArrayEquals(flipped, ints(RandAugmentOps.rotate(wide, 4, 2, 180)));
    assertArrayEquals(ints(in), ints(RandAugmentOps.rotate(in, 3, 3, 0)));
  }

  @Test
  void rotateFillsTheUncoveredCornersWithGrey() {
    // 30 degrees on 5 x 5: offsets x (4 - (4 cos - 4 sin)) / 2 = 1.268, y (4 - (4 sin + 4 cos)) / 2 = -0.732, so
    // output (0, 0) takes input (round(1.268), round(-0.732)) = (1, -1): outside, grey; the center stays.
    byte[] in = numbered(5, 5);
    int[] out = ints(RandAugmentOps.rotate(in, 5, 5, 30));
    assertArrayEquals(FILLED, java.util.Arrays.copyOfRange(out, 0, 3));
    assertArrayEquals(pixel(5, 2, 2), java.util.Arrays.copyOfRange(out, (2 * 5 + 2) * 3, (2 * 5 + 3) * 3));
  }

  @Test
  void cutoutGreysASquareAroundTheCenterCutAtTheBorders() {
    byte[] in = numbered(5, 5);
    int[] out = ints(RandAugmentOps.cutout(in, 5, 5, 1, 2, 2));
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        boolean inside = x >= 1 && x < 3 && y >= 1 && y < 3;
        assertArrayEquals(inside ? FILLED : pixel(5, x, y),
            java.util.Arrays.copyOfRange(out, (y * 5 + x) * 3, (y * 5 + x + 1) * 3), x + "," + y);
      }
    }
    int[] corner = ints(RandAugmentOps.cutout(in, 5, 5, 2, 0, 4));
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 5; x++) {
        boolean inside = x < 2 && y >= 2;
        assertArrayEquals(inside ? FILLED : pixel(5, x, y),
            java.util.Arrays.copyOfRange(corner, (y * 5 + x) * 3, (y * 5 + x + 1) * 3), x + "," + y);
      }
    }
    assertArrayEquals(ints(in), ints(RandAugmentOps.cutout(in, 5, 5, 0, 2, 2)), "pad 0 masks nothing");
  }
}
