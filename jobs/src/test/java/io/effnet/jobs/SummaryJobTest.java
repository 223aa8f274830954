package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryJobTest {
  @Test
  void familyTableHasTorchvisionCountsAndTheConfiguredVariant() {
    List<String> lines = SummaryJob.lines(JobConfig.load(null, Arrays.asList("model.variant=custom",
        "model.width=0.5", "model.depth=0.5", "model.resolution=64")), 1000, true);
    assertEquals(1 + 8 + 1, lines.size());
    assertTrue(lines.get(1).startsWith("efficientnet-b0") && lines.get(1).contains("5,288,548"), lines.get(1));
    assertTrue(lines.get(8).startsWith("efficientnet-b7") && lines.get(8).contains("66,347,960"), lines.get(8));
    assertTrue(lines.get(3).contains("1.09@288 (ours 1.09)"), lines.get(3));
    assertTrue(lines.get(9).startsWith("configured:custom") && lines.get(9).contains("   64 "), lines.get(9));
  }
}
