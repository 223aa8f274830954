package io.effnet.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real in-process HDFS (NameNode and one DataNode) for the tests of one class:
 * {@code @RegisterExtension static final MiniHdfs HDFS = new MiniHdfs();} starts it before the first test and
 * shuts it down, its storage deleted, after the last.
 */
final class MiniHdfs implements BeforeAllCallback, AfterAllCallback {
  private Path base;
  private MiniDFSCluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    base = Files.createTempDirectory("minidfs");
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (cluster != null) {
      cluster.shutdown();
    }
    if (base != null) {
      FileUtil.fullyDelete(base.toFile());
    }
  }

  /** The running cluster. */
  MiniDFSCluster cluster() {
    return cluster;
  }

  /** {@code hdfs://localhost:<NameNode port>}. */
  String uri() {
    return "hdfs://localhost:" + cluster.getNameNodePort();
  }
}
