package io.effnet.jobs.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.JobException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {
  @TempDir
  File tmp;

  @Test
  void defaultsComeFromTheSchema() {
    JobConfig c = JobConfig.defaults();
    assertEquals("b0", c.string("model.variant"));
    assertEquals(0.99, c.number("train.bn-decay"));
    assertNull(c.optionalString("train.data"));
    assertArrayEquals(new double[] {123.675, 116.28, 103.53}, c.numbers("input.mean"), 1e-9);
  }

  @Test
  void fileThenOverridesWin() throws Exception {
    File f = new File(tmp, "run.conf");
    Files.write(f.toPath(), "effnet.train { epochs = 7, batch-size = 64 }\n".getBytes(StandardCharsets.UTF_8));
    JobConfig c = JobConfig.load(f, Arrays.asList("train.epochs=9", "effnet.model.variant=b3",
        "train.data=\"/data/with space\"", "input.mean=[1, 2, 3]"));
    assertEquals(9, c.integer("train.epochs"));
    assertEquals(64, c.integer("train.batch-size"));
    assertEquals("b3", c.string("model.variant"));
    assertEquals("/data/with space", c.string("train.data"));
    assertArrayEquals(new double[] {1, 2, 3}, c.numbers("input.mean"), 0);
    assertTrue(c.render().contains("epochs=9") || c.render().contains("epochs = 9"), c.render());
  }

  @Test
  void inheritTakesARunsValuesOnlyWhereTheUserSetNone() {
    String run = JobConfig.load(null, Arrays.asList("input.crop-padding=0", "input.std=[1, 2, 3]",
        "input.mean=[9, 9, 9]", "train.epochs=40")).render();
    JobConfig user = JobConfig.load(null, Collections.singletonList("input.mean=[5, 6, 7]"));
    java.util.Map<String, String> changed = new java.util.LinkedHashMap<>();
    JobConfig c = user.inherit(run, Arrays.asList("input.mean", "input.std", "input.crop-padding"), changed);
    assertArrayEquals(new double[] {5, 6, 7}, c.numbers("input.mean"), 0, "set by the user: kept");
    assertArrayEquals(new double[] {1, 2, 3}, c.numbers("input.std"), 0);
    assertEquals(0, c.integer("input.crop-padding"));
    assertEquals(5, c.integer("train.epochs"), "keys not asked for are not inherited");
    assertEquals(Arrays.asList("input.std", "input.crop-padding"), new java.util.ArrayList<>(changed.keySet()));
    assertEquals("0", changed.get("input.crop-padding"));
    JobConfig derived = user.with(Collections.singletonMap("input.crop-padding", 7));
    assertEquals(7, derived.inherit(run, Collections.singletonList("input.crop-padding"),
        new java.util.HashMap<String, String>()).integer("input.crop-padding"), "values a job derived count as set");
  }

  @Test
  void mistakesAreConfigErrorsNamingTheKey() {
    JobException unknown = assertThrows(JobException.class,
        () -> JobConfig.load(null, Collections.singletonList("train.epoch=3")));
    assertEquals(JobException.CONFIG, unknown.exitCode());
    assertTrue(unknown.getMessage().contains("effnet.train.epoch"), unknown.getMessage());
    JobException type = assertThrows(JobException.class,
        () -> JobConfig.load(null, Collections.singletonList("train.epochs=many")).integer("train.epochs"));
    assertTrue(type.getMessage().contains("effnet.train.epochs"), type.getMessage());
    JobException missing = assertThrows(JobException.class, () -> JobConfig.defaults().string("train.data"));
    assertTrue(missing.getMessage().contains("must be set"), missing.getMessage());
    assertThrows(JobException.class, () -> JobConfig.load(new File(tmp, "absent.conf"), Collections.<String>emptyList()));
    assertThrows(JobException.class, () -> JobConfig.load(null, Collections.singletonList("no-equals-sign")));
  }

  @Test
  void modelSectionResolvesPublishedAndCustomVariants() {
    ModelSettings b2 = ModelSettings.from(JobConfig.load(null, Collections.singletonList("model.variant=b2")));
    assertEquals(260, b2.inputSize());
    assertEquals(9_109_994L, b2.resolve(1000).parameterCount());
    ModelSettings custom = ModelSettings.from(JobConfig.load(null, Arrays.asList("model.variant=custom",
        "model.phi=2", "model.input-size=64")));
    assertEquals(1.44, custom.variant().depthCoefficient(), 1e-12);
    assertEquals(64, custom.inputSize());
    assertThrows(JobException.class, () -> ModelSettings.from(JobConfig.load(null,
        Collections.singletonList("model.variant=b9"))));
    assertThrows(JobException.class, () -> ModelSettings.from(JobConfig.load(null,
        Collections.singletonList("model.input-size=16"))));
  }
}
