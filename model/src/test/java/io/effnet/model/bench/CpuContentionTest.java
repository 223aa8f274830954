package io.effnet.model.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuContentionTest {
  @Test
  void busyTicksAreAllButIdleAndIowait() {
    // user nice system idle iowait irq softirq steal guest guest_nice
    assertEquals(100 + 2 + 30 + 4 + 5 + 6, CpuContention.parseBusyTicks("cpu  100 2 30 9999 77 4 5 6 0 0"));
    assertEquals(-1, CpuContention.parseBusyTicks("cpu0 1 2 3 4 5"));
    assertEquals(-1, CpuContention.parseBusyTicks("intr 1 2 3"));
    assertEquals(-1, CpuContention.parseBusyTicks("cpu x y z w v"));
  }

  @Test
  void otherCoresAreTheMachinesBusyTimeMinusThisProcesssOverTheEnclosingSamples() {
    // Every second: the machine 150 ticks (1.5 cores) busy, this process 1.2 s of CPU.
    List<CpuContention.Sample> samples = Arrays.asList(
        new CpuContention.Sample(0, 1000, 0),
        new CpuContention.Sample(1_000_000_000L, 1150, 1_200_000_000L),
        new CpuContention.Sample(2_000_000_000L, 1300, 2_400_000_000L),
        // then the machine gets busier: 2.0 cores, this process still 1.2
        new CpuContention.Sample(3_000_000_000L, 1500, 3_600_000_000L));
    assertEquals(0.3, CpuContention.otherCores(samples, 100_000_000L, 1_900_000_000L), 1e-9);
    assertEquals(0.8, CpuContention.otherCores(samples, 2_000_000_000L, 3_000_000_000L), 1e-9);
    assertEquals((0.3 + 0.3 + 0.8) / 3, CpuContention.otherCores(samples, 0, 3_000_000_000L), 1e-9);
    assertTrue(Double.isNaN(CpuContention.otherCores(samples, 2_500_000_000L, 4_000_000_000L)));
  }

  @Test
  void aLiveSamplerReportsAFiniteNonNegativeShareOnLinux() throws InterruptedException {
    CpuContention c = CpuContention.start();
    long from = System.nanoTime();
    Thread.sleep(3 * CpuContention.SAMPLE_MILLIS);
    long to = System.nanoTime();
    Thread.sleep(2 * CpuContention.SAMPLE_MILLIS);
    c.stop();
    if (CpuContention.busyTicks(java.nio.file.Paths.get("/proc/stat")) >= 0) {
      double others = c.otherCores(from, to);
      assertTrue(others >= 0 && others <= Runtime.getRuntime().availableProcessors(), "others " + others);
      assertTrue(c.otherCores() >= 0);
    }
    assertTrue(c.loadAverages().startsWith("1-min load "), c.loadAverages());
  }
}
