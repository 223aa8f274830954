package io.effnet.jobs;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.spark.SparkBootstrap;
import io.effnet.prep.PrepException;
import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The application's entry point for spark-submit: {@code --class io.effnet.jobs.Cli app.jar <job> ...}.
 * Exit codes: 0 success, 2 usage, 3 configuration, 4 input data, 5 job failed, 1 unexpected error.
 */
@Command(name = "effnet", mixinStandardHelpOptions = true, version = "effnet-spark 0.1.0",
    description = "EfficientNet on Spark: prepare data, train, fine-tune, evaluate, predict, search coefficients.",
    subcommands = {Cli.Prep.class, Cli.Train.class, Cli.Finetune.class, Cli.Evaluate.class, Cli.Predict.class,
        Cli.Summary.class, Cli.Search.class, Quickstart.class})
public final class Cli implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.err);
    return JobException.USAGE;
  }

  public static void main(String[] args) {
    int code = execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Runs a command line and returns its exit code (used by tests and by main). */
  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Cli());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintStream err = System.err;
      if (e instanceof JobException) {
        err.println("error: " + e.getMessage());
        return ((JobException) e).exitCode();
      }
      if (e instanceof PrepException) {
        err.println("error: " + e.getMessage());
        return JobException.DATA;
      }
      err.println("error: the job failed unexpectedly: " + e);
      e.printStackTrace(err);
      return 1;
    });
    cli.setParameterExceptionHandler((e, a) -> {
      System.err.println("error: " + e.getMessage());
      e.getCommandLine().usage(System.err);
      return JobException.USAGE;
    });
    return cli.execute(args);
  }

  /** Options every job shares: the config file and overrides. */
  abstract static class JobCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "HOCON file overriding conf/effnet.conf (the schema and defaults)")
    File config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
        description = "override one key, e.g. --set train.epochs=3 (repeatable; applied after --config)")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print-config", description = "print the effective configuration and exit")
    boolean printConfig;

    abstract String name();

    abstract void run(JobConfig config, Progress progress);

    /** Runs {@code body} on a fresh Spark session (with BigDL's engine when asked) and stops it after. */
    static void onSpark(String appName, boolean bigdl, java.util.function.Consumer<SparkSession> body) {
      onSpark(bigdl ? SparkBootstrap.withBigDL(appName) : SparkBootstrap.plain(appName), body);
    }

    /**
     * Runs {@code body} on a fresh Spark session with the BigDL engine {@code train.engine} ({@code configuredEngine})
     * resolves to for this job, and says which and why.
     *
     * @param mklBlasOnly why the job cannot run on MKL-DNN, or null
     */
    static void onSparkTraining(String appName, String configuredEngine, String mklBlasOnly, Progress progress,
        java.util.function.Consumer<SparkSession> body) {
      SparkSession spark = SparkBootstrap.withBigDL(appName, configuredEngine, mklBlasOnly);
      progress.line("BigDL engine: " + SparkBootstrap.engineChoice(spark));
      onSpark(spark, body);
    }

    private static void onSpark(SparkSession spark, java.util.function.Consumer<SparkSession> body) {
      try {
        body.accept(spark);
      } finally {
        spark.stop();
      }
    }

    @Override
    public Integer call() {
      JobConfig effective = JobConfig.load(config, overrides);
      if (printConfig) {
        System.out.println(effective.render());
        return 0;
      }
      Progress progress = Progress.to(System.err, name());
      progress.line("effective configuration:\n" + effective.render());
      run(effective, progress);
      return 0;
    }
  }

  @Command(name = "prep", mixinStandardHelpOptions = true,
      description = "Decode, validate and resize an image folder tree (or manifest) into Parquet shards.")
  static final class Prep extends JobCommand {
    @Override
    String name() {
      return "prep";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      io.effnet.prep.PrepSettings settings = PrepCommand.settings(config);
      onSpark("effnet-prep", false, spark -> progress.line("done: " + io.effnet.prep.PrepJob.run(spark, settings)));
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Train an EfficientNet on a prep dataset (BigDL DistriOptimizer, synchronous data-parallel).")
  static final class Train extends JobCommand {
    @Override
    String name() {
      return "train";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      TrainJob.Settings settings = new TrainJob.Settings(config);
      onSparkTraining("effnet-train", settings.engine, null, progress, spark -> TrainJob.run(spark, config, progress));
    }
  }

  @Command(name = "finetune", mixinStandardHelpOptions = true,
      description = "Fine-tune a saved model (finetune.source) on a new prep dataset: a new classifier for its classes,"
          + " the backbone frozen for finetune.freeze-epochs epochs (-1: throughout); otherwise as train.")
  static final class Finetune extends JobCommand {
    @Override
    String name() {
      return "finetune";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      FinetuneJob.Settings settings = new FinetuneJob.Settings(config);
      onSparkTraining("effnet-finetune", TrainJob.Settings.engine(config), settings.mklBlasOnly(), progress,
          spark -> FinetuneJob.run(spark, config, progress));
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true,
      description = "Evaluate a trained model on a split of a prep dataset: top-1, top-5, loss, per-class precision"
          + " and recall, confusion matrix (evaluation.json, confusion-matrix.png).")
  static final class Evaluate extends JobCommand {
    @Override
    String name() {
      return "evaluate";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      new EvaluateJob.Settings(config);
      onSpark("effnet-evaluate", true, spark -> {
        java.util.Map<String, Object> r = EvaluateJob.run(spark, config, progress);
        System.out.printf(java.util.Locale.ROOT, "top1=%.4f top5=%.4f loss=%.4f images=%s%n", r.get("top1"),
            r.get("top5"), r.get("loss"), r.get("count"));
      });
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "Grid-search the compound coefficients alpha, beta, gamma at phi = 1 by training short proxy runs"
          + " (paper section 3.3, step 1; resumable), then scale the best to phi = 1..N (step 2).")
  static final class Search extends JobCommand {
    @Override
    String name() {
      return "search";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      SearchJob.validate(config);
      // MKL-DNN training repeats bit for bit for a seed (MklDnnTrainingDeterminismTest, MklDnnTrainJobTest), as the
      // search's comparison of candidates needs: auto takes it here too.
      onSparkTraining("effnet-search", TrainJob.Settings.engine(config), null, progress, spark -> {
        for (String line : SearchReport.lines(SearchJob.run(spark, config, progress))) {
          System.out.println(line);
        }
      });
    }
  }

  @Command(name = "predict", mixinStandardHelpOptions = true,
      description = "Batch inference over a prep dataset, Parquet shards or a folder tree of images: one Parquet row"
          + " per image with the top-k classes, their probabilities and the model id; unreadable images get an"
          + " error row.")
  static final class Predict extends JobCommand {
    @Override
    String name() {
      return "predict";
    }

    @Override
    void run(JobConfig config, Progress progress) {
      new PredictJob.Settings(config);
      onSpark("effnet-predict", true, spark -> {
        java.util.Map<String, Object> r = PredictJob.run(spark, config, progress);
        System.out.printf(java.util.Locale.ROOT, "images=%s errors=%s images_per_second=%.1f output=%s%n",
            r.get("images"), r.get("errors"), (Double) r.get("images_per_second"), r.get("output"));
      });
    }
  }

  @Command(name = "summary", mixinStandardHelpOptions = true,
      description = "Print the EfficientNet family B0..B7 and the configured variant: resolution, width, depth,"
          + " blocks, parameters, multiply-adds.")
  static final class Summary extends JobCommand {
    @Option(names = "--classes", defaultValue = "1000", description = "classifier size (default ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--no-family", description = "only the configured variant")
    boolean noFamily;

    @Override
    String name() {
      return "summary";
    }

    @Override
    public Integer call() {
      JobConfig effective = JobConfig.load(config, overrides);
      if (classes < 1) {
        throw JobException.config("--classes must be >= 1");
      }
      SummaryJob.print(System.out, effective, classes, !noFamily);
      return 0;
    }

    @Override
    void run(JobConfig config, Progress progress) {
      SummaryJob.print(System.out, config, classes, !noFamily);
    }
  }
}
