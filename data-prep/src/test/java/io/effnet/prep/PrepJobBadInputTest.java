package io.effnet.prep;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad files are skipped, counted and listed; above maxBadFraction the run fails and writes nothing; user errors say what to do. */
class PrepJobBadInputTest {
    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkTestSession.get();
    }

    /** 24 usable images (incl. CMYK JPEG, 16-bit PNG, greyscale) and 5 bad files. */
    static Path writeMixedTree(Path root) throws Exception {
        for (int i = 0; i < 10; i++) {
            TestImages.write(root.resolve("apple/a" + i + ".jpg"), TestImages.jpeg(TestImages.gradient(30, 20, 200, 10 * i, 40), 90));
            TestImages.write(root.resolve("pear/p" + i + ".png"), TestImages.encode(TestImages.gradient(20, 30, 90, 200, 10 * i), "png"));
        }
        TestImages.write(root.resolve("apple/grey.jpg"), TestImages.jpeg(TestImages.grey(20, 20, 100), 90));
        TestImages.write(root.resolve("pear/cmyk.jpg"), SourceDecoderTest.cmykJpeg(24, 24));
        BufferedImage grey16 = new BufferedImage(20, 20, BufferedImage.TYPE_USHORT_GRAY);
        TestImages.write(root.resolve("pear/deep.png"), TestImages.encode(grey16, "png"));
        TestImages.write(root.resolve("pear/anim.gif"), TestImages.encode(TestImages.gradient(20, 20, 10, 20, 30), "gif"));

        TestImages.write(root.resolve("apple/empty.jpg"), new byte[0]);
        byte[] jpeg = TestImages.jpeg(TestImages.gradient(60, 40, 100, 100, 100), 90);
        TestImages.write(root.resolve("apple/cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        TestImages.write(root.resolve("apple/page.jpg"), "<html>not found</html>".getBytes(StandardCharsets.UTF_8));
        byte[] random = new byte[3000];
        new Random(5).nextBytes(random);
        random[0] = 1;
        TestImages.write(root.resolve("pear/noise.png"), random);
        TestImages.write(root.resolve("pear/huge.png"), TestImages.encode(TestImages.gradient(100, 100, 1, 2, 3), "png"));
        return root;
    }

    private static PrepSettings.Builder settings(Path input, Path output) {
        return PrepSettings.builder().input(input.toString()).output(output.toString())
                .resize(ResizeSpec.exact(16, 16)).encoding(OutputEncoding.jpeg(90))
                .validationFraction(0.2).targetRowsPerShard(10).maxPixels(5000);
    }

    @Test
    void badFilesAreSkippedCountedAndListed(@TempDir Path tmp) throws Exception {
        Path input = writeMixedTree(tmp.resolve("in"));
        Path output = tmp.resolve("out");
        PrepReport r = PrepJob.run(spark, settings(input, output).maxBadFraction(0.25).build());

        assertEquals(24, r.goodCount());
        assertEquals(5, r.badCount());
        assertEquals(1L, (long) r.badCountsByReason().get("empty_file"));
        assertEquals(1L, (long) r.badCountsByReason().get("truncated"));
        assertEquals(2L, (long) r.badCountsByReason().get("unknown_format"));
        assertEquals(1L, (long) r.badCountsByReason().get("too_many_pixels"));
        List<String> listed = r.badFiles().stream().map(b -> b.path() + "=" + b.reason().key()).collect(Collectors.toList());
        assertEquals(Arrays.asList("apple/cut.jpg=truncated", "apple/empty.jpg=empty_file", "apple/page.jpg=unknown_format",
                "pear/huge.png=too_many_pixels", "pear/noise.png=unknown_format"), listed);
        String json = new String(Files.readAllBytes(output.resolve("prep-report.json")), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"pear/huge.png\""), json);
        assertTrue(json.contains("\"too_many_pixels\""), json);

        long rows = spark.read().parquet(output.resolve("train").toString(), output.resolve("validation").toString())
                .where("path IN ('pear/cmyk.jpg', 'pear/deep.png', 'apple/grey.jpg', 'pear/anim.gif')").count();
        assertEquals(4, rows);
    }

    @Test
    void tooManyBadFilesFailsAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path input = writeMixedTree(tmp.resolve("in"));
        Path output = tmp.resolve("out/ds");
        PrepException e = assertThrows(PrepException.class,
                () -> PrepJob.run(spark, settings(input, output).maxBadFraction(0.1).build()));
        assertTrue(e.getMessage().contains("5 of 29"), e.getMessage());
        assertTrue(e.getMessage().contains("maxBadFraction"), e.getMessage());
        assertFalse(Files.exists(output));
        assertTrue(listNames(output.getParent()).isEmpty(), "left behind: " + listNames(output.getParent()));
    }

    @Test
    void userErrorsSayWhatToDo(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        String missing = expectPrep(settings(tmp.resolve("nope"), out).build());
        assertTrue(missing.contains("input not found"), missing);

        Files.createDirectories(tmp.resolve("empty"));
        String empty = expectPrep(settings(tmp.resolve("empty"), out).build());
        assertTrue(empty.contains("no class folders"), empty);

        Path noImages = tmp.resolve("noimg");
        TestImages.write(noImages.resolve("cat/c.jpg"), TestImages.jpeg(TestImages.solid(8, 8, 1, 2, 3), 90));
        TestImages.write(noImages.resolve("dog/README.md"), "dogs go here".getBytes(StandardCharsets.UTF_8));
        String classWithout = expectPrep(settings(noImages, out).build());
        assertTrue(classWithout.contains("without images") && classWithout.contains("[dog]"), classWithout);

        Path good = tmp.resolve("good");
        TestImages.write(good.resolve("cat/c.jpg"), TestImages.jpeg(TestImages.solid(8, 8, 1, 2, 3), 90));
        Path aFile = TestImages.write(tmp.resolve("plainfile"), new byte[] {1});
        String unwritable = expectPrep(settings(good, aFile.resolve("ds")).build());
        assertTrue(unwritable.contains("cannot write"), unwritable);

        Files.createDirectories(tmp.resolve("exists"));
        String exists = expectPrep(settings(good, tmp.resolve("exists")).build());
        assertTrue(exists.contains("already exists") && exists.contains("overwrite"), exists);

        String inside = expectPrep(settings(good, good.resolve("cat/out")).build());
        assertTrue(inside.contains("inside the input"), inside);

        Path labels = tmp.resolve("labels.json");
        Files.write(labels, LabelIndex.of(Arrays.asList("bird", "dog")).toJson().getBytes(StandardCharsets.UTF_8));
        String unknown = expectPrep(settings(good, out).labelIndex(labels.toString()).build());
        assertTrue(unknown.contains("[cat]") && unknown.contains("allowUnknownClasses"), unknown);

        PrepException invalid = assertThrows(PrepException.class,
                () -> PrepSettings.builder().output("x").validationFraction(1.5).targetRowsPerShard(0).build());
        assertTrue(invalid.getMessage().contains("input is required"), invalid.getMessage());
        assertTrue(invalid.getMessage().contains("validation fraction"), invalid.getMessage());
        assertTrue(invalid.getMessage().contains("rows per shard"), invalid.getMessage());
        assertFalse(Files.exists(out));
    }

    private static String expectPrep(PrepSettings s) {
        return assertThrows(PrepException.class, () -> PrepJob.run(spark, s)).getMessage();
    }

    static List<String> listNames(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return new ArrayList<>();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }
}
