package io.effnet.jobs;

import io.effnet.model.arch.CoefficientCandidate;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The search's table and its readings, without Spark: which candidate is chosen, which lie on the
 * accuracy / multiply-add frontier, the step-2 family, and the CSV, PNG and text renderings.
 */
final class SearchReport {
  static final String TRAINED = "trained";
  static final String REUSED = "reused";
  static final String PENDING = "pending";

  static final String[] CSV_COLUMNS = {"id", "alpha", "beta", "gamma", "constraint_value", "multiply_adds_ratio",
      "input_size", "params", "multiply_adds", "top1", "wall_seconds", "status", "frontier", "chosen"};

  private SearchReport() {}

  /** One candidate of the table: counted figures always, top-1 and wall time once it has been trained. */
  static final class Row {
    final CoefficientCandidate candidate;
    final int inputSize;
    final long params;
    final long multiplyAdds;
    final Double top1;
    final double wallSeconds;
    final String status;

    Row(CoefficientCandidate candidate, int inputSize, long params, long multiplyAdds, Double top1, double wallSeconds,
        String status) {
      this.candidate = candidate;
      this.inputSize = inputSize;
      this.params = params;
      this.multiplyAdds = multiplyAdds;
      this.top1 = top1;
      this.wallSeconds = wallSeconds;
      this.status = status;
    }

    /** A row not trained yet, with the counts of the network its proxy run builds. */
    static Row pending(CoefficientCandidate c, NetworkSpec proxy) {
      return new Row(c, proxy.inputSize(), proxy.parameterCount(), proxy.multiplyAdds(), null, Double.NaN, PENDING);
    }

    Row finished(double top1Value, double wall, String how) {
      return new Row(candidate, inputSize, params, multiplyAdds, top1Value, wall, how);
    }

    boolean isFinished() {
      return top1 != null;
    }

    String id() {
      return candidate.id();
    }
  }

  /** The best top-1; ties go to fewer multiply-adds, then to the earlier grid point. -1 when none is finished. */
  static int chosen(List<Row> rows) {
    int best = -1;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      if (!r.isFinished()) {
        continue;
      }
      if (best < 0) {
        best = i;
        continue;
      }
      Row b = rows.get(best);
      if (r.top1 > b.top1 || (r.top1.doubleValue() == b.top1.doubleValue() && r.multiplyAdds < b.multiplyAdds)) {
        best = i;
      }
    }
    return best;
  }

  /** Finished candidates no other beats on both axes (at least as accurate with at most as many multiply-adds). */
  static Set<String> frontier(List<Row> rows) {
    Set<String> out = new LinkedHashSet<>();
    for (Row r : rows) {
      if (!r.isFinished()) {
        continue;
      }
      boolean dominated = false;
      for (Row s : rows) {
        if (s != r && s.isFinished() && s.multiplyAdds <= r.multiplyAdds && s.top1 >= r.top1
            && (s.multiplyAdds < r.multiplyAdds || s.top1 > r.top1)) {
          dominated = true;
          break;
        }
      }
      if (!dominated) {
        out.add(r.id());
      }
    }
    return out;
  }

  static Map<String, Object> rowMap(Row r, Set<String> frontier, String chosenId) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.id());
    m.put("alpha", r.candidate.alpha());
    m.put("beta", r.candidate.beta());
    m.put("gamma", r.candidate.gamma());
    m.put("constraint_value", r.candidate.constraintValue());
    m.put("multiply_adds_ratio", r.candidate.multiplyAddsRatio());
    m.put("input_size", r.inputSize);
    m.put("params", r.params);
    m.put("multiply_adds", r.multiplyAdds);
    m.put("top1", r.top1);
    m.put("wall_seconds", r.isFinished() ? r.wallSeconds : null);
    m.put("status", r.status);
    m.put("frontier", frontier.contains(r.id()));
    m.put("chosen", r.id().equals(chosenId));
    return m;
  }

  static String csv(List<Row> rows, Set<String> frontier, String chosenId) {
    StringBuilder out = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
    for (Row r : rows) {
      Map<String, Object> m = rowMap(r, frontier, chosenId);
      List<String> cells = new ArrayList<>();
      for (String column : CSV_COLUMNS) {
        Object v = m.get(column);
        cells.add(v == null ? "" : v instanceof Double ? number((Double) v) : v.toString());
      }
      out.append(String.join(",", cells)).append('\n');
    }
    return out.toString();
  }

  private static String number(double v) {
    String s = String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "");
    return s.endsWith(".") ? s + "0" : s;
  }

  /**
   * Step 2 of compound scaling: the chosen coefficients at phi = 1 .. size, each at its own resolution
   * round(224 x gamma^phi), with the {@code --set} settings that make {@code train} build exactly it.
   */
  static List<Map<String, Object>> family(CoefficientCandidate c, int size, int numClasses) {
    List<Map<String, Object>> out = new ArrayList<>();
    List<Variant> variants = c.family(size, Variant.DEFAULT_DROP_CONNECT_RATE);
    for (int i = 0; i < variants.size(); i++) {
      Variant v = variants.get(i);
      NetworkSpec spec = NetworkSpec.resolve(v, numClasses);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("phi", i + 1);
      m.put("width", v.widthCoefficient());
      m.put("depth", v.depthCoefficient());
      m.put("resolution", v.resolution());
      m.put("blocks", spec.blocks().size());
      m.put("stage_depths", toList(spec.stageDepths()));
      m.put("stem_channels", spec.stemChannels());
      m.put("head_channels", spec.headChannels());
      m.put("params", spec.parameterCount());
      m.put("multiply_adds", spec.multiplyAdds());
      m.put("train_settings", trainSettings(c, i + 1));
      out.add(m);
    }
    return out;
  }

  /** The model settings under which {@code train} builds the family member phi of these coefficients. */
  static List<String> trainSettings(CoefficientCandidate c, int phi) {
    return Arrays.asList("model.variant=custom", "model.phi=" + phi,
        "model.alpha=" + plain(c.alpha()), "model.beta=" + plain(c.beta()), "model.gamma=" + plain(c.gamma()),
        "model.width=0", "model.input-size=0");
  }

  private static String plain(double v) {
    return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", ".0");
  }

  private static List<Integer> toList(int[] a) {
    List<Integer> out = new ArrayList<>();
    for (int x : a) {
      out.add(x);
    }
    return out;
  }

  /** Top-1 against multiply-adds of the finished candidates, the frontier joined, the chosen one ringed. */
  static byte[] png(String title, List<Row> rows, Set<String> frontier, String chosenId) throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(560).title(title)
        .xAxisTitle("multiply-adds of the proxy (millions)").yAxisTitle("validation top-1").build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    chart.getStyler().setDecimalPattern("#0.###");
    chart.getStyler().setMarkerSize(9);
    List<Row> finished = new ArrayList<>();
    for (Row r : rows) {
      if (r.isFinished()) {
        finished.add(r);
      }
    }
    if (finished.isEmpty()) {
      throw new IllegalArgumentException("no finished candidate to plot");
    }
    List<Double> x = new ArrayList<>();
    List<Double> y = new ArrayList<>();
    List<Row> front = new ArrayList<>();
    Row chosen = null;
    for (Row r : finished) {
      x.add(r.multiplyAdds / 1e6);
      y.add(r.top1);
      if (frontier.contains(r.id())) {
        front.add(r);
      }
      if (r.id().equals(chosenId)) {
        chosen = r;
      }
    }
    XYSeries all = chart.addSeries("candidates (" + finished.size() + ")", x, y);
    all.setMarker(SeriesMarkers.CIRCLE);
    all.setMarkerColor(new Color(120, 140, 170));
    Collections.sort(front, (a, b) -> Long.compare(a.multiplyAdds, b.multiplyAdds));
    List<Double> fx = new ArrayList<>();
    List<Double> fy = new ArrayList<>();
    for (Row r : front) {
      fx.add(r.multiplyAdds / 1e6);
      fy.add(r.top1);
    }
    XYSeries line = chart.addSeries("frontier", fx, fy);
    line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    line.setMarker(SeriesMarkers.SQUARE);
    line.setLineColor(new Color(200, 90, 30));
    line.setMarkerColor(new Color(200, 90, 30));
    line.setLineStyle(new BasicStroke(2f));
    if (chosen != null) {
      XYSeries best = chart.addSeries("chosen " + chosen.id(), new double[] {chosen.multiplyAdds / 1e6},
          new double[] {chosen.top1});
      best.setMarker(SeriesMarkers.DIAMOND);
      best.setMarkerColor(new Color(30, 150, 60));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    return out.toByteArray();
  }

  /** The search and the family as text for the console. */
  @SuppressWarnings("unchecked")
  static List<String> lines(Map<String, Object> summary) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "%-22s %7s %7s %7s %6s %5s %12s %10s %7s %8s %s", "candidate", "alpha",
        "beta", "gamma", "a.b2g2", "px", "params", "MMACs", "top-1", "wall s", "status"));
    for (Map<String, Object> m : (List<Map<String, Object>>) summary.get("candidates")) {
      Object top1 = m.get("top1");
      Object wall = m.get("wall_seconds");
      String mark = Boolean.TRUE.equals(m.get("chosen")) ? " <- chosen" : Boolean.TRUE.equals(m.get("frontier"))
          ? " (frontier)" : "";
      out.add(String.format(Locale.ROOT, "%-22s %7.4f %7.4f %7.4f %6.3f %5d %,12d %10.2f %7s %8s %s%s", m.get("id"),
          m.get("alpha"), m.get("beta"), m.get("gamma"), m.get("constraint_value"), m.get("input_size"),
          m.get("params"), ((Number) m.get("multiply_adds")).longValue() / 1e6,
          top1 == null ? "-" : String.format(Locale.ROOT, "%.4f", top1),
          wall == null ? "-" : String.format(Locale.ROOT, "%.1f", wall), m.get("status"), mark));
    }
    List<Map<String, Object>> family = (List<Map<String, Object>>) summary.get("family");
    if (family != null && !family.isEmpty()) {
      Map<String, Object> chosen = (Map<String, Object>) summary.get("chosen");
      out.add("");
      out.add("family of " + chosen.get("id") + " (phi = 1.." + family.size() + ", " + summary.get("classes")
          + " classes):");
      out.add(String.format(Locale.ROOT, "%3s %7s %7s %5s %6s %12s %9s  %s", "phi", "width", "depth", "res", "blocks",
          "params", "GMACs", "train with"));
      for (Map<String, Object> f : family) {
        StringBuilder sets = new StringBuilder();
        for (String s : (List<String>) f.get("train_settings")) {
          sets.append(sets.length() == 0 ? "" : " ").append("--set ").append(s);
        }
        out.add(String.format(Locale.ROOT, "%3d %7.4f %7.4f %5d %6d %,12d %9.3f  %s", f.get("phi"), f.get("width"),
            f.get("depth"), f.get("resolution"), f.get("blocks"), f.get("params"),
            ((Number) f.get("multiply_adds")).longValue() / 1e9, sets));
      }
    }
    return out;
  }
}
