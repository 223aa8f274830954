package io.effnet.model.bench;

import io.effnet.model.bigdl.LayerChoice;

/**
 * Command line: times BigDL training steps of one EfficientNet configuration on the engine this JVM runs
 * ({@code -Dbigdl.engineType=mkldnn} for MKL-DNN, BigDL's default {@code mklblas} otherwise) and prints one
 * line of training images per second to standard output. Logs go to standard error.
 *
 * <pre>
 * TrainingBenchmark [--variant b0] [--size 224] [--batch 32] [--classes 1000] [--warmup 2] [--iterations 5]
 *                   [--cores 2] [--path distri|local] [--depthwise bigdl|direct] [--global-pool bigdl|java]
 *                   [--compress fp16|none]
 *                   [--profile | --compare-depthwise]
 * </pre>
 *
 * {@code --profile} times the steps with the per-layer profiler instead of an optimizer and prints the
 * breakdown by layer class and by role after the line. {@code submit-scripts/benchmark-training} runs it
 * with the project's JVM flags and MKL settings.
 */
public final class TrainingBenchmark {
  private TrainingBenchmark() {}

  public static void main(String[] args) {
    int status;
    try {
      status = run(args);
    } catch (BenchmarkException e) {
      System.err.println("benchmark: error: " + e.getMessage());
      status = 2;
    }
    // Spark and BigDL leave non-daemon threads behind.
    System.exit(status);
  }

  static int run(String[] args) {
    Options o = Options.parse(args);
    if (o.help) {
      System.out.println(usage());
      return 0;
    }
    quietLogs();
    BenchmarkSettings s = o.settings;
    String engine = BenchModels.engine();
    System.err.println("benchmark: " + s + ", engine " + engine + " (" + s.layers(engine) + "), MKL_DEBUG_CPU_TYPE="
        + System.getenv("MKL_DEBUG_CPU_TYPE") + ", bigdl.mklNumThreads=" + System.getProperty("bigdl.mklNumThreads")
        + ", java " + System.getProperty("java.version"));
    if (System.getenv("MKL_DEBUG_CPU_TYPE") == null) {
      System.err.println("benchmark: warning: MKL_DEBUG_CPU_TYPE is not set; on AMD CPUs MKL then takes a slow"
          + " path (see conf/runtime.properties)");
    }
    if (o.compareDepthwise) {
      CpuContention contention = CpuContention.start();
      String table = DepthwiseComparison.run(s);
      contention.stop();
      System.out.print(table);
      System.out.println("  [" + ThroughputResult.contention(contention.otherCores(), Double.NaN)
          .replace("during the measured steps, worst step NaN", "during the comparison") + ", "
          + contention.loadAverages() + "]");
      return 0;
    }
    CpuContention contention = CpuContention.start();
    String line;
    String details = null;
    try {
      if (o.profile) {
        LayerProfile p = LayerProfiler.run(s, contention);
        line = p.line();
        details = p.format();
      } else {
        ThroughputResult r = s.path() == TrainingPath.DISTRI ? DistriOptimizerBenchmark.run(s, contention)
            : LocalOptimizerBenchmark.run(s, contention);
        line = r.line();
      }
    } finally {
      contention.stop();
    }
    System.out.println(line.substring(0, line.length() - 1) + ", " + contention.loadAverages() + "]");
    if (details != null) {
      System.out.print(details);
    }
    System.out.flush();
    return 0;
  }

  /**
   * Standard output carries the figures only: a console appender writing there (BigDL's jar brings a
   * log4j.properties that does, and wins when it is first on the class path) is turned to standard error.
   * BigDL's per-step INFO lines stay (progress); Spark's start-up chatter goes.
   */
  private static void quietLogs() {
    java.util.Enumeration<?> appenders = org.apache.log4j.Logger.getRootLogger().getAllAppenders();
    while (appenders.hasMoreElements()) {
      Object a = appenders.nextElement();
      if (a instanceof org.apache.log4j.ConsoleAppender
          && "System.out".equals(((org.apache.log4j.ConsoleAppender) a).getTarget())) {
        ((org.apache.log4j.ConsoleAppender) a).setTarget("System.err");
        ((org.apache.log4j.ConsoleAppender) a).activateOptions();
      }
    }
    org.apache.log4j.Logger.getLogger("org").setLevel(org.apache.log4j.Level.WARN);
    org.apache.log4j.Logger.getLogger("akka").setLevel(org.apache.log4j.Level.WARN);
    org.apache.log4j.Logger.getLogger("breeze").setLevel(org.apache.log4j.Level.WARN);
  }

  static String usage() {
    return "Usage: TrainingBenchmark [--variant b0] [--width W --depth D] [--size 224] [--batch 32] [--classes 1000]\n"
        + "                         [--warmup 2] [--iterations 5] [--cores 2] [--path distri|local]\n"
        + "                         [--depthwise bigdl|direct] [--global-pool bigdl|java] [--compress fp16|none]\n"
        + "                         [--profile | --compare-depthwise]\n"
        + "Times BigDL training steps (forward + backward + SGD update) of EfficientNet on random images and\n"
        + "prints images per second (median step). The engine is the JVM's: -Dbigdl.engineType=mkldnn for\n"
        + "MKL-DNN (the graph is converted with toIRgraph), else BigDL's default engine.\n"
        + "  --width, --depth  coefficients instead of the variant's (a custom member of the family)\n"
        + "  --path distri   BigDL DistriOptimizer on Spark local[cores] (the training job's path; default)\n"
        + "  --path local    BigDL LocalOptimizer (same replicas per core, no Spark)\n"
        + "  --depthwise bigdl|direct  depthwise convolutions as BigDL's grouped SpatialConvolution or the\n"
        + "                  project's direct layer (default engine only); default: the builder's choice for\n"
        + "                  the engine (direct on mklblas, bigdl on mkldnn)\n"
        + "  --global-pool bigdl|java  global average pooling (squeeze-excitation, head) as BigDL's\n"
        + "                  SpatialAveragePooling or the project's Java layer; default: the builder's choice\n"
        + "                  (bigdl on mklblas, java on mkldnn)\n"
        + "  --compress none  DistriOptimizer exchanges parameters as plain floats (default: fp16)\n"
        + "  --profile       per-layer forward/backward times instead (LocalOptimizer's step structure)\n"
        + "  --compare-depthwise  every depthwise convolution of the network, BigDL's grouped convolution\n"
        + "                  against the direct Java one, on one thread with batch / cores images";
  }

  /** Parsed command line. */
  static final class Options {
    final BenchmarkSettings settings;
    final boolean profile;
    final boolean compareDepthwise;
    final boolean help;

    private Options(BenchmarkSettings settings, boolean profile, boolean compareDepthwise, boolean help) {
      this.settings = settings;
      this.profile = profile;
      this.compareDepthwise = compareDepthwise;
      this.help = help;
    }

    static Options parse(String[] args) {
      BenchmarkSettings.Builder b = BenchmarkSettings.builder();
      boolean profile = false;
      boolean compareDepthwise = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("-h") || a.equals("--help")) {
          return new Options(null, false, false, true);
        }
        if (a.equals("--profile")) {
          profile = true;
          continue;
        }
        if (a.equals("--compare-depthwise")) {
          compareDepthwise = true;
          continue;
        }
        String name = a;
        String value;
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
          name = a.substring(0, eq);
          value = a.substring(eq + 1);
        } else {
          if (i + 1 >= args.length) {
            throw new BenchmarkException(a + " needs a value (see --help)");
          }
          value = args[++i];
        }
        switch (name) {
          case "--variant": b.variant(value); break;
          case "--width": b.width(number(name, value)); break;
          case "--depth": b.depth(number(name, value)); break;
          case "--size": b.inputSize(integer(name, value)); break;
          case "--batch": b.batchSize(integer(name, value)); break;
          case "--classes": b.numClasses(integer(name, value)); break;
          case "--warmup": b.warmupIterations(integer(name, value)); break;
          case "--iterations": b.measuredIterations(integer(name, value)); break;
          case "--cores": b.cores(integer(name, value)); break;
          case "--path": b.path(TrainingPath.parse(value)); break;
          case "--depthwise":
            if (!value.equals("bigdl") && !value.equals("direct")) {
              throw new BenchmarkException("--depthwise must be bigdl or direct, got '" + value + "'");
            }
            b.depthwise(value.equals("direct") ? LayerChoice.Depthwise.DIRECT : LayerChoice.Depthwise.BIGDL_GROUPED);
            break;
          case "--compress":
            if (!value.equals("fp16") && !value.equals("none")) {
              throw new BenchmarkException("--compress must be fp16 or none, got '" + value + "'");
            }
            b.uncompressedGradients(value.equals("none"));
            break;
          case "--global-pool":
            if (!value.equals("bigdl") && !value.equals("java")) {
              throw new BenchmarkException("--global-pool must be bigdl or java, got '" + value + "'");
            }
            b.globalPooling(value.equals("java") ? LayerChoice.GlobalPooling.JAVA : LayerChoice.GlobalPooling.BIGDL);
            break;
          default: throw new BenchmarkException("unknown option '" + a + "' (see --help)");
        }
      }
      if (profile && compareDepthwise) {
        throw new BenchmarkException("--profile and --compare-depthwise are separate runs: give one");
      }
      return new Options(b.build(), profile, compareDepthwise, false);
    }

    private static double number(String name, String value) {
      try {
        return Double.parseDouble(value);
      } catch (NumberFormatException e) {
        throw new BenchmarkException(name + " needs a number, got '" + value + "'");
      }
    }

    private static int integer(String name, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new BenchmarkException(name + " needs a whole number, got '" + value + "'");
      }
    }
  }
}
