package io.effnet.jobs.input;

import com.intel.analytics.bigdl.dataset.Sample;
import io.effnet.jobs.JobException;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.Samples;
import io.effnet.prep.DecodedImage;
import io.effnet.prep.ImageCodec;
import io.effnet.prep.LabelIndex;
import io.effnet.prep.ShardSchema;
import java.io.Serializable;
import java.util.Iterator;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The training input pipeline: a data-prep dataset's Parquet shards, decoded on the executors into BigDL
 * samples. Training samples get a fresh random-resized-crop, optional RandAugment and flip per epoch;
 * evaluation samples get the reference's center crop. Normalisation is per channel.
 */
public final class ShardSource implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int inputSize;
  private final double[] mean;
  private final double[] std;
  private final double minCropArea;
  private final int cropPadding;
  private final RandAugment randAugment;

  /** The pipeline as the {@code effnet.input} section configures it (RandAugment included). */
  public static ShardSource from(io.effnet.jobs.config.JobConfig c, int inputSize) {
    double minArea = c.number("input.min-crop-area");
    io.effnet.jobs.config.Check.that(minArea > 0 && minArea <= 1, "input.min-crop-area", "must be in (0, 1]");
    int padding = c.integer("input.crop-padding");
    io.effnet.jobs.config.Check.that(padding >= 0, "input.crop-padding", "must be >= 0");
    return new ShardSource(inputSize, c.numbers("input.mean"), c.numbers("input.std"), minArea, padding)
        .withRandAugment(RandAugment.from(c));
  }

  /** Without RandAugment. */
  public ShardSource(int inputSize, double[] mean, double[] std, double minCropArea, int cropPadding) {
    this(inputSize, mean, std, minCropArea, cropPadding, RandAugment.off());
  }

  private ShardSource(int inputSize, double[] mean, double[] std, double minCropArea, int cropPadding,
      RandAugment randAugment) {
    if (mean.length != 3 || std.length != 3) {
      throw JobException.config("effnet.input.mean and effnet.input.std must have 3 values (R, G, B)");
    }
    for (double s : std) {
      if (!(s > 0)) {
        throw JobException.config("effnet.input.std values must be > 0");
      }
    }
    this.inputSize = inputSize;
    this.mean = mean.clone();
    this.std = std.clone();
    this.minCropArea = minCropArea;
    this.cropPadding = cropPadding;
    this.randAugment = randAugment;
  }

  /** This pipeline with RandAugment on training samples (between the crop and the flip). */
  public ShardSource withRandAugment(RandAugment policy) {
    return new ShardSource(inputSize, mean, std, minCropArea, cropPadding, policy);
  }

  public RandAugment randAugment() {
    return randAugment;
  }

  /** The dataset's label index ({@code labels.json} beside the shards). */
  public static LabelIndex labels(RunFiles files, String dataDir) {
    String uri = files.child(dataDir, "labels.json");
    if (!files.exists(uri)) {
      throw JobException.data("no labels.json in " + dataDir + ": is it a dataset written by the prep job?");
    }
    return LabelIndex.read(uri, files.hadoop());
  }

  /** One split's rows: {@code split} is "train", "validation" or a folder of shards. */
  public static Dataset<Row> rows(SparkSession spark, RunFiles files, String dataDir, String split) {
    String dir = split.equals("train") || split.equals("validation") ? files.child(dataDir, split) : split;
    if (!files.exists(dir)) {
      throw JobException.data("no shards at " + dir + ": expected the " + split + " split of a prep dataset");
    }
    Dataset<Row> rows = spark.read().parquet(dir);
    for (String column : new String[] {ShardSchema.IMAGE, ShardSchema.LABEL}) {
      if (!java.util.Arrays.asList(rows.columns()).contains(column)) {
        throw JobException.data("shards at " + dir + " have no '" + column + "' column: not a prep dataset");
      }
    }
    return rows.select(ShardSchema.IMAGE, ShardSchema.LABEL);
  }

  /**
   * Training samples for one epoch: random crops, RandAugment layers and flips, each record drawn from its own
   * random stream, a function of (seed, epoch, partition, position in the partition) only, so the samples do not
   * depend on how or how often the partition is consumed.
   */
  public JavaRDD<Sample<Float>> trainingSamples(Dataset<Row> rows, long seed, int epoch, boolean flip) {
    final ShardSource self = this;
    return rows.javaRDD().mapPartitionsWithIndex((partition, it) -> {
      long partitionSeed = recordSeed(recordSeed(seed, epoch), partition);
      // Lazy: a partition's decoded samples never sit in memory all at once.
      return new Iterator<Sample<Float>>() {
        private long position;

        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Sample<Float> next() {
          return self.trainingSample(it.next(), new Random(recordSeed(partitionSeed, position++)), flip);
        }
      };
    }, true);
  }

  /** SplitMix64's finaliser over {@code base + step}: independent-looking seeds for neighbouring steps. */
  static long recordSeed(long base, long step) {
    long z = base + (step + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Evaluation samples: the center crop, deterministic. */
  public JavaRDD<Sample<Float>> evaluationSamples(Dataset<Row> rows) {
    final ShardSource self = this;
    return rows.javaRDD().map(self::evaluationSample);
  }

  Sample<Float> trainingSample(Row row, Random random, boolean flip) {
    return trainingSample((byte[]) row.get(0), row.getInt(1), random, flip);
  }

  /**
   * One training sample from a shard's encoded image bytes: decode, random-resized-crop to the input size,
   * RandAugment when on (uint8, as the reference), flip with probability 1/2 when {@code flip}, normalise.
   */
  public Sample<Float> trainingSample(byte[] encodedImage, int label, Random random, boolean flip) {
    return Samples.image(trainingTensor(encodedImage, random, flip), 3, inputSize, inputSize, label);
  }

  /** The CHW floats of {@link #trainingSample}, without the BigDL sample around them. */
  public float[] trainingTensor(byte[] encodedImage, Random random, boolean flip) {
    DecodedImage img = ImageCodec.decode(encodedImage);
    ImageTransforms.Window w = ImageTransforms.randomResizedCrop(img.width(), img.height(), minCropArea, random);
    if (!randAugment.enabled()) {
      return ImageTransforms.toTensor(img.pixels(), img.width(), img.height(), img.channels(), w, inputSize,
          flip && random.nextBoolean(), mean, std);
    }
    byte[] rgb = ImageTransforms.cropResize(img.pixels(), img.width(), img.height(), img.channels(), w, inputSize);
    rgb = randAugment.apply(rgb, inputSize, inputSize, random);
    return ImageTransforms.normalise(rgb, inputSize, flip && random.nextBoolean(), mean, std);
  }

  Sample<Float> evaluationSample(Row row) {
    return Samples.image(evaluationTensor(decode(row)), 3, inputSize, inputSize, row.getInt(1));
  }

  /** The evaluation view of stored image bytes (a shard's {@code image} column): center crop, normalised CHW. */
  public float[] evaluationTensor(byte[] image) {
    return evaluationTensor(ImageCodec.decode(image));
  }

  /** The evaluation view of decoded pixels (1 or 3 channels): center crop, bilinear resize, normalised CHW. */
  public float[] evaluationTensor(DecodedImage img) {
    ImageTransforms.Window w = ImageTransforms.centerCrop(img.width(), img.height(), inputSize, cropPadding);
    return ImageTransforms.toTensor(img.pixels(), img.width(), img.height(), img.channels(), w, inputSize, false, mean,
        std);
  }

  /** The model input size this pipeline produces. */
  public int inputSize() {
    return inputSize;
  }

  /** The evaluation crop padding (see {@link ImageTransforms#centerCrop}). */
  public int cropPadding() {
    return cropPadding;
  }

  private static DecodedImage decode(Row row) {
    return ImageCodec.decode((byte[]) row.get(0));
  }

}
