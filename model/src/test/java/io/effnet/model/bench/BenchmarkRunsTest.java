package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.model.bigdl.LayerChoice;
import org.junit.jupiter.api.Test;

/**
 * Each way of timing runs for real, on B0 at 32x32 with a batch of 4 (2 per core) and a few steps: the
 * figures are positive and consistent, and the structure (replicas, layer groups) is BigDL's.
 */
class BenchmarkRunsTest {
  private static BenchmarkSettings.Builder small() {
    return BenchmarkSettings.builder().inputSize(32).batchSize(4).numClasses(10).warmupIterations(1)
        .measuredIterations(2).cores(2);
  }

  @Test
  void profilerTimesEveryLayerOfBothReplicas() {
    CpuContention contention = CpuContention.start();
    LayerProfile p;
    try {
      p = LayerProfiler.run(small().build(), contention);
    } finally {
      contention.stop();
    }
    assertEquals(2, p.replicas());
    assertTrue(p.stepMs() > 0 && p.computeMs() > 0 && p.computeMs() <= p.stepMs(), p.format());
    assertTrue(p.updateMs() > 0, p.format());
    LayerProfile.Entry dw = p.byRole().stream().filter(e -> e.key().equals("dwconv")).findFirst().get();
    assertEquals(16, dw.layers(), "B0 has 16 blocks, each with one depthwise convolution");
    assertTrue(dw.forwardMs() > 0 && dw.backwardMs() > 0);
    double layerMs = 0;
    for (LayerProfile.Entry e : p.byClass()) {
      layerMs += e.totalMs();
    }
    assertTrue(layerMs > 0, p.format());
    assertEquals(2, p.steps().stepSeconds().length);
    assertEquals(3, p.steps().losses().length);
    assertTrue(p.steps().lossesFinite(), p.line());
  }

  /** The default engine's builder choice is the direct depthwise convolution; BigDL's when asked. */
  @Test
  void profilerRunsTheDepthwiseConvolutionAskedFor() {
    CpuContention contention = CpuContention.start();
    LayerProfile direct;
    LayerProfile bigdl;
    try {
      direct = LayerProfiler.run(small().build(), contention);
      bigdl = LayerProfiler.run(small().depthwise(LayerChoice.Depthwise.BIGDL_GROUPED)
          .globalPooling(LayerChoice.GlobalPooling.JAVA).build(), contention);
    } finally {
      contention.stop();
    }
    assertEquals(16, layersOfClass(direct, "DepthwiseConvolution"));
    assertEquals(0, layersOfClass(bigdl, "DepthwiseConvolution"));
    assertEquals(16 + 1, layersOfClass(bigdl, "GlobalAveragePooling"), "B0: 16 squeeze-excitations and the head");
    assertTrue(bigdl.line().contains("depthwise-bigdl global-pool-java"), bigdl.line());
  }

  private static int layersOfClass(LayerProfile p, String simpleName) {
    return p.byClass().stream().filter(e -> e.key().equals(simpleName)).mapToInt(LayerProfile.Entry::layers).sum();
  }

  @Test
  void localOptimizerStepsAreTimedBetweenBatchFetches() {
    CpuContention contention = CpuContention.start();
    ThroughputResult r;
    try {
      r = LocalOptimizerBenchmark.run(small().path(TrainingPath.LOCAL).build(), contention);
    } finally {
      contention.stop();
    }
    assertEquals(2, r.stepSeconds().length);
    for (double s : r.stepSeconds()) {
      assertTrue(s > 0 && s < 60, "step " + s);
    }
    assertEquals(4 / r.medianStepSeconds(), r.medianImagesPerSecond(), 1e-9);
    assertTrue(r.line().contains("path local cores 2"), r.line());
  }

  @Test
  void distriOptimizerStepsComeFromBigDLsTrainSummary() {
    CpuContention contention = CpuContention.start();
    ThroughputResult r;
    try {
      r = DistriOptimizerBenchmark.run(small().build(), contention);
    } finally {
      contention.stop();
    }
    assertEquals(2, r.stepSeconds().length);
    for (double s : r.stepSeconds()) {
      assertTrue(s > 0 && s < 60, "step " + s);
    }
    assertTrue(r.line().startsWith("b0 32x32 batch 4 engine mklblas path distri cores 2: "), r.line());
    assertEquals(3, r.losses().length, "BigDL's recorded loss of every step, warm-up included");
    assertTrue(r.lossesFinite(), r.line());
    assertTrue(!Double.isNaN(r.otherCores()) || !new java.io.File("/proc/stat").exists(), r.line());
  }
}
