package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.model.bigdl.LayerChoice;
import org.junit.jupiter.api.Test;

class BenchmarkSettingsTest {
  @Test
  void defaultsAreB0At224WithBatch32OnTwoCoresThroughDistriOptimizer() {
    BenchmarkSettings s = BenchmarkSettings.builder().build();
    assertEquals("b0", s.variant());
    assertEquals(224, s.inputSize());
    assertEquals(32, s.batchSize());
    assertEquals(1000, s.numClasses());
    assertEquals(2, s.cores());
    assertEquals(TrainingPath.DISTRI, s.path());
    assertNull(s.depthwise());
    assertNull(s.globalPooling());
    assertEquals(LayerChoice.forEngine("mklblas"), s.layers("mklblas"));
    assertEquals(LayerChoice.forEngine("mkldnn"), s.layers("mkldnn"));
    assertFalse(s.uncompressedGradients());
    assertEquals(s.warmupIterations() + s.measuredIterations(), s.totalIterations());
    assertEquals("b0 224x224 batch 32", s.describe());
    assertEquals(224, s.spec().inputSize());
    assertEquals(1000, s.spec().numClasses());
  }

  @Test
  void toBuilderKeepsEveryValue() {
    BenchmarkSettings s = BenchmarkSettings.builder().variant("b1").inputSize(64).batchSize(64).numClasses(10)
        .warmupIterations(3).measuredIterations(7).cores(4).path(TrainingPath.LOCAL)
        .depthwise(LayerChoice.Depthwise.DIRECT).globalPooling(LayerChoice.GlobalPooling.JAVA)
        .uncompressedGradients(true).build();
    BenchmarkSettings t = s.toBuilder().build();
    assertEquals(s.toString(), t.toString());
    assertEquals("b1 64x64 batch 64 depthwise-direct global-pool-java uncompressed", t.describe());
    assertEquals(LayerChoice.of(LayerChoice.Depthwise.DIRECT, LayerChoice.GlobalPooling.JAVA), t.layers("mklblas"));
    assertEquals(LayerChoice.of(LayerChoice.Depthwise.DIRECT, LayerChoice.GlobalPooling.JAVA), t.layers("mkldnn"));
    assertTrue(t.uncompressedGradients());
    assertEquals(TrainingPath.LOCAL, t.path());
    assertEquals(10, t.totalIterations());
  }

  @Test
  void bigdlsLayersCanBeAskedForOnTheDefaultEngine() {
    BenchmarkSettings s = BenchmarkSettings.builder().depthwise(LayerChoice.Depthwise.BIGDL_GROUPED)
        .globalPooling(LayerChoice.GlobalPooling.BIGDL).build();
    assertEquals(LayerChoice.BIGDL, s.layers("mklblas"));
    assertEquals("b0 224x224 batch 32 depthwise-bigdl global-pool-bigdl", s.describe());
  }

  @Test
  void rejectsABatchThatTheCoresCannotSplitEvenly() {
    BenchmarkException e = assertThrows(BenchmarkException.class,
        () -> BenchmarkSettings.builder().batchSize(33).cores(2).build());
    assertTrue(e.getMessage().contains("multiple of the 2 cores"), e.getMessage());
  }

  @Test
  void rejectsUnknownVariantsTinyInputsAndNoMeasuredStep() {
    assertTrue(assertThrows(BenchmarkException.class, () -> BenchmarkSettings.builder().variant("b9").build())
        .getMessage().contains("b0..b7"));
    assertTrue(assertThrows(BenchmarkException.class, () -> BenchmarkSettings.builder().inputSize(16).build())
        .getMessage().contains("at least 32"));
    assertTrue(assertThrows(BenchmarkException.class,
        () -> BenchmarkSettings.builder().measuredIterations(0).build()).getMessage().contains("measured"));
    assertTrue(assertThrows(BenchmarkException.class,
        () -> BenchmarkSettings.builder().warmupIterations(-1).build()).getMessage().contains("warm-up"));
  }

  @Test
  void trainingPathsParseTheirOptionNames() {
    assertEquals(TrainingPath.DISTRI, TrainingPath.parse("distri"));
    assertEquals(TrainingPath.LOCAL, TrainingPath.parse("local"));
    assertTrue(assertThrows(BenchmarkException.class, () -> TrainingPath.parse("spark")).getMessage()
        .contains("distri or local"));
  }
}
