package io.effnet.prep;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Re-run determinism, overwrite, incremental additions and manifest input. */
class PrepJobModesTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkTestSession.get();
    }

    private static PrepSettings.Builder settings(Path input, Path output) {
        return PrepSettings.builder().input(input.toString()).output(output.toString())
                .resize(ResizeSpec.shorterSide(12)).encoding(OutputEncoding.jpeg(90))
                .validationFraction(0.25).targetRowsPerShard(3).seed(11);
    }

    /** path -> "label|split|base64(image)" over both splits. */
    static Map<String, String> rowsByPath(Path output) {
        Map<String, String> rows = new TreeMap<>();
        for (String split : new String[] {"train", "validation"}) {
            for (Row r : spark.read().parquet(output.resolve(split).toString()).collectAsList()) {
                rows.put(r.getAs("path"), r.<Integer>getAs("label") + "|" + split + "|"
                        + Base64.getEncoder().encodeToString(r.<byte[]>getAs("image")));
            }
        }
        return rows;
    }

    /** The set of shards, each as the ordered list of its paths. */
    static Set<List<String>> shardContents(Path output, String split) {
        Map<String, List<String>> byFile = new TreeMap<>();
        Dataset<Row> d = spark.read().parquet(output.resolve(split).toString()).selectExpr("input_file_name()", "path");
        for (Row r : d.collectAsList()) {
            byFile.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r.getString(1));
        }
        return new HashSet<>(byFile.values());
    }

    @Test
    void rerunGivesTheSameRowsAndShardsAndOverwriteReplaces(@TempDir Path tmp) throws Exception {
        Path input = PrepJobTest.writeTree(tmp.resolve("in"));
        PrepJob.run(spark, settings(input, tmp.resolve("a")).build());
        PrepJob.run(spark, settings(input, tmp.resolve("b")).build());
        assertEquals(rowsByPath(tmp.resolve("a")), rowsByPath(tmp.resolve("b")));
        assertEquals(shardContents(tmp.resolve("a"), "train"), shardContents(tmp.resolve("b"), "train"));

        // Overwrite with another seed: same rows, rows placed differently; nothing left beside it.
        PrepReport r = PrepJob.run(spark, settings(input, tmp.resolve("a")).seed(12).overwrite(true).build());
        assertEquals(15, r.goodCount());
        assertEquals(rowsByPath(tmp.resolve("b")), rowsByPath(tmp.resolve("a")));
        assertFalse(shardContents(tmp.resolve("a"), "train").equals(shardContents(tmp.resolve("b"), "train")));
        assertEquals(new TreeSet<>(Arrays.asList("a", "b", "in")), new TreeSet<>(PrepJobBadInputTest.listNames(tmp)));
    }

    @Test
    void incrementalAddsOnlyNewFilesAsNewShards(@TempDir Path tmp) throws Exception {
        Path input = PrepJobTest.writeTree(tmp.resolve("in"));
        Path out = tmp.resolve("ds");
        PrepJob.run(spark, settings(input, out).build());
        List<String> before = PrepJobBadInputTest.listNames(out.resolve("train"));
        Map<String, String> rowsBefore = rowsByPath(out);
        byte[] labelsBefore = Files.readAllBytes(out.resolve("labels.json"));

        // New: two files in an existing class and a new class "emu".
        TestImages.write(input.resolve("cat/new_1.jpg"), TestImages.jpeg(TestImages.gradient(30, 30, 10, 20, 30), 90));
        TestImages.write(input.resolve("dog/new_2.png"), TestImages.encode(TestImages.gradient(30, 30, 40, 50, 60), "png"));
        TestImages.write(input.resolve("emu/e.png"), TestImages.encode(TestImages.gradient(30, 30, 70, 80, 90), "png"));

        PrepReport inc = PrepJob.run(spark, settings(input, out).incremental(true).allowUnknownClasses(true).build());
        assertTrue(inc.incremental());
        assertEquals(3, inc.goodCount());
        assertEquals(15, inc.skippedAlreadyPresent());
        assertEquals(15, inc.existingRows());
        assertEquals(Arrays.asList("cat", "dog", "fox", "emu"), inc.labels().names());

        Map<String, String> rowsAfter = rowsByPath(out);
        assertEquals(18, rowsAfter.size());
        for (Map.Entry<String, String> e : rowsBefore.entrySet()) {
            assertEquals(e.getValue(), rowsAfter.get(e.getKey()), "old row changed: " + e.getKey());
        }
        assertTrue(rowsAfter.get("emu/e.png").startsWith("3|"));
        List<String> after = PrepJobBadInputTest.listNames(out.resolve("train"));
        assertTrue(after.containsAll(before), "old shards kept");
        assertTrue(after.size() > before.size(), "new shards added");
        assertFalse(Arrays.equals(labelsBefore, Files.readAllBytes(out.resolve("labels.json"))));
        assertEquals(inc.labels(), LabelIndex.read(out.resolve("labels.json").toString(), new org.apache.hadoop.conf.Configuration()));

        // Nothing new: the dataset is left as it is.
        PrepReport again = PrepJob.run(spark, settings(input, out).incremental(true).build());
        assertFalse(again.committed());
        assertEquals(0, again.goodCount());
        assertEquals(after, PrepJobBadInputTest.listNames(out.resolve("train")));
        assertEquals(new TreeSet<>(Arrays.asList("ds", "in")), new TreeSet<>(PrepJobBadInputTest.listNames(tmp)));

        // A changed file (new mtime) is added again and reported as changed.
        Path cat = input.resolve("cat/cat_1.jpg");
        Files.setLastModifiedTime(cat, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(cat).toMillis() + 60_000));
        PrepReport changed = PrepJob.run(spark, settings(input, out).incremental(true).build());
        assertEquals(1, changed.goodCount());
        assertEquals(1, changed.changedFiles());

        // Different storage settings are refused.
        PrepException e = org.junit.jupiter.api.Assertions.assertThrows(PrepException.class,
                () -> PrepJob.run(spark, settings(input, out).encoding(OutputEncoding.png()).incremental(true).build()));
        assertTrue(e.getMessage().contains("same settings"), e.getMessage());
    }

    @Test
    void manifestGivesPathsAndLabels(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("root");
        TestImages.write(root.resolve("imgs/1.jpg"), TestImages.jpeg(TestImages.gradient(20, 20, 200, 0, 0), 90));
        TestImages.write(root.resolve("imgs/2.png"), TestImages.encode(TestImages.gradient(20, 20, 0, 200, 0), "png"));
        TestImages.write(root.resolve("imgs/a,b.png"), TestImages.encode(TestImages.gradient(20, 20, 0, 0, 200), "png"));
        TestImages.write(root.resolve("other/no_extension"), TestImages.encode(TestImages.gradient(20, 20, 9, 9, 9), "png"));
        Path absolute = TestImages.write(tmp.resolve("elsewhere/x.jpg"), TestImages.jpeg(TestImages.solid(20, 20, 5, 5, 5), 90));
        String manifest = "path,label\n"
                + "imgs/1.jpg,red\n"
                + "./imgs/2.png\tgreen\n"
                + "imgs/a,b.png,blue\n"
                + "other/no_extension,grey\n"
                + absolute + ",grey\n"
                + "\n# a comment\n"
                + "imgs/missing.jpg,red\n";
        Path manifestFile = TestImages.write(tmp.resolve("m.csv"), manifest.getBytes(StandardCharsets.UTF_8));

        PrepReport r = PrepJob.run(spark, settings(root, tmp.resolve("out")).manifest(manifestFile.toString())
                .maxBadFraction(0.2).build());

        assertEquals(Arrays.asList("blue", "green", "grey", "red"), r.labels().names());
        assertEquals(5, r.goodCount());
        assertEquals(1L, (long) r.badCountsByReason().get("unreadable"));
        assertEquals("imgs/missing.jpg", r.badFiles().get(0).path());
        Map<String, String> rows = rowsByPath(tmp.resolve("out"));
        assertEquals(new TreeSet<>(Arrays.asList("imgs/1.jpg", "imgs/2.png", "imgs/a,b.png", "other/no_extension",
                absolute.toString())), rows.keySet());
        assertTrue(rows.get("imgs/a,b.png").startsWith("0|"));
        assertTrue(rows.get("imgs/1.jpg").startsWith("3|"));

        // Without input, relative paths resolve against the manifest's folder.
        Path local = TestImages.write(root.resolve("local.csv"), "imgs/1.jpg,red\nimgs/2.png,green\n".getBytes(StandardCharsets.UTF_8));
        PrepReport noInput = PrepJob.run(spark, PrepSettings.builder().manifest(local.toString())
                .output(tmp.resolve("out2").toString()).resize(ResizeSpec.none()).build());
        assertEquals(2, noInput.goodCount());
    }
}
