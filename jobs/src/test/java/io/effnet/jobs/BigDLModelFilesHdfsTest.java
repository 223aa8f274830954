package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.effnet.jobs.io.RunFiles;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.BigDLExport;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The BigDL module files written to a real in-process HDFS and read back from it by BigDL's own loader. */
class BigDLModelFilesHdfsTest {
  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();

  @Test
  void writtenToHdfsAndLoadedFromItByBigDL() throws Exception {
    BigDL.seed(4);
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(new Variant("custom", 0.25, 0.34, 32, 0.2,
        0.2), 3, 32));
    Random random = new Random(9);
    for (Map.Entry<String, com.intel.analytics.bigdl.tensor.Tensor<Float>> e : model.namedTensors().entrySet()) {
      if (e.getKey().endsWith("/runningVar")) {
        e.getValue().fill(0.5f + random.nextFloat());
      } else if (e.getKey().endsWith("/runningMean")) {
        e.getValue().fill((float) (0.1 * random.nextGaussian()));
      }
    }
    String hdfs = HDFS.uri();
    String dir = hdfs + "/runs/r";
    RunFiles files = new RunFiles(HDFS.cluster().getConfiguration(0));
    files.createFreshDir(dir);

    Map<String, Object> entry = BigDLModelFiles.write(files, dir, "model", model);

    assertEquals("model.bigdl", entry.get("definition"));
    assertEquals("model.bin", entry.get("weights"));
    FileSystem fs = HDFS.cluster().getFileSystem();
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs.listStatus(new Path(dir))) {
      names.add(s.getPath().getName());
    }
    Collections.sort(names);
    assertEquals(java.util.Arrays.asList("model.bigdl", "model.bin"), names, "no temporary files left");

    float[] batch = new float[2 * 3 * 32 * 32];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = (float) random.nextGaussian();
    }
    float[][] expected = model.predictLogits(batch, 2);
    float[][] actual = BigDLExport.predictLogits(BigDLExport.load(dir + "/model.bigdl", dir + "/model.bin"), batch,
        2, 32);
    for (int i = 0; i < 2; i++) {
      double scale = 0;
      for (float v : expected[i]) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (int c = 0; c < 3; c++) {
        assertEquals(expected[i][c], actual[i][c], 5e-5 * scale, "image " + i + ", class " + c);
      }
    }
    // BigDL 0.13's reader closes the Hadoop file system instance it read through, which is Hadoop's cached one for
    // this cluster: whoever else held it (here the test's, in a job Spark's) gets "Filesystem closed". Hence the
    // export writes locally and copies through the project's own file access, and the README tells users to load
    // from a local copy in a JVM that uses the same HDFS otherwise.
    java.io.IOException closed = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
        () -> fs.exists(new Path(dir)));
    assertEquals("Filesystem closed", closed.getMessage());
    // The project's own file access to this HDFS still works after BigDL's reader has been there.
    files.writeText(files.child(dir, "after.txt"), "ok");
    assertEquals("ok", files.read(files.child(dir, "after.txt"),
        in -> new java.util.Scanner(in, "UTF-8").next()));
  }
}
