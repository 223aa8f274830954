package io.effnet.prep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A separate validation input (folder tree or manifest): whole sources to whole splits, labels, checks, incremental. */
class PrepJobValidationInputTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkTestSession.get();
    }

    private static PrepSettings.Builder settings(Path train, Path validation, Path output) {
        return PrepSettings.builder().input(train.toString()).validationInput(validation.toString())
                .output(output.toString()).resize(ResizeSpec.shorterSide(12)).encoding(OutputEncoding.png())
                .targetRowsPerShard(4).seed(3);
    }

    /**
     * cat: 2 (one at the same relative path as a training file, one nested), dog: 1, fox: 1; + 1 non-image.
     */
    static Path writeValidationTree(Path root) {
        TestImages.write(root.resolve("cat/cat_0.jpg"), TestImages.jpeg(TestImages.solid(30, 30, 20, 200, 20), 90));
        TestImages.write(root.resolve("cat/v/deep.png"), TestImages.encode(TestImages.gradient(20, 24, 150, 60, 30), "png"));
        TestImages.write(root.resolve("dog/d0.png"), TestImages.encode(TestImages.gradient(24, 20, 50, 110, 190), "png"));
        TestImages.write(root.resolve("fox/f0.jpg"), TestImages.jpeg(TestImages.grey(20, 20, 90), 90));
        TestImages.write(root.resolve("fox/notes.txt"), "validation foxes".getBytes(StandardCharsets.UTF_8));
        return root;
    }

    /** path -> source_sha1 of one split. */
    private static Map<String, String> sha1ByPath(Path output, String split) {
        Map<String, String> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(output.resolve(split).toString()).select("path", "source_sha1").collectAsList()) {
            assertFalse(rows.containsKey(r.getString(0)), "path twice in " + split + ": " + r.getString(0));
            rows.put(r.getString(0), r.getString(1));
        }
        return rows;
    }

    private static String sha1(Path file) throws Exception {
        return PathHash.hex(PathHash.sha1(Files.readAllBytes(file)));
    }

    @Test
    void everyImageOfEachInputGoesToItsSplit(@TempDir Path tmp) throws Exception {
        Path train = PrepJobTest.writeTree(tmp.resolve("train"));
        Path val = writeValidationTree(tmp.resolve("val"));
        Path out = tmp.resolve("ds");

        PrepReport r = PrepJob.run(spark, settings(train, val, out).build());

        assertEquals(15, r.trainCount());
        assertEquals(4, r.validationCount());
        assertEquals(19, r.listedCandidates());
        assertEquals(4, r.ignoredCount());
        assertEquals(Arrays.asList("cat", "dog", "fox"), r.labels().names());
        assertEquals(map("cat", 6L, "dog", 5L, "fox", 4L), r.trainCountsByClass());
        assertEquals(map("cat", 2L, "dog", 1L, "fox", 1L), r.validationCountsByClass());
        assertEquals(4, r.trainShards());
        assertEquals(1, r.validationShards());

        Map<String, String> trainRows = sha1ByPath(out, "train");
        Map<String, String> valRows = sha1ByPath(out, "validation");
        assertEquals(15, trainRows.size());
        assertEquals(new TreeSet<>(Arrays.asList("cat/cat_0.jpg", "cat/v/deep.png", "dog/d0.png", "fox/f0.jpg")), valRows.keySet());
        // Paths are relative to each split's own root: the same path names a different file in each split.
        assertEquals(sha1(train.resolve("cat/cat_0.jpg")), trainRows.get("cat/cat_0.jpg"));
        assertEquals(sha1(val.resolve("cat/cat_0.jpg")), valRows.get("cat/cat_0.jpg"));
        assertFalse(trainRows.get("cat/cat_0.jpg").equals(valRows.get("cat/cat_0.jpg")));
        for (String p : trainRows.keySet()) {
            assertEquals(sha1(train.resolve(p)), trainRows.get(p), p);
        }

        JsonNode json = new ObjectMapper().readTree(out.resolve("prep-report.json").toFile());
        assertEquals("separate_inputs", json.path("settings").path("split").asText());
        assertEquals(0.0, json.path("settings").path("validation_fraction").asDouble());
        assertEquals(val.toString(), json.path("validation_input").asText());
        assertTrue(json.path("validation_manifest").isNull());
        assertEquals(2, json.path("counts_per_class").path("cat").path("validation").asLong());
        assertEquals(4, json.path("counts").path("validation").asLong());
    }

    @Test
    void validationManifestAndClassesOnlyInValidation(@TempDir Path tmp) throws Exception {
        Path train = PrepJobTest.writeTree(tmp.resolve("train"));
        Path valDir = tmp.resolve("val");
        TestImages.write(valDir.resolve("imgs/a.jpg"), TestImages.jpeg(TestImages.gradient(20, 20, 200, 50, 50), 90));
        TestImages.write(valDir.resolve("imgs/b.png"), TestImages.encode(TestImages.gradient(20, 20, 50, 50, 200), "png"));
        TestImages.write(valDir.resolve("imgs/w.png"), TestImages.encode(TestImages.gradient(20, 20, 90, 90, 90), "png"));
        Path manifest = TestImages.write(valDir.resolve("val.csv"), ("path,label\nimgs/a.jpg,cat\nimgs/b.png,dog\n"
                + "imgs/w.png,wolf\nimgs/missing.jpg,fox\n").getBytes(StandardCharsets.UTF_8));
        Path out = tmp.resolve("ds");
        PrepSettings.Builder b = PrepSettings.builder().input(train.toString()).validationManifest(manifest.toString())
                .output(out.toString()).resize(ResizeSpec.shorterSide(12)).encoding(OutputEncoding.jpeg(90))
                .maxBadFraction(0.1);

        // "wolf" has no training images: refused unless asked for.
        PrepException e = assertThrows(PrepException.class, () -> PrepJob.run(spark, b.build()));
        assertTrue(e.getMessage().contains("only in the validation source") && e.getMessage().contains("[wolf]")
                && e.getMessage().contains("allowUnknownClasses"), e.getMessage());
        assertFalse(Files.exists(out));

        PrepReport r = PrepJob.run(spark, b.allowUnknownClasses(true).build());
        assertEquals(Arrays.asList("cat", "dog", "fox", "wolf"), r.labels().names());
        assertEquals(15, r.trainCount());
        assertEquals(3, r.validationCount());
        assertEquals(map("cat", 1L, "dog", 1L, "wolf", 1L), r.validationCountsByClass());
        assertFalse(r.trainCountsByClass().containsKey("wolf"));
        assertEquals(1, r.badCount());
        BadFile missing = r.badFiles().get(0);
        assertEquals("imgs/missing.jpg", missing.path());
        assertTrue(missing.validation());
        assertEquals(BadReason.UNREADABLE, missing.reason());

        Row wolf = spark.read().parquet(out.resolve("validation").toString()).where("path = 'imgs/w.png'").first();
        assertEquals(3, (int) wolf.<Integer>getAs("label"));
        assertEquals("wolf", wolf.<String>getAs("label_name"));
        JsonNode json = new ObjectMapper().readTree(out.resolve("prep-report.json").toFile());
        assertEquals("validation", json.path("bad_files").get(0).path("split").asText());
        assertEquals(0, json.path("counts_per_class").path("wolf").path("train").asLong());
        assertEquals(manifest.toString(), json.path("validation_manifest").asText());
    }

    @Test
    void overlappingEmptyOrSharedSourcesAreRefused(@TempDir Path tmp) throws Exception {
        Path data = PrepJobTest.writeTree(tmp.resolve("data"));
        Path val = writeValidationTree(tmp.resolve("val"));
        Path out = tmp.resolve("out");

        String inside = expectPrep(settings(data, data.resolve("cat"), out).build());
        assertTrue(inside.contains("overlap"), inside);
        String outInside = expectPrep(settings(data, val, val.resolve("ds")).build());
        assertTrue(outInside.contains("lies inside the validation input"), outInside);
        String notFound = expectPrep(settings(data, tmp.resolve("nope"), out).build());
        assertTrue(notFound.contains("validation input not found"), notFound);

        TestImages.write(val.resolve("emu/README.md"), "no emus yet".getBytes(StandardCharsets.UTF_8));
        String emptyClass = expectPrep(settings(data, val, out).allowUnknownClasses(true).build());
        assertTrue(emptyClass.contains("without images under validation input") && emptyClass.contains("[emu]"), emptyClass);

        // The same file in both manifests would leak validation images into training.
        Path lists = tmp.resolve("lists");
        TestImages.write(lists.resolve("x/1.jpg"), TestImages.jpeg(TestImages.solid(16, 16, 1, 2, 3), 90));
        TestImages.write(lists.resolve("x/2.jpg"), TestImages.jpeg(TestImages.solid(16, 16, 4, 5, 6), 90));
        Path trainList = TestImages.write(lists.resolve("train.csv"), "x/1.jpg,a\nx/2.jpg,b\n".getBytes(StandardCharsets.UTF_8));
        Path valList = TestImages.write(lists.resolve("val.csv"), "./x/2.jpg,b\n".getBytes(StandardCharsets.UTF_8));
        String shared = expectPrep(PrepSettings.builder().manifest(trainList.toString()).validationManifest(valList.toString())
                .output(out.toString()).build());
        assertTrue(shared.contains("listed for both splits") && shared.contains("x/2.jpg"), shared);

        // Every validation file bad: the validation split would be empty.
        Path badVal = tmp.resolve("badval");
        TestImages.write(badVal.resolve("cat/broken.jpg"), "<html>gone</html>".getBytes(StandardCharsets.UTF_8));
        String emptySplit = expectPrep(settings(data, badVal, out).maxBadFraction(0.5).build());
        assertTrue(emptySplit.contains("validation split would be empty"), emptySplit);
        assertFalse(Files.exists(out));
        assertEquals(new TreeSet<>(Arrays.asList("badval", "data", "lists", "val")), new TreeSet<>(PrepJobBadInputTest.listNames(tmp)));
    }

    @Test
    void incrementalKeepsEachInputInItsSplit(@TempDir Path tmp) throws Exception {
        Path train = PrepJobTest.writeTree(tmp.resolve("train"));
        Path val = writeValidationTree(tmp.resolve("val"));
        Path out = tmp.resolve("ds");
        PrepJob.run(spark, settings(train, val, out).build());

        // New: one training image, and in validation a byte-for-byte copy (same size and mtime) of a training
        // file at the same relative path: a different file of the other split, so it is new too.
        TestImages.write(train.resolve("dog/new.png"), TestImages.encode(TestImages.gradient(30, 30, 1, 99, 7), "png"));
        Files.copy(train.resolve("cat/cat_1.jpg"), val.resolve("cat/cat_1.jpg"), StandardCopyOption.COPY_ATTRIBUTES);
        PrepReport inc = PrepJob.run(spark, settings(train, val, out).incremental(true).build());
        assertTrue(inc.committed());
        assertEquals(1, inc.trainCount());
        assertEquals(1, inc.validationCount());
        assertEquals(19, inc.existingRows());
        assertEquals(19, inc.skippedAlreadyPresent());
        assertEquals(0, inc.changedFiles());
        assertTrue(sha1ByPath(out, "train").containsKey("dog/new.png"));
        Map<String, String> valRows = sha1ByPath(out, "validation");
        assertEquals(5, valRows.size());
        assertEquals(sha1(val.resolve("cat/cat_1.jpg")), valRows.get("cat/cat_1.jpg"));

        PrepReport again = PrepJob.run(spark, settings(train, val, out).incremental(true).build());
        assertFalse(again.committed());
        assertEquals(21, again.skippedAlreadyPresent());

        // The kind of split must stay what the dataset was made with, both ways.
        String toHash = expectPrep(PrepSettings.builder().input(train.toString()).output(out.toString())
                .resize(ResizeSpec.shorterSide(12)).encoding(OutputEncoding.png()).incremental(true).build());
        assertTrue(toHash.contains("took its validation split from a separate validation input"), toHash);
        Path hashed = tmp.resolve("hashed");
        PrepJob.run(spark, settings(train, val, hashed).validationInput(null).build());
        String toSeparate = expectPrep(settings(train, val, hashed).incremental(true).build());
        assertTrue(toSeparate.contains("split one input by validationFraction"), toSeparate);
    }

    private static String expectPrep(PrepSettings s) {
        return assertThrows(PrepException.class, () -> PrepJob.run(spark, s)).getMessage();
    }

    private static Map<String, Long> map(Object... kv) {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Long) kv[i + 1]);
        }
        return m;
    }
}
