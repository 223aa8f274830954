package io.effnet.prep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** targetShardMegabytes: shards per split from the encoded image bytes, not the row count. */
class PrepJobShardBytesTest {
    private static final long MIB = 1L << 20;
    /** A RAW 200x200 RGB image: 13-byte header + 200*200*3 samples. */
    private static final long RAW_BYTES = 13 + 200 * 200 * 3;

    private static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = SparkTestSession.get();
    }

    @Test
    void shardCountFollowsEncodedBytes(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        for (int i = 0; i < 15; i++) {
            TestImages.write(in.resolve("a/a" + i + ".png"), TestImages.encode(TestImages.gradient(200, 200, 10 * i, 90, 40), "png"));
            TestImages.write(in.resolve("b/b" + i + ".png"), TestImages.encode(TestImages.gradient(200, 200, 40, 10 * i, 90), "png"));
        }
        Path out = tmp.resolve("ds");
        PrepReport r = PrepJob.run(spark, PrepSettings.builder().input(in.toString()).output(out.toString())
                .resize(ResizeSpec.none()).encoding(OutputEncoding.raw()).validationFraction(0.2)
                .targetShardMegabytes(1).build());

        assertEquals(30, r.goodCount());
        assertEquals(r.trainCount() * RAW_BYTES, r.trainImageBytes());
        assertEquals(r.validationCount() * RAW_BYTES, r.validationImageBytes());
        assertEquals(r.trainImageBytes(), imageBytes(out.resolve("train")));
        assertEquals(r.validationImageBytes(), imageBytes(out.resolve("validation")));
        int expectedTrain = (int) ((r.trainImageBytes() + MIB - 1) / MIB);
        int expectedValidation = (int) Math.max(1, (r.validationImageBytes() + MIB - 1) / MIB);
        assertTrue(expectedTrain >= 2, "the test needs several train shards, got " + expectedTrain);
        assertEquals(expectedTrain, r.trainShards());
        assertEquals(expectedValidation, r.validationShards());
        // A row count target would have given one shard per split (30 rows, 5000 per shard).
        assertEquals(expectedTrain, PrepJobTest.listParquet(out.resolve("train")).size());

        JsonNode json = new ObjectMapper().readTree(out.resolve("prep-report.json").toFile());
        assertEquals(1, json.path("settings").path("target_shard_megabytes").asInt());
        assertTrue(json.path("settings").path("target_rows_per_shard").isNull());
        assertEquals(r.trainImageBytes(), json.path("bytes").path("image_out_train").asLong());
        assertEquals(r.imageBytesOut(), json.path("bytes").path("image_out").asLong());
        assertEquals(expectedTrain, json.path("shards").path("train").asInt());
    }

    private static long imageBytes(Path splitDir) {
        long total = 0;
        for (Row row : spark.read().parquet(splitDir.toString()).select("image").collectAsList()) {
            total += row.<byte[]>getAs(0).length;
        }
        return total;
    }
}
