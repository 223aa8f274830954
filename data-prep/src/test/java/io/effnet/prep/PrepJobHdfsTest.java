package io.effnet.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job against a real in-process HDFS (NameNode + DataNode): input listed and read from hdfs://, shards written there. */
class PrepJobHdfsTest {
    @TempDir
    static java.nio.file.Path tmp;
    private static MiniDFSCluster cluster;
    private static SparkSession spark;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTestSession.get();
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    @Test
    void readsAndWritesHdfs() throws Exception {
        FileSystem fs = cluster.getFileSystem();
        String hdfs = "hdfs://localhost:" + cluster.getNameNodePort();
        PrepJobTest.writeTree(tmp.resolve("local-in"));
        fs.copyFromLocalFile(new Path(tmp.resolve("local-in").toUri()), new Path(hdfs + "/data/in"));
        assertTrue(fs.exists(new Path(hdfs + "/data/in/dog/2019/summer/dog_0.png")));

        PrepSettings s = PrepSettings.builder()
                .input(hdfs + "/data/in")
                .output(hdfs + "/data/prepared/ds")
                .resize(ResizeSpec.shorterSide(16))
                .encoding(OutputEncoding.raw())
                .validationFraction(0.3)
                .targetRowsPerShard(5)
                .build();
        PrepReport r = PrepJob.run(spark, s);

        assertEquals(15, r.goodCount());
        assertEquals(3, r.ignoredCount());
        assertTrue(fs.exists(new Path(hdfs + "/data/prepared/ds/labels.json")));
        assertTrue(fs.exists(new Path(hdfs + "/data/prepared/ds/prep-report.json")));
        assertEquals(1, fs.listStatus(new Path(hdfs + "/data/prepared")).length, "no temporary sibling left");
        List<Row> rows = spark.read().parquet(hdfs + "/data/prepared/ds/train", hdfs + "/data/prepared/ds/validation")
                .select("path", "image", "width", "height").collectAsList();
        assertEquals(15, rows.size());
        for (Row row : rows) {
            DecodedImage img = ImageCodec.decode(row.getAs("image"));
            assertEquals((int) row.<Integer>getAs("width"), img.width());
            assertEquals(16, Math.min(img.width(), img.height()));
        }
        assertEquals(Arrays.asList("cat", "dog", "fox"),
                LabelIndex.read(hdfs + "/data/prepared/ds/labels.json", spark.sparkContext().hadoopConfiguration()).names());

        // Incremental on HDFS: labels.json and the report are replaced with an atomic rename.
        PrepJobTest.writeTree(tmp.resolve("local-more"));
        fs.copyFromLocalFile(new Path(tmp.resolve("local-more/cat/cat_3.jpg").toUri()), new Path(hdfs + "/data/in/cat/extra/c3.jpg"));
        PrepReport inc = PrepJob.run(spark, s.toBuilder().incremental(true).build());
        assertEquals(1, inc.goodCount());
        assertEquals(16, spark.read().parquet(hdfs + "/data/prepared/ds/train", hdfs + "/data/prepared/ds/validation").count());
        assertFalse(inc.labels().names().isEmpty());
        assertEquals(1, fs.listStatus(new Path(hdfs + "/data/prepared")).length, "no temporary sibling left");
    }
}
