package io.effnet.prep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one {@link PrepJob} run did; also written as {@code <output>/prep-report.json} ({@link #toJson()}).
 * In incremental mode the counts are those of the files added by this run.
 */
public final class PrepReport {
    private final PrepSettings settings;
    private final LabelIndex labels;
    private final Map<String, Long> trainCountsByClass;
    private final Map<String, Long> validationCountsByClass;
    private final Map<String, Long> badCountsByReason;
    private final Map<String, Long> ignoredCountsByReason;
    private final List<BadFile> badFiles;
    private final long listedCandidates;
    private final long trainCount;
    private final long validationCount;
    private final long badCount;
    private final long bytesIn;
    private final long trainImageBytes;
    private final long validationImageBytes;
    private final long parquetBytesOut;
    private final int trainShards;
    private final int validationShards;
    private final double wallSeconds;
    private final double processingSeconds;
    private final int cores;
    private final boolean incremental;
    private final long existingRows;
    private final long skippedAlreadyPresent;
    private final long changedFiles;
    private final boolean committed;

    private PrepReport(Builder b) {
        this.settings = b.settings;
        this.labels = b.labels;
        this.trainCountsByClass = Collections.unmodifiableMap(new TreeMap<>(b.stats.trainPerClass));
        this.validationCountsByClass = Collections.unmodifiableMap(new TreeMap<>(b.stats.validationPerClass));
        this.badCountsByReason = Collections.unmodifiableMap(new TreeMap<>(b.stats.badByReason));
        this.ignoredCountsByReason = Collections.unmodifiableMap(new TreeMap<>(b.listing.ignoredByReason));
        this.badFiles = Collections.unmodifiableList(new ArrayList<>(b.badFiles));
        this.listedCandidates = b.listing.candidates;
        this.trainCount = b.stats.train;
        this.validationCount = b.stats.validation;
        this.badCount = b.stats.bad;
        this.bytesIn = b.stats.bytesIn;
        this.trainImageBytes = b.stats.trainImageBytes;
        this.validationImageBytes = b.stats.validationImageBytes;
        this.parquetBytesOut = b.parquetBytesOut;
        this.trainShards = b.trainShards;
        this.validationShards = b.validationShards;
        this.wallSeconds = b.wallSeconds;
        this.processingSeconds = b.processingSeconds;
        this.cores = b.cores;
        this.incremental = b.incremental;
        this.existingRows = b.existingRows;
        this.skippedAlreadyPresent = b.skippedAlreadyPresent;
        this.changedFiles = b.changedFiles;
        this.committed = b.committed;
    }

    public PrepSettings settings() {
        return settings;
    }

    /** The label index written to labels.json. */
    public LabelIndex labels() {
        return labels;
    }

    public long trainCount() {
        return trainCount;
    }

    public long validationCount() {
        return validationCount;
    }

    /** Rows written (train + validation). */
    public long goodCount() {
        return trainCount + validationCount;
    }

    /** Candidate files skipped as bad (see {@link #badCountsByReason()}). */
    public long badCount() {
        return badCount;
    }

    /** bad / (good + bad); 0 when nothing was processed. */
    public double badFraction() {
        long n = goodCount() + badCount;
        return n == 0 ? 0.0 : (double) badCount / n;
    }

    /** Class name to rows, train split (classes without rows are absent). */
    public Map<String, Long> trainCountsByClass() {
        return trainCountsByClass;
    }

    public Map<String, Long> validationCountsByClass() {
        return validationCountsByClass;
    }

    /** {@link BadReason#key()} to count. */
    public Map<String, Long> badCountsByReason() {
        return badCountsByReason;
    }

    /** Files not considered images by name: reason ("not_an_image_name", "hidden_or_marker", ...) to count. */
    public Map<String, Long> ignoredCountsByReason() {
        return ignoredCountsByReason;
    }

    public long ignoredCount() {
        long n = 0;
        for (long v : ignoredCountsByReason.values()) {
            n += v;
        }
        return n;
    }

    /** Bad files sorted by path, at most settings.maxListedBadFiles() of them. */
    public List<BadFile> badFiles() {
        return badFiles;
    }

    /** Image candidates found by the listing (before incremental filtering). */
    public long listedCandidates() {
        return listedCandidates;
    }

    /** Bytes of all processed source files. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Bytes of the encoded images written (the image column, before Parquet). */
    public long imageBytesOut() {
        return trainImageBytes + validationImageBytes;
    }

    /** Bytes of the encoded images of the train split (what {@code targetShardMegabytes} divides). */
    public long trainImageBytes() {
        return trainImageBytes;
    }

    /** Bytes of the encoded images of the validation split. */
    public long validationImageBytes() {
        return validationImageBytes;
    }

    /** Bytes of the Parquet files written. */
    public long parquetBytesOut() {
        return parquetBytesOut;
    }

    public int trainShards() {
        return trainShards;
    }

    public int validationShards() {
        return validationShards;
    }

    public double wallSeconds() {
        return wallSeconds;
    }

    /** Seconds of the read+decode+resize+encode phase. */
    public double processingSeconds() {
        return processingSeconds;
    }

    /** Spark's default parallelism during the run (total executor cores). */
    public int cores() {
        return cores;
    }

    /** Processed files (good + bad) per second of the processing phase, per core. */
    public double imagesPerSecondPerCore() {
        long n = goodCount() + badCount;
        return processingSeconds <= 0 || cores <= 0 ? 0.0 : n / processingSeconds / cores;
    }

    public boolean incremental() {
        return incremental;
    }

    /** Incremental mode: rows the dataset held before this run. */
    public long existingRows() {
        return existingRows;
    }

    /** Incremental mode: candidates already in the dataset (same path, size and mtime). */
    public long skippedAlreadyPresent() {
        return skippedAlreadyPresent;
    }

    /** Incremental mode: added files whose path was already in the dataset with another size or mtime (the old row stays). */
    public long changedFiles() {
        return changedFiles;
    }

    /** False only for an incremental run that found nothing new (the dataset was left untouched). */
    public boolean committed() {
        return committed;
    }

    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("format", "effnet-prep-report/1");
        root.put("input", settings.input());
        root.put("manifest", settings.manifest());
        root.put("validation_input", settings.validationInput());
        root.put("validation_manifest", settings.validationManifest());
        root.put("output", settings.output());
        root.put("committed", committed);

        ObjectNode set = root.putObject("settings");
        ResizeSpec r = settings.resize();
        ObjectNode resize = set.putObject("resize");
        resize.put("spec", r.toString());
        resize.put("mode", r.mode().name());
        if (r.mode() == ResizeSpec.Mode.SHORTER_SIDE) {
            resize.put("shorter_side", r.shorterSide());
        } else if (r.mode() == ResizeSpec.Mode.EXACT) {
            resize.put("width", r.width());
            resize.put("height", r.height());
        }
        resize.put("filter", "triangle (bilinear), antialiased, PIL-compatible");
        set.put("encoding", settings.encoding().toString());
        set.put("split", splitMode(settings));
        set.put("validation_fraction", settings.validationFraction());
        if (settings.targetShardMegabytes() > 0) {
            set.putNull("target_rows_per_shard");
            set.put("target_shard_megabytes", settings.targetShardMegabytes());
        } else {
            set.put("target_rows_per_shard", settings.targetRowsPerShard());
            set.putNull("target_shard_megabytes");
        }
        set.put("seed", settings.seed());
        set.put("max_pixels", settings.maxPixels());
        set.put("max_bad_fraction", settings.maxBadFraction());
        set.put("label_index", settings.labelIndex());
        set.put("allow_unknown_classes", settings.allowUnknownClasses());
        set.put("incremental", settings.incremental());
        set.put("overwrite", settings.overwrite());

        root.put("num_classes", labels == null ? 0 : labels.size());
        ObjectNode counts = root.putObject("counts");
        counts.put("listed_candidates", listedCandidates);
        counts.put("train", trainCount);
        counts.put("validation", validationCount);
        counts.put("bad", badCount);
        counts.put("ignored", ignoredCount());
        counts.put("bad_fraction", badFraction());
        ObjectNode perClass = root.putObject("counts_per_class");
        if (labels != null) {
            for (String name : labels.names()) {
                ObjectNode c = perClass.putObject(name);
                c.put("id", labels.id(name));
                c.put("train", orZero(trainCountsByClass.get(name)));
                c.put("validation", orZero(validationCountsByClass.get(name)));
            }
        }
        ObjectNode badReasons = root.putObject("bad_by_reason");
        for (Map.Entry<String, Long> e : badCountsByReason.entrySet()) {
            badReasons.put(e.getKey(), e.getValue());
        }
        ArrayNode bad = root.putArray("bad_files");
        for (BadFile f : badFiles) {
            ObjectNode o = bad.addObject();
            o.put("path", f.path());
            o.put("split", f.split());
            o.put("reason", f.reason().key());
            o.put("detail", f.detail());
        }
        root.put("bad_files_listed", badFiles.size());
        ObjectNode ignoredReasons = root.putObject("ignored_by_reason");
        for (Map.Entry<String, Long> e : ignoredCountsByReason.entrySet()) {
            ignoredReasons.put(e.getKey(), e.getValue());
        }
        ObjectNode bytes = root.putObject("bytes");
        bytes.put("in", bytesIn);
        bytes.put("image_out", imageBytesOut());
        bytes.put("image_out_train", trainImageBytes);
        bytes.put("image_out_validation", validationImageBytes);
        bytes.put("parquet_out", parquetBytesOut);
        ObjectNode shards = root.putObject("shards");
        shards.put("train", trainShards);
        shards.put("validation", validationShards);
        ObjectNode time = root.putObject("timing");
        time.put("wall_seconds", wallSeconds);
        time.put("processing_seconds", processingSeconds);
        time.put("cores", cores);
        time.put("images_per_second_per_core", imagesPerSecondPerCore());
        ObjectNode inc = root.putObject("incremental");
        inc.put("enabled", incremental);
        inc.put("existing_rows", existingRows);
        inc.put("skipped_already_present", skippedAlreadyPresent);
        inc.put("changed_files", changedFiles);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Value of settings.split in the report: how rows were assigned to the splits. */
    static final String SPLIT_BY_PATH_HASH = "path_hash";
    static final String SPLIT_BY_SEPARATE_INPUTS = "separate_inputs";

    static String splitMode(PrepSettings s) {
        return s.separateValidationInput() ? SPLIT_BY_SEPARATE_INPUTS : SPLIT_BY_PATH_HASH;
    }

    private static long orZero(Long v) {
        return v == null ? 0L : v;
    }

    @Override
    public String toString() {
        return "PrepReport{train=" + trainCount + ", validation=" + validationCount + ", bad=" + badCount
                + ", ignored=" + ignoredCount() + ", classes=" + (labels == null ? 0 : labels.size())
                + ", shards=" + trainShards + "+" + validationShards + ", wall=" + String.format("%.1fs", wallSeconds) + "}";
    }

    static final class Builder {
        PrepSettings settings;
        LabelIndex labels;
        ListingSummary listing = new ListingSummary();
        ProcessingStats stats = new ProcessingStats();
        List<BadFile> badFiles = new ArrayList<>();
        long parquetBytesOut;
        int trainShards;
        int validationShards;
        double wallSeconds;
        double processingSeconds;
        int cores;
        boolean incremental;
        long existingRows;
        long skippedAlreadyPresent;
        long changedFiles;
        boolean committed;

        PrepReport build() {
            return new PrepReport(this);
        }
    }
}
