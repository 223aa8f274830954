package io.effnet.jobs.input;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.JobException;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.RandAugment.Op;
import io.effnet.jobs.input.RandAugment.Step;
import io.effnet.prep.DecodedImage;
import io.effnet.prep.ImageCodec;
import io.effnet.prep.OutputEncoding;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandAugmentTest {
  private static final double[] MEAN = {123.675, 116.28, 103.53};
  private static final double[] STD = {58.395, 57.12, 57.375};

  private static double arg(Op op, double level) {
    return RandAugment.argument(op, level, RandAugment.REFERENCE_TRANSLATE_PIXELS, RandAugment.REFERENCE_CUTOUT_PIXELS);
  }

  @Test
  void magnitudeMapsAsTheReferencesLevelToArg() {
    // Values of the reference's level_to_arg (cutout_const 40, translate_const 100), worked out by hand.
    assertEquals(30, arg(Op.ROTATE, 10), 1e-12);
    assertEquals(15, arg(Op.ROTATE, 5), 1e-12);
    assertEquals(9, arg(Op.ROTATE, 3), 1e-12);
    assertEquals(4, arg(Op.POSTERIZE, 10), 0);
    assertEquals(3, arg(Op.POSTERIZE, 9), 0); // int(3.6)
    assertEquals(2, arg(Op.POSTERIZE, 5), 0);
    assertEquals(0, arg(Op.POSTERIZE, 2), 0); // int(0.8)
    assertEquals(256, arg(Op.SOLARIZE, 10), 0);
    assertEquals(230, arg(Op.SOLARIZE, 9), 0); // int(230.4)
    assertEquals(128, arg(Op.SOLARIZE, 5), 0);
    assertEquals(110, arg(Op.SOLARIZE_ADD, 10), 0);
    assertEquals(33, arg(Op.SOLARIZE_ADD, 3), 0);
    assertEquals(77, arg(Op.SOLARIZE_ADD, 7), 0);
    for (Op enhance : new Op[] {Op.COLOR, Op.CONTRAST, Op.BRIGHTNESS, Op.SHARPNESS}) {
      assertEquals(1.9, arg(enhance, 10), 1e-12);
      assertEquals(1.0, arg(enhance, 5), 1e-12);
      assertEquals(0.1, arg(enhance, 0), 1e-12);
    }
    assertEquals(0.3, arg(Op.SHEAR_X, 10), 1e-12);
    assertEquals(0.15, arg(Op.SHEAR_Y, 5), 1e-12);
    assertEquals(100, arg(Op.TRANSLATE_X, 10), 1e-12);
    assertEquals(50, arg(Op.TRANSLATE_Y, 5), 1e-12);
    assertEquals(40, arg(Op.CUTOUT, 10), 0);
    assertEquals(12, arg(Op.CUTOUT, 3), 0);
    assertEquals(0, arg(Op.AUTO_CONTRAST, 10), 0);
    assertEquals(14, RandAugment.argument(Op.TRANSLATE_X, 10, 14, 6), 1e-12);
    assertEquals(3, RandAugment.argument(Op.CUTOUT, 5, 14, 6), 0);
    RandAugment policy = RandAugment.builder().layers(2).magnitude(9).build();
    assertEquals(27, policy.argument(Op.ROTATE), 1e-12);
  }

  @Test
  void referenceNamesAndOrder() {
    assertEquals(16, Op.values().length);
    assertEquals("AutoContrast", Op.values()[0].referenceName());
    assertEquals("SolarizeAdd", Op.values()[15].referenceName());
    assertEquals(Op.SHEAR_X, Op.named("ShearX"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Op.named("shearx"));
    assertTrue(e.getMessage().contains("ShearX") && e.getMessage().contains("'shearx'"), e.getMessage());
  }

  @Test
  void drawsAreFixedBySeedUniformOverOpsAndSignedHalfTheTime() {
    RandAugment policy = RandAugment.builder().layers(2).magnitude(10).build();
    for (long seed = 0; seed < 20; seed++) {
      Random a = new Random(seed);
      Random b = new Random(seed);
      for (int i = 0; i < 5; i++) {
        assertArrayEquals(policy.draw(a, 32, 24), policy.draw(b, 32, 24));
      }
    }
    assertFalse(Arrays.equals(policy.draw(new Random(1), 32, 24), policy.draw(new Random(2), 32, 24))
        && Arrays.equals(policy.draw(new Random(3), 32, 24), policy.draw(new Random(4), 32, 24)));

    Map<Op, Integer> counts = new EnumMap<>(Op.class);
    int negative = 0;
    int signed = 0;
    Random r = new Random(11);
    int draws = 16000;
    for (int i = 0; i < draws / 2; i++) {
      Step[] steps = policy.draw(r, 32, 24);
      assertEquals(2, steps.length);
      for (Step s : steps) {
        counts.merge(s.op, 1, Integer::sum);
        if (s.op.signed()) {
          signed++;
          negative += s.argument < 0 ? 1 : 0;
          assertEquals(policy.argument(s.op), Math.abs(s.argument), 1e-12);
        } else {
          assertEquals(policy.argument(s.op), s.argument, 0);
        }
        if (s.op == Op.CUTOUT) {
          assertTrue(s.centerX >= 0 && s.centerX < 32 && s.centerY >= 0 && s.centerY < 24, s.toString());
        } else {
          assertEquals(-1, s.centerX);
        }
      }
    }
    assertEquals(16, counts.size());
    for (Map.Entry<Op, Integer> e : counts.entrySet()) {
      assertTrue(Math.abs(e.getValue() - draws / 16) < 150, e.toString()); // 1000 +- 4.8 sigma
    }
    assertTrue(Math.abs(negative - signed / 2.0) < 4 * Math.sqrt(signed / 4.0), negative + " of " + signed);
  }

  @Test
  void applyRunsTheDrawnStepsInTurnAndOffIsTheIdentity() {
    byte[] img = RandAugmentOpsTest.numbered(5, 5);
    RandAugment policy = RandAugment.builder().layers(3).magnitude(7).build();
    for (long seed = 0; seed < 30; seed++) {
      Step[] steps = policy.draw(new Random(seed), 5, 5);
      byte[] expected = img;
      for (Step s : steps) {
        expected = RandAugment.apply(s, expected, 5, 5);
      }
      assertArrayEquals(expected, policy.apply(img, 5, 5, new Random(seed)), Arrays.toString(steps));
    }
    assertArrayEquals(RandAugmentOpsTest.numbered(5, 5), img, "input untouched");
    Random r = new Random(3);
    assertSame(img, RandAugment.off().apply(img, 5, 5, r));
    assertEquals(new Random(3).nextLong(), r.nextLong(), "off draws nothing");
  }

  @Test
  void aSubsetOfOpsIsAllThatIsDrawn() {
    RandAugment policy = RandAugment.builder().layers(2).ops(Arrays.asList(Op.INVERT, Op.CUTOUT)).build();
    Random r = new Random(5);
    for (int i = 0; i < 200; i++) {
      for (Step s : policy.draw(r, 8, 8)) {
        assertTrue(s.op == Op.INVERT || s.op == Op.CUTOUT, s.toString());
      }
    }
    // Invert twice is the identity: one Invert layer, N = 1
    RandAugment invert = RandAugment.builder().layers(1).ops(Collections.singletonList(Op.INVERT)).build();
    assertArrayEquals(RandAugmentOps.invert(RandAugmentOpsTest.numbered(2, 2)),
        invert.apply(RandAugmentOpsTest.numbered(2, 2), 2, 2, new Random(1)));
  }

  @Test
  void builderRejectsOutOfRangeSettings() {
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().layers(-1).build());
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().layers(11).build());
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().magnitude(10.5).build());
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().magnitude(Double.NaN).build());
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().ops(Collections.<Op>emptyList()).build());
    assertThrows(IllegalArgumentException.class,
        () -> RandAugment.builder().ops(Arrays.asList(Op.INVERT, Op.INVERT)).build());
    assertThrows(IllegalArgumentException.class, () -> RandAugment.builder().translatePixels(-1).build());
  }

  @Test
  void configDefaultsAreOffWithTheReferenceSettings() {
    RandAugment d = RandAugment.from(JobConfig.defaults());
    assertFalse(d.enabled());
    assertEquals(10, d.magnitude(), 0);
    assertEquals(Arrays.asList(Op.values()), d.ops());
    assertEquals(100, d.translatePixels(), 0);
    assertEquals(40, d.cutoutPixels(), 0);
    RandAugment on = RandAugment.from(JobConfig.load(null, Arrays.asList("input.randaugment.layers=2",
        "input.randaugment.magnitude=5", "input.randaugment.ops=[Rotate, Cutout]",
        "input.randaugment.translate-pixels=14", "input.randaugment.cutout-pixels=6")));
    assertTrue(on.enabled());
    assertEquals(2, on.layers());
    assertEquals(5, on.magnitude(), 0);
    assertEquals(Arrays.asList(Op.ROTATE, Op.CUTOUT), on.ops());
    assertEquals(3, on.argument(Op.CUTOUT), 0);
    assertTrue(ShardSource.from(JobConfig.load(null, Collections.singletonList("input.randaugment.layers=2")), 32)
        .randAugment().enabled());
  }

  @Test
  void configMistakesNameTheKey() {
    assertConfigError("input.randaugment.ops=[Rotate, Shear]", "effnet.input.randaugment.ops", "'Shear'");
    assertConfigError("input.randaugment.ops=[Rotate, Rotate]", "effnet.input.randaugment.ops", "twice");
    assertConfigError("input.randaugment.ops=[]", "effnet.input.randaugment.ops", "at least one");
    assertConfigError("input.randaugment.magnitude=11", "effnet.input.randaugment.magnitude", "[0, 10]");
    assertConfigError("input.randaugment.layers=-1", "effnet.input.randaugment.layers", "[0, 10]");
    assertConfigError("input.randaugment.cutout-pixels=-2", "effnet.input.randaugment.cutout-pixels", ">= 0");
    assertConfigError("input.randaugment.layers=two", "effnet.input.randaugment.layers", "wrong type");
  }

  private static void assertConfigError(String override, String key, String detail) {
    JobException e = assertThrows(JobException.class,
        () -> RandAugment.from(JobConfig.load(null, Collections.singletonList(override))));
    assertEquals(JobException.CONFIG, e.exitCode());
    assertTrue(e.getMessage().contains(key) && e.getMessage().contains(detail), e.getMessage());
  }

  @Test
  void trainingPathIsCropThenRandAugmentThenFlip() {
    byte[] encoded = ImageCodec.encode(new DecodedImage(20, 16, 3, noise(20 * 16 * 3, 9)), OutputEncoding.raw());
    RandAugment invert = RandAugment.builder().layers(1).ops(Collections.singletonList(Op.INVERT)).build();
    ShardSource source = new ShardSource(12, MEAN, STD, 0.3, 0).withRandAugment(invert);
    for (long seed = 0; seed < 10; seed++) {
      Random r = new Random(seed);
      ImageTransforms.Window w = ImageTransforms.randomResizedCrop(20, 16, 0.3, r);
      byte[] rgb = ImageTransforms.cropResize(ImageCodec.decode(encoded).pixels(), 20, 16, 3, w, 12);
      rgb = invert.apply(rgb, 12, 12, r);
      float[] expected = ImageTransforms.normalise(rgb, 12, r.nextBoolean(), MEAN, STD);
      assertArrayEquals(expected, source.trainingTensor(encoded, new Random(seed), true));
    }
  }

  @Test
  void anIdentityPolicyDiffersFromThePlainPathOnlyByUint8Rounding() {
    byte[] encoded = ImageCodec.encode(new DecodedImage(20, 16, 3, noise(20 * 16 * 3, 4)), OutputEncoding.raw());
    // SolarizeAdd at magnitude 0 adds 0: it changes no pixel.
    RandAugment solarize = RandAugment.builder().layers(2).magnitude(0)
        .ops(Collections.singletonList(Op.SOLARIZE_ADD)).build();
    ShardSource plain = new ShardSource(12, MEAN, STD, 0.3, 0);
    ShardSource augmented = plain.withRandAugment(solarize);
    float[] a = plain.trainingTensor(encoded, new Random(8), false);
    float[] b = augmented.trainingTensor(encoded, new Random(8), false);
    assertEquals(a.length, b.length);
    boolean anyDifferent = false;
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], 0.5 / 57.12 + 1e-5, "value " + i);
      anyDifferent |= a[i] != b[i];
    }
    assertTrue(anyDifferent, "the augmented path goes through uint8");
    assertNotEquals(Arrays.toString(plain.trainingTensor(encoded, new Random(8), false)),
        Arrays.toString(plain.withRandAugment(RandAugment.builder().layers(2).build())
            .trainingTensor(encoded, new Random(8), false)));
  }

  @Test
  void survivesJavaSerialisationToTheExecutors() throws Exception {
    RandAugment policy = RandAugment.builder().layers(2).magnitude(6).ops(Arrays.asList(Op.ROTATE, Op.EQUALIZE))
        .build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(new ShardSource(8, MEAN, STD, 0.5, 0).withRandAugment(policy));
    }
    ShardSource copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (ShardSource) in.readObject();
    }
    assertEquals(policy.toString(), copy.randAugment().toString());
    assertArrayEquals(policy.draw(new Random(2), 8, 8), copy.randAugment().draw(new Random(2), 8, 8));
  }

  static byte[] noise(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
