package io.effnet.prep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** End-to-end on local[2]: a real folder tree of JPEG/PNG files to Parquet shards and back to pixels. */
class PrepJobTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkTestSession.get();
    }

    /** cat: 6 JPEG 40x30 (one solid colour); dog: 5 PNG 32x48 (two in a nested folder); fox: 4 grey JPEG 24x24; + 3 non-images. */
    static Path writeTree(Path root) {
        for (int i = 0; i < 6; i++) {
            byte[] jpg = i == 0 ? TestImages.jpeg(TestImages.solid(40, 30, 200, 30, 60), 95)
                    : TestImages.jpeg(TestImages.gradient(40, 30, 180, 40 + 10 * i, 60), 92);
            TestImages.write(root.resolve("cat/cat_" + i + ".jpg"), jpg);
        }
        for (int i = 0; i < 5; i++) {
            String sub = i < 2 ? "dog/2019/summer/" : "dog/";
            TestImages.write(root.resolve(sub + "dog_" + i + ".png"),
                    TestImages.encode(TestImages.gradient(32, 48, 40, 120, 200 - 10 * i), "png"));
        }
        for (int i = 0; i < 4; i++) {
            TestImages.write(root.resolve("fox/fox_" + i + ".JPEG"), TestImages.jpeg(TestImages.grey(24, 24, 60 + 30 * i), 90));
        }
        TestImages.write(root.resolve("cat/README.txt"), "not an image".getBytes(StandardCharsets.UTF_8));
        TestImages.write(root.resolve("dog/.DS_Store"), new byte[] {0, 0, 0, 1});
        TestImages.write(root.resolve("fox/_SUCCESS"), new byte[0]);
        return root;
    }

    @Test
    void folderTreeToShardsAndBack(@TempDir Path tmp) throws Exception {
        Path input = writeTree(tmp.resolve("in"));
        Path output = tmp.resolve("out/dataset");
        PrepSettings s = PrepSettings.builder()
                .input(input.toString())
                .output(output.toUri().toString())
                .resize(ResizeSpec.shorterSide(16))
                .encoding(OutputEncoding.png())
                .validationFraction(0.3)
                .targetRowsPerShard(4)
                .seed(7)
                .build();

        PrepReport report = PrepJob.run(spark, s);

        assertEquals(15, report.goodCount());
        assertEquals(0, report.badCount());
        assertEquals(3, report.ignoredCount());
        assertEquals(2L, (long) report.ignoredCountsByReason().get(ImageFileNames.HIDDEN));
        assertEquals(1L, (long) report.ignoredCountsByReason().get(ImageFileNames.NOT_IMAGE_NAME));
        assertEquals(java.util.Arrays.asList("cat", "dog", "fox"), report.labels().names());
        assertEquals(LabelIndex.read(output.resolve("labels.json").toString(), new org.apache.hadoop.conf.Configuration()),
                report.labels());

        // Files are where the contract says, and nothing else (no temporary sibling left).
        assertTrue(Files.isRegularFile(output.resolve("prep-report.json")));
        assertTrue(listParquet(output.resolve("train")).size() >= 1);
        assertTrue(listParquet(output.resolve("validation")).size() >= 1);
        try (Stream<Path> siblings = Files.list(output.getParent())) {
            assertEquals(1, siblings.count(), "only the dataset folder is left next to the output");
        }

        Dataset<Row> train = spark.read().parquet(output.resolve("train").toString());
        Dataset<Row> validation = spark.read().parquet(output.resolve("validation").toString());
        assertEquals(ShardSchema.SCHEMA.fieldNames().length, train.schema().fieldNames().length);
        assertEquals(report.trainCount(), train.count());
        assertEquals(report.validationCount(), validation.count());
        assertEquals(listParquet(output.resolve("train")).size(), report.trainShards());
        assertEquals((int) Math.ceil(report.trainCount() / 4.0), report.trainShards());

        Set<String> paths = new HashSet<>();
        for (Dataset<Row> split : new ArrayList<>(java.util.Arrays.asList(train, validation))) {
            boolean isValidation = split == validation;
            for (Row r : split.collectAsList()) {
                String path = r.getAs(ShardSchema.PATH);
                paths.add(path);
                assertEquals(isValidation, PathHash.isValidation(path, 0.3), path);
                String labelName = r.getAs(ShardSchema.LABEL_NAME);
                assertEquals(path.substring(0, path.indexOf('/')), labelName);
                assertEquals(report.labels().id(labelName), (int) r.<Integer>getAs(ShardSchema.LABEL));
                DecodedImage img = ImageCodec.decode(r.<byte[]>getAs(ShardSchema.IMAGE));
                assertEquals(3, img.channels());
                assertEquals((int) r.<Integer>getAs(ShardSchema.WIDTH), img.width());
                assertEquals((int) r.<Integer>getAs(ShardSchema.HEIGHT), img.height());
                assertEquals(16, Math.min(img.width(), img.height()), path);
                assertEquals("png", r.<String>getAs(ShardSchema.ENCODING));
                assertEquals(labelName.equals("fox") ? 1 : 3, (int) r.<Integer>getAs(ShardSchema.CHANNELS));
                File src = input.resolve(path).toFile();
                assertEquals(src.length(), (long) r.<Long>getAs(ShardSchema.SOURCE_BYTES));
                assertEquals(src.lastModified(), (long) r.<Long>getAs(ShardSchema.SOURCE_MTIME));
                assertEquals(PathHash.hex(PathHash.sha1(Files.readAllBytes(src.toPath()))), r.getAs(ShardSchema.SOURCE_SHA1));
                if (path.equals("cat/cat_0.jpg")) {
                    // 40x30 solid (200, 30, 60) -> 21x16; JPEG q95 + resize keep it within a few levels.
                    assertEquals(21, img.width());
                    for (int y = 0; y < img.height(); y++) {
                        for (int x = 0; x < img.width(); x++) {
                            assertNear(200, img.sample(x, y, 0), 6);
                            assertNear(30, img.sample(x, y, 1), 6);
                            assertNear(60, img.sample(x, y, 2), 6);
                        }
                    }
                }
            }
        }
        assertEquals(15, paths.size());
        assertTrue(paths.contains("dog/2019/summer/dog_0.png"));

        // Shards mix classes: with 3 classes over shards of 4 rows, some shard holds more than one.
        Map<String, Set<String>> classesPerFile = new HashMap<>();
        for (Row r : train.selectExpr("input_file_name() AS f", "label_name").collectAsList()) {
            classesPerFile.computeIfAbsent(r.getString(0), k -> new HashSet<>()).add(r.getString(1));
        }
        assertTrue(classesPerFile.values().stream().anyMatch(c -> c.size() > 1), classesPerFile.toString());

        JsonNode json = new ObjectMapper().readTree(output.resolve("prep-report.json").toFile());
        assertEquals(report.trainCount(), json.path("counts").path("train").asLong());
        assertEquals(6, json.path("counts_per_class").path("cat").path("train").asLong()
                + json.path("counts_per_class").path("cat").path("validation").asLong());
        assertEquals("shorter:16", json.path("settings").path("resize").path("spec").asText());
        assertTrue(json.path("timing").path("images_per_second_per_core").asDouble() > 0);
    }

    /** The quickstart path: real Fashion-MNIST PNGs (20 per class) through the job, PNG 32x32 shards. */
    @Test
    void fashionMnistQuickstart(@TempDir Path tmp) throws Exception {
        Path dir = java.nio.file.Paths.get(IdxImageTree.FASHION_MNIST_DIR);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "Fashion-MNIST not installed");
        IdxImageTree.write(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                tmp.resolve("fmnist"), 20);
        PrepReport r = PrepJob.run(spark, PrepSettings.builder()
                .input(tmp.resolve("fmnist").toString()).output(tmp.resolve("ds").toString())
                .resize(ResizeSpec.exact(32, 32)).encoding(OutputEncoding.png())
                .validationFraction(0.1).targetRowsPerShard(64).build());
        assertEquals(200, r.goodCount());
        assertEquals(IdxImageTree.FASHION_MNIST_CLASSES.stream().sorted().collect(Collectors.toList()), r.labels().names());
        Row row = spark.read().parquet(tmp.resolve("ds/train").toString()).where("label_name = 'Trouser'").first();
        assertEquals(1, (int) row.<Integer>getAs(ShardSchema.CHANNELS));
        DecodedImage img = ImageCodec.decode(row.<byte[]>getAs(ShardSchema.IMAGE));
        assertEquals(32, img.width());
        assertEquals(3, img.channels());
    }

    static void assertNear(int expected, int actual, int tolerance) {
        assertTrue(Math.abs(expected - actual) <= tolerance, "expected " + expected + " +- " + tolerance + ", got " + actual);
    }

    static List<Path> listParquet(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-") && p.toString().endsWith(".parquet"))
                    .collect(Collectors.toList());
        }
    }

    static void assertNoSiblings(Path output) throws Exception {
        if (!Files.exists(output.getParent())) {
            return;
        }
        try (Stream<Path> s = Files.list(output.getParent())) {
            List<Path> left = s.collect(Collectors.toList());
            assertFalse(left.stream().anyMatch(p -> p.getFileName().toString().contains("prep-tmp")), left.toString());
        }
    }
}
