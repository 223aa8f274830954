package io.effnet.model.arch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetworkSpecTest {

  /** Oracles: torchvision's model metadata (num_params at 1000 classes, GFLOPS at its eval size). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "b0, 5288548, 224, 0.39",
      "b1, 7794184, 240, 0.69",
      "b2, 9109994, 288, 1.09",
      "b3, 12233232, 300, 1.83",
      "b4, 19341616, 380, 4.39",
      "b5, 30389784, 456, 10.27",
      "b6, 43040704, 528, 19.07",
      "b7, 66347960, 600, 37.75",
  })
  void parametersAndMultiplyAddsMatchTorchvision(String name, long params, int size, double gmacs) {
    NetworkSpec spec = NetworkSpec.resolve(Variant.published(name), 1000, size);
    assertEquals(params, spec.parameterCount());
    double measured = spec.multiplyAdds() / 1e9;
    assertEquals(gmacs, measured, gmacs * 0.03, "multiply-adds " + measured);
  }

  /** Stage depths per variant: ceil(repeats x depth), as the TF reference and torchvision build them. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "b0, 1 2 2 3 3 4 1, 16",
      "b1, 2 3 3 4 4 5 2, 23",
      "b2, 2 3 3 4 4 5 2, 23",
      "b3, 2 3 3 5 5 6 2, 26",
      "b4, 2 4 4 6 6 8 2, 32",
      "b5, 3 5 5 7 7 9 3, 39",
      "b6, 3 6 6 8 8 11 3, 45",
      "b7, 4 7 7 10 10 13 4, 55",
  })
  void stageDepths(String name, String depths, int blocks) {
    NetworkSpec spec = NetworkSpec.resolve(Variant.published(name), 1000);
    int[] expected = java.util.Arrays.stream(depths.split(" ")).mapToInt(Integer::parseInt).toArray();
    assertArrayEquals(expected, spec.stageDepths());
    assertEquals(blocks, spec.blocks().size());
  }

  @Test
  void b0BlocksFollowTheStageTable() {
    NetworkSpec spec = NetworkSpec.resolve(Variant.published("b0"), 1000);
    List<ResolvedBlock> b = spec.blocks();
    assertEquals(32, spec.stemChannels());
    assertEquals(1280, spec.headChannels());
    assertEquals(7, spec.featureSize());
    ResolvedBlock first = b.get(0);
    assertEquals("block1a", first.name());
    assertFalse(first.hasExpansion());
    assertEquals(8, first.seChannels());
    assertEquals(0.0, first.dropConnectRate());
    ResolvedBlock b2a = b.get(1);
    assertEquals("block2a", b2a.name());
    assertEquals(2, b2a.stride());
    assertEquals(96, b2a.expandedChannels());
    assertEquals(4, b2a.seChannels()); // int(16 x 0.25): the block's input channels, not the expanded ones
    assertFalse(b2a.hasSkip());
    ResolvedBlock b2b = b.get(2);
    assertEquals("block2b", b2b.name());
    assertEquals(1, b2b.stride());
    assertTrue(b2b.hasSkip());
    assertEquals(0.2 * 2 / 16, b2b.dropConnectRate(), 1e-12);
    assertEquals("block7a", b.get(15).name());
    assertEquals(0.2 * 15 / 16, b.get(15).dropConnectRate(), 1e-12);
  }

  @Test
  void widthScalesStemBlocksAndHead() {
    NetworkSpec b4 = NetworkSpec.resolve(Variant.published("b4"), 10);
    assertEquals(48, b4.stemChannels());
    assertEquals(1792, b4.headChannels());
    assertEquals(448, b4.headInputChannels());
    assertEquals(12, b4.featureSize());
  }

  @Test
  void anyInputSizeFrom32() {
    NetworkSpec small = NetworkSpec.resolve(Variant.published("b0"), 10, 32);
    assertEquals(1, small.featureSize());
    NetworkSpec odd = NetworkSpec.resolve(Variant.published("b0"), 10, 33);
    assertEquals(2, odd.featureSize()); // TF "same" padding: ceil at every stride-2 step
    assertThrows(IllegalArgumentException.class, () -> NetworkSpec.resolve(Variant.published("b0"), 10, 31));
    assertThrows(IllegalArgumentException.class, () -> NetworkSpec.resolve(Variant.published("b0"), 0));
  }

  @Test
  void classifierFollowsClassCount() {
    long at1000 = NetworkSpec.resolve(Variant.published("b0"), 1000).parameterCount();
    long at10 = NetworkSpec.resolve(Variant.published("b0"), 10).parameterCount();
    assertEquals(990L * 1280 + 990, at1000 - at10);
  }
}
