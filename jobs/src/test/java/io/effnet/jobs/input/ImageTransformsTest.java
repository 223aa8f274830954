package io.effnet.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageTransformsTest {
  private static final double[] ZERO = {0, 0, 0};
  private static final double[] ONE = {1, 1, 1};

  @Test
  void centerCropFollowsTheReferencesPadding() {
    ImageTransforms.Window w = ImageTransforms.centerCrop(300, 256, 224, 32);
    assertEquals(224, w.width); // 256 x 224 / (224 + 32)
    assertEquals(224, w.height);
    assertEquals((300 - 224) / 2, w.x);
    assertEquals(16, w.y);
    ImageTransforms.Window whole = ImageTransforms.centerCrop(40, 32, 32, 0);
    assertEquals(32, whole.width);
    assertEquals(4, whole.x);
  }

  @Test
  void identityResizeKeepsPixelsAndLaysThemOutPlanar() {
    byte[] sq = new byte[3 * 3 * 3];
    for (int i = 0; i < sq.length; i++) {
      sq[i] = (byte) (i * 9);
    }
    float[] s = ImageTransforms.toTensor(sq, 3, 3, 3, new ImageTransforms.Window(0, 0, 3, 3), 3, false, ZERO, ONE);
    for (int y = 0; y < 3; y++) {
      for (int x = 0; x < 3; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(sq[(y * 3 + x) * 3 + c] & 0xff, s[c * 9 + y * 3 + x], 1e-4);
        }
      }
    }
  }

  @Test
  void flipMirrorsAndNormalisationApplies() {
    byte[] grey = {0, 10, (byte) 200, 0, 10, (byte) 200}; // 3x2 greyscale, 1 channel
    double[] mean = {10, 20, 30};
    double[] std = {2, 4, 5};
    float[] t = ImageTransforms.toTensor(grey, 3, 2, 1, new ImageTransforms.Window(0, 0, 3, 2), 3, true, mean, std);
    // out 3x3 from 3x2: rows interpolate between the two equal rows, columns stay; flipped left-right
    for (int c = 0; c < 3; c++) {
      assertEquals((200 - mean[c]) / std[c], t[c * 9], 1e-4);
      assertEquals((10 - mean[c]) / std[c], t[c * 9 + 1], 1e-4);
      assertEquals((0 - mean[c]) / std[c], t[c * 9 + 2], 1e-4);
    }
  }

  @Test
  void bilinearDownscaleAveragesNeighbours() {
    byte[] px = {0, 0, 0, 100, 100, 100}; // 2x1 RGB: black, grey
    float[] t = ImageTransforms.toTensor(px, 2, 1, 3, new ImageTransforms.Window(0, 0, 2, 1), 1, false, ZERO, ONE);
    assertEquals(50, t[0], 1e-4);
  }

  @Test
  void randomCropsStayInsideAndRespectTheMinimumArea() {
    Random r = new Random(5);
    for (int i = 0; i < 2000; i++) {
      ImageTransforms.Window w = ImageTransforms.randomResizedCrop(64, 48, 0.25, r);
      assertTrue(w.x >= 0 && w.y >= 0 && w.x + w.width <= 64 && w.y + w.height <= 48);
      double area = (double) w.width * w.height / (64 * 48);
      assertTrue(area >= 0.25 * 0.9, "area " + area); // rounding of the sides
      double ratio = (double) w.width / w.height;
      assertTrue(area >= 0.74 || (ratio >= 0.7 && ratio <= 1.45), "ratio " + ratio);
    }
  }

  @Test
  void cropResizeToBytesMatchesTheTensorPathRoundedToNearest() {
    byte[] px = {0, 0, 0, 101, 101, 101}; // 2x1 RGB: 0 and 101 average to 50.5
    assertArrayEquals(new byte[] {51, 51, 51},
        ImageTransforms.cropResize(px, 2, 1, 3, new ImageTransforms.Window(0, 0, 2, 1), 1));
    byte[] grey = {0, 10, (byte) 200, 0, 10, (byte) 200}; // 3x2, 1 channel: repeated into R, G, B
    byte[] rgb = ImageTransforms.cropResize(grey, 3, 2, 1, new ImageTransforms.Window(0, 0, 3, 2), 3);
    assertEquals(27, rgb.length);
    assertEquals(200, rgb[2 * 3] & 0xff);
    assertEquals(200, rgb[2 * 3 + 2] & 0xff);
    assertEquals(10, rgb[(2 * 3 + 1) * 3 + 1] & 0xff);
    Random r = new Random(3);
    byte[] photo = new byte[37 * 29 * 3];
    r.nextBytes(photo);
    ImageTransforms.Window w = ImageTransforms.randomResizedCrop(37, 29, 0.2, r);
    float[] direct = ImageTransforms.toTensor(photo, 37, 29, 3, w, 16, true, ZERO, ONE);
    float[] twoStep = ImageTransforms.normalise(ImageTransforms.cropResize(photo, 37, 29, 3, w, 16), 16, true, ZERO,
        ONE);
    for (int i = 0; i < direct.length; i++) {
      assertEquals(Math.round(direct[i]), twoStep[i], 1e-4, "value " + i);
    }
  }

  @Test
  void normaliseLaysOutPlanarFlippedAndScaled() {
    byte[] rgb = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}; // 2x2
    double[] mean = {10, 20, 30};
    double[] std = {2, 4, 5};
    float[] t = ImageTransforms.normalise(rgb, 2, false, mean, std);
    assertArrayEquals(new float[] {0, 15, 30, 45, 0, 7.5f, 15, 22.5f, 0, 6, 12, 18}, t, 1e-5f);
    float[] flipped = ImageTransforms.normalise(rgb, 2, true, mean, std);
    assertArrayEquals(new float[] {15, 0, 45, 30, 7.5f, 0, 22.5f, 15, 6, 0, 18, 12}, flipped, 1e-5f);
  }
}
