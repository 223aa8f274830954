package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.config.ModelSettings;
import io.effnet.model.arch.CoefficientCandidate;
import io.effnet.model.arch.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The search's table, choice, frontier and family, and the configurations it derives: no Spark needed. */
class SearchReportTest {

  private static SearchReport.Row row(double a, double b, double g, long macs, Double top1) {
    SearchReport.Row pending = new SearchReport.Row(CoefficientCandidate.of(a, b, g, 10), 32, 1000, macs, null,
        Double.NaN, SearchReport.PENDING);
    return top1 == null ? pending : pending.finished(top1, 3.5, SearchReport.TRAINED);
  }

  @Test
  void chosenIsTheBestTop1AndTiesGoToFewerMultiplyAdds() {
    List<SearchReport.Row> rows = Arrays.asList(row(1.0, 1.0, 1.2, 300, 0.50), row(1.1, 1.0, 1.1, 200, 0.70),
        row(1.2, 1.0, 1.0, 100, 0.70), row(1.0, 1.1, 1.0, 400, null), row(1.3, 1.0, 1.0, 50, 0.40));
    assertEquals(2, SearchReport.chosen(rows));
    // The pending row (no top-1) never counts; without finished rows nothing is chosen.
    assertEquals(-1, SearchReport.chosen(Collections.singletonList(row(1, 1, 1, 10, null))));
    // Frontier: 50/0.40 and 100/0.70 are undominated; 200/0.70 costs more for the same top-1, 300/0.50 is worse.
    assertEquals(new java.util.LinkedHashSet<>(Arrays.asList("a1.2-b1-g1", "a1.3-b1-g1")),
        SearchReport.frontier(rows));
  }

  @Test
  void csvHasOneRowPerCandidateWithEveryColumn() {
    List<SearchReport.Row> rows = Arrays.asList(row(1.0, 1.0, 1.2, 300, 0.5), row(1.2, 1.1, 1.0, 100, null));
    Set<String> frontier = SearchReport.frontier(rows);
    String[] lines = SearchReport.csv(rows, frontier, "a1-b1-g1.2").split("\n");
    assertEquals(3, lines.length);
    assertEquals("id,alpha,beta,gamma,constraint_value,multiply_adds_ratio,input_size,params,multiply_adds,top1,"
        + "wall_seconds,status,frontier,chosen", lines[0]);
    String[] first = lines[1].split(",", -1);
    assertEquals(14, first.length);
    assertEquals("a1-b1-g1.2", first[0]);
    assertEquals("1.44", first[4]);
    assertEquals("300", first[8]);
    assertEquals("0.5", first[9]);
    assertEquals("3.5", first[10]);
    assertEquals("trained", first[11]);
    assertEquals("true", first[12]);
    assertEquals("true", first[13]);
    String[] pending = lines[2].split(",", -1);
    assertEquals("1.452", pending[4]);
    assertEquals("", pending[9]);
    assertEquals("pending", pending[11]);
    assertEquals("false", pending[13]);
  }

  @Test
  void trainBuildsEachFamilyMemberFromPhiAndTheCoefficients() {
    CoefficientCandidate c = CoefficientCandidate.of(1.2, 1.1, 1.15, 10);
    List<Map<String, Object>> family = SearchReport.family(c, 4, 10);
    assertEquals(4, family.size());
    for (Map<String, Object> member : family) {
      @SuppressWarnings("unchecked")
      List<String> sets = (List<String>) member.get("train_settings");
      // What `train --set ...` builds: ModelSettings is train's reading of the model section.
      ModelSettings model = ModelSettings.from(JobConfig.load(null, sets));
      NetworkSpec spec = model.resolve(10);
      int phi = (Integer) member.get("phi");
      assertEquals(Math.pow(1.1, phi), model.variant().widthCoefficient(), 1e-12);
      assertEquals(Math.pow(1.2, phi), model.variant().depthCoefficient(), 1e-12);
      assertEquals(Math.round(224 * Math.pow(1.15, phi)), model.inputSize());
      assertEquals(member.get("resolution"), model.inputSize());
      assertEquals(member.get("params"), spec.parameterCount());
      assertEquals(member.get("multiply_adds"), spec.multiplyAdds());
      assertEquals(member.get("blocks"), spec.blocks().size());
    }
    Map<String, Object> phi3 = family.get(2);
    assertEquals(341, phi3.get("resolution"));
    assertEquals(Arrays.asList(2, 4, 4, 6, 6, 7, 2), phi3.get("stage_depths"));
    assertEquals(40, phi3.get("stem_channels"));
    assertEquals(Arrays.asList("model.variant=custom", "model.phi=3", "model.alpha=1.2", "model.beta=1.1",
        "model.gamma=1.15", "model.width=0", "model.input-size=0"), phi3.get("train_settings"));
  }

  @Test
  void aCandidateRunIsTrainWithTheCoefficientsAtPhiOneAndTheProxySettings() {
    JobConfig search = JobConfig.load(null, Arrays.asList("train.data=\"/data/set\"", "search.output=\"/s\"",
        "search.base-resolution=32", "search.epochs=2", "search.max-images=40", "search.seed=9",
        "train.batch-size=8", "model.width=0.5", "model.depth=0.5", "model.resolution=64"));
    SearchJob.Settings s = new SearchJob.Settings(search);
    CoefficientCandidate c = CoefficientCandidate.of(1.2, 1.1, 1.15, 10);
    JobConfig run = SearchJob.candidateConfig(search, s, c, "file:/s/candidates/" + c.id());
    assertEquals("custom", run.string("model.variant"));
    assertEquals(1.0, run.number("model.phi"), 0);
    assertEquals(1.2, run.number("model.alpha"), 0);
    assertEquals(1.15, run.number("model.gamma"), 0);
    assertEquals(37, run.integer("model.input-size"));
    assertEquals("file:/s/candidates/a1.2-b1.1-g1.15", run.string("train.output"));
    assertEquals("file:/data/set", run.string("train.data"));
    assertEquals(2, run.integer("train.epochs"));
    assertEquals(40, run.longValue("train.max-images"));
    assertEquals(9, run.longValue("train.seed"));
    assertEquals(8, run.integer("train.batch-size"), "train's recipe carries over");
    // The user's explicit width/depth (for train) must not override the candidate's coefficients.
    ModelSettings model = ModelSettings.from(run);
    assertEquals(1.1, model.variant().widthCoefficient(), 1e-12);
    assertEquals(1.2, model.variant().depthCoefficient(), 1e-12);
    assertEquals(37, model.inputSize());
    new TrainJob.Settings(run);
    // What decides a finished result is reusable: every model/train/input key except the run folder.
    assertEquals(SearchJob.trainingSettings(run),
        SearchJob.trainingSettings(SearchJob.candidateConfig(search, s, c, "file:/elsewhere")));
    // On a smaller base network the coefficients multiply its width and depth.
    JobConfig small = search.with(Collections.<String, Object>singletonMap("search.base-width", 0.5))
        .with(Collections.singletonMap("search.base-depth", 0.4));
    ModelSettings proxy = ModelSettings.from(SearchJob.candidateConfig(small, new SearchJob.Settings(small), c, "/x"));
    assertEquals(0.55, proxy.variant().widthCoefficient(), 1e-12);
    assertEquals(0.48, proxy.variant().depthCoefficient(), 1e-12);
    assertEquals(37, proxy.variant().resolution());
    assertEquals(37, proxy.inputSize());
    assertFalse(SearchJob.trainingSettings(run).equals(SearchJob.trainingSettings(
        SearchJob.candidateConfig(search.with(Collections.singletonMap("search.epochs", 3)),
            new SearchJob.Settings(search.with(Collections.singletonMap("search.epochs", 3))), c, "file:/x"))));
  }

  @Test
  void searchSettingsAreValidatedWithTheKeyNamed() {
    String[] base = {"train.data=\"/d\"", "search.output=\"/s\""};
    assertEquals(JobException.CONFIG, configError(base, "search.alpha-min=0.9").exitCode());
    assertTrue(configError(base, "search.alpha-min=0.9").getMessage().contains("alpha must be >= 1"));
    assertTrue(configError(base, "search.constraint=flops").getMessage().contains("formula or multiply-adds"));
    assertTrue(configError(base, "search.base-resolution=16").getMessage().contains("search.base-resolution"));
    assertTrue(configError(base, "search.family-size=0").getMessage().contains("search.family-size"));
    assertTrue(configError(base, "search.step=0").getMessage().contains("step"));
    JobException noData = assertThrows(JobException.class,
        () -> new SearchJob.Settings(JobConfig.load(null, Collections.singletonList("search.output=\"/s\""))));
    assertTrue(noData.getMessage().contains("effnet.search.data"), noData.getMessage());
    JobException unknown = assertThrows(JobException.class,
        () -> JobConfig.defaults().with(Collections.singletonMap("search.alpha", 1.0)));
    assertEquals(JobException.CONFIG, unknown.exitCode());
    // search.data wins over train.data.
    assertEquals("file:/other", new SearchJob.Settings(JobConfig.load(null, Arrays.asList(base[0], base[1],
        "search.data=\"/other\""))).data);
  }

  private static JobException configError(String[] base, String extra) {
    List<String> all = new ArrayList<>(Arrays.asList(base));
    all.add(extra);
    return assertThrows(JobException.class, () -> SearchJob.validate(JobConfig.load(null, all)));
  }

  @Test
  void linesShowTheTableAndTheFamily() {
    List<SearchReport.Row> rows = Arrays.asList(row(1.0, 1.0, 1.2, 3_000_000, 0.5), row(1.2, 1.1, 1.0, 1_000_000, null));
    Set<String> frontier = SearchReport.frontier(rows);
    Map<String, Object> summary = new LinkedHashMap<>();
    List<Map<String, Object>> table = new ArrayList<>();
    for (SearchReport.Row r : rows) {
      table.add(SearchReport.rowMap(r, frontier, "a1-b1-g1.2"));
    }
    summary.put("candidates", table);
    summary.put("chosen", table.get(0));
    summary.put("classes", 10);
    summary.put("family", SearchReport.family(rows.get(0).candidate, 2, 10));
    List<String> lines = SearchReport.lines(summary);
    assertEquals(1 + 2 + 2 + 1 + 2, lines.size());
    assertTrue(lines.get(1).startsWith("a1-b1-g1.2") && lines.get(1).contains("0.5000")
        && lines.get(1).endsWith("<- chosen"), lines.get(1));
    assertTrue(lines.get(2).contains("pending"), lines.get(2));
    assertTrue(lines.get(6).contains("--set model.phi=1 "), lines.get(6));
    assertNull(table.get(1).get("top1"));
    assertArrayEquals(new Object[] {true, false}, new Object[] {table.get(0).get("frontier"), table.get(1).get("frontier")});
  }
}
