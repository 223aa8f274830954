package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.model.bigdl.LayerChoice;
import org.junit.jupiter.api.Test;

class TrainingBenchmarkOptionsTest {
  private static TrainingBenchmark.Options parse(String... args) {
    return TrainingBenchmark.Options.parse(args);
  }

  @Test
  void readsEveryOptionInBothSpellings() {
    TrainingBenchmark.Options o = parse("--variant", "b1", "--size=64", "--batch", "64", "--classes", "10",
        "--warmup", "3", "--iterations=6", "--cores", "2", "--path", "local", "--depthwise", "direct",
        "--global-pool", "java", "--compress", "none");
    BenchmarkSettings s = o.settings;
    assertEquals("b1", s.variant());
    assertEquals(64, s.inputSize());
    assertEquals(64, s.batchSize());
    assertEquals(10, s.numClasses());
    assertEquals(3, s.warmupIterations());
    assertEquals(6, s.measuredIterations());
    assertEquals(TrainingPath.LOCAL, s.path());
    assertEquals(LayerChoice.Depthwise.DIRECT, s.depthwise());
    assertEquals(LayerChoice.GlobalPooling.JAVA, s.globalPooling());
    assertTrue(s.uncompressedGradients());
    assertFalse(o.profile);
    assertTrue(parse("--profile").profile);
    assertTrue(parse("--compare-depthwise").compareDepthwise);
    assertTrue(parse("--size", "64", "--help").help);
    BenchmarkSettings bigdl = parse("--depthwise", "bigdl", "--global-pool=bigdl").settings;
    assertEquals(LayerChoice.Depthwise.BIGDL_GROUPED, bigdl.depthwise());
    assertEquals(LayerChoice.GlobalPooling.BIGDL, bigdl.globalPooling());
    assertEquals(null, parse("--size", "64").settings.depthwise(), "unset: the builder's choice for the engine");
  }

  /** The Fashion-MNIST benchmark's member: B0's table at width 0.5, depth 0.5. */
  @Test
  void widthAndDepthMakeACustomMemberOfTheVariantsFamily() {
    BenchmarkSettings s = parse("--width", "0.5", "--depth=0.5", "--size", "64", "--classes", "10").settings;
    assertEquals("b0 width 0.5 depth 0.5 64x64 batch 32", s.describe());
    assertEquals(s.describe(), s.toBuilder().build().describe());
    io.effnet.model.arch.NetworkSpec custom = s.spec();
    io.effnet.model.arch.NetworkSpec b0 = parse("--size", "64", "--classes", "10").settings.spec();
    assertEquals(16, custom.stemChannels());
    assertEquals(32, b0.stemChannels());
    assertTrue(custom.blocks().size() < b0.blocks().size(), custom.blocks().size() + " blocks");
    assertEquals("b1 width 0.5 64x64 batch 32", parse("--variant", "b1", "--width", "0.5", "--size", "64")
        .settings.describe());
    assertTrue(message("--width", "wide").contains("--width needs a number"));
    assertTrue(message("--depth", "-1").contains("width and depth must be > 0"));
  }

  @Test
  void explainsWhatIsWrong() {
    assertTrue(message("--size").contains("--size needs a value"));
    assertTrue(message("--size", "big").contains("whole number"));
    assertTrue(message("--frobnicate", "1").contains("unknown option '--frobnicate'"));
    assertTrue(message("--depthwise", "fast").contains("bigdl or direct"));
    assertTrue(message("--global-pool", "native").contains("bigdl or java"));
    assertTrue(message("--compress", "zip").contains("fp16 or none"));
    assertTrue(message("--profile", "--compare-depthwise").contains("separate runs"));
    assertTrue(message("--batch", "31").contains("multiple of the 2 cores"));
  }

  private static String message(String... args) {
    return assertThrows(BenchmarkException.class, () -> parse(args)).getMessage();
  }

  @Test
  void usageNamesEveryOption() {
    String usage = TrainingBenchmark.usage();
    for (String option : new String[] {"--variant", "--width", "--depth", "--size", "--batch", "--classes", "--warmup",
        "--iterations",
        "--cores", "--path", "--depthwise", "--global-pool", "--compress", "--profile", "--compare-depthwise"}) {
      assertTrue(usage.contains(option), option);
    }
  }

  @Test
  void compareDepthwisePrintsOneRowPerBlockAndATotal() {
    java.io.PrintStream original = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    int status;
    try {
      System.setOut(new java.io.PrintStream(captured, true));
      status = TrainingBenchmark.run(new String[] {"--size", "32", "--batch", "4", "--warmup", "0", "--iterations",
          "1", "--compare-depthwise"});
    } finally {
      System.setOut(original);
    }
    assertEquals(0, status);
    String text = captured.toString();
    assertTrue(text.contains("block1a") && text.contains("block7a") && text.contains("total"), text);
    assertTrue(text.contains("other processes"), text);
  }
}
