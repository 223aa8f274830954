package io.effnet.jobs;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

/**
 * The confusion matrix as a PNG heat map: true class down the side (first class at the top), predicted class
 * along the bottom, both labelled with class names; the colour and the number in each cell are the count of
 * images, while the matrix is small enough for numbers to be read.
 */
final class ConfusionMatrixChart {
  /** Above this many classes the cells are too small for their counts. */
  private static final int MAX_CLASSES_WITH_VALUES = 30;
  /** Above this many classes the axis labels overlap: they are left out. */
  private static final int MAX_CLASSES_WITH_LABELS = 100;

  private ConfusionMatrixChart() {}

  static byte[] png(String title, List<String> names, long[][] counts) throws IOException {
    int n = names.size();
    int cell = n <= 10 ? 60 : n <= MAX_CLASSES_WITH_VALUES ? 32 : n <= MAX_CLASSES_WITH_LABELS ? 10 : 3;
    int side = Math.min(4000, Math.max(360, cell * n));
    HeatMapChart chart = new HeatMapChartBuilder().width(side + 260).height(side + 200).title(title)
        .xAxisTitle("predicted class").yAxisTitle("true class").build();
    long max = 1;
    for (long[] row : counts) {
      for (long v : row) {
        max = Math.max(max, v);
      }
    }
    chart.getStyler().setShowValue(n <= MAX_CLASSES_WITH_VALUES);
    chart.getStyler().setHeatMapValueDecimalPattern("#");
    chart.getStyler().setMin(0);
    chart.getStyler().setMax(max);
    chart.getStyler().setRangeColors(new Color[] {new Color(247, 251, 255), new Color(107, 174, 214),
        new Color(8, 48, 107)});
    chart.getStyler().setPlotContentSize(1.0);
    chart.getStyler().setXAxisLabelRotation(n > 6 ? 90 : 0);
    chart.getStyler().setAxisTicksVisible(n <= MAX_CLASSES_WITH_LABELS);
    // Orange reads on both ends of the white-to-dark-blue scale.
    chart.getStyler().setValueFontColor(new Color(230, 85, 13));

    List<String> x = new ArrayList<>(names);
    // XChart draws y index 0 at the bottom: list the classes bottom-up so that the first one is on top.
    List<String> y = new ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      y.add(names.get(i));
    }
    List<Number[]> heat = new ArrayList<>();
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) {
        heat.add(new Number[] {p, n - 1 - t, counts[t][p]});
      }
    }
    chart.addSeries("images", x, y, heat);
    return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
  }
}
