package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerProfileTest {
  @Test
  void roleIsTheLayerNameWithoutItsBlockPrefix() {
    assertEquals("dwconv", LayerProfile.role("block2a_dwconv"));
    assertEquals("se_reduce_activation", LayerProfile.role("block16c_se_reduce_activation"));
    assertEquals("stem_conv", LayerProfile.role("stem_conv"));
    assertEquals("top_bn", LayerProfile.role("top_bn"));
  }

  @Test
  void accumulatorSumsPerKeyAndDividesPerStepAndReplica() {
    LayerProfile.Accumulator a = new LayerProfile.Accumulator();
    // Two replicas, two layers of the same role each, over 2 steps.
    for (int replica = 0; replica < 2; replica++) {
      a.add("dwconv", 10, 30);
      a.add("dwconv", 6, 2);
      a.add("expand_conv", 4, 4);
    }
    List<LayerProfile.Entry> entries = a.entries(2 * 2, 2);
    assertEquals(2, entries.size());
    LayerProfile.Entry dw = entries.get(0);
    assertEquals("dwconv", dw.key());
    assertEquals(2, dw.layers());
    assertEquals(8.0, dw.forwardMs(), 1e-12);
    assertEquals(16.0, dw.backwardMs(), 1e-12);
    assertEquals(24.0, dw.totalMs(), 1e-12);
    assertEquals(1, entries.get(1).layers());
  }

  @Test
  void formatListsTheLargestGroupFirstWithItsShare() {
    BenchmarkSettings s = BenchmarkSettings.builder().inputSize(32).batchSize(32).build();
    LayerProfile.Accumulator a = new LayerProfile.Accumulator();
    a.add("Swish", 1, 1);
    a.add("SpatialConvolution", 30, 48);
    ThroughputResult steps = new ThroughputResult(s, "mklblas", new double[] {0.1}, 0.0, 0.0);
    LayerProfile p = new LayerProfile(s, "mklblas", 2, 100, 90, 4, 6, a.entries(1, 1),
        Collections.<LayerProfile.Entry>emptyList(), steps);
    assertEquals(320.0, p.imagesPerSecond(), 1e-9);
    assertEquals("SpatialConvolution", p.byClass().get(0).key());
    String text = p.format();
    assertTrue(text.contains("100.0 ms/step = 320.00 images/s"), text);
    assertTrue(text.matches("(?s).*SpatialConvolution\\s+1\\s+30\\.00\\s+48\\.00\\s+78\\.00\\s+97\\.5%.*"), text);
    assertTrue(p.line().startsWith("b0 32x32 batch 32 engine mklblas path profile cores 2: 320.00 images/s"),
        p.line());
  }
}
