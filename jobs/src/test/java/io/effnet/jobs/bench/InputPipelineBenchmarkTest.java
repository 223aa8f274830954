package io.effnet.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.JobException;
import io.effnet.jobs.input.RandAugment;
import io.effnet.jobs.input.ShardSource;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's code path with tiny sizes: counts only, no timing assertions. */
class InputPipelineBenchmarkTest {
  private static final Pattern COUNT = Pattern.compile("\\[(\\d+) images in ");

  @TempDir
  File tmp;

  @Test
  void measureCountsWholePassesWithFreshEpochs() {
    List<Integer> epochs = new ArrayList<>();
    InputPipelineBenchmark.Measurement m = InputPipelineBenchmark.measure(0, 7, epoch -> {
      epochs.add(epoch);
      return epoch;
    });
    assertEquals(1, m.passes);
    assertEquals(7, m.images);
    assertEquals(2, epochs.size(), "one warm-up pass, one measured");
    assertEquals(0, (int) epochs.get(0));
    assertEquals(1, (int) epochs.get(1));
  }

  @Test
  void generatesAPrepDatasetAndTimesBothPathsWithAndWithoutRandAugment() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true);
    int status = InputPipelineBenchmark.run(new String[] {"--images", "12", "--encoding", "png", "--stored-size", "24",
        "--size", "16", "--seconds", "0", "--randaugment", "0,2", "--cores", "2", "--work-dir",
        new File(tmp, "work").getPath()}, out);
    assertEquals(0, status);
    String text = new String(buffer.toByteArray(), StandardCharsets.UTF_8);
    String[] lines = text.trim().split("\n");
    assertEquals(6, lines.length, text);
    assertTrue(lines[0].startsWith("input pipeline: 12 training images, png 32x24"), lines[0]);
    assertTrue(lines[1].contains("decode only"), lines[1]);
    assertTrue(lines[2].contains("RandAugment off, 1 thread (no Spark)"), lines[2]);
    assertTrue(lines[3].contains("RandAugment off, Spark local[2]"), lines[3]);
    assertTrue(lines[4].contains("RandAugment N=2 M=10, 1 thread (no Spark)"), lines[4]);
    assertTrue(lines[5].contains("RandAugment N=2 M=10, Spark local[2]"), lines[5]);
    for (int i = 1; i < lines.length; i++) {
      Matcher m = COUNT.matcher(lines[i]);
      assertTrue(m.find(), lines[i]);
      assertEquals(12, Integer.parseInt(m.group(1)), "one measured pass of 12 images: " + lines[i]);
    }
    // The dataset stays in the work folder and can be given back with --data.
    assertTrue(new File(tmp, "work/data/labels.json").isFile());
    buffer.reset();
    assertEquals(0, InputPipelineBenchmark.run(new String[] {"--data", new File(tmp, "work/data").getPath(),
        "--images", "5", "--size", "8", "--seconds", "0", "--randaugment", "1", "--paths", "spark"}, out));
    String again = new String(buffer.toByteArray(), StandardCharsets.UTF_8).trim();
    String[] two = again.split("\n");
    assertEquals(2, two.length, again);
    assertTrue(two[0].startsWith("input pipeline: 5 training images"), two[0]);
    Matcher m = COUNT.matcher(two[1]);
    assertTrue(m.find() && m.group(1).equals("5"), two[1]);
  }

  @Test
  void badOptionsAreUsageErrors() {
    String[][] bad = {{"--images", "0"}, {"--encoding", "gif"}, {"--paths", "gpu"}, {"--size", "-3"},
        {"--set", "train.epochs=3"}, {"--frobnicate", "1"}, {"--randaugment", "2,x"}, {"--cores"}};
    for (String[] args : bad) {
      JobException e = assertThrows(JobException.class, () -> InputPipelineBenchmark.Options.parse(args),
          String.join(" ", args));
      assertEquals(JobException.USAGE, e.exitCode());
    }
    InputPipelineBenchmark.Options o = InputPipelineBenchmark.Options.parse(new String[] {"--randaugment=0,1,3",
        "--paths", "single", "--set", "input.min-crop-area=0.25"});
    assertArrayEquals(new int[] {0, 1, 3}, o.randAugmentLayers);
    assertTrue(o.single && !o.spark);
    assertEquals(0.25, InputPipelineBenchmark.config(o, 1).number("input.min-crop-area"), 0);
    o.size = 32;
    RandAugment policy = ShardSource.from(InputPipelineBenchmark.config(o, 2), 32).randAugment();
    assertEquals(2, policy.layers());
    assertEquals(100.0 * 32 / 224, policy.translatePixels(), 1e-9);
    assertEquals(40.0 * 32 / 224, policy.cutoutPixels(), 1e-9);
  }
}
