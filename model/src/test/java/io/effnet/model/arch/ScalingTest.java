package io.effnet.model.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScalingTest {

  @ParameterizedTest
  @CsvSource({
      // filters, width, expected (torchvision _make_divisible(filters * width, 8))
      "32, 1.0, 32", "32, 1.1, 32", "32, 1.2, 40", "32, 1.4, 48", "32, 1.6, 48", "32, 1.8, 56", "32, 2.0, 64",
      "16, 1.1, 16", "24, 1.2, 32", "40, 1.4, 56", "80, 1.6, 128", "112, 1.8, 200", "192, 2.0, 384",
      "320, 1.1, 352", "1280, 1.8, 2304",
      // never below 90% of the scaled value: 10 x 1.0 rounds to 8 (< 9), so up to 16
      "10, 1.0, 16", "3, 1.0, 8", "36, 0.25, 16",
  })
  void roundFilters(int filters, double width, int expected) {
    assertEquals(expected, Scaling.roundFilters(filters, width));
  }

  @ParameterizedTest
  @CsvSource({"1, 1.0, 1", "2, 1.1, 3", "3, 1.1, 4", "3, 1.2, 4", "4, 1.4, 6", "4, 3.1, 13", "3, 2.6, 8",
      "5, 1.2, 6"})
  void roundRepeatsTakesTheCeiling(int repeats, double depth, int expected) {
    assertEquals(expected, Scaling.roundRepeats(repeats, depth));
  }

  @ParameterizedTest
  @ValueSource(strings = {"r1_k3_s11_e1_i32_o16_se0.25", "r2_k5_s22_e6_i24_o40_se0.25", "r4_k3_s11_e6_i8_o8",
      "r1_k7_s11_e3_i32_o32_se0.5_noskip"})
  void blockStringsRoundTrip(String text) {
    assertEquals(text, BlockSpec.parse(text).toString());
    assertEquals(BlockSpec.parse(text), BlockSpec.parse(BlockSpec.parse(text).toString()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "r1_k3_s11_e1_i32", "r1_k4_s11_e1_i32_o16", "r1_k3_s12_e1_i32_o16", "r1_k3_s11_e1_i32_o16_x5",
      "r1_kx_s11_e1_i32_o16", "r0_k3_s11_e1_i32_o16", "r1_k3_s11_e1_i32_o16_se1.5"})
  void badBlockStringsAreRejected(String text) {
    assertThrows(IllegalArgumentException.class, () -> BlockSpec.parse(text));
  }

  @Test
  void compoundScalingFollowsThePaper() {
    Variant v = Variant.compound(2, 1.2, 1.1, 1.15, 0.2);
    assertEquals(1.44, v.depthCoefficient(), 1e-12);
    assertEquals(1.21, v.widthCoefficient(), 1e-12);
    assertEquals(Math.round(224 * 1.3225), v.resolution());
    assertEquals(1.92, Variant.flopsMultiplier(1.2, 1.1, 1.15), 0.01);
    assertThrows(IllegalArgumentException.class, () -> Variant.compound(1, 0.9, 1.1, 1.1, 0.2));
  }

  @Test
  void publishedTable() {
    Variant b5 = Variant.published("efficientnet-b5");
    assertEquals(1.6, b5.widthCoefficient());
    assertEquals(2.2, b5.depthCoefficient());
    assertEquals(456, b5.resolution());
    assertEquals(0.4, b5.dropoutRate());
    assertEquals(8, Variant.publishedFamily().length);
    assertThrows(IllegalArgumentException.class, () -> Variant.published("b8"));
  }
}
