package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small real image trees for end-to-end tests: three visually distinct classes, JPEG and PNG mixed. */
public final class TestImages {
  public static final String[] CLASSES = {"disc", "stripes", "tint"};

  private TestImages() {}

  /**
   * Runs the prep job on an image tree, resizing every image to exactly {@code size} x {@code size}, with further
   * settings ({@code "prep.key=value"}); fails the test unless it exits 0.
   */
  public static void prep(File images, File data, int size, String... settings) {
    List<String> args = new ArrayList<>(Arrays.asList("prep", "--set", "prep.input=\"" + images + "\"",
        "--set", "prep.output=\"" + data + "\"", "--set", "prep.resize-mode=exact", "--set", "prep.width=" + size,
        "--set", "prep.height=" + size));
    for (String setting : settings) {
      args.add("--set");
      args.add(setting);
    }
    assertEquals(0, Cli.execute(args.toArray(new String[0])), "prep of " + images);
  }

  /** Writes {@code perClass} images of each class under {@code root/<class>/}; returns the number written. */
  public static int writeTree(File root, int perClass, int size, long seed) throws IOException {
    Random random = new Random(seed);
    int n = 0;
    for (int c = 0; c < CLASSES.length; c++) {
      File dir = new File(root, CLASSES[c] + (c == 1 ? "/nested/deeper" : ""));
      if (!dir.mkdirs() && !dir.isDirectory()) {
        throw new IOException("cannot create " + dir);
      }
      for (int i = 0; i < perClass; i++) {
        BufferedImage img = draw(c, size + random.nextInt(9), size + random.nextInt(9), random);
        boolean png = i % 2 == 0;
        File f = new File(dir, String.format("img%03d.%s", i, png ? "png" : "jpg"));
        if (!ImageIO.write(img, png ? "png" : "jpg", f)) {
          throw new IOException("no writer for " + f);
        }
        n++;
      }
    }
    return n;
  }

  static BufferedImage draw(int cls, int w, int h, Random random) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int base = 60 + random.nextInt(40);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int noise = random.nextInt(30);
        int r = base + noise;
        int g = base + noise;
        int b = base + noise;
        if (cls == 0) {
          double dx = x - w / 2.0;
          double dy = y - h / 2.0;
          if (dx * dx + dy * dy < (w * w) / 9.0) {
            r = g = b = 230 - noise;
          }
        } else if (cls == 1) {
          if ((y / 3) % 2 == 0) {
            r = g = b = 220 - noise;
          }
        } else {
          r = 200 + noise / 2;
          b = 40;
        }
        img.setRGB(x, y, (clamp(r) << 16) | (clamp(g) << 8) | clamp(b));
      }
    }
    return img;
  }

  private static int clamp(int v) {
    return Math.max(0, Math.min(255, v));
  }
}
