package io.effnet.jobs;

import io.effnet.jobs.config.JobConfig;
import io.effnet.prep.IdxImageTree;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The embedded default run: real Fashion-MNIST images (Debian's dataset-fashion-mnist) written as a PNG
 * class-folder tree, then prep -> train -> evaluate on local Spark, printing the test accuracy.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Fashion-MNIST end to end on local Spark: image tree -> prep -> train -> evaluate.")
final class Quickstart extends Cli.JobCommand {
  static final String DATASET = "/usr/share/datasets/fashion-mnist";

  @Option(names = "--work", defaultValue = "work/quickstart", description = "working folder (default ${DEFAULT-VALUE})")
  File work;

  @Option(names = "--train-per-class", defaultValue = "300",
      description = "training images per class taken from Fashion-MNIST's 60k (default ${DEFAULT-VALUE})")
  int trainPerClass;

  @Option(names = "--test-per-class", defaultValue = "100",
      description = "test images per class taken from Fashion-MNIST's 10k (default ${DEFAULT-VALUE})")
  int testPerClass;

  @Option(names = "--dataset", defaultValue = DATASET, description = "folder with the IDX files (default ${DEFAULT-VALUE})")
  File dataset;

  /** The quickstart profile; the user's --config and --set still apply on top. */
  static List<String> profile(String work) {
    return Arrays.asList(
        "prep.resize-mode=exact", "prep.width=32", "prep.height=32", "prep.encoding=png",
        "prep.validation-fraction=0.1",
        // B0's stage table at half width and depth (compound scaling below phi = 0): 28 px images need no
        // more, and it trains several times faster than B0. Tiny images train badly with Inception crops.
        "model.variant=custom", "model.width=0.5", "model.depth=0.5", "model.resolution=32",
        "model.input-size=32", "model.dropout=0.1", "model.drop-connect=0",
        "input.min-crop-area=0.8", "input.crop-padding=0",
        "train.epochs=4", "train.batch-size=32", "train.optimizer=momentum", "train.base-learning-rate=0.4",
        "train.warmup-epochs=0.5", "train.bn-decay=0.9",
        "train.output=\"" + work + "/run\"", "train.data=\"" + work + "/data\"",
        "evaluate.model=\"" + work + "/run\"", "evaluate.data=\"" + work + "/test-data\"",
        // The test images are prepared as a dataset of their own with no validation share: all in "train".
        "evaluate.split=train", "evaluate.output=\"" + work + "/run\"");
  }

  @Override
  String name() {
    return "quickstart";
  }

  @Override
  public Integer call() {
    String root = work.getAbsoluteFile().toURI().getPath().replaceAll("/$", "");
    List<String> all = new ArrayList<>(profile(root));
    all.addAll(overrides);
    JobConfig base = JobConfig.load(config, all);
    Progress progress = Progress.to(System.err, name());
    progress.line("effective configuration:\n" + base.render());
    run(base, progress);
    return 0;
  }

  @Override
  void run(JobConfig config, Progress progress) {
    Path idx = dataset.toPath();
    Path trainImages = idx.resolve("train-images-idx3-ubyte.gz");
    if (!Files.isRegularFile(trainImages)) {
      throw JobException.data("Fashion-MNIST not found under " + idx
          + ": install Debian's package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
    }
    Path root = work.toPath().toAbsolutePath();
    prepareWorkFolder(root);
    progress.line("writing Fashion-MNIST PNG trees under " + root.resolve("images"));
    IdxImageTree.write(trainImages, idx.resolve("train-labels-idx1-ubyte.gz"), root.resolve("images/train"),
        trainPerClass);
    IdxImageTree.write(idx.resolve("t10k-images-idx3-ubyte.gz"), idx.resolve("t10k-labels-idx1-ubyte.gz"),
        root.resolve("images/test"), testPerClass);
    JobConfig prepTrain = reconfigure(config, "prep.input=\"" + root.resolve("images/train") + "\"",
        "prep.output=\"" + root.resolve("data") + "\"");
    JobConfig prepTest = reconfigure(config, "prep.input=\"" + root.resolve("images/test") + "\"",
        "prep.output=\"" + root.resolve("test-data") + "\"", "prep.validation-fraction=0");
    onSparkTraining("effnet-quickstart", TrainJob.Settings.engine(config), null, progress, spark -> {
      progress.line("prep: " + io.effnet.prep.PrepJob.run(spark, PrepCommand.settings(prepTrain)));
      progress.line("prep: " + io.effnet.prep.PrepJob.run(spark, PrepCommand.settings(prepTest)));
      TrainJob.run(spark, config, progress);
      Map<String, Object> eval = EvaluateJob.run(spark, config, progress);
      // With evaluate.flip-tta, the same pass also scored each image alone: that figure first, never left out.
      @SuppressWarnings("unchecked")
      Map<String, Object> single = (Map<String, Object>) eval.get("single_view");
      if (single != null) {
        printAccuracy(eval.get("count"), "", single);
      }
      printAccuracy(eval.get("count"), single != null ? ", each averaged with its mirror" : "", eval);
    });
  }

  private static void printAccuracy(Object count, String how, Map<String, Object> figures) {
    System.out.printf(java.util.Locale.ROOT, "Fashion-MNIST test accuracy (%s images%s): top-1 %.4f, top-5 %.4f%n",
        count, how, figures.get("top1"), figures.get("top5"));
  }

  /** Reuses a folder an earlier quickstart made (its marker file says so); refuses any other non-empty one. */
  private static void prepareWorkFolder(Path root) {
    Path marker = root.resolve(".effnet-quickstart");
    try {
      if (Files.isDirectory(root) && !Files.exists(marker)) {
        try (java.util.stream.Stream<Path> entries = Files.list(root)) {
          if (entries.findAny().isPresent()) {
            throw JobException.data(root + " is not empty and was not made by quickstart: pass --work NEW_FOLDER");
          }
        }
      }
      for (String part : new String[] {"images", "data", "test-data", "run"}) {
        deleteTree(root.resolve(part));
      }
      Files.createDirectories(root);
      if (!Files.exists(marker)) {
        Files.createFile(marker);
      }
    } catch (java.io.IOException e) {
      throw JobException.data("cannot prepare the work folder " + root + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path p) throws java.io.IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(p)) {
      java.util.List<Path> all = new ArrayList<>();
      walk.forEach(all::add);
      java.util.Collections.reverse(all);
      for (Path x : all) {
        Files.delete(x);
      }
    }
  }

  private JobConfig reconfigure(JobConfig base, String... extra) {
    List<String> all = new ArrayList<>(profile(work.getAbsoluteFile().toURI().getPath().replaceAll("/$", "")));
    all.addAll(overrides);
    all.addAll(Arrays.asList(extra));
    return JobConfig.load(config, all);
  }
}
