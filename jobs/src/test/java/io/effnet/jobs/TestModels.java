package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.input.ShardSource;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import io.effnet.prep.BadImageException;
import io.effnet.prep.LabelIndex;
import io.effnet.prep.SourceImages;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Small models for tests of the jobs that use one. */
public final class TestModels {
  /** Input size of the models written here. */
  public static final int INPUT_SIZE = 32;

  private TestModels() {}

  /**
   * A run folder as train leaves it (model.effnet, labels.json for {@link TestImages#CLASSES}, provenance.json)
   * holding a seeded, untrained small network whose batch-norm statistics are those of the images under
   * {@code imageTree} (one forward pass in training mode with a batch-norm decay of 0). Without that step an
   * untrained network's activations vanish (logits near 1e-10: every class tied); a few training steps on so
   * little data give wild logits instead, whose probabilities underflow to 0.
   */
  public static void writeRun(File dir, long seed, File imageTree) throws IOException, BadImageException {
    assertTrue(dir.mkdirs() || dir.isDirectory());
    BigDL.seed(seed);
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(new Variant("custom", 0.25, 0.34, INPUT_SIZE,
        0.2, 0.2), TestImages.CLASSES.length, INPUT_SIZE), 0, 0);
    ShardSource pipeline = ShardSource.from(JobConfig.defaults(), INPUT_SIZE);
    List<float[]> tensors = new ArrayList<>();
    try (Stream<Path> files = Files.walk(imageTree.toPath())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          tensors.add(pipeline.evaluationTensor(SourceImages.decode(Files.readAllBytes(f), 1 << 20)));
        }
      }
    }
    int plane = 3 * INPUT_SIZE * INPUT_SIZE;
    float[] batch = new float[tensors.size() * plane];
    for (int i = 0; i < tensors.size(); i++) {
      System.arraycopy(tensors.get(i), 0, batch, i * plane, plane);
    }
    model.module().training();
    model.module().forward(BigDL.tensor(batch, tensors.size(), 3, INPUT_SIZE, INPUT_SIZE));
    model.module().evaluate();
    try (OutputStream o = new FileOutputStream(new File(dir, TrainedModel.MODEL_FILE))) {
      model.write(o);
    }
    Files.write(new File(dir, "labels.json").toPath(),
        LabelIndex.of(Arrays.asList(TestImages.CLASSES)).toJson().getBytes(StandardCharsets.UTF_8));
    Files.write(new File(dir, "provenance.json").toPath(),
        ("{\"model_file\": \"model.effnet\", \"seed\": " + seed + "}").getBytes(StandardCharsets.UTF_8));
  }
}
