package io.effnet.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InputListingTest {
    @TempDir
    java.nio.file.Path tmp;

    /** The local walk finds what Hadoop's recursive listFiles finds, with the same sizes and times. */
    @Test
    void localWalkFindsEveryFileAtAnyDepthLikeListFiles() throws Exception {
        java.nio.file.Path root = tmp.resolve("cat");
        write(root.resolve("a.png"), 3);
        write(root.resolve("sub/b.png"), 5);
        write(root.resolve("sub/deeper/c.jpg"), 7);
        write(root.resolve("sub/deeper/.hidden"), 1);
        write(root.resolve("z/d.png"), 2);
        Files.createDirectories(root.resolve("empty/also-empty"));

        FileSystem local = FileSystem.getLocal(new Configuration());
        Path folder = new Path(root.toUri());
        TreeMap<String, String> expected = new TreeMap<>();
        RemoteIterator<LocatedFileStatus> reference = local.listFiles(folder, true);
        while (reference.hasNext()) {
            LocatedFileStatus st = reference.next();
            expected.put(root.relativize(java.nio.file.Paths.get(st.getPath().toUri())).toString(),
                    st.getLen() + "@" + st.getModificationTime());
        }
        assertEquals(Arrays.asList(".hidden", "a.png", "b.png", "c.jpg", "d.png"),
                Arrays.asList(expected.keySet().stream().map(p -> p.replaceAll(".*/", "")).sorted().toArray()));

        assertEquals(expected, walk(local, folder, root));
        RawLocalFileSystem raw = new RawLocalFileSystem();
        raw.initialize(java.net.URI.create("file:///"), new Configuration());
        assertEquals(expected, walk(raw, folder, root));
    }

    @Test
    void emptyFolderHasNoFilesAndNextPastTheEndThrows() throws Exception {
        Files.createDirectories(tmp.resolve("none/inner"));
        RemoteIterator<? extends FileStatus> it = InputListing.filesBelow(FileSystem.getLocal(new Configuration()),
                new Path(tmp.resolve("none").toUri()));
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    private static TreeMap<String, String> walk(FileSystem fs, Path folder, java.nio.file.Path root) throws IOException {
        TreeMap<String, String> found = new TreeMap<>();
        RemoteIterator<? extends FileStatus> it = InputListing.filesBelow(fs, folder);
        while (it.hasNext()) {
            FileStatus st = it.next();
            String rel = root.relativize(java.nio.file.Paths.get(st.getPath().toUri())).toString();
            assertEquals(null, found.put(rel, st.getLen() + "@" + st.getModificationTime()), "listed twice: " + rel);
        }
        return found;
    }

    private static void write(java.nio.file.Path file, int bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[bytes]);
    }
}
