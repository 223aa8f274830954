package io.effnet.jobs;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The training curves as one PNG: loss (training and validation) and validation top-1 by epoch. */
final class TrainingCurves {
  private TrainingCurves() {}

  /** Renders the per-epoch records of {@code train-report.json} ("epoch", "mean_loss", "validation"). */
  @SuppressWarnings("unchecked")
  static byte[] png(String title, List<Map<String, Object>> epochs) throws IOException {
    List<Double> x = new ArrayList<>();
    List<Double> trainLoss = new ArrayList<>();
    List<Double> valLoss = new ArrayList<>();
    List<Double> valTop1 = new ArrayList<>();
    for (Map<String, Object> e : epochs) {
      x.add(((Number) e.get("epoch")).doubleValue());
      trainLoss.add(finiteOrNull((Number) e.get("mean_loss")));
      Map<String, Object> v = (Map<String, Object>) e.get("validation");
      valLoss.add(v == null ? null : finiteOrNull((Number) v.get("loss")));
      valTop1.add(v == null ? null : finiteOrNull((Number) v.get("top1")));
    }
    XYChart loss = chart(title + ": loss", "loss");
    addSeries(loss, "training (mean of the epoch)", x, trainLoss);
    addSeries(loss, "validation", x, valLoss);
    XYChart top1 = chart(title + ": validation top-1", "top-1");
    addSeries(top1, "validation top-1", x, valTop1);
    BufferedImage a = BitmapEncoder.getBufferedImage(loss);
    BufferedImage b = BitmapEncoder.getBufferedImage(top1);
    BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()),
        BufferedImage.TYPE_INT_RGB);
    both.getGraphics().drawImage(a, 0, 0, null);
    both.getGraphics().drawImage(b, a.getWidth(), 0, null);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(both, "png", out);
    return out.toByteArray();
  }

  private static XYChart chart(String title, String yTitle) {
    XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle(yTitle)
        .build();
    c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    c.getStyler().setDecimalPattern("#0.###");
    return c;
  }

  private static void addSeries(XYChart chart, String name, List<Double> x, List<Double> y) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < x.size(); i++) {
      if (y.get(i) != null) {
        xs.add(x.get(i));
        ys.add(y.get(i));
      }
    }
    if (!xs.isEmpty()) {
      XYSeries s = chart.addSeries(name, xs, ys);
      s.setMarker(SeriesMarkers.CIRCLE);
    }
  }

  private static Double finiteOrNull(Number n) {
    return n == null || !Double.isFinite(n.doubleValue()) ? null : n.doubleValue();
  }
}
