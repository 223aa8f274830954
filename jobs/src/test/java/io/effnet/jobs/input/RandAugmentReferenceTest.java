package io.effnet.jobs.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every operation against the reference's own code run by TensorFlow: the fixture holds seeded random
 * images and what the reference's operations (ported to TF2 ops, see
 * {@code jobs/src/test/reference/randaugment_ops_reference.py}) made of them.
 */
class RandAugmentReferenceTest {
  private static final String FIXTURE = "randaugment-reference-ops.bin";

  static final class Case {
    String op;
    double argument;
    int centerX;
    int centerY;
    int width;
    int height;
    byte[] input;
    byte[] expected;

    @Override
    public String toString() {
      return op + "(" + argument + (op.equals("Cutout") ? " at " + centerX + "," + centerY : "") + ") on " + width
          + "x" + height;
    }
  }

  static List<Case> cases() throws IOException {
    List<Case> cases = new ArrayList<>();
    try (InputStream raw = RandAugmentReferenceTest.class.getResourceAsStream(FIXTURE)) {
      assertNotNull(raw, FIXTURE + " is missing from the test resources");
      DataInputStream in = new DataInputStream(raw);
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        Case c = new Case();
        c.op = in.readUTF();
        c.argument = in.readDouble();
        c.centerX = in.readInt();
        c.centerY = in.readInt();
        c.width = in.readInt();
        c.height = in.readInt();
        c.input = new byte[c.width * c.height * 3];
        in.readFully(c.input);
        c.expected = new byte[c.input.length];
        in.readFully(c.expected);
        cases.add(c);
      }
      assertEquals(-1, in.read(), "trailing bytes in " + FIXTURE);
    }
    return cases;
  }

  static byte[] apply(Case c) {
    RandAugment.Op op = RandAugment.Op.named(c.op);
    return RandAugment.apply(new RandAugment.Step(op, c.argument, c.centerX, c.centerY), c.input, c.width,
        c.height);
  }

  @Test
  void everyOperationMatchesTheReferenceRunByTensorFlow() throws IOException {
    List<Case> cases = cases();
    assertEquals(62, cases.size());
    List<String> covered = new ArrayList<>();
    List<String> mismatches = new ArrayList<>();
    for (Case c : cases) {
      byte[] actual = apply(c);
      if (!covered.contains(c.op)) {
        covered.add(c.op);
      }
      int differing = 0;
      int first = -1;
      for (int i = 0; i < actual.length; i++) {
        if (actual[i] != c.expected[i] && !(c.op.equals("Sharpness") && float32Rounding(c, i, actual[i]))) {
          differing++;
          first = first < 0 ? i : first;
        }
      }
      if (differing > 0) {
        mismatches.add(c + ": " + differing + " of " + actual.length + " values differ, first at " + first + " ("
            + (actual[first] & 0xff) + " vs the reference's " + (c.expected[first] & 0xff) + ")");
      }
    }
    assertEquals(RandAugment.Op.values().length, covered.size(), covered.toString());
    assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
  }

  /**
   * Sharpness smooths with the exact integer quotient sum / 13; the reference's float32 convolution lands one
   * lower when the sum is a multiple of 13. Such a value (and nothing else) may differ by 1 after the blend.
   */
  static boolean float32Rounding(Case c, int index, byte actual) {
    int pixel = index / 3;
    int x = pixel % c.width;
    int y = pixel / c.width;
    if (x < 1 || y < 1 || x >= c.width - 1 || y >= c.height - 1
        || Math.abs((actual & 0xff) - (c.expected[index] & 0xff)) > 1) {
      return false;
    }
    int sum = 0;
    for (int dy = -1; dy <= 1; dy++) {
      for (int dx = -1; dx <= 1; dx++) {
        sum += (dx == 0 && dy == 0 ? 5 : 1) * (c.input[index + (dy * c.width + dx) * 3] & 0xff);
      }
    }
    return sum % 13 == 0;
  }

  @Test
  void theFixtureIsNotTrivial() throws IOException {
    int changed = 0;
    List<Case> cases = cases();
    for (Case c : cases) {
      changed += Arrays.equals(c.input, c.expected) ? 0 : 1;
    }
    // Factor 1.0 and Cutout with pad 0 leave the image as it is; the rest change it.
    assertTrue(changed >= cases.size() - 8, changed + " of " + cases.size());
  }
}
