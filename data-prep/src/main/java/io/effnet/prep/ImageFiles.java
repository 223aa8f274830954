package io.effnet.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The image files of an arbitrary folder tree on any Hadoop file system, listed and read the way the prep
 * job does it, for jobs that take user images directly (predict). Unlike a prep input, the tree need not
 * have class folders: images may sit at any depth, the root included.
 *
 * <pre>
 * JavaRDD&lt;ImageFiles.Entry&gt; files = ImageFiles.list(sc, hadoopConf, "hdfs://nn/incoming");
 * ImageFiles.Reader reader = ImageFiles.reader(hadoopConf, maxPixels);   // serializable: use it on executors
 * byte[] bytes = reader.read(entry);                                      // BadImageException: empty, too large, unreadable
 * DecodedImage img = SourceImages.decode(bytes, maxPixels);               // BadImageException: format, truncated, corrupt
 * </pre>
 */
public final class ImageFiles {
    /** Bytes beyond the largest plausible image of maxPixels pixels (8 bytes/pixel: 16-bit RGBA), as prep allows. */
    private static final long FILE_SIZE_SLACK = 16L << 20;

    private ImageFiles() {
    }

    /** A file found below the root. */
    public static final class Entry implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String relativePath;
        private final String uri;
        private final long size;
        private final String ignoredReason;

        Entry(String relativePath, String uri, long size, String ignoredReason) {
            this.relativePath = relativePath;
            this.uri = uri;
            this.size = size;
            this.ignoredReason = ignoredReason;
        }

        /** '/'-separated path below the root. */
        public String relativePath() {
            return relativePath;
        }

        /** The fully qualified URI. */
        public String uri() {
            return uri;
        }

        public long size() {
            return size;
        }

        /**
         * Null for an image candidate (an image file name, nothing hidden on its path); else why the file is not
         * one: {@code hidden_or_marker} (a name on its path starts with '.' or '_') or {@code not_an_image_name}.
         */
        public String ignoredReason() {
            return ignoredReason;
        }

        public boolean isImageCandidate() {
            return ignoredReason == null;
        }

        @Override
        public String toString() {
            return uri;
        }
    }

    /**
     * Every file below {@code root} (at any depth), image candidates and ignored files alike. Files directly
     * in the root are listed by the driver; each sub-folder's tree by an executor task.
     *
     * @throws PrepException if the root does not exist, is not a folder or cannot be listed
     */
    public static JavaRDD<Entry> list(JavaSparkContext sc, Configuration conf, String root) {
        Path qualified;
        FileStatus[] children;
        try {
            Path p = new Path(root);
            FileSystem fs = p.getFileSystem(conf);
            qualified = fs.makeQualified(p);
            if (!fs.exists(qualified)) {
                throw new PrepException("image folder not found: " + root);
            }
            if (!fs.getFileStatus(qualified).isDirectory()) {
                throw new PrepException(root + " is a file, not a folder of images");
            }
            children = fs.listStatus(qualified);
        } catch (IOException e) {
            throw new PrepException("cannot list " + root + ": " + e.getMessage(), e);
        }
        Arrays.sort(children);
        List<String> folderNames = new ArrayList<>();
        List<String> folderUris = new ArrayList<>();
        List<Entry> rootFiles = new ArrayList<>();
        for (FileStatus c : children) {
            String name = c.getPath().getName();
            if (c.isDirectory()) {
                if (!ImageFileNames.isHidden(name)) {
                    folderNames.add(name);
                    folderUris.add(c.getPath().toUri().toString());
                }
            } else {
                rootFiles.add(new Entry(name, canonical(c.getPath().toUri().toString()), c.getLen(),
                        ImageFileNames.ignoredReason(name)));
            }
        }
        JavaRDD<Entry> top = sc.parallelize(rootFiles, 1);
        if (folderNames.isEmpty()) {
            return top;
        }
        InputListing.ClassFolders folders = new InputListing.ClassFolders(qualified.toUri().toString(), folderNames,
                folderUris, rootFiles.size());
        JavaRDD<Entry> below = InputListing.listClassTrees(sc, new HadoopConf(conf), folders)
                .map(f -> new Entry(f.relativePath, canonical(f.uri), f.size, f.ignoredReason));
        return rootFiles.isEmpty() ? below : top.union(below);
    }

    /**
     * One spelling per file: Hadoop's listings give local files as {@code file:/x} or {@code file:///x}
     * depending on the call; the empty authority is dropped.
     */
    static String canonical(String uri) {
        try {
            URI u = URI.create(uri);
            if (u.getRawAuthority() == null && u.getPath() != null && u.getRawQuery() == null && u.getRawFragment() == null) {
                return new URI(u.getScheme(), null, u.getPath(), null).toString();
            }
            return uri;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return uri;
        }
    }

    /** A reader for executors, carrying the driver's Hadoop configuration (credentials, s3a/hdfs settings). */
    public static Reader reader(Configuration conf, long maxPixels) {
        return new Reader(new HadoopConf(conf), maxPixels);
    }

    /** Reads whole files with the same size limits as prep. */
    public static final class Reader implements Serializable {
        private static final long serialVersionUID = 1L;
        private final HadoopConf conf;
        private final long maxPixels;

        Reader(HadoopConf conf, long maxPixels) {
            if (maxPixels < 1) {
                throw new PrepException("maxPixels must be >= 1, got " + maxPixels);
            }
            this.conf = conf;
            this.maxPixels = maxPixels;
        }

        /**
         * The file's bytes.
         *
         * @throws BadImageException {@code empty_file}, {@code file_too_large} (more bytes than an image of
         *                           maxPixels pixels can need: not read) or {@code unreadable}
         */
        public byte[] read(Entry e) throws BadImageException {
            if (e.size == 0) {
                throw new BadImageException(BadReason.EMPTY_FILE, "file has 0 bytes");
            }
            long maxFileBytes = Math.min(Integer.MAX_VALUE - 64L, maxPixels * 8 + FILE_SIZE_SLACK);
            if (e.size > maxFileBytes) {
                throw new BadImageException(BadReason.FILE_TOO_LARGE,
                        e.size + " bytes is more than an image of maxPixels " + maxPixels + " can need");
            }
            try {
                Path p = new Path(URI.create(e.uri));
                FileSystem fs = p.getFileSystem(conf.get());
                byte[] bytes = new byte[(int) e.size];
                try (FSDataInputStream in = fs.open(p)) {
                    int off = 0;
                    while (off < bytes.length) {
                        int n = in.read(bytes, off, bytes.length - off);
                        if (n < 0) {
                            throw new EOFException("file shrank while reading: " + off + " of " + bytes.length + " bytes");
                        }
                        off += n;
                    }
                }
                return bytes;
            } catch (IOException | RuntimeException ex) {
                throw new BadImageException(BadReason.UNREADABLE, ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
        }
    }
}
