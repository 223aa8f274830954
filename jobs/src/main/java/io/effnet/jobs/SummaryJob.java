package io.effnet.jobs;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.config.ModelSettings;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints the EfficientNet family (or the configured variant): resolution, width, depth, blocks, parameters
 * and multiply-adds, beside the paper's and torchvision's published figures. Needs no Spark cluster.
 */
public final class SummaryJob {
  /** Paper table 2 FLOPS (multiply-adds) in billions, B0..B7, each at its own resolution. */
  private static final double[] PAPER_GFLOPS = {0.39, 0.70, 1.0, 1.8, 4.2, 9.9, 19, 37};
  /** torchvision's published GFLOPS at its evaluation sizes (B2 is evaluated at 288 there). */
  private static final double[] TORCHVISION_GFLOPS = {0.39, 0.69, 1.09, 1.83, 4.39, 10.27, 19.07, 37.75};
  private static final int[] TORCHVISION_SIZES = {224, 240, 288, 300, 380, 456, 528, 600};

  private SummaryJob() {}

  /** Rows for the whole published family at 1000 classes plus, when it is not one of them, the configured variant. */
  public static List<String> lines(JobConfig config, int classes, boolean family) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, "%-34s %5s %6s %6s %6s %12s %9s %9s %12s",
        "variant", "res", "width", "depth", "blocks", "params", "GMACs", "paper", "torchvision"));
    if (family) {
      Variant[] all = Variant.publishedFamily();
      for (int i = 0; i < all.length; i++) {
        NetworkSpec spec = NetworkSpec.resolve(all[i], classes);
        double tv = TORCHVISION_GFLOPS[i];
        String tvText = String.format(Locale.ROOT, "%.2f@%d", tv, TORCHVISION_SIZES[i]);
        if (TORCHVISION_SIZES[i] != spec.inputSize()) {
          double atTv = NetworkSpec.resolve(all[i], classes, TORCHVISION_SIZES[i]).multiplyAdds() / 1e9;
          tvText += String.format(Locale.ROOT, " (ours %.2f)", atTv);
        }
        out.add(row("efficientnet-" + all[i].name(), spec, String.format(Locale.ROOT, "%.2f", PAPER_GFLOPS[i]),
            tvText));
      }
    }
    if (config != null) {
      ModelSettings model = ModelSettings.from(config);
      NetworkSpec spec = model.resolve(classes);
      out.add(row("configured:" + model.variant().name(), spec, "-", "-"));
    }
    return out;
  }

  private static String row(String name, NetworkSpec spec, String paper, String torchvision) {
    return String.format(Locale.ROOT, "%-34s %5d %6.2f %6.2f %6d %,12d %9.3f %9s %12s", name, spec.inputSize(),
        spec.variant().widthCoefficient(), spec.variant().depthCoefficient(), spec.blocks().size(),
        spec.parameterCount(), spec.multiplyAdds() / 1e9, paper, torchvision);
  }

  public static void print(PrintStream out, JobConfig config, int classes, boolean family) {
    for (String line : lines(config, classes, family)) {
      out.println(line);
    }
    out.println("params: trainable, BN running statistics excluded; GMACs: multiply-adds of all convolutions"
        + " and the classifier at the listed resolution.");
  }
}
