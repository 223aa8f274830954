package io.effnet.prep;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything one {@link PrepJob} run needs, immutable and validated. Paths are Hadoop URI strings:
 * a plain local path, {@code file://}, {@code hdfs://} or {@code s3a://}.
 *
 * <pre>
 * PrepSettings s = PrepSettings.builder()
 *     .input("hdfs://nn/images/train")          // one sub-folder per class
 *     .output("hdfs://nn/datasets/train-256")
 *     .resize(ResizeSpec.shorterSide(256))
 *     .encoding(OutputEncoding.jpeg(95))
 *     .validationFraction(0.1)                  // or: .validationInput("hdfs://nn/images/val")
 *     .build();                                 // validates
 * </pre>
 *
 * <p>Two settings have a default that yields to another setting, so they remember whether they were set:
 * {@code validationFraction} (default 0.1, but 0 with a separate validation input, where a non-zero value
 * is an error) and {@code targetRowsPerShard} (default 5000, unused with {@code targetShardMegabytes},
 * where setting both is an error).
 */
public final class PrepSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** PIL's default decompression-bomb limit (Image.MAX_IMAGE_PIXELS), a well-known safe default. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;
    public static final double DEFAULT_VALIDATION_FRACTION = 0.1;
    public static final int DEFAULT_TARGET_ROWS_PER_SHARD = 5000;
    public static final long DEFAULT_SEED = 42L;
    public static final double DEFAULT_MAX_BAD_FRACTION = 0.01;
    public static final int DEFAULT_MAX_LISTED_BAD_FILES = 1000;
    /** What {@link Builder#targetShardMegabytes(int)} counts in: a mebibyte, as HDFS block sizes are given. */
    public static final long BYTES_PER_MEGABYTE = 1L << 20;

    private final String input;
    private final String manifest;
    private final String validationInput;
    private final String validationManifest;
    private final String output;
    private final ResizeSpec resize;
    private final OutputEncoding encoding;
    /** Null: not set, the default applies (see {@link #validationFraction()}). */
    private final Double validationFraction;
    /** Null: not set, the default applies (see {@link #targetRowsPerShard()}). */
    private final Integer targetRowsPerShard;
    /** Null: shards are sized by rows. */
    private final Integer targetShardMegabytes;
    private final long seed;
    private final long maxPixels;
    private final double maxBadFraction;
    private final String labelIndex;
    private final boolean allowUnknownClasses;
    private final boolean incremental;
    private final boolean overwrite;
    private final int maxListedBadFiles;

    private PrepSettings(Builder b) {
        this.input = b.input;
        this.manifest = b.manifest;
        this.validationInput = b.validationInput;
        this.validationManifest = b.validationManifest;
        this.output = b.output;
        this.resize = b.resize;
        this.encoding = b.encoding;
        this.validationFraction = b.validationFraction;
        this.targetRowsPerShard = b.targetRowsPerShard;
        this.targetShardMegabytes = b.targetShardMegabytes;
        this.seed = b.seed;
        this.maxPixels = b.maxPixels;
        this.maxBadFraction = b.maxBadFraction;
        this.labelIndex = b.labelIndex;
        this.allowUnknownClasses = b.allowUnknownClasses;
        this.incremental = b.incremental;
        this.overwrite = b.overwrite;
        this.maxListedBadFiles = b.maxListedBadFiles;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this object's values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.input = input;
        b.manifest = manifest;
        b.validationInput = validationInput;
        b.validationManifest = validationManifest;
        b.output = output;
        b.resize = resize;
        b.encoding = encoding;
        b.validationFraction = validationFraction;
        b.targetRowsPerShard = targetRowsPerShard;
        b.targetShardMegabytes = targetShardMegabytes;
        b.seed = seed;
        b.maxPixels = maxPixels;
        b.maxBadFraction = maxBadFraction;
        b.labelIndex = labelIndex;
        b.allowUnknownClasses = allowUnknownClasses;
        b.incremental = incremental;
        b.overwrite = overwrite;
        b.maxListedBadFiles = maxListedBadFiles;
        return b;
    }

    /** Throws a {@link PrepException} listing every problem at once. {@link Builder#build()} calls it. */
    public void validate() {
        List<String> problems = new ArrayList<>();
        if (isBlank(input) && isBlank(manifest)) {
            problems.add("input is required: a folder with one sub-folder per class (or give a manifest of path,label lines)");
        }
        if (manifest != null && isBlank(manifest)) {
            problems.add("manifest is empty: leave it unset or give a CSV/TSV file of path,label lines");
        }
        if (isBlank(output)) {
            problems.add("output is required: the dataset folder to create (train/, validation/, labels.json, prep-report.json)");
        }
        if (input != null && isBlank(input)) {
            problems.add("input is empty: leave it unset (with a manifest) or give a folder");
        }
        if (!isBlank(input) && !isBlank(output) && trimSlash(input).equals(trimSlash(output))) {
            problems.add("output must differ from input (" + output + ")");
        }
        if (resize == null) {
            problems.add("resize is required: ResizeSpec.none(), shorterSide(n) or exact(w, h)");
        }
        if (encoding == null) {
            problems.add("encoding is required: OutputEncoding.jpeg(q), png() or raw()");
        }
        if (validationInput != null && isBlank(validationInput)) {
            problems.add("validation input is empty: leave it unset or give a folder with one sub-folder per class");
        }
        if (validationManifest != null && isBlank(validationManifest)) {
            problems.add("validation manifest is empty: leave it unset or give a CSV/TSV file of path,label lines");
        }
        if (!isBlank(validationInput) && !isBlank(input) && trimSlash(validationInput).equals(trimSlash(input))) {
            problems.add("validation input must differ from input (" + input + "): give the validation images their own"
                    + " folder, or leave it unset and split the input by validationFraction");
        }
        if (!isBlank(validationManifest) && !isBlank(manifest) && trimSlash(validationManifest).equals(trimSlash(manifest))) {
            problems.add("validation manifest must differ from manifest (" + manifest + "): list the validation images in"
                    + " their own file, or leave it unset and split the manifest by validationFraction");
        }
        if (!isBlank(validationInput) && !isBlank(output) && trimSlash(validationInput).equals(trimSlash(output))) {
            problems.add("output must differ from the validation input (" + output + ")");
        }
        if (validationFraction != null && !(validationFraction >= 0.0 && validationFraction < 1.0)) {
            problems.add("validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (separateValidationInput() && validationFraction != null && validationFraction != 0.0) {
            problems.add("validation fraction must be 0 or unset with a separate validation input/manifest (got "
                    + validationFraction + "): every image of input/manifest goes to train and every image of the"
                    + " validation input to validation; unset validationInput/validationManifest to split one input instead");
        }
        if (targetRowsPerShard != null && targetRowsPerShard < 1) {
            problems.add("target rows per shard must be >= 1, got " + targetRowsPerShard);
        }
        if (targetShardMegabytes != null && targetShardMegabytes < 1) {
            problems.add("target shard megabytes must be >= 1, got " + targetShardMegabytes);
        }
        if (targetShardMegabytes != null && targetRowsPerShard != null) {
            problems.add("set either target rows per shard (" + targetRowsPerShard + ") or target shard megabytes ("
                    + targetShardMegabytes + "), not both: they are two ways of choosing the number of shards");
        }
        if (maxPixels < 1) {
            problems.add("max pixels must be >= 1, got " + maxPixels);
        }
        if (!(maxBadFraction >= 0.0 && maxBadFraction <= 1.0)) {
            problems.add("max bad fraction must be in [0, 1], got " + maxBadFraction);
        }
        if (labelIndex != null && isBlank(labelIndex)) {
            problems.add("label index path is empty: leave it unset or point it at a labels.json");
        }
        if (incremental && overwrite) {
            problems.add("incremental and overwrite exclude each other: incremental adds to the existing dataset, overwrite replaces it");
        }
        if (maxListedBadFiles < 0) {
            problems.add("max listed bad files must be >= 0, got " + maxListedBadFiles);
        }
        if (!problems.isEmpty()) {
            throw new PrepException("invalid prep settings: " + String.join("; ", problems));
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.trim().isEmpty();
    }

    private static String trimSlash(String s) {
        String t = s.trim();
        while (t.length() > 1 && t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }

    /** The class-folder root, or the root manifest paths are relative to; may be null when a manifest is given. */
    public String input() {
        return input;
    }

    /**
     * CSV/TSV of {@code path,label} lines; relative paths are resolved against {@link #input()}, or against the
     * manifest's own folder when input is unset; null if unset.
     */
    public String manifest() {
        return manifest;
    }

    /**
     * A class-folder tree whose every image goes to the validation split (and then every image of
     * {@link #input()}/{@link #manifest()} to train); with {@link #validationManifest()}, the root its relative
     * paths are resolved against. Null if unset.
     */
    public String validationInput() {
        return validationInput;
    }

    /**
     * A CSV/TSV of {@code path,label} lines whose every image goes to the validation split; relative paths are
     * resolved against {@link #validationInput()}, or the manifest's own folder when that is unset. Null if unset.
     */
    public String validationManifest() {
        return validationManifest;
    }

    /** True if the validation split comes from its own input (validationInput and/or validationManifest). */
    public boolean separateValidationInput() {
        return validationInput != null || validationManifest != null;
    }

    public String output() {
        return output;
    }

    public ResizeSpec resize() {
        return resize;
    }

    public OutputEncoding encoding() {
        return encoding;
    }

    /**
     * The fraction of the one input that goes to validation (by path hash): as set, else
     * {@link #DEFAULT_VALIDATION_FRACTION}, but 0 with a separate validation input.
     */
    public double validationFraction() {
        if (validationFraction != null) {
            return validationFraction;
        }
        return separateValidationInput() ? 0.0 : DEFAULT_VALIDATION_FRACTION;
    }

    /** As set, else {@link #DEFAULT_TARGET_ROWS_PER_SHARD}; 0 when shards are sized by {@link #targetShardMegabytes()}. */
    public int targetRowsPerShard() {
        if (targetRowsPerShard != null) {
            return targetRowsPerShard;
        }
        return targetShardMegabytes != null ? 0 : DEFAULT_TARGET_ROWS_PER_SHARD;
    }

    /** Target encoded-image megabytes (MiB) per shard file; 0 when shards are sized by rows. */
    public int targetShardMegabytes() {
        return targetShardMegabytes == null ? 0 : targetShardMegabytes;
    }

    /**
     * Shards for one split of {@code rows} rows whose encoded images total {@code imageBytes} bytes:
     * ceil(imageBytes / (targetShardMegabytes * 2^20)) when sized by bytes, else ceil(rows / targetRowsPerShard);
     * at least 1 (an empty split gets one schema-only file).
     */
    public int shardsFor(long rows, long imageBytes) {
        long shards = targetShardMegabytes != null
                ? ceilDiv(imageBytes, targetShardMegabytes * BYTES_PER_MEGABYTE)
                : ceilDiv(rows, targetRowsPerShard());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, shards));
    }

    private static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a - 1) / b + 1;
    }

    public long seed() {
        return seed;
    }

    public long maxPixels() {
        return maxPixels;
    }

    public double maxBadFraction() {
        return maxBadFraction;
    }

    /** Path of an existing labels.json whose ids must be kept; null if unset. */
    public String labelIndex() {
        return labelIndex;
    }

    public boolean allowUnknownClasses() {
        return allowUnknownClasses;
    }

    public boolean incremental() {
        return incremental;
    }

    public boolean overwrite() {
        return overwrite;
    }

    public int maxListedBadFiles() {
        return maxListedBadFiles;
    }

    @Override
    public String toString() {
        return "PrepSettings{input=" + input + ", manifest=" + manifest + ", validationInput=" + validationInput
                + ", validationManifest=" + validationManifest + ", output=" + output
                + ", resize=" + resize + ", encoding=" + encoding + ", validationFraction=" + validationFraction()
                + ", targetRowsPerShard=" + targetRowsPerShard() + ", targetShardMegabytes=" + targetShardMegabytes()
                + ", seed=" + seed + ", maxPixels=" + maxPixels
                + ", maxBadFraction=" + maxBadFraction + ", labelIndex=" + labelIndex
                + ", allowUnknownClasses=" + allowUnknownClasses + ", incremental=" + incremental
                + ", overwrite=" + overwrite + ", maxListedBadFiles=" + maxListedBadFiles + "}";
    }

    /** Required: input, output. Everything else has the documented default. */
    public static final class Builder {
        private String input;
        private String manifest;
        private String validationInput;
        private String validationManifest;
        private String output;
        private ResizeSpec resize = ResizeSpec.shorterSide(256);
        private OutputEncoding encoding = OutputEncoding.jpeg();
        private Double validationFraction;
        private Integer targetRowsPerShard;
        private Integer targetShardMegabytes;
        private long seed = DEFAULT_SEED;
        private long maxPixels = DEFAULT_MAX_PIXELS;
        private double maxBadFraction = DEFAULT_MAX_BAD_FRACTION;
        private String labelIndex;
        private boolean allowUnknownClasses;
        private boolean incremental;
        private boolean overwrite;
        private int maxListedBadFiles = DEFAULT_MAX_LISTED_BAD_FILES;

        private Builder() {
        }

        public Builder input(String uri) {
            this.input = uri;
            return this;
        }

        public Builder manifest(String uri) {
            this.manifest = uri;
            return this;
        }

        /**
         * A separate validation set: a folder with one sub-folder per class (like input), or with
         * {@link #validationManifest(String)} the root its relative paths are resolved against. When given, every
         * image of input/manifest goes to train and every image here to validation; validationFraction must then
         * be 0 or unset. Classes found only here (not in input/manifest nor in a given or existing label index)
         * are an error unless {@link #allowUnknownClasses(boolean)}.
         */
        public Builder validationInput(String uri) {
            this.validationInput = uri;
            return this;
        }

        /** A CSV/TSV of {@code path,label} lines for the validation split; otherwise as {@link #validationInput(String)}. */
        public Builder validationManifest(String uri) {
            this.validationManifest = uri;
            return this;
        }

        public Builder output(String uri) {
            this.output = uri;
            return this;
        }

        /** Default: {@code ResizeSpec.shorterSide(256)}. */
        public Builder resize(ResizeSpec resize) {
            this.resize = resize;
            return this;
        }

        /** Default: {@code OutputEncoding.jpeg(95)}. */
        public Builder encoding(OutputEncoding encoding) {
            this.encoding = encoding;
            return this;
        }

        /**
         * Default 0.1 (0 with a separate validation input, where only 0 is accepted). Split by a stable hash of
         * the relative path, independent of the seed.
         */
        public Builder validationFraction(double fraction) {
            this.validationFraction = fraction;
            return this;
        }

        /** Default 5000: shards per split = ceil(rows / target). Excludes {@link #targetShardMegabytes(int)}. */
        public Builder targetRowsPerShard(int rows) {
            this.targetRowsPerShard = rows;
            return this;
        }

        /**
         * Unset by default. Shards per split = ceil(encoded image bytes of the split / (megabytes * 2^20)), at
         * least 1. The bytes are the image column's, known after encoding and before writing; a Parquet file also
         * holds the other columns (about 100 bytes a row) and is compressed (snappy, which can shrink RAW images).
         * Excludes {@link #targetRowsPerShard(int)}: setting both is an error.
         */
        public Builder targetShardMegabytes(int megabytes) {
            this.targetShardMegabytes = megabytes;
            return this;
        }

        /** Default 42. Drives which shard a row lands in and the row order inside a shard. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Default {@link #DEFAULT_MAX_PIXELS}; larger images (by header) are skipped as bad. */
        public Builder maxPixels(long pixels) {
            this.maxPixels = pixels;
            return this;
        }

        /** Default 0.01: the run fails and writes nothing when bad / (good + bad) exceeds it. */
        public Builder maxBadFraction(double fraction) {
            this.maxBadFraction = fraction;
            return this;
        }

        /** An existing labels.json whose ids are kept (e.g. the one a model was trained with). */
        public Builder labelIndex(String uri) {
            this.labelIndex = uri;
            return this;
        }

        /** Default false: a class missing from the given label index is an error; true appends it with a new id. */
        public Builder allowUnknownClasses(boolean allow) {
            this.allowUnknownClasses = allow;
            return this;
        }

        /** Default false: add only files not yet in the dataset at output (by path + size + mtime). */
        public Builder incremental(boolean incremental) {
            this.incremental = incremental;
            return this;
        }

        /** Default false: an existing output is an error; true replaces it (after the new one is complete). */
        public Builder overwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /** Default 1000: bad files beyond this many are counted but not listed one by one in the report. */
        public Builder maxListedBadFiles(int n) {
            this.maxListedBadFiles = n;
            return this;
        }

        public PrepSettings build() {
            PrepSettings s = new PrepSettings(this);
            s.validate();
            return s;
        }
    }
}
