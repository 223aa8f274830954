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
 *     .validationFraction(0.1)
 *     .build();                                 // validates
 * </pre>
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

    private final String input;
    private final String manifest;
    private final String output;
    private final ResizeSpec resize;
    private final OutputEncoding encoding;
    private final double validationFraction;
    private final int targetRowsPerShard;
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
        this.output = b.output;
        this.resize = b.resize;
        this.encoding = b.encoding;
        this.validationFraction = b.validationFraction;
        this.targetRowsPerShard = b.targetRowsPerShard;
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
        b.output = output;
        b.resize = resize;
        b.encoding = encoding;
        b.validationFraction = validationFraction;
        b.targetRowsPerShard = targetRowsPerShard;
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
        if (!(validationFraction >= 0.0 && validationFraction < 1.0)) {
            problems.add("validation fraction must be in [0, 1), got " + validationFraction);
        }
        if (targetRowsPerShard < 1) {
            problems.add("target rows per shard must be >= 1, got " + targetRowsPerShard);
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

    public String output() {
        return output;
    }

    public ResizeSpec resize() {
        return resize;
    }

    public OutputEncoding encoding() {
        return encoding;
    }

    public double validationFraction() {
        return validationFraction;
    }

    public int targetRowsPerShard() {
        return targetRowsPerShard;
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
        return "PrepSettings{input=" + input + ", manifest=" + manifest + ", output=" + output
                + ", resize=" + resize + ", encoding=" + encoding + ", validationFraction=" + validationFraction
                + ", targetRowsPerShard=" + targetRowsPerShard + ", seed=" + seed + ", maxPixels=" + maxPixels
                + ", maxBadFraction=" + maxBadFraction + ", labelIndex=" + labelIndex
                + ", allowUnknownClasses=" + allowUnknownClasses + ", incremental=" + incremental
                + ", overwrite=" + overwrite + ", maxListedBadFiles=" + maxListedBadFiles + "}";
    }

    /** Required: input, output. Everything else has the documented default. */
    public static final class Builder {
        private String input;
        private String manifest;
        private String output;
        private ResizeSpec resize = ResizeSpec.shorterSide(256);
        private OutputEncoding encoding = OutputEncoding.jpeg();
        private double validationFraction = DEFAULT_VALIDATION_FRACTION;
        private int targetRowsPerShard = DEFAULT_TARGET_ROWS_PER_SHARD;
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

        /** Default 0.1. Split by a stable hash of the relative path, independent of the seed. */
        public Builder validationFraction(double fraction) {
            this.validationFraction = fraction;
            return this;
        }

        /** Default 5000. */
        public Builder targetRowsPerShard(int rows) {
            this.targetRowsPerShard = rows;
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
