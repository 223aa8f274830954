package io.effnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.effnet.jobs.config.Check;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.config.ModelSettings;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.arch.CoefficientCandidate;
import io.effnet.model.arch.CoefficientGrid;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The paper's compound-coefficient search (section 3.3). Step 1: with phi = 1, every (alpha, beta, gamma) of
 * a grid that meets the constraint is trained briefly as a proxy (train's recipe at round(base x gamma)
 * pixels, a few epochs, optionally a subset of the images) and ranked by validation top-1. Step 2: the
 * chosen coefficients are scaled to phi = 1..N.
 *
 * <p>Candidates run one after another, each a whole {@link TrainJob} on all executors. Each has a folder
 * {@code <output>/candidates/<id>/} (its train run) and is finished only once {@code candidate.json} is
 * written there, last and atomically: rerunning into the same output skips finished candidates and trains
 * an interrupted one again from scratch.
 */
public final class SearchJob {
  static final String CANDIDATES = "candidates";
  static final String RESULT = "candidate.json";
  private static final String RERUN_HINT = "; finished candidates are kept: rerunning the search resumes after them";

  /** The settings of a search, validated before any data is read. */
  static final class Settings {
    final String output;
    final String data;
    final double[] alpha;
    final double[] beta;
    final double[] gamma;
    final CoefficientGrid.Constraint constraint;
    final double target;
    final double tolerance;
    final int maxCandidates;
    final CoefficientGrid.Selection selection;
    final long seed;
    final int baseResolution;
    final double baseWidth;
    final double baseDepth;
    final int epochs;
    final long maxImages;
    final boolean keepModels;
    final int familySize;

    Settings(JobConfig c) {
      output = RunFiles.qualify(c.string("search.output"));
      String d = c.optionalString("search.data") != null ? c.optionalString("search.data")
          : c.optionalString("train.data");
      if (d == null) {
        throw JobException.config("effnet.search.data (or effnet.train.data) must be set to a prep dataset");
      }
      data = RunFiles.qualify(d);
      double step = c.number("search.step");
      alpha = new double[] {c.number("search.alpha-min"), c.number("search.alpha-max"), step};
      beta = new double[] {c.number("search.beta-min"), c.number("search.beta-max"), step};
      gamma = new double[] {c.number("search.gamma-min"), c.number("search.gamma-max"), step};
      target = c.number("search.target");
      tolerance = c.number("search.tolerance");
      maxCandidates = c.integer("search.max-candidates");
      seed = c.longValue("search.seed");
      try {
        constraint = CoefficientGrid.Constraint.parse(c.string("search.constraint"));
        selection = CoefficientGrid.Selection.parse(c.string("search.selection"));
        grid(1000);
      } catch (IllegalArgumentException e) {
        throw JobException.config("effnet.search: " + e.getMessage());
      }
      baseResolution = c.integer("search.base-resolution");
      Check.that(baseResolution >= 32, "search.base-resolution", "must be >= 32 pixels, got " + baseResolution);
      baseWidth = c.number("search.base-width");
      Check.that(baseWidth > 0, "search.base-width", "must be > 0 (1.0 = B0), got " + baseWidth);
      baseDepth = c.number("search.base-depth");
      Check.that(baseDepth > 0, "search.base-depth", "must be > 0 (1.0 = B0), got " + baseDepth);
      epochs = Check.positive(c, "search.epochs");
      maxImages = c.longValue("search.max-images");
      Check.that(maxImages >= 0, "search.max-images", "must be >= 0 (0 = all), got " + maxImages);
      keepModels = c.bool("search.keep-models");
      familySize = Check.positive(c, "search.family-size");
    }

    CoefficientGrid grid(int numClasses) {
      return CoefficientGrid.builder().alpha(alpha[0], alpha[1], alpha[2]).beta(beta[0], beta[1], beta[2])
          .gamma(gamma[0], gamma[1], gamma[2]).constraint(constraint).target(target).tolerance(tolerance)
          .maxCandidates(maxCandidates).selection(selection).seed(seed).numClasses(numClasses).build();
    }

    String candidateDir(RunFiles files, CoefficientCandidate c) {
      return files.child(files.child(output, CANDIDATES), c.id());
    }

    Map<String, Object> describe(CoefficientGrid grid) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("grid", grid.toString());
      m.put("alpha", axis(grid.alpha()));
      m.put("beta", axis(grid.beta()));
      m.put("gamma", axis(grid.gamma()));
      m.put("constraint", constraint.key());
      m.put("target", target);
      m.put("tolerance", tolerance);
      m.put("max_candidates", maxCandidates);
      m.put("selection", selection.key());
      m.put("seed", seed);
      m.put("base_resolution", baseResolution);
      m.put("base_width", baseWidth);
      m.put("base_depth", baseDepth);
      m.put("epochs", epochs);
      m.put("max_images", maxImages);
      m.put("data", data);
      return m;
    }

    private static Map<String, Object> axis(CoefficientGrid.Axis a) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("min", a.min());
      m.put("max", a.max());
      m.put("step", a.step());
      m.put("values", a.count());
      return m;
    }
  }

  private SearchJob() {}

  /**
   * The configuration of one candidate's proxy run: the search's own configuration (train's recipe, input
   * pipeline) with the model set to these coefficients at phi = 1 and the proxy's size, epochs and seed. On
   * B0 (base width and depth 1) this is exactly {@code model.variant = custom} with phi = 1, alpha, beta,
   * gamma; on a smaller base network the coefficients multiply its width and depth explicitly.
   */
  static JobConfig candidateConfig(JobConfig search, Settings s, CoefficientCandidate c, String dir) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("model.variant", "custom");
    int size = c.proxyResolution(s.baseResolution);
    if (s.baseWidth == 1.0 && s.baseDepth == 1.0) {
      o.put("model.phi", 1.0);
      o.put("model.alpha", c.alpha());
      o.put("model.beta", c.beta());
      o.put("model.gamma", c.gamma());
      o.put("model.width", 0);
    } else {
      o.put("model.width", s.baseWidth * c.beta());
      o.put("model.depth", s.baseDepth * c.alpha());
      o.put("model.resolution", size);
    }
    o.put("model.input-size", size);
    o.put("train.data", s.data);
    o.put("train.output", dir);
    o.put("train.epochs", s.epochs);
    o.put("train.max-images", s.maxImages);
    o.put("train.seed", s.seed);
    o.put("train.resume", false);
    o.put("train.keep-checkpoints", 1);
    // A trial's model is kept only on request; its BigDL export then comes with it.
    o.put("train.export-bigdl", s.keepModels);
    return search.with(o);
  }

  /** Checks every setting a search needs without reading data (the entry point calls it before Spark starts). */
  static Settings validate(JobConfig config) {
    Settings s = new Settings(config);
    CoefficientCandidate corner = CoefficientCandidate.of(s.alpha[0], s.beta[0], s.gamma[1], 1000);
    new TrainJob.Settings(candidateConfig(config, s, corner, s.output));
    return s;
  }

  /** Runs (or resumes) the search on a session with BigDL's engine; returns what search.json holds. */
  public static Map<String, Object> run(SparkSession spark, JobConfig config, Progress progress) {
    long started = System.nanoTime();
    Settings s = validate(config);
    RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
    int classes = ShardSource.labels(files, s.data).size();
    CoefficientGrid grid = s.grid(classes);
    List<CoefficientCandidate> candidates = grid.candidates();
    if (candidates.isEmpty()) {
      throw JobException.config("no (alpha, beta, gamma) of the grid meets the constraint (" + grid
          + "): widen effnet.search.tolerance or the ranges, or use a finer effnet.search.step");
    }
    progress.line(String.format(Locale.ROOT, "grid: %s; %d points, %d candidates to train at phi = 1",
        grid, grid.gridSize(), candidates.size()));
    List<SearchReport.Row> rows = new ArrayList<>();
    for (CoefficientCandidate c : candidates) {
      JobConfig candidateConfig = candidateConfig(config, s, c, s.candidateDir(files, c));
      new TrainJob.Settings(candidateConfig);
      // The counts come from the network train builds from this very configuration.
      rows.add(SearchReport.Row.pending(c, ModelSettings.from(candidateConfig).resolve(classes)));
    }
    if (ShardSource.rows(spark, files, s.data, "validation").count() == 0) {
      throw JobException.data("the validation split of " + s.data + " is empty: the search ranks candidates by"
          + " validation top-1 (prepare the data with prep.validation-fraction > 0)");
    }
    mkdirs(files, files.child(s.output, CANDIDATES));

    double trainedSeconds = 0;
    int trained = 0;
    int toTrain = 0;
    for (CoefficientCandidate c : candidates) {
      toTrain += files.exists(files.child(s.candidateDir(files, c), RESULT)) ? 0 : 1;
    }
    if (toTrain < candidates.size()) {
      progress.line((candidates.size() - toTrain) + " of " + candidates.size() + " candidates finished in an earlier"
          + " run of this search; " + toTrain + " to train");
    }
    for (int k = 0; k < candidates.size(); k++) {
      CoefficientCandidate c = candidates.get(k);
      SearchReport.Row row = rows.get(k);
      String dir = s.candidateDir(files, c);
      String resultUri = files.child(dir, RESULT);
      JobConfig candidateConfig = candidateConfig(config, s, c, dir);
      JsonNode training = trainingSettings(candidateConfig);
      String label = String.format(Locale.ROOT, "candidate %d/%d %s", k + 1, candidates.size(), c.id());
      if (files.exists(resultUri)) {
        JsonNode result = files.read(resultUri, in -> RunFiles.json().readTree(in));
        if (!training.equals(result.get("training"))) {
          throw JobException.config("candidate " + c.id() + " in " + s.output + " was trained with other settings"
              + " than the ones configured now (compare its " + RESULT + "): resume a search with the settings it"
              + " was started with, or give a new effnet.search.output");
        }
        rows.set(k, row.finished(result.get("top1").asDouble(), result.get("wall_seconds").asDouble(),
            SearchReport.REUSED));
        progress.line(String.format(Locale.ROOT, "%s: skipping finished candidate (top-1 %.4f, trained earlier in"
            + " %.0fs)", label, result.get("top1").asDouble(), result.get("wall_seconds").asDouble()));
        continue;
      }
      if (files.exists(dir)) {
        progress.line(label + ": retraining an unfinished candidate from scratch (deleting " + dir + ")");
        delete(files, dir);
      }
      progress.line(String.format(Locale.ROOT,
          "%s: training (alpha %s, beta %s, gamma %s; alpha x beta^2 x gamma^2 = %.4f, counted MACs x%.3f of B0)"
              + " at %d px: %,d parameters, %.1f MMACs, %d epoch(s)",
          label, c.alpha(), c.beta(), c.gamma(), c.constraintValue(), c.multiplyAddsRatio(), row.inputSize,
          row.params, row.multiplyAdds / 1e6, s.epochs));
      long t0 = System.nanoTime();
      final String prefix = label + ": ";
      Map<String, Object> report;
      try {
        report = TrainJob.run(spark, candidateConfig, m -> progress.line(prefix + m));
      } catch (JobException e) {
        throw new JobException(e.exitCode(), "candidate " + c.id() + ": " + e.getMessage() + RERUN_HINT, e);
      } catch (RuntimeException e) {
        throw new JobException(JobException.FAILED, "candidate " + c.id() + " failed: " + e + RERUN_HINT, e);
      }
      double wall = (System.nanoTime() - t0) / 1e9;
      Map<String, Object> validation = lastValidation(report, c);
      double top1 = ((Number) validation.get("top1")).doubleValue();
      Map<String, Object> result = new LinkedHashMap<>(SearchReport.rowMap(row.finished(top1, wall,
          SearchReport.TRAINED), java.util.Collections.<String>emptySet(), ""));
      result.remove("status");
      result.remove("frontier");
      result.remove("chosen");
      result.put("top5", validation.get("top5"));
      result.put("validation_loss", validation.get("loss"));
      result.put("validation_images", report.get("validation_images"));
      result.put("train_images", report.get("train_images"));
      result.put("trained_parameters", report.get("parameters"));
      result.put("training", training);
      files.writeJson(resultUri, result);
      if (!s.keepModels) {
        delete(files, files.child(dir, "model.effnet"));
        delete(files, files.child(dir, Checkpoints.DIR));
      }
      rows.set(k, row.finished(top1, wall, SearchReport.TRAINED));
      trained++;
      trainedSeconds += wall;
      toTrain--;
      progress.line(String.format(Locale.ROOT, "%s: done, validation top-1 %.4f in %.0fs; %d to train, ETA %.0fs",
          label, top1, wall, toTrain, trainedSeconds / trained * toTrain));
      writeSummary(files, s, grid, rows, classes, false, (System.nanoTime() - started) / 1e9);
    }
    Map<String, Object> summary = writeSummary(files, s, grid, rows, classes, true,
        (System.nanoTime() - started) / 1e9);
    @SuppressWarnings("unchecked")
    Map<String, Object> chosen = (Map<String, Object>) summary.get("chosen");
    progress.line(String.format(Locale.ROOT, "chosen: %s (top-1 %.4f); search written to %s", chosen.get("id"),
        ((Number) chosen.get("top1")).doubleValue(), s.output));
    return summary;
  }

  /** search.json, search.csv and search.png, rewritten after every candidate so a running search can be read. */
  private static Map<String, Object> writeSummary(RunFiles files, Settings s, CoefficientGrid grid,
      List<SearchReport.Row> rows, int classes, boolean complete, double wallSeconds) {
    int chosenIndex = SearchReport.chosen(rows);
    String chosenId = chosenIndex < 0 ? null : rows.get(chosenIndex).id();
    Set<String> frontier = SearchReport.frontier(rows);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("status", complete ? "completed" : "running");
    summary.put("settings", s.describe(grid));
    summary.put("classes", classes);
    summary.put("grid_points", grid.gridSize());
    summary.put("candidate_count", rows.size());
    List<Map<String, Object>> table = new ArrayList<>();
    for (SearchReport.Row r : rows) {
      table.add(SearchReport.rowMap(r, frontier, chosenId));
    }
    summary.put("candidates", table);
    summary.put("chosen", chosenIndex < 0 ? null : table.get(chosenIndex));
    summary.put("frontier", new ArrayList<>(frontier));
    summary.put("family", chosenIndex < 0 ? new ArrayList<Object>()
        : SearchReport.family(rows.get(chosenIndex).candidate, s.familySize, classes));
    summary.put("wall_seconds", wallSeconds);
    summary.put("output", s.output);
    files.writeJson(files.child(s.output, "search.json"), summary);
    files.writeText(files.child(s.output, "search.csv"), SearchReport.csv(rows, frontier, chosenId));
    if (chosenIndex >= 0) {
      files.write(files.child(s.output, "search.png"), out -> out.write(SearchReport.png(
          "Compound-coefficient search at phi = 1 (" + (complete ? "" : "running, ") + frontier.size()
              + " on the frontier)", rows, frontier, chosenId)));
    }
    return summary;
  }

  /** The part of a candidate's configuration its result depends on (the run folder itself excluded). */
  static JsonNode trainingSettings(JobConfig candidateConfig) {
    JsonNode all;
    try {
      all = RunFiles.json().readTree(candidateConfig.renderJson());
    } catch (IOException e) {
      throw new IllegalStateException("the configuration does not render as JSON", e);
    }
    ObjectNode out = RunFiles.json().createObjectNode();
    for (String section : new String[] {"model", "train", "input"}) {
      out.set(section, all.get(section).deepCopy());
    }
    ((ObjectNode) out.get("train")).remove("output");
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> lastValidation(Map<String, Object> report, CoefficientCandidate c) {
    List<Map<String, Object>> epochs = (List<Map<String, Object>>) report.get("epochs");
    Map<String, Object> last = epochs.isEmpty() ? null : epochs.get(epochs.size() - 1);
    Object validation = last == null ? null : last.get("validation");
    if (validation == null) {
      throw JobException.data("candidate " + c.id() + " has no validation result: is the validation split empty?");
    }
    return (Map<String, Object>) validation;
  }

  private static void mkdirs(RunFiles files, String uri) {
    try {
      if (!files.fs(uri).mkdirs(new Path(uri))) {
        throw JobException.data("cannot create " + uri);
      }
    } catch (IOException e) {
      throw JobException.data("cannot create " + uri + ": " + e.getMessage());
    }
  }

  private static void delete(RunFiles files, String uri) {
    try {
      files.fs(uri).delete(new Path(uri), true);
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot delete " + uri + ": " + e.getMessage(), e);
    }
  }
}
