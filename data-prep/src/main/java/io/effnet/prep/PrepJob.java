package io.effnet.prep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Image files to Parquet shards: list, decode, check, resize, encode, split, shard, commit.
 *
 * <pre>
 * PrepReport report = PrepJob.run(spark, settings);
 * </pre>
 * writes {@code <output>/train/part-*.parquet}, {@code <output>/validation/part-*.parquet},
 * {@code <output>/labels.json} and {@code <output>/prep-report.json}, all or nothing (see {@link DatasetCommit}).
 * User errors raise {@link PrepException} and leave nothing at the destination.
 */
public final class PrepJob {
    private static final Logger LOG = LoggerFactory.getLogger(PrepJob.class);
    /** Files per processing task: enough to amortise task start-up, small enough to balance 2..1000 cores. */
    private static final long FILES_PER_TASK = 500;
    private static final long PROGRESS_INTERVAL_MS = 10_000;

    private PrepJob() {
    }

    public static PrepReport run(SparkSession spark, PrepSettings s) {
        s.validate();
        long start = System.nanoTime();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration hconf = spark.sparkContext().hadoopConfiguration();
        HadoopConf conf = new HadoopConf(hconf);
        LOG.info("prep: starting with {}", s);

        Source trainSource = Source.main(s, hconf);
        Source validationSource = s.separateValidationInput() ? Source.validation(s, hconf) : null;
        Path out;
        FileSystem outFs;
        boolean outExists;
        try {
            Path o = new Path(s.output());
            outFs = o.getFileSystem(hconf);
            out = outFs.makeQualified(o);
            outExists = outFs.exists(out);
        } catch (IOException e) {
            throw new PrepException("cannot access output " + s.output() + ": " + e.getMessage(), e);
        }
        String source = trainSource.name() + (validationSource == null ? "" : " + " + validationSource.name());
        checkLocations(s, out, trainSource, validationSource);
        if (outExists && !s.incremental() && !s.overwrite()) {
            throw new PrepException("output already exists: " + s.output()
                    + " (choose a new output, set overwrite to replace it, or incremental to add new files to it)");
        }
        boolean incremental = s.incremental() && outExists;
        LabelIndex existingIndex = null;
        if (incremental) {
            existingIndex = LabelIndex.read(new Path(out, ShardSchema.LABELS_FILE).toString(), hconf);
            checkCompatible(outFs, out, s);
        } else if (s.incremental()) {
            LOG.info("prep: incremental run but {} does not exist yet: building it from scratch", out);
        }

        Path tmp = DatasetCommit.createTemp(outFs, out);
        List<JavaRDD<?>> cached = new ArrayList<>();
        boolean published = false;
        try {
            PrepReport.Builder report = new PrepReport.Builder();
            report.settings = s;
            report.incremental = incremental;
            report.cores = sc.defaultParallelism();

            // 1. List each source on its own (its checks and messages name it); every file gets its split here.
            Listing trainListing = list(sc, hconf, conf, s, trainSource, cached);
            Listing validationListing = validationSource == null ? null : list(sc, hconf, conf, s, validationSource, cached);
            ListingSummary listing = new ListingSummary().merge(trainListing.summary);
            JavaRDD<ListedFile> candidates = trainListing.candidates;
            if (validationListing != null) {
                listing.merge(validationListing.summary);
                checkNoSharedFiles(trainListing.candidates, validationListing.candidates, trainSource, validationSource);
                candidates = candidates.union(validationListing.candidates);
            }
            report.listing = listing;

            // 2. Label index.
            LabelIndex labels = labelIndex(s, hconf, existingIndex, trainListing.classes,
                    validationListing == null ? null : validationListing.classes,
                    validationSource == null ? null : validationSource.name());
            report.labels = labels;

            // 3. Incremental: keep only files not in the dataset yet.
            JavaRDD<ListedFile> todo = candidates;
            long todoCount = listing.candidates;
            if (incremental) {
                IncrementalFilter.Result r = IncrementalFilter.newFiles(spark, out, candidates, s.separateValidationInput());
                todo = r.newFiles.persist(StorageLevel.MEMORY_AND_DISK());
                cached.add(todo);
                todoCount = todo.count();
                report.existingRows = r.existingRows;
                report.skippedAlreadyPresent = listing.candidates - todoCount;
                report.changedFiles = r.changedFiles(todo);
                LOG.info("prep: incremental: {} rows exist, {} files already present, {} new ({} of them changed)",
                        report.existingRows, report.skippedAlreadyPresent, todoCount, report.changedFiles);
                if (todoCount == 0) {
                    report.wallSeconds = seconds(start);
                    report.committed = false;
                    LOG.info("prep: nothing new in {}; dataset {} left as it is", source, out);
                    return report.build();
                }
            }

            // 4. Read, decode, check, resize, encode (once; persisted for the stats and the two writes).
            Map<String, Integer> labelIds = new HashMap<>();
            for (String name : labels.names()) {
                labelIds.put(name, labels.id(name));
            }
            ImageProcessor processor = new ImageProcessor(s, conf);
            LongAccumulator done = sc.sc().longAccumulator("prep.files.processed");
            int partitions = (int) Math.min(Integer.MAX_VALUE,
                    Math.max(2L * sc.defaultParallelism(), (todoCount + FILES_PER_TASK - 1) / FILES_PER_TASK));
            JavaRDD<ProcessedFile> processed = todo.repartition(partitions)
                    .mapPartitionsWithIndex((index, files) -> new ProcessingIterator(files, processor, labelIds, done, index), true)
                    .persist(StorageLevel.MEMORY_AND_DISK_SER());
            cached.add(processed);
            long processingStart = System.nanoTime();
            ProcessingStats stats;
            try (ProgressLog progress = new ProgressLog(done, todoCount, PROGRESS_INTERVAL_MS)) {
                stats = processed.aggregate(new ProcessingStats(), ProcessingStats::add, ProcessingStats::merge);
            }
            report.processingSeconds = seconds(processingStart);
            report.stats = stats;
            if (stats.bad > 0 && s.maxListedBadFiles() > 0) {
                report.badFiles = processed.filter(p -> !p.isGood())
                        .map(p -> new BadFile(p.relativePath, p.validation, p.badReason, p.badDetail))
                        .takeOrdered(s.maxListedBadFiles(), new BadFileOrder());
            }
            LOG.info("prep: processed {} files in {}s: {} train, {} validation, {} bad {}", stats.processed(),
                    String.format("%.1f", report.processingSeconds), stats.train, stats.validation, stats.bad, stats.badByReason);
            double badFraction = stats.processed() == 0 ? 0 : (double) stats.bad / stats.processed();
            if (badFraction > s.maxBadFraction()) {
                throw new PrepException(String.format("%d of %d image files (%.2f%%) could not be used %s, more than maxBadFraction %.2f%%;"
                                + " nothing was written. First bad files: %s. Fix or remove them, or raise maxBadFraction",
                        stats.bad, stats.processed(), 100 * badFraction, stats.badByReason, 100 * s.maxBadFraction(),
                        report.badFiles.subList(0, Math.min(5, report.badFiles.size()))));
            }
            if (stats.good() == 0) {
                throw new PrepException("none of the " + stats.processed() + " image files of " + source
                        + " could be used " + stats.badByReason + ": nothing was written");
            }
            if (validationSource != null && !incremental) {
                // The user asked for both splits from their own sources: an empty one is a broken dataset.
                checkSplitNotEmpty(stats.train, trainListing.summary.candidates, trainSource, "training");
                checkSplitNotEmpty(stats.validation, validationListing.summary.candidates, validationSource, "validation");
            }

            // 5. Shards: rows spread over shards and ordered by a seeded hash of the path.
            // A new dataset gets both folders even if one split is empty (one schema-only file), so readers
            // can always open both; an increment adds no empty files.
            if (stats.train > 0 || !incremental) {
                report.trainShards = writeSplit(spark, processed, false, s.shardsFor(stats.train, stats.trainImageBytes),
                        new Path(tmp, ShardSchema.TRAIN_DIR));
            }
            if (stats.validation > 0 || !incremental) {
                report.validationShards = writeSplit(spark, processed, true,
                        s.shardsFor(stats.validation, stats.validationImageBytes), new Path(tmp, ShardSchema.VALIDATION_DIR));
            }
            LOG.info("prep: {} + {} shards for {} + {} rows of {} + {} image bytes ({})", report.trainShards,
                    report.validationShards, stats.train, stats.validation, stats.trainImageBytes, stats.validationImageBytes,
                    s.targetShardMegabytes() > 0 ? "target " + s.targetShardMegabytes() + " MiB per shard"
                            : "target " + s.targetRowsPerShard() + " rows per shard");
            report.parquetBytesOut = DatasetCommit.parquetBytes(outFs, new Path(tmp, ShardSchema.TRAIN_DIR))
                    + DatasetCommit.parquetBytes(outFs, new Path(tmp, ShardSchema.VALIDATION_DIR));

            // 6. Label index + report, then publish.
            labels.write(new Path(tmp, ShardSchema.LABELS_FILE).toString(), hconf);
            report.committed = true;
            report.wallSeconds = seconds(start);
            PrepReport result = report.build();
            writeText(outFs, new Path(tmp, ShardSchema.REPORT_FILE), result.toJson());
            if (incremental) {
                DatasetCommit.publishIncrement(outFs, hconf, tmp, out);
            } else if (outExists) {
                DatasetCommit.publishOverwrite(outFs, tmp, out);
            } else {
                DatasetCommit.publishNew(outFs, tmp, out);
            }
            published = true;
            LOG.info("prep: wrote {} -> {}: {} ({} images/s/core)", source, out, result,
                    String.format("%.1f", result.imagesPerSecondPerCore()));
            return result;
        } catch (IOException e) {
            throw new PrepException("writing the dataset to " + s.output() + " failed: " + e.getMessage()
                    + " (nothing was published; check the destination and re-run)", e);
        } finally {
            for (JavaRDD<?> rdd : cached) {
                rdd.unpersist(false);
            }
            if (!published) {
                DatasetCommit.deleteQuietly(outFs, tmp);
            }
        }
    }

    /**
     * Where the images of one split come from (or of both, split by path hash): a class-folder tree, or a
     * manifest whose relative paths are resolved against {@link #root}.
     */
    private static final class Source {
        /** "input" or "validation input": how messages name this source's folder. */
        final String role;
        /** "manifest" or "validation manifest". */
        final String manifestRole;
        final String input;
        final String manifest;
        final Path root;
        /** Null: each file's split is decided by its path hash; else every file goes to this split. */
        final Boolean validation;

        private Source(String role, String manifestRole, String input, String manifest, Path root, Boolean validation) {
            this.role = role;
            this.manifestRole = manifestRole;
            this.input = input;
            this.manifest = manifest;
            this.root = root;
            this.validation = validation;
        }

        static Source main(PrepSettings s, Configuration hconf) {
            Path root = InputListing.qualifiedRoot(
                    s.input() != null ? s.input() : manifestFolder(s.manifest(), "input"), "input", hconf);
            return new Source("input", "manifest", s.input(), s.manifest(), root,
                    s.separateValidationInput() ? Boolean.FALSE : null);
        }

        static Source validation(PrepSettings s, Configuration hconf) {
            Path root = InputListing.qualifiedRoot(s.validationInput() != null ? s.validationInput()
                    : manifestFolder(s.validationManifest(), "validationInput"), "validation input", hconf);
            return new Source("validation input", "validation manifest", s.validationInput(), s.validationManifest(),
                    root, Boolean.TRUE);
        }

        boolean isTree() {
            return manifest == null;
        }

        String name() {
            return manifest != null ? manifest : input;
        }

        /** The folder as messages name it: the plain path for the input, "validation input <path>" otherwise. */
        String folder() {
            return Boolean.TRUE.equals(validation) ? role + " " + input : input;
        }
    }

    /** One source's listing: its image candidates (split assigned), what it found, and its classes. */
    private static final class Listing {
        final JavaRDD<ListedFile> candidates;
        final ListingSummary summary;
        final TreeSet<String> classes;

        Listing(JavaRDD<ListedFile> candidates, ListingSummary summary, TreeSet<String> classes) {
            this.candidates = candidates;
            this.summary = summary;
            this.classes = classes;
        }
    }

    private static Listing list(JavaSparkContext sc, Configuration hconf, HadoopConf conf, PrepSettings s, Source src,
                                List<JavaRDD<?>> cached) {
        JavaRDD<ListedFile> listed;
        List<String> classFolders = null;
        if (src.isTree()) {
            InputListing.ClassFolders cf = InputListing.classFolders(src.root, hconf);
            if (cf.names.isEmpty()) {
                throw new PrepException("no class folders under " + src.role + " " + src.input
                        + ": expected one sub-folder per class (e.g. " + src.input + "/cat/*.jpg)"
                        + (cf.filesOutside > 0 ? "; found " + cf.filesOutside + " files directly in it" : ""));
            }
            classFolders = cf.names;
            listed = InputListing.listClassTrees(sc, conf, cf);
        } else {
            listed = InputListing.listManifest(sc, conf, src.root, src.manifest);
        }
        final Boolean fixedSplit = src.validation;
        final double fraction = s.validationFraction();
        listed = (fixedSplit == null
                ? listed.map(f -> f.inSplit(PathHash.isValidation(f.relativePath, fraction)))
                : listed.map(f -> f.inSplit(fixedSplit)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        cached.add(listed);
        ListingSummary summary = listed.aggregate(new ListingSummary(), ListingSummary::add, ListingSummary::merge);
        LOG.info("prep: listed {} image candidates in {} classes in {}, {} other files ignored {}",
                summary.candidates, summary.candidatesPerClass.size(), src.name(), summary.ignored, summary.ignoredByReason);
        checkListing(src, summary, classFolders);
        JavaRDD<ListedFile> candidates = listed.filter(f -> f.ignoredReason == null);
        if (!src.isTree()) {
            checkNoDuplicatePaths(candidates, src);
        }
        TreeSet<String> classes = new TreeSet<>(classFolders != null ? classFolders : summary.candidatesPerClass.keySet());
        return new Listing(candidates, summary, classes);
    }

    private static String manifestFolder(String manifest, String rootSetting) {
        Path parent = new Path(manifest).getParent();
        if (parent == null) {
            throw new PrepException("manifest " + manifest + " has no parent folder to resolve relative paths against: set "
                    + rootSetting);
        }
        return parent.toString();
    }

    private static void checkLocations(PrepSettings s, Path out, Source train, Source validation) {
        if (train.isTree() && isInside(out, train.root)) {
            throw new PrepException("output " + s.output() + " lies inside the input " + s.input()
                    + ": it would be listed as a class folder on the next run; choose an output outside the input");
        }
        if (validation == null) {
            return;
        }
        if (validation.isTree() && isInside(out, validation.root)) {
            throw new PrepException("output " + s.output() + " lies inside the validation input " + s.validationInput()
                    + ": it would be listed as a class folder on the next run; choose an output outside it");
        }
        if (train.isTree() && validation.isTree() && (sameFolder(train.root, validation.root)
                || isInside(validation.root, train.root) || isInside(train.root, validation.root))) {
            throw new PrepException("the validation input " + s.validationInput() + " and the input " + s.input()
                    + " overlap (one lies inside the other): images would be in both splits, or a split would be a class"
                    + " folder of the other; give train and validation images separate folders, e.g. data/train and data/val");
        }
    }

    private static void checkListing(Source src, ListingSummary listing, List<String> classFolders) {
        if (listing.malformedLines() > 0) {
            throw new PrepException(src.manifestRole + " " + src.manifest + " has " + listing.malformedLines()
                    + " malformed lines, e.g. " + listing.malformedExamples + ": each line must be path,label (or path<TAB>label)");
        }
        if (classFolders != null) {
            List<String> empty = new ArrayList<>();
            for (String c : classFolders) {
                if (!listing.candidatesPerClass.containsKey(c)) {
                    empty.add(c);
                }
            }
            if (!empty.isEmpty()) {
                throw new PrepException("class folder(s) without images under " + src.folder() + ": "
                        + (empty.size() > 10 ? empty.subList(0, 10) + " and " + (empty.size() - 10) + " more" : empty)
                        + ": add images (" + new TreeSet<>(ImageFileNames.EXTENSIONS) + ") or remove the folder(s)");
            }
        }
        if (listing.candidates == 0) {
            throw new PrepException(src.isTree()
                    ? "no images found under " + src.folder() + ": expected one sub-folder per class holding image files"
                    : src.manifestRole + " " + src.manifest + " lists no images");
        }
    }

    private static void checkNoDuplicatePaths(JavaRDD<ListedFile> candidates, Source src) {
        JavaPairRDD<String, Integer> perPath = candidates.mapToPair(f -> new Tuple2<>(f.relativePath, 1)).reduceByKey(Integer::sum);
        List<Tuple2<String, Integer>> dups = perPath.filter(t -> t._2 > 1).take(5);
        if (!dups.isEmpty()) {
            List<String> names = new ArrayList<>();
            for (Tuple2<String, Integer> d : dups) {
                names.add(d._1 + " (x" + d._2 + ")");
            }
            throw new PrepException(src.manifestRole + " " + src.manifest + " lists the same path more than once, e.g. "
                    + names + ": keep one line per file");
        }
    }

    /** With separate inputs, a file listed for both splits would put validation images into training. */
    private static void checkNoSharedFiles(JavaRDD<ListedFile> train, JavaRDD<ListedFile> validation,
                                           Source trainSource, Source validationSource) {
        List<String> shared = train.map(f -> f.uri).intersection(validation.map(f -> f.uri)).take(5);
        if (!shared.isEmpty()) {
            throw new PrepException("files listed for both splits, e.g. " + shared + ": the training source "
                    + trainSource.name() + " and the validation source " + validationSource.name()
                    + " must not share files (validation images would be trained on); remove them from one of the two");
        }
    }

    private static void checkSplitNotEmpty(long rows, long candidates, Source src, String split) {
        if (rows == 0) {
            throw new PrepException("none of the " + candidates + " image files of " + src.name() + " could be used: the "
                    + split + " split would be empty; nothing was written. See the bad files in the log, fix or remove them");
        }
    }

    /**
     * The labels.json to write: the dataset's own (incremental), else a given one, else a fresh sorted index,
     * extended with the classes found. With a separate validation source, a class it holds that neither the
     * training source nor the base index knows would have no training images: an error unless allowUnknownClasses.
     */
    private static LabelIndex labelIndex(PrepSettings s, Configuration hconf, LabelIndex fromOutput,
                                         Set<String> trainClasses, Set<String> validationClasses, String validationName) {
        LabelIndex given = s.labelIndex() == null ? null : LabelIndex.read(s.labelIndex(), hconf);
        if (fromOutput != null && given != null && !fromOutput.equals(given)) {
            throw new PrepException("the label index " + s.labelIndex() + " differs from the dataset's own labels.json in "
                    + s.output() + ": leave labelIndex unset for incremental runs, or give the same file");
        }
        LabelIndex base = fromOutput != null ? fromOutput : given;
        TreeSet<String> classes = new TreeSet<>(trainClasses);
        if (validationClasses != null) {
            classes.addAll(validationClasses);
            TreeSet<String> validationOnly = new TreeSet<>(validationClasses);
            validationOnly.removeAll(trainClasses);
            if (base != null) {
                validationOnly.removeAll(base.names());
            }
            if (!validationOnly.isEmpty()) {
                if (!s.allowUnknownClasses()) {
                    throw new PrepException("classes only in the validation source " + validationName
                            + ", with no training images" + (base != null ? " and not in the label index" : "") + ": "
                            + validationOnly + ": a model cannot learn them; add training images for them, remove them"
                            + " from the validation source, or set allowUnknownClasses to keep them (validation only)");
                }
                LOG.warn("prep: classes {} are only in the validation source (allowUnknownClasses): no training images for them",
                        validationOnly);
            }
        }
        if (base == null) {
            return LabelIndex.of(classes);
        }
        TreeSet<String> unknown = new TreeSet<>(classes);
        unknown.removeAll(base.names());
        if (!unknown.isEmpty() && !s.allowUnknownClasses()) {
            throw new PrepException("classes not in the label index (" + base.size() + " classes): " + unknown
                    + ": set allowUnknownClasses to append them with new ids, or remove them from the input");
        }
        return base.extendedWith(classes);
    }

    /** Incremental runs must store images, and assign splits, the same way as the run that created the dataset. */
    private static void checkCompatible(FileSystem fs, Path out, PrepSettings s) {
        Path reportPath = new Path(out, ShardSchema.REPORT_FILE);
        try {
            if (!fs.exists(reportPath)) {
                throw new PrepException("incremental: " + out + " has no " + ShardSchema.REPORT_FILE
                        + ": it is not a dataset written by this tool; choose a new output");
            }
            JsonNode settings;
            try (InputStream in = fs.open(reportPath)) {
                settings = new ObjectMapper().readTree(in).path("settings");
            }
            String resize = settings.path("resize").path("spec").asText();
            String encoding = settings.path("encoding").asText();
            if (!resize.equals(s.resize().toString()) || !encoding.equals(s.encoding().toString())) {
                throw new PrepException("incremental: the dataset at " + out + " was written with resize " + resize
                        + " and encoding " + encoding + ", this run asks for " + s.resize() + " and " + s.encoding()
                        + ": use the same settings, or write a new dataset");
            }
            // Reports written before separate validation inputs existed have no "split": those split by path hash.
            JsonNode splitNode = settings.path("split");
            String datasetSplit = splitNode.isTextual() ? splitNode.asText() : PrepReport.SPLIT_BY_PATH_HASH;
            if (!datasetSplit.equals(PrepReport.splitMode(s))) {
                throw new PrepException("incremental: the dataset at " + out + (PrepReport.SPLIT_BY_SEPARATE_INPUTS.equals(datasetSplit)
                        ? " took its validation split from a separate validation input, this run splits one input by"
                                + " validationFraction: give the validation input (validationInput/validationManifest) again"
                        : " split one input by validationFraction, this run gives a separate validation input: leave"
                                + " validationInput/validationManifest unset")
                        + ", or write a new dataset");
            }
        } catch (IOException e) {
            throw new PrepException("incremental: cannot read " + reportPath + ": " + e.getMessage(), e);
        }
    }

    private static int writeSplit(SparkSession spark, JavaRDD<ProcessedFile> processed, boolean validation, int shards,
                                  Path dir) {
        JavaRDD<Row> shardRows = processed
                .filter(p -> p.isGood() && p.validation == validation)
                .mapToPair(p -> new Tuple2<>(p.shuffleKey, p))
                .repartitionAndSortWithinPartitions(new ShardPartitioner(shards))
                .map(t -> t._2.toRow());
        spark.createDataFrame(shardRows, ShardSchema.SCHEMA).write().parquet(dir.toString());
        return shards;
    }

    private static void writeText(FileSystem fs, Path p, String text) throws IOException {
        try (java.io.OutputStream o = fs.create(p, true)) {
            o.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static boolean sameFolder(Path a, Path b) {
        return stripSlash(a.toUri().toString()).equals(stripSlash(b.toUri().toString()));
    }

    private static String stripSlash(String uri) {
        return uri.endsWith("/") && uri.length() > 1 ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static boolean isInside(Path child, Path parent) {
        String c = child.toUri().toString();
        String p = parent.toUri().toString();
        if (!p.endsWith("/")) {
            p = p + "/";
        }
        return c.startsWith(p);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Shard = a mix of the row's shuffle key modulo the shard count. */
    static final class ShardPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int shards;

        ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return PathHash.shardOf((Long) key, shards);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShardPartitioner && ((ShardPartitioner) o).shards == shards;
        }

        @Override
        public int hashCode() {
            return shards;
        }
    }

    static final class BadFileOrder implements Comparator<BadFile>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(BadFile a, BadFile b) {
            return a.compareTo(b);
        }
    }

    /** Processes lazily (one image in memory at a time) and logs each task's throughput. */
    private static final class ProcessingIterator implements Iterator<ProcessedFile> {
        private final Iterator<ListedFile> files;
        private final ImageProcessor processor;
        private final Map<String, Integer> labelIds;
        private final LongAccumulator done;
        private final int partition;
        private final long startNanos = System.nanoTime();
        private long count;

        ProcessingIterator(Iterator<ListedFile> files, ImageProcessor processor, Map<String, Integer> labelIds,
                           LongAccumulator done, int partition) {
            this.files = files;
            this.processor = processor;
            this.labelIds = labelIds;
            this.done = done;
            this.partition = partition;
        }

        @Override
        public boolean hasNext() {
            boolean more = files.hasNext();
            if (!more && count > 0) {
                double s = (System.nanoTime() - startNanos) / 1e9;
                LOG.info("prep: task {} processed {} files in {}s ({} files/s)", partition, count,
                        String.format("%.1f", s), String.format("%.1f", count / Math.max(s, 1e-9)));
                count = 0;
            }
            return more;
        }

        @Override
        public ProcessedFile next() {
            ListedFile f = files.next();
            ProcessedFile p = processor.process(f, labelIds.get(f.className));
            count++;
            done.add(1);
            return p;
        }
    }
}
