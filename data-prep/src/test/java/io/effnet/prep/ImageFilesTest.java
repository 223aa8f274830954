package io.effnet.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageFilesTest {
    @TempDir
    Path tmp;

    @Test
    void listsEveryFileAtAnyDepthWithOneUriSpellingAndReadsThem() throws Exception {
        Path root = tmp.resolve("in");
        Files.createDirectories(root.resolve("a/b"));
        Files.createDirectories(root.resolve("_temporary"));
        Files.write(root.resolve("top.jpg"), new byte[] {1, 2, 3});
        Files.write(root.resolve("a/b/deep.PNG"), new byte[] {4});
        Files.write(root.resolve("a/notes.txt"), new byte[] {5});
        Files.write(root.resolve("a/.hidden.png"), new byte[] {6});
        Files.write(root.resolve("_temporary/part.png"), new byte[] {7});
        Files.write(root.resolve("a/empty.gif"), new byte[0]);

        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        Configuration conf = new Configuration();
        List<ImageFiles.Entry> all = ImageFiles.list(sc, conf, root.toString()).collect();
        Map<String, ImageFiles.Entry> byPath = new TreeMap<>();
        for (ImageFiles.Entry e : all) {
            byPath.put(e.relativePath(), e);
        }
        // Hidden folders at the root are not entered; hidden files below are listed as ignored.
        assertEquals(Arrays.asList("a/.hidden.png", "a/b/deep.PNG", "a/empty.gif", "a/notes.txt", "top.jpg"),
                Arrays.asList(byPath.keySet().toArray()));
        assertEquals("hidden_or_marker", byPath.get("a/.hidden.png").ignoredReason());
        assertEquals("not_an_image_name", byPath.get("a/notes.txt").ignoredReason());
        assertEquals(null, byPath.get("a/b/deep.PNG").ignoredReason());
        String prefix = "file:" + root.toAbsolutePath() + "/";
        for (ImageFiles.Entry e : all) {
            assertEquals(prefix + e.relativePath(), e.uri(), "one spelling for files at the root and below");
        }

        ImageFiles.Reader reader = ImageFiles.reader(conf, 1000);
        assertArrayEquals(new byte[] {1, 2, 3}, reader.read(byPath.get("top.jpg")));
        BadImageException empty = assertThrows(BadImageException.class, () -> reader.read(byPath.get("a/empty.gif")));
        assertEquals(BadReason.EMPTY_FILE, empty.reason());
        Files.delete(root.resolve("a/b/deep.PNG"));
        BadImageException gone = assertThrows(BadImageException.class, () -> reader.read(byPath.get("a/b/deep.PNG")));
        assertEquals(BadReason.UNREADABLE, gone.reason());
        assertThrows(PrepException.class, () -> ImageFiles.list(sc, conf, root.resolve("missing").toString()));
        assertThrows(PrepException.class, () -> ImageFiles.list(sc, conf, root.resolve("top.jpg").toString()));
    }

    @Test
    void canonicalUrisDropTheEmptyAuthorityOnly() {
        assertEquals("file:/tmp/x/a%20b.png", ImageFiles.canonical("file:///tmp/x/a%20b.png"));
        assertEquals("file:/tmp/x", ImageFiles.canonical("file:/tmp/x"));
        assertEquals("hdfs://nn:8020/x/y.jpg", ImageFiles.canonical("hdfs://nn:8020/x/y.jpg"));
        assertEquals("s3a://bucket/k.jpg", ImageFiles.canonical("s3a://bucket/k.jpg"));
    }
}
