package io.effnet.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Finds the source files. The driver lists only the input root (the class folders); each class
 * folder's subtree is listed by an executor task, so a tree of millions of files is not walked by one
 * driver loop. A manifest is read with textFile and its files are looked up on executors too.
 */
final class InputListing {
    private InputListing() {
    }

    /** The input root's class folders, found on the driver. */
    static final class ClassFolders implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final String rootUri;
        final List<String> names;
        final List<String> uris;
        final long filesOutside;

        ClassFolders(String rootUri, List<String> names, List<String> uris, long filesOutside) {
            this.rootUri = rootUri;
            this.names = names;
            this.uris = uris;
            this.filesOutside = filesOutside;
        }
    }

    /** @param role how messages name the folder: "input" or "validation input" */
    static Path qualifiedRoot(String input, String role, org.apache.hadoop.conf.Configuration conf) {
        Path root = new Path(input);
        try {
            FileSystem fs = root.getFileSystem(conf);
            Path q = fs.makeQualified(root);
            if (!fs.exists(q)) {
                throw new PrepException(role + " not found: " + input + " (give an existing folder with one sub-folder per class)");
            }
            if (!fs.getFileStatus(q).isDirectory()) {
                throw new PrepException(role + " is not a folder: " + input
                        + " (give a folder with one sub-folder per class, or its root with a manifest)");
            }
            return q;
        } catch (IOException e) {
            throw new PrepException("cannot access " + role + " " + input + ": " + e.getMessage(), e);
        }
    }

    static ClassFolders classFolders(Path root, org.apache.hadoop.conf.Configuration conf) {
        try {
            FileSystem fs = root.getFileSystem(conf);
            FileStatus[] children = fs.listStatus(root);
            Arrays.sort(children);
            List<String> names = new ArrayList<>();
            List<String> uris = new ArrayList<>();
            long outside = 0;
            for (FileStatus c : children) {
                String name = c.getPath().getName();
                if (c.isDirectory()) {
                    if (!ImageFileNames.isHidden(name)) {
                        names.add(name);
                        uris.add(c.getPath().toUri().toString());
                    }
                } else {
                    outside++;
                }
            }
            return new ClassFolders(root.toUri().toString(), names, uris, outside);
        } catch (IOException e) {
            throw new PrepException("cannot list input " + root + ": " + e.getMessage(), e);
        }
    }

    /** One task per class folder, each listing its subtree recursively with the Hadoop FileSystem API. */
    static JavaRDD<ListedFile> listClassTrees(JavaSparkContext sc, HadoopConf conf, ClassFolders folders) {
        List<String[]> work = new ArrayList<>();
        for (int i = 0; i < folders.names.size(); i++) {
            work.add(new String[] {folders.names.get(i), folders.uris.get(i)});
        }
        final String rootPrefix = pathPrefix(URI.create(folders.rootUri));
        int slices = Math.max(1, work.size());
        return sc.parallelize(work, slices).flatMap(entry -> listTree(conf, rootPrefix, entry[0], entry[1]));
    }

    /** Lazily: a class folder of millions of files is streamed, not held in a task's memory. */
    private static Iterator<ListedFile> listTree(HadoopConf conf, String rootPrefix, String className, String folderUri)
            throws IOException {
        Path folder = new Path(URI.create(folderUri));
        FileSystem fs = folder.getFileSystem(conf.get());
        RemoteIterator<? extends FileStatus> it = filesBelow(fs, folder);
        return new Iterator<ListedFile>() {
            private ListedFile next = advance();

            private ListedFile advance() {
                try {
                    while (it.hasNext()) {
                        FileStatus st = it.next();
                        if (!st.isFile()) {
                            continue;
                        }
                        URI uri = st.getPath().toUri();
                        String path = uri.getPath();
                        String rel = path.startsWith(rootPrefix) ? path.substring(rootPrefix.length()) : path;
                        return new ListedFile(rel, uri.toString(), className, st.getLen(), st.getModificationTime(),
                                ImageFileNames.ignoredReason(rel));
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException("listing " + folderUri + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public ListedFile next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                ListedFile f = next;
                next = advance();
                return f;
            }
        };
    }

    /**
     * Every file below {@code folder}, at any depth, lazily. On a local disk the tree is walked folder by folder
     * with {@code listStatus}: Hadoop 2.7's {@code listFiles} builds a {@code LocatedFileStatus} per file, whose
     * constructor asks the local file status for its permissions, and without Hadoop's native library that forks
     * an {@code ls -ld} per file (30 s for a folder of 6000 PNGs here, against 0.07 s). Elsewhere (HDFS, S3A)
     * {@code listFiles} is the efficient call: one flat listing on object stores.
     */
    static RemoteIterator<? extends FileStatus> filesBelow(FileSystem fs, Path folder) throws IOException {
        if (!(fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem)) {
            return fs.listFiles(folder, true);
        }
        Deque<Path> folders = new ArrayDeque<>();
        folders.push(folder);
        return new RemoteIterator<FileStatus>() {
            private FileStatus[] listed = new FileStatus[0];
            private int at;

            @Override
            public boolean hasNext() throws IOException {
                while (at < listed.length || !folders.isEmpty()) {
                    for (; at < listed.length; at++) {
                        if (listed[at].isDirectory()) {
                            folders.push(listed[at].getPath());
                        } else {
                            return true;
                        }
                    }
                    if (!folders.isEmpty()) {
                        listed = fs.listStatus(folders.pop());
                        Arrays.sort(listed);
                        at = 0;
                    }
                }
                return false;
            }

            @Override
            public FileStatus next() throws IOException {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return listed[at++];
            }
        };
    }

    private static String pathPrefix(URI root) {
        String p = root.getPath();
        return p.endsWith("/") ? p : p + "/";
    }

    static final String MALFORMED_MANIFEST_LINE = "malformed_manifest_line";

    /**
     * Manifest lines are {@code path,label} or {@code path<TAB>label}; the label is what follows the
     * LAST delimiter, so paths may contain commas. Blank lines, '#' comments and a {@code path,label}
     * header are skipped. Relative paths are resolved against the input root. Every listed file is a
     * candidate whatever its name (the user chose it); a missing one becomes an "unreadable" bad file.
     */
    static JavaRDD<ListedFile> listManifest(JavaSparkContext sc, HadoopConf conf, Path root, String manifestUri) {
        Path manifest = new Path(manifestUri);
        try {
            FileSystem fs = manifest.getFileSystem(conf.get());
            if (!fs.exists(manifest) || !fs.getFileStatus(manifest).isFile()) {
                throw new PrepException("manifest not found: " + manifestUri + " (give a CSV/TSV file of path,label lines)");
            }
            manifest = fs.makeQualified(manifest);
        } catch (IOException e) {
            throw new PrepException("cannot access manifest " + manifestUri + ": " + e.getMessage(), e);
        }
        final String rootUri = root.toUri().toString();
        return sc.textFile(manifest.toString(), Math.max(2, sc.defaultParallelism()))
                .mapPartitions(lines -> statManifestEntries(conf, rootUri, lines));
    }

    private static Iterator<ListedFile> statManifestEntries(HadoopConf conf, String rootUri, Iterator<String> lines)
            throws IOException {
        Path root = new Path(URI.create(rootUri));
        List<ListedFile> out = new ArrayList<>();
        while (lines.hasNext()) {
            String line = lines.next();
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            char delimiter = t.indexOf('\t') >= 0 ? '\t' : ',';
            int cut = t.lastIndexOf(delimiter);
            if (cut <= 0 || cut == t.length() - 1) {
                out.add(new ListedFile(t, "", "", -1, 0, MALFORMED_MANIFEST_LINE));
                continue;
            }
            String path = t.substring(0, cut).trim();
            String label = t.substring(cut + 1).trim();
            if (path.equalsIgnoreCase("path") && label.equalsIgnoreCase("label")) {
                continue;
            }
            while (path.startsWith("./")) {
                path = path.substring(2);
            }
            if (path.isEmpty() || label.isEmpty()) {
                out.add(new ListedFile(t, "", "", -1, 0, MALFORMED_MANIFEST_LINE));
                continue;
            }
            boolean absolute = path.startsWith("/") || path.contains("://");
            Path p = absolute ? new Path(path) : new Path(root, path);
            FileSystem fs = p.getFileSystem(conf.get());
            try {
                FileStatus st = fs.getFileStatus(p);
                Path q = fs.makeQualified(p);
                if (st.isDirectory()) {
                    out.add(new ListedFile(path, q.toUri().toString(), label, -1, 0, null));
                } else {
                    out.add(new ListedFile(path, q.toUri().toString(), label, st.getLen(), st.getModificationTime(), null));
                }
            } catch (FileNotFoundException e) {
                out.add(new ListedFile(path, p.toUri().toString(), label, -1, 0, null));
            }
        }
        return out.iterator();
    }

}
