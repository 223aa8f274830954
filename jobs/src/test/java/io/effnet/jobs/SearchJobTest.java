package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.spark.SparkBootstrap;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coefficient search end to end on local Spark: real images -> prep -> a search over a tiny grid at 32 px
 * with one-epoch proxies; and a search interrupted inside a candidate that resumes without retraining the
 * finished one.
 */
class SearchJobTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  File tmp;

  /** A prep dataset of three classes at 40 x 40 with a validation split. */
  private File prepare() throws Exception {
    File images = new File(tmp, "images");
    TestImages.writeTree(images, 12, 36, 11);
    File data = new File(tmp, "data");
    TestImages.prep(images, data, 40, "prep.validation-fraction=0.25");
    return data;
  }

  /**
   * Tiny grid alpha {1, 1.1, 1.2} x beta {1, 1.1} x gamma {1, 1.1, 1.2}; one-epoch proxies on 16 images, at
   * 32 px x gamma, scaling a half-width, half-depth B0 so that each trains in seconds.
   */
  private static List<String> settings(File data, File output) {
    return new ArrayList<>(Arrays.asList("train.data=\"" + data + "\"", "search.output=\"" + output + "\"",
        "search.alpha-min=1.0", "search.alpha-max=1.2", "search.beta-min=1.0", "search.beta-max=1.1",
        "search.gamma-min=1.0", "search.gamma-max=1.2", "search.step=0.1", "search.base-resolution=32",
        "search.base-width=0.5", "search.base-depth=0.5", "search.max-images=16", "search.epochs=1", "search.family-size=3", "train.batch-size=8", "train.optimizer=momentum",
        "train.base-learning-rate=0.4", "train.warmup-epochs=0", "train.bn-decay=0.9",
        "input.min-crop-area=0.35", "input.crop-padding=0"));
  }

  private static String[] cli(String job, List<String> sets) {
    List<String> args = new ArrayList<>();
    args.add(job);
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return args.toArray(new String[0]);
  }

  @Test
  void aTinySearchTrainsEveryCandidateAndReportsTheChosenOne() throws Exception {
    File data = prepare();
    File out = new File(tmp, "search");
    List<String> sets = settings(data, out);
    // Within 0.1 of 1.5 lie five points; the three nearest are 1.4641 and the two 1.452 (see CoefficientGridTest).
    sets.addAll(Arrays.asList("search.target=1.5", "search.max-candidates=3"));
    assertEquals(0, Cli.execute(cli("search", sets)));

    JsonNode summary = JSON.readTree(new File(out, "search.json"));
    assertEquals("completed", summary.get("status").asText());
    assertEquals(18, summary.get("grid_points").asInt());
    assertEquals(3, summary.get("classes").asInt());
    JsonNode candidates = summary.get("candidates");
    assertEquals(3, candidates.size());
    String[] ids = {"a1-b1.1-g1.1", "a1.2-b1-g1.1", "a1.2-b1.1-g1"};
    double[] constraint = {1.4641, 1.452, 1.452};
    int[] inputSizes = {35, 35, 32};
    int best = -1;
    for (int i = 0; i < 3; i++) {
      JsonNode c = candidates.get(i);
      assertEquals(ids[i], c.get("id").asText());
      assertEquals(constraint[i], c.get("constraint_value").asDouble(), 1e-9);
      assertEquals(inputSizes[i], c.get("input_size").asInt());
      assertEquals("trained", c.get("status").asText());
      double top1 = c.get("top1").asDouble();
      assertTrue(top1 >= 0 && top1 <= 1, c.toString());
      assertTrue(c.get("wall_seconds").asDouble() > 0);
      if (best < 0 || top1 > candidates.get(best).get("top1").asDouble() || (top1 == candidates.get(best)
          .get("top1").asDouble() && c.get("multiply_adds").asLong() < candidates.get(best).get("multiply_adds").asLong())) {
        best = i;
      }
      // The candidate is a whole train run at its proxy size, whose counts the table repeats.
      File dir = new File(out, "candidates/" + ids[i]);
      JsonNode report = JSON.readTree(new File(dir, "train-report.json"));
      assertEquals("completed", report.get("status").asText());
      assertEquals(1, report.get("epochs").size());
      assertEquals(inputSizes[i], report.get("input_size").asInt());
      assertEquals(report.get("multiply_adds").asLong(), c.get("multiply_adds").asLong());
      assertEquals(report.get("parameters").asLong(), c.get("params").asLong());
      assertEquals(top1, report.get("epochs").get(0).get("validation").get("top1").asDouble(), 0);
      JsonNode result = JSON.readTree(new File(dir, SearchJob.RESULT));
      assertEquals(top1, result.get("top1").asDouble(), 0);
      assertEquals(0.5 * c.get("beta").asDouble(), result.get("training").get("model").get("width").asDouble(), 1e-12);
      assertEquals(0.5 * c.get("alpha").asDouble(), result.get("training").get("model").get("depth").asDouble(), 1e-12);
      assertEquals(16, report.get("train_images").asInt());
      assertEquals(inputSizes[i], result.get("training").get("model").get("input-size").asInt());
    }
    JsonNode chosen = summary.get("chosen");
    assertEquals(ids[best], chosen.get("id").asText());
    assertTrue(chosen.get("chosen").asBoolean() && chosen.get("frontier").asBoolean());
    List<String> frontier = new ArrayList<>();
    summary.get("frontier").forEach(n -> frontier.add(n.asText()));
    assertTrue(frontier.contains(ids[best]));

    JsonNode family = summary.get("family");
    assertEquals(3, family.size());
    double gamma = chosen.get("gamma").asDouble();
    for (int phi = 1; phi <= 3; phi++) {
      JsonNode f = family.get(phi - 1);
      assertEquals(phi, f.get("phi").asInt());
      assertEquals(Math.round(224 * Math.pow(gamma, phi)), f.get("resolution").asInt());
      assertEquals(Math.pow(chosen.get("beta").asDouble(), phi), f.get("width").asDouble(), 1e-12);
      assertEquals(Math.pow(chosen.get("alpha").asDouble(), phi), f.get("depth").asDouble(), 1e-12);
    }

    List<String> csv = Files.readAllLines(new File(out, "search.csv").toPath(), StandardCharsets.UTF_8);
    assertEquals(4, csv.size());
    assertTrue(csv.get(0).startsWith("id,alpha,beta,gamma,constraint_value,"));
    for (int i = 0; i < 3; i++) {
      String[] cells = csv.get(i + 1).split(",", -1);
      assertEquals(ids[i], cells[0]);
      assertEquals(candidates.get(i).get("top1").asDouble(), Double.parseDouble(cells[9]), 1e-6);
      assertEquals(String.valueOf(i == best), cells[13]);
    }
    byte[] png = Files.readAllBytes(new File(out, "search.png").toPath());
    assertTrue(png.length > 1000);
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
  }

  @Test
  void anInterruptedSearchResumesWithoutRetrainingFinishedCandidates() throws Exception {
    File data = prepare();
    File out = new File(tmp, "search");
    // Within 0.1 of 2: exactly 1.91664 (1.1, 1.1, 1.2) and 2.09088 (1.2, 1.1, 1.2).
    JobConfig config = JobConfig.load(null, settings(data, out));
    String first = "a1.1-b1.1-g1.2";
    String second = "a1.2-b1.1-g1.2";
    SparkSession spark = SparkBootstrap.withBigDL("search-resume-test");
    try {
      // A crash inside the second candidate: its checkpoint is written, its model and result are not.
      Progress crashing = line -> {
        System.err.println(line);
        if (line.startsWith("candidate 2/2") && line.contains("epoch 1/1")) {
          throw new IllegalStateException("simulated crash");
        }
      };
      JobException crash = assertThrows(JobException.class, () -> SearchJob.run(spark, config, crashing));
      assertTrue(crash.getMessage().contains(second) && crash.getMessage().contains("simulated crash"),
          crash.getMessage());
      File firstDir = new File(out, "candidates/" + first);
      File secondDir = new File(out, "candidates/" + second);
      assertTrue(new File(firstDir, SearchJob.RESULT).isFile());
      assertFalse(new File(secondDir, SearchJob.RESULT).exists());
      assertTrue(new File(secondDir, "checkpoints").isDirectory());
      JsonNode partial = JSON.readTree(new File(out, "search.json"));
      assertEquals("running", partial.get("status").asText());
      assertEquals("pending", partial.get("candidates").get(1).get("status").asText());

      File firstReport = new File(firstDir, "train-report.json");
      byte[] reportBytes = Files.readAllBytes(firstReport.toPath());
      long reportTime = firstReport.lastModified();
      byte[] resultBytes = Files.readAllBytes(new File(firstDir, SearchJob.RESULT).toPath());
      File stale = new File(secondDir, "stale-from-the-crash");
      assertTrue(stale.createNewFile());

      List<String> lines = Collections.synchronizedList(new ArrayList<String>());
      Map<String, Object> summary = SearchJob.run(spark, config, line -> {
        System.err.println(line);
        lines.add(line);
      });
      assertTrue(lines.contains("candidate 1/2 " + first + ": skipping finished candidate (top-1 "
          + String.format(java.util.Locale.ROOT, "%.4f", JSON.readTree(resultBytes).get("top1").asDouble())
          + ", trained earlier in " + String.format(java.util.Locale.ROOT, "%.0fs",
          JSON.readTree(resultBytes).get("wall_seconds").asDouble()) + ")"), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("candidate 2/2 " + second
          + ": retraining an unfinished candidate from scratch")), lines.toString());
      assertFalse(lines.stream().anyMatch(l -> l.startsWith("candidate 1/2 " + first + ": training")),
          lines.toString());
      assertArrayEquals(reportBytes, Files.readAllBytes(firstReport.toPath()), "the first candidate was not retrained");
      assertEquals(reportTime, firstReport.lastModified());
      assertArrayEquals(resultBytes, Files.readAllBytes(new File(firstDir, SearchJob.RESULT).toPath()));
      assertFalse(stale.exists(), "the interrupted candidate starts from an empty folder");
      assertTrue(new File(secondDir, SearchJob.RESULT).isFile());
      assertTrue(new File(secondDir, "model.effnet").isFile());

      JsonNode done = JSON.readTree(new File(out, "search.json"));
      assertEquals("completed", done.get("status").asText());
      assertEquals("reused", done.get("candidates").get(0).get("status").asText());
      assertEquals("trained", done.get("candidates").get(1).get("status").asText());
      assertEquals(JSON.readTree(resultBytes).get("top1").asDouble(),
          done.get("candidates").get(0).get("top1").asDouble(), 0);
      @SuppressWarnings("unchecked")
      Map<String, Object> chosen = (Map<String, Object>) summary.get("chosen");
      assertEquals(done.get("chosen").get("id").asText(), chosen.get("id"));

      // Once complete, a rerun trains nothing; with other proxy settings it refuses to mix results.
      List<String> again = new ArrayList<>();
      SearchJob.run(spark, config, again::add);
      assertEquals(2, again.stream().filter(l -> l.contains("skipping finished candidate")).count());
      assertFalse(again.stream().anyMatch(l -> l.contains(": training")), again.toString());
      JobException changed = assertThrows(JobException.class, () -> SearchJob.run(spark,
          config.with(Collections.singletonMap("search.epochs", 2)), l -> { }));
      assertEquals(JobException.CONFIG, changed.exitCode());
      assertTrue(changed.getMessage().contains("other settings"), changed.getMessage());
    } finally {
      spark.stop();
    }
  }
}
