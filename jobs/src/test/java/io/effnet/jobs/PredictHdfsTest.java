package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** predict with the model, the image tree and the output all on a real in-process HDFS (NameNode + DataNode). */
class PredictHdfsTest {
  @TempDir
  static File tmp;
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();

  @Test
  void predictsAnImageTreeOnHdfsIntoHdfs() throws Exception {
    File images = new File(tmp, "images");
    int written = TestImages.writeTree(images, 4, 36, 21);
    File run = new File(tmp, "run");
    TestModels.writeRun(run, 3, images);
    Files.write(new File(images, "tint/cut.png").toPath(), "\u0089PNG\r\n".getBytes(StandardCharsets.ISO_8859_1));
    FileSystem fs = HDFS.cluster().getFileSystem();
    String hdfs = HDFS.uri();
    fs.copyFromLocalFile(new Path(images.toURI()), new Path(hdfs + "/in"));
    fs.copyFromLocalFile(new Path(run.toURI()), new Path(hdfs + "/runs/r"));

    assertEquals(0, Cli.execute("predict", "--set", "predict.model=\"" + hdfs + "/runs/r\"",
        "--set", "predict.input=\"" + hdfs + "/in\"", "--set", "predict.output=\"" + hdfs + "/out/p\""));

    JsonNode report;
    try (InputStream in = fs.open(new Path(hdfs + "/out/p/predict-report.json"))) {
      report = new ObjectMapper().readTree(in);
    }
    assertEquals(written + 1, report.get("images").asLong());
    assertEquals(1, report.get("errors").asLong());
    assertEquals(hdfs + "/runs/r/model.effnet", report.get("model").get("file").asText());
    assertTrue(fs.listStatus(new Path(hdfs + "/out")).length == 1, "only the published output, no temp folder");

    SparkSession spark = io.effnet.jobs.spark.SparkBootstrap.plain("predict-hdfs-check");
    try {
      List<Row> rows = spark.read().parquet(hdfs + "/out/p/predictions").collectAsList();
      assertEquals(written + 1, rows.size());
      for (Row r : rows) {
        String path = r.getAs("path");
        assertTrue(path.startsWith(hdfs + "/in/"), path);
        assertEquals(path.endsWith("tint/cut.png"), r.getAs("error") != null, path);
      }
    } finally {
      spark.stop();
    }
  }
}
