package io.effnet.jobs.bench;

import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.jobs.JobException;
import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.RandAugment;
import io.effnet.jobs.input.ShardSource;
import io.effnet.jobs.io.RunFiles;
import io.effnet.prep.DecodedImage;
import io.effnet.prep.IdxImageTree;
import io.effnet.prep.ImageCodec;
import io.effnet.prep.OutputEncoding;
import io.effnet.prep.PrepException;
import io.effnet.prep.PrepReport;
import io.effnet.prep.PrepJob;
import io.effnet.prep.PrepSettings;
import io.effnet.prep.ResizeSpec;
import io.effnet.prep.ShardSchema;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * Command line: the training input pipeline alone, in images per second. The path timed is what
 * {@link ShardSource#trainingSamples} runs per image for the training job: decode the shard's encoded bytes,
 * random-resized-crop to the input size, RandAugment when on, flip, normalise, wrap as a BigDL sample. It
 * runs once in one thread without Spark (per-core cost) and once as the training job runs it, on Spark
 * {@code local[cores]} over the persisted rows repartitioned to one partition per core.
 *
 * <p>The data is a prep dataset: given with {@code --data}, or made here by the prep job from generated
 * photo-like images ({@code --source synthetic}) or from Fashion-MNIST's training images ({@code --source
 * fashion-mnist}, Debian's dataset-fashion-mnist). Figures go to standard output, logs to standard error.
 * {@code submit-scripts/benchmark-input} runs it with the project's JVM flags.
 */
public final class InputPipelineBenchmark {
  /** Where each pass's result goes, so that the JIT cannot drop the work. */
  private static volatile long blackhole;

  private InputPipelineBenchmark() {}

  public static void main(String[] args) {
    int status;
    try {
      status = run(args, System.out);
    } catch (JobException e) {
      System.err.println("benchmark-input: error: " + e.getMessage());
      status = e.exitCode();
    } catch (PrepException e) {
      System.err.println("benchmark-input: error: " + e.getMessage());
      status = JobException.DATA;
    }
    // Spark leaves non-daemon threads behind.
    System.exit(status);
  }

  static String usage() {
    return "Usage: InputPipelineBenchmark [--data PATH | --source synthetic|fashion-mnist] [--images 512]\n"
        + "         [--encoding jpeg|png] [--stored-size 256] [--size 224] [--randaugment 0,2] [--magnitude 10]\n"
        + "         [--cores 2] [--seconds 10] [--paths single,spark] [--seed 1] [--work-dir DIR]\n"
        + "         [--set input.KEY=VALUE ...]\n"
        + "Times the training input pipeline (decode + random-resized-crop + RandAugment + flip + normalise into\n"
        + "BigDL samples) on one thread without Spark and on Spark local[cores], and prints images per second\n"
        + "in total and per core.\n"
        + "  --data PATH        a prep dataset (its train split); --images then caps the rows (0 = all)\n"
        + "  --source NAME      else make one with the prep job: synthetic (photo-like images, stored-size x 4/3\n"
        + "                     by stored-size) or fashion-mnist (28x28 grey from "
        + IdxImageTree.FASHION_MNIST_DIR + ")\n"
        + "  --images N         images to generate (default 512 at stored sizes >= 128, else 4096)\n"
        + "  --encoding E       the prep dataset's encoding when generated: jpeg (q95) or png (default jpeg)\n"
        + "  --stored-size S    the prep's shorter side when generated (default 256)\n"
        + "  --size N           the network's input size (default 224)\n"
        + "  --randaugment LIST RandAugment layers per run, 0 = off (default 0,2)\n"
        + "  --magnitude M      RandAugment magnitude (default 10); translate and cutout sizes are the\n"
        + "                     reference's 100 and 40 pixels scaled by size / 224 unless given with --set\n"
        + "  --cores N          Spark local[N] (default 2)\n"
        + "  --seconds S        minimum measured time per figure, after a warm-up (default 10)\n"
        + "  --paths LIST       single (one thread, no Spark) and/or spark (default single,spark)\n"
        + "  --work-dir DIR     where generated images and the dataset go (kept); default a temporary folder\n"
        + "                     removed at the end\n"
        + "  --set KEY=VALUE    an effnet.input setting, e.g. --set input.min-crop-area=0.25 (repeatable)";
  }

  /** Runs the benchmark; figures to {@code out}. Returns the exit status. */
  public static int run(String[] args, PrintStream out) {
    Options o = Options.parse(args);
    if (o.help) {
      out.println(usage());
      return 0;
    }
    quietLogs();
    Path work;
    boolean removeWork = o.workDir == null;
    try {
      work = removeWork ? Files.createTempDirectory("effnet-input-benchmark") : Files.createDirectories(o.workDir);
    } catch (IOException e) {
      throw new JobException(JobException.USAGE, "cannot create the work folder: " + e.getMessage(), e);
    }
    SparkSession spark = SparkSession.builder().master("local[" + o.cores + "]").appName("effnet-input-benchmark")
        .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", String.valueOf(o.cores)).getOrCreate();
    try {
      RunFiles files = new RunFiles(spark.sparkContext().hadoopConfiguration());
      String data;
      String origin;
      if (o.data != null) {
        data = o.data;
        origin = "from " + o.data;
      } else {
        data = generate(spark, work, o);
        origin = o.source.equals("synthetic") ? "generated photo-like images" : "Fashion-MNIST training images";
      }
      Dataset<Row> rows = ShardSource.rows(spark, files, data, "train");
      if (o.data != null && o.images > 0) {
        rows = rows.limit(o.images);
      }
      // As the training job: one partition per core, encoded rows kept in memory across epochs.
      rows = rows.repartition(o.cores).persist(StorageLevel.MEMORY_AND_DISK());
      List<Row> local = rows.collectAsList();
      if (local.isEmpty()) {
        throw JobException.data("the train split of " + data + " has no images");
      }
      byte[][] images = new byte[local.size()][];
      int[] labels = new int[local.size()];
      long bytes = 0;
      for (int i = 0; i < images.length; i++) {
        images[i] = (byte[]) local.get(i).get(0);
        labels[i] = local.get(i).getInt(1);
        bytes += images[i].length;
      }
      DecodedImage first = ImageCodec.decode(images[0]);
      String dataset = String.format(Locale.ROOT, "%s %dx%d", format(images[0]), first.width(), first.height());
      out.printf(Locale.ROOT, "input pipeline: %d training images, %s (first), mean %.1f KB, %s; input %dx%d;"
              + " java %s, %d cores available%n", images.length, dataset, bytes / 1024.0 / images.length, origin,
          o.size, o.size, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());

      if (o.single) {
        Measurement decode = measure(o.seconds, images.length, epoch -> {
          long sink = 0;
          for (byte[] b : images) {
            sink += ImageCodec.decode(b).pixels().length;
          }
          return sink;
        });
        out.println(line(dataset + ", decode only (ImageCodec.decode), 1 thread", decode, 1));
      }
      for (int layers : o.randAugmentLayers) {
        ShardSource source = ShardSource.from(config(o, layers), o.size);
        RandAugment policy = source.randAugment();
        String name = dataset + " -> " + o.size + ", RandAugment "
            + (policy.enabled() ? "N=" + policy.layers() + " M=" + trim(policy.magnitude()) : "off");
        if (policy.enabled()) {
          System.err.println("benchmark-input: " + policy);
        }
        if (o.single) {
          Measurement m = singleThread(source, images, labels, o.seconds, o.seed);
          out.println(line(name + ", 1 thread (no Spark)", m, 1));
        }
        if (o.spark) {
          Measurement m = onSpark(source, rows, images.length, o.seconds, o.seed);
          out.println(line(name + ", Spark local[" + o.cores + "]", m, o.cores));
        }
        out.flush();
      }
      rows.unpersist();
      return 0;
    } finally {
      spark.stop();
      if (removeWork) {
        deleteTree(work);
      }
    }
  }

  /** The {@code effnet.input} settings of one run: defaults, --set overrides, the RandAugment layers. */
  static JobConfig config(Options o, int layers) {
    List<String> overrides = new ArrayList<>();
    overrides.add("input.randaugment.translate-pixels=" + 100.0 * o.size / 224);
    overrides.add("input.randaugment.cutout-pixels=" + 40.0 * o.size / 224);
    overrides.add("input.randaugment.magnitude=" + o.magnitude);
    overrides.addAll(o.overrides);
    overrides.add("input.randaugment.layers=" + layers);
    return JobConfig.load(null, overrides);
  }

  /** One figure: images processed, wall seconds, and the CPU this JVM and other processes used meanwhile. */
  static final class Measurement {
    final long images;
    final int passes;
    final double seconds;
    final double ownCores;
    final double otherCores;

    Measurement(long images, int passes, double seconds, double ownCores, double otherCores) {
      this.images = images;
      this.passes = passes;
      this.seconds = seconds;
      this.ownCores = ownCores;
      this.otherCores = otherCores;
    }

    double imagesPerSecond() {
      return images / seconds;
    }
  }

  interface Pass {
    /** Runs one pass over the images as epoch {@code epoch}; returns a value derived from the output. */
    long run(int epoch);
  }

  /**
   * Warm-up (at least one pass and a quarter of {@code minSeconds}, at most 3 s beyond one pass), then passes
   * until {@code minSeconds} have gone by (at least one).
   */
  static Measurement measure(double minSeconds, int imagesPerPass, Pass pass) {
    long sink = 0;
    int epoch = 0;
    long warmupEnd = System.nanoTime() + (long) (Math.min(minSeconds / 4, 3) * 1e9);
    do {
      sink += pass.run(epoch++);
    } while (System.nanoTime() < warmupEnd);
    Cpu before = Cpu.now();
    int passes = 0;
    long end = before.nanos + (long) (minSeconds * 1e9);
    do {
      sink += pass.run(epoch++);
      passes++;
    } while (System.nanoTime() < end);
    Cpu after = Cpu.now();
    blackhole = sink;
    double seconds = (after.nanos - before.nanos) / 1e9;
    return new Measurement((long) passes * imagesPerPass, passes, seconds,
        (after.processNanos - before.processNanos) / 1e9 / seconds, Cpu.otherCores(before, after));
  }

  /** The training-sample path in this thread, one random stream per pass (as one partition's). */
  static Measurement singleThread(ShardSource source, byte[][] images, int[] labels, double minSeconds, long seed) {
    return measure(minSeconds, images.length, epoch -> {
      Random random = new Random(seed * 1_000_003L + epoch * 10_007L);
      long sink = 0;
      for (int i = 0; i < images.length; i++) {
        Sample<Float> s = source.trainingSample(images[i], labels[i], random, true);
        sink += s.numFeature();
      }
      return sink;
    });
  }

  /** {@link ShardSource#trainingSamples} for one epoch per pass, counted on Spark. */
  static Measurement onSpark(ShardSource source, Dataset<Row> rows, int count, double minSeconds, long seed) {
    return measure(minSeconds, count, epoch -> {
      JavaRDD<Sample<Float>> samples = source.trainingSamples(rows, seed, epoch, true);
      long n = samples.count();
      if (n != count) {
        throw new IllegalStateException("a pass produced " + n + " samples for " + count + " rows");
      }
      return n;
    });
  }

  /**
   * Wall-clock images/s in total and per core, and images per CPU-second of this JVM: the per-core figure
   * that holds when other processes take CPU time from the benchmark (it counts Spark's and the JIT's and
   * GC's threads too).
   */
  static String line(String name, Measurement m, int cores) {
    double rate = m.imagesPerSecond();
    double perCpuSecond = m.ownCores > 0 ? rate / m.ownCores : Double.NaN;
    return String.format(Locale.ROOT, "%-62s %8.1f images/s %8.1f per core %8.1f per CPU-second  [%d images in"
            + " %.1fs; this JVM %.2f cores, other processes %.2f cores]", name, rate, rate / cores, perCpuSecond,
        m.images, m.seconds, m.ownCores, m.otherCores);
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }

  /** Makes the prep dataset: source images under work/images, the prep job's output at work/data. */
  static String generate(SparkSession spark, Path work, Options o) {
    Path images = work.resolve("images");
    Path data = work.resolve("data");
    if (Files.exists(data)) {
      throw new JobException(JobException.USAGE, data + " exists: give an empty --work-dir, or --data " + data
          + " to reuse it");
    }
    long started = System.nanoTime();
    if (o.source.equals("fashion-mnist")) {
      Path dir = Paths.get(IdxImageTree.FASHION_MNIST_DIR);
      Path imagesGz = dir.resolve("train-images-idx3-ubyte.gz");
      if (!Files.isRegularFile(imagesGz)) {
        throw JobException.data(imagesGz + " is missing: install Debian's dataset-fashion-mnist, or use"
            + " --source synthetic");
      }
      IdxImageTree.write(imagesGz, dir.resolve("train-labels-idx1-ubyte.gz"), images,
          (o.images + IdxImageTree.FASHION_MNIST_CLASSES.size() - 1) / IdxImageTree.FASHION_MNIST_CLASSES.size());
    } else {
      writeSyntheticTree(images, o.images, o.storedSize * 4 / 3, o.storedSize, 10, o.seed);
    }
    PrepSettings settings = PrepSettings.builder()
        .input(images.toUri().toString())
        .output(data.toUri().toString())
        .resize(ResizeSpec.shorterSide(o.storedSize))
        .encoding(o.encoding.equals("png") ? OutputEncoding.png() : OutputEncoding.jpeg(95))
        .validationFraction(0.0)
        .seed(o.seed)
        .build();
    PrepReport report = PrepJob.run(spark, settings);
    System.err.printf(Locale.ROOT, "benchmark-input: prepared %s in %.1fs: %s%n", data,
        (System.nanoTime() - started) / 1e9, report);
    return data.toUri().toString();
  }

  /**
   * Writes {@code count} PNG files in {@code classes} class folders: smooth shading, a few shapes and
   * sensor-like noise, so that their JPEG sizes and decode times resemble photographs'.
   */
  static void writeSyntheticTree(Path root, int count, int width, int height, int classes, long seed) {
    Random random = new Random(seed);
    try {
      for (int i = 0; i < count; i++) {
        Path dir = root.resolve(String.format(Locale.ROOT, "class-%02d", i % classes));
        Files.createDirectories(dir);
        byte[] png = ImageCodec.encode(photoLike(width, height, random), OutputEncoding.png());
        Files.write(dir.resolve(String.format(Locale.ROOT, "img-%05d.png", i)), png);
      }
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot write generated images under " + root + ": "
          + e.getMessage(), e);
    }
  }

  static DecodedImage photoLike(int width, int height, Random random) {
    byte[] px = new byte[width * height * 3];
    double fx = (0.5 + random.nextDouble() * 3) / width * Math.PI;
    double fy = (0.5 + random.nextDouble() * 3) / height * Math.PI;
    int[] base = {40 + random.nextInt(150), 40 + random.nextInt(150), 40 + random.nextInt(150)};
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double shade = 45 * Math.sin(x * fx) * Math.cos(y * fy);
        int o = (y * width + x) * 3;
        for (int c = 0; c < 3; c++) {
          px[o + c] = (byte) clamp((int) (base[c] + shade * (c + 1) / 2 + random.nextGaussian() * 6));
        }
      }
    }
    for (int k = 0; k < 8; k++) {
      int[] colour = {random.nextInt(256), random.nextInt(256), random.nextInt(256)};
      double cx = random.nextDouble() * width;
      double cy = random.nextDouble() * height;
      double rx = (0.05 + random.nextDouble() * 0.25) * width;
      double ry = (0.05 + random.nextDouble() * 0.25) * height;
      for (int y = Math.max(0, (int) (cy - ry)); y < Math.min(height, (int) (cy + ry) + 1); y++) {
        for (int x = Math.max(0, (int) (cx - rx)); x < Math.min(width, (int) (cx + rx) + 1); x++) {
          double dx = (x - cx) / rx;
          double dy = (y - cy) / ry;
          if (dx * dx + dy * dy <= 1) {
            int o = (y * width + x) * 3;
            for (int c = 0; c < 3; c++) {
              px[o + c] = (byte) clamp((colour[c] + (px[o + c] & 0xff)) / 2);
            }
          }
        }
      }
    }
    return new DecodedImage(width, height, 3, px);
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }

  private static String format(byte[] encoded) {
    if (encoded.length > 1 && (encoded[0] & 0xff) == 0xff && (encoded[1] & 0xff) == 0xd8) {
      return "jpeg";
    }
    if (encoded.length > 3 && (encoded[0] & 0xff) == 0x89 && encoded[1] == 'P') {
      return "png";
    }
    return encoded.length > 3 && encoded[1] == 'R' ? "raw" : "other";
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      System.err.println("benchmark-input: warning: could not remove " + root + ": " + e.getMessage());
    }
  }

  /**
   * Standard output carries the figures only: a console appender writing there (BigDL's jar brings a
   * log4j.properties that does) is turned to standard error, and Spark's chatter goes.
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
  }

  /** CPU readings: wall clock, machine busy ticks (/proc/stat, Linux), this process's CPU time. */
  static final class Cpu {
    private static final double TICKS_PER_SECOND = 100;
    final long nanos;
    final long busyTicks;
    final long processNanos;

    private Cpu(long nanos, long busyTicks, long processNanos) {
      this.nanos = nanos;
      this.busyTicks = busyTicks;
      this.processNanos = processNanos;
    }

    static Cpu now() {
      java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
      long own = os instanceof com.sun.management.OperatingSystemMXBean
          ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
      return new Cpu(System.nanoTime(), busyTicks(), own);
    }

    /** Cores other processes kept busy between the two readings; NaN where not measurable. */
    static double otherCores(Cpu a, Cpu b) {
      double wall = (b.nanos - a.nanos) / 1e9;
      if (a.busyTicks < 0 || b.busyTicks < 0 || a.processNanos < 0 || wall <= 0) {
        return Double.NaN;
      }
      double busy = (b.busyTicks - a.busyTicks) / TICKS_PER_SECOND;
      double own = (b.processNanos - a.processNanos) / 1e9;
      return Math.max(0, (busy - own) / wall);
    }

    /** All CPUs' busy ticks (all but idle and iowait) from /proc/stat's first line; -1 if unreadable. */
    private static long busyTicks() {
      try {
        List<String> lines = Files.readAllLines(Paths.get("/proc/stat"), StandardCharsets.US_ASCII);
        String[] f = lines.isEmpty() ? new String[0] : lines.get(0).trim().split("\\s+");
        if (f.length < 5 || !f[0].equals("cpu")) {
          return -1;
        }
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
          if (i != 4 && i != 5) {
            busy += Long.parseLong(f[i]);
          }
        }
        return busy;
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }
  }

  /** The parsed command line. */
  static final class Options {
    String data;
    String source = "synthetic";
    /** Default: 512 at stored sizes of 128 and above, 4096 below (a pass must outlast Spark's job overhead). */
    int images = -1;
    String encoding = "jpeg";
    int storedSize = 256;
    int size = 224;
    int[] randAugmentLayers = {0, 2};
    double magnitude = 10;
    int cores = 2;
    double seconds = 10;
    boolean single = true;
    boolean spark = true;
    long seed = 1;
    Path workDir;
    List<String> overrides = new ArrayList<>();
    boolean help;

    static Options parse(String[] args) {
      Options o = new Options();
      boolean imagesGiven = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("-h") || a.equals("--help")) {
          o.help = true;
          return o;
        }
        String name = a;
        String value;
        int eq = a.indexOf('=');
        if (a.startsWith("--") && eq > 0) {
          name = a.substring(0, eq);
          value = a.substring(eq + 1);
        } else {
          if (i + 1 >= args.length) {
            throw usage(a + " needs a value");
          }
          value = args[++i];
        }
        switch (name) {
          case "--data": o.data = value; break;
          case "--source":
            if (!value.equals("synthetic") && !value.equals("fashion-mnist")) {
              throw usage("--source must be synthetic or fashion-mnist, not '" + value + "'");
            }
            o.source = value;
            break;
          case "--images":
            o.images = integer(name, value, 0);
            imagesGiven = true;
            break;
          case "--encoding":
            if (!value.equals("jpeg") && !value.equals("png")) {
              throw usage("--encoding must be jpeg or png, not '" + value + "'");
            }
            o.encoding = value;
            break;
          case "--stored-size": o.storedSize = integer(name, value, 1); break;
          case "--size": o.size = integer(name, value, 1); break;
          case "--randaugment": o.randAugmentLayers = layers(value); break;
          case "--magnitude": o.magnitude = number(name, value); break;
          case "--cores": o.cores = integer(name, value, 1); break;
          case "--seconds": o.seconds = number(name, value); break;
          case "--paths": paths(o, value); break;
          case "--seed": o.seed = integer(name, value, 0); break;
          case "--work-dir": o.workDir = Paths.get(value); break;
          case "--set":
            if (!value.startsWith("input.") && !value.startsWith("effnet.input.")) {
              throw usage("--set takes effnet.input settings only, not '" + value + "'");
            }
            o.overrides.add(value);
            break;
          default: throw usage("unknown option '" + a + "'");
        }
      }
      if (!imagesGiven) {
        o.images = o.data != null ? 0 : o.storedSize >= 128 ? 512 : 4096;
      }
      if (o.data == null && o.images < 1) {
        throw usage("--images must be >= 1 when the dataset is generated");
      }
      return o;
    }

    private static void paths(Options o, String value) {
      o.single = false;
      o.spark = false;
      for (String p : value.split(",")) {
        if (p.trim().equals("single")) {
          o.single = true;
        } else if (p.trim().equals("spark")) {
          o.spark = true;
        } else {
          throw usage("--paths takes single and/or spark, not '" + p + "'");
        }
      }
    }

    private static int[] layers(String value) {
      String[] parts = value.split(",");
      int[] out = new int[parts.length];
      for (int i = 0; i < parts.length; i++) {
        out[i] = integer("--randaugment", parts[i].trim(), 0);
      }
      return out;
    }

    private static int integer(String name, String value, int min) {
      try {
        int v = Integer.parseInt(value);
        if (v < min) {
          throw usage(name + " must be >= " + min + ", not " + v);
        }
        return v;
      } catch (NumberFormatException e) {
        throw usage(name + " must be a whole number, not '" + value + "'");
      }
    }

    private static double number(String name, String value) {
      try {
        double v = Double.parseDouble(value);
        if (!(v >= 0)) {
          throw usage(name + " must be >= 0, not " + value);
        }
        return v;
      } catch (NumberFormatException e) {
        throw usage(name + " must be a number, not '" + value + "'");
      }
    }

    private static JobException usage(String message) {
      return new JobException(JobException.USAGE, message + " (see --help)");
    }
  }
}
