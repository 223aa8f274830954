package io.effnet.model.arch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The EfficientNet-B0 baseline (paper table 1; TF reference {@code efficientnet_builder._DEFAULT_BLOCKS_ARGS}). */
public final class Baseline {
  public static final int STEM_CHANNELS = 32;
  public static final int STEM_KERNEL = 3;
  public static final int STEM_STRIDE = 2;
  public static final int HEAD_CHANNELS = 1280;
  public static final int INPUT_CHANNELS = 3;

  private static final String[] B0_STAGES = {
      "r1_k3_s11_e1_i32_o16_se0.25",
      "r2_k3_s22_e6_i16_o24_se0.25",
      "r2_k5_s22_e6_i24_o40_se0.25",
      "r3_k3_s22_e6_i40_o80_se0.25",
      "r3_k5_s11_e6_i80_o112_se0.25",
      "r4_k5_s22_e6_i112_o192_se0.25",
      "r1_k3_s11_e6_i192_o320_se0.25",
  };

  private Baseline() {}

  /** B0's seven MBConv stages. */
  public static List<BlockSpec> stages() {
    List<BlockSpec> stages = new ArrayList<>();
    for (String s : B0_STAGES) {
      stages.add(BlockSpec.parse(s));
    }
    return Collections.unmodifiableList(stages);
  }
}
