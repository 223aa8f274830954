package io.effnet.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.UUID;

/**
 * All-or-nothing publication of a dataset. Everything is written into a hidden sibling of the output
 * ({@code .<name>.prep-tmp-<uuid>}, ignored by Spark and Hadoop readers), then published by rename:
 * <ul>
 * <li>new output: one directory rename (atomic on HDFS and local file systems; on S3 a rename is a copy,
 *     so a crash mid-copy can leave a partial output there);</li>
 * <li>overwrite: the old output is renamed aside, the new one renamed in, the old one deleted;</li>
 * <li>incremental: labels.json is replaced first (existing ids never change, so old rows stay valid),
 *     then each new Parquet file is renamed into train/ and validation/, then the report. The rows carry
 *     their source identity (path, size, mtime), so should a crash interrupt the renames, the dataset is
 *     still consistent and the next incremental run adds what is missing.</li>
 * </ul>
 */
final class DatasetCommit {
    private static final Logger LOG = LoggerFactory.getLogger(DatasetCommit.class);

    private DatasetCommit() {
    }

    static Path createTemp(FileSystem fs, Path output) {
        Path parent = output.getParent();
        if (parent == null) {
            throw new PrepException("output " + output + " is a file system root: give a folder below it");
        }
        Path tmp = new Path(parent, "." + output.getName() + ".prep-tmp-" + UUID.randomUUID());
        try {
            if (fs.exists(parent) && !fs.getFileStatus(parent).isDirectory()) {
                throw new PrepException("cannot write output " + output + ": its parent " + parent
                        + " is a file, not a folder: choose another output location");
            }
            if (!fs.mkdirs(tmp)) {
                throw new PrepException("cannot create " + tmp + " next to the output: check that " + parent
                        + " is writable, or choose another output location");
            }
            Path probe = new Path(tmp, ".probe");
            fs.create(probe, true).close();
            fs.delete(probe, false);
            return tmp;
        } catch (IOException e) {
            deleteQuietly(fs, tmp);
            throw new PrepException("cannot write next to the output " + output + " (" + e.getClass().getSimpleName()
                    + ": " + firstLine(e.getMessage()) + "): check permissions or choose another output location", e);
        }
    }

    static void publishNew(FileSystem fs, Path tmp, Path output) throws IOException {
        if (!fs.rename(tmp, output)) {
            throw new IOException("rename " + tmp + " -> " + output + " failed");
        }
    }

    static void publishOverwrite(FileSystem fs, Path tmp, Path output) throws IOException {
        Path old = new Path(output.getParent(), "." + output.getName() + ".prep-old-" + UUID.randomUUID());
        if (!fs.rename(output, old)) {
            throw new IOException("cannot move the existing output " + output + " aside to " + old);
        }
        if (!fs.rename(tmp, output)) {
            // Put the old dataset back so a failed overwrite changes nothing.
            fs.rename(old, output);
            throw new IOException("rename " + tmp + " -> " + output + " failed; the previous output was restored");
        }
        if (!fs.delete(old, true)) {
            LOG.warn("prep: could not delete the replaced dataset at {}; remove it by hand", old);
        }
    }

    static void publishIncrement(FileSystem fs, Configuration conf, Path tmp, Path output) throws IOException {
        replace(fs, conf, new Path(tmp, ShardSchema.LABELS_FILE), new Path(output, ShardSchema.LABELS_FILE));
        for (String split : new String[] {ShardSchema.TRAIN_DIR, ShardSchema.VALIDATION_DIR}) {
            Path from = new Path(tmp, split);
            Path to = new Path(output, split);
            if (!fs.exists(from)) {
                continue;
            }
            fs.mkdirs(to);
            for (FileStatus st : fs.listStatus(from)) {
                String name = st.getPath().getName();
                if (st.isFile() && !ImageFileNames.isHidden(name) && name.endsWith(".parquet")) {
                    Path dest = new Path(to, name);
                    if (!fs.rename(st.getPath(), dest)) {
                        throw new IOException("rename " + st.getPath() + " -> " + dest + " failed");
                    }
                }
            }
        }
        replace(fs, conf, new Path(tmp, ShardSchema.REPORT_FILE), new Path(output, ShardSchema.REPORT_FILE));
        deleteQuietly(fs, tmp);
    }

    /**
     * Replaces a small file. HDFS renames over an existing file atomically (FileContext, Rename.OVERWRITE);
     * the local checksummed file system does not carry the .crc file along that way, so there (and on
     * object stores, where nothing is atomic anyway) it is delete-then-rename.
     */
    private static void replace(FileSystem fs, Configuration conf, Path from, Path to) throws IOException {
        if ("hdfs".equals(to.toUri().getScheme())) {
            FileContext.getFileContext(to.toUri(), conf).rename(from, to, Options.Rename.OVERWRITE);
            return;
        }
        if (fs.exists(to) && !fs.delete(to, false)) {
            throw new IOException("cannot replace " + to);
        }
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }

    /** Total size of the Parquet files below a folder. */
    static long parquetBytes(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) {
            return 0;
        }
        long total = 0;
        for (FileStatus st : fs.listStatus(dir)) {
            if (st.isFile() && st.getPath().getName().endsWith(".parquet") && !ImageFileNames.isHidden(st.getPath().getName())) {
                total += st.getLen();
            }
        }
        return total;
    }

    static void deleteQuietly(FileSystem fs, Path p) {
        try {
            if (fs.exists(p)) {
                fs.delete(p, true);
            }
        } catch (IOException e) {
            LOG.warn("prep: could not delete temporary folder {}: {}", p, e.getMessage());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
