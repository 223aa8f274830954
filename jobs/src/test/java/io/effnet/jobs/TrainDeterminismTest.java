package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.effnet.model.bigdl.EfficientNet;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job (and so each search candidate, which runs it) repeats exactly for a seed on local[2]: real
 * images, augmentation on, dropout and drop connect on, two epochs.
 */
class TrainDeterminismTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  File tmp;

  private File prepare() throws Exception {
    File images = new File(tmp, "images");
    TestImages.writeTree(images, 12, 36, 11);
    File data = new File(tmp, "data");
    TestImages.prep(images, data, 40, "prep.validation-fraction=0.25");
    return data;
  }

  private File train(File data, String name, long seed) throws Exception {
    return train(data, name, seed, 2, false);
  }

  private File train(File data, String name, long seed, int epochs, boolean resume, String... settings)
      throws Exception {
    File run = new File(tmp, name);
    List<String> args = new ArrayList<>(Arrays.asList("train", "--set", "train.data=\"" + data + "\"",
        "--set", "train.resume=" + resume,
        "--set", "train.output=\"" + run + "\"", "--set", "train.epochs=" + epochs, "--set", "train.batch-size=8",
        "--set", "train.seed=" + seed, "--set", "train.flip=true", "--set", "train.optimizer=momentum",
        "--set", "train.base-learning-rate=0.4", "--set", "train.warmup-epochs=0", "--set", "train.bn-decay=0.9",
        "--set", "model.variant=custom", "--set", "model.width=0.25", "--set", "model.depth=0.5",
        "--set", "model.resolution=32", "--set", "model.input-size=32", "--set", "model.dropout=0.3",
        "--set", "model.drop-connect=0.3", "--set", "input.min-crop-area=0.35"));
    for (String setting : settings) {
      args.add("--set");
      args.add(setting);
    }
    assertEquals(0, Cli.execute(args.toArray(new String[0])));
    return run;
  }

  private static float[] weights(File run) throws Exception {
    return weights(run, "model.effnet");
  }

  private static float[] weights(File run, String file) throws Exception {
    try (InputStream in = new FileInputStream(new File(run, file))) {
      return EfficientNet.read(in).flatParameters();
    }
  }

  @Test
  void twoTrainRunsWithTheSameSeedReportAndWriteTheSame() throws Exception {
    File data = prepare();
    File first = train(data, "first", 5);
    File second = train(data, "second", 5);
    File other = train(data, "other", 6);
    JsonNode a = JSON.readTree(new File(first, "train-report.json"));
    JsonNode b = JSON.readTree(new File(second, "train-report.json"));
    assertEquals(a.get("loss_by_iteration"), b.get("loss_by_iteration"));
    assertEquals(2, a.get("epochs").size());
    for (int e = 0; e < 2; e++) {
      JsonNode ea = a.get("epochs").get(e);
      JsonNode eb = b.get("epochs").get(e);
      assertEquals(ea.get("mean_loss"), eb.get("mean_loss"), "epoch " + (e + 1));
      assertEquals(ea.get("validation"), eb.get("validation"), "epoch " + (e + 1));
    }
    assertArrayEquals(weights(first), weights(second));
    assertFalse(Arrays.equals(weights(first), weights(other)), "another seed must train other weights");

    // The average (on by default) only after the last epoch: same training, same shipped average and last
    // validation; epoch 1 validated the trained weights instead, without recomputing any statistics.
    File late = train(data, "late", 5, 2, false, "train.weight-average-each-epoch=false");
    JsonNode c = JSON.readTree(new File(late, "train-report.json"));
    assertEquals(a.get("loss_by_iteration"), c.get("loss_by_iteration"));
    assertArrayEquals(weights(first), weights(late));
    assertArrayEquals(weights(first, "model-ema.effnet"), weights(late, "model-ema.effnet"));
    assertFalse(Arrays.equals(weights(late), weights(late, "model-ema.effnet")));
    assertEquals("average", a.get("epochs").get(0).get("validated_weights").asText());
    assertTrue(a.get("epochs").get(0).get("weight_average_bn_images").asLong() > 0);
    assertEquals("trained", c.get("epochs").get(0).get("validated_weights").asText());
    assertFalse(c.get("epochs").get(0).has("weight_average_bn_images"));
    assertEquals("average", c.get("epochs").get(1).get("validated_weights").asText());
    assertEquals(a.get("epochs").get(1).get("weight_average_bn_images"),
        c.get("epochs").get(1).get("weight_average_bn_images"));
    assertEquals(a.get("epochs").get(1).get("validation"), c.get("epochs").get(1).get("validation"));
  }

  /**
   * A run stopped after epoch 1 and resumed from its checkpoint ends with the weights of an uninterrupted run:
   * epoch 2's sample order and masks depend on (seed, epoch) only, and the checkpoint holds weights, optimizer
   * buffers and counters.
   */
  @Test
  void aResumedRunEndsWithTheUninterruptedRunsWeights() throws Exception {
    File data = prepare();
    File whole = train(data, "whole", 5, 2, false);
    train(data, "resumed", 5, 1, false);
    File resumed = train(data, "resumed", 5, 2, true);
    assertArrayEquals(weights(whole), weights(resumed));
  }

  /** The search compares candidates trained from one seed: two searches agree on every candidate's top-1. */
  @Test
  void twoSearchesWithTheSameSeedAgree() throws Exception {
    File data = prepare();
    List<Double> first = searchTop1(data, "search1");
    List<Double> second = searchTop1(data, "search2");
    assertEquals(2, first.size());
    assertEquals(first, second);
    for (JsonNode c : JSON.readTree(new File(new File(tmp, "search1"), "search.json")).get("candidates")) {
      String dir = "candidates/" + c.get("id").asText() + "/train-report.json";
      assertEquals(JSON.readTree(new File(new File(tmp, "search1"), dir)).get("loss_by_iteration"),
          JSON.readTree(new File(new File(tmp, "search2"), dir)).get("loss_by_iteration"), dir);
    }
  }

  private List<Double> searchTop1(File data, String name) throws Exception {
    File out = new File(tmp, name);
    List<String> args = new ArrayList<>(Arrays.asList("search"));
    for (String s : new String[] {"train.data=\"" + data + "\"", "search.output=\"" + out + "\"",
        "search.alpha-min=1.0", "search.alpha-max=1.2", "search.beta-min=1.0", "search.beta-max=1.1",
        "search.gamma-min=1.0", "search.gamma-max=1.2", "search.step=0.1", "search.base-resolution=32",
        "search.base-width=0.5", "search.base-depth=0.5", "search.max-images=16", "search.epochs=1",
        "search.family-size=3", "search.target=1.5", "search.max-candidates=2", "search.seed=3",
        "train.batch-size=8", "train.optimizer=momentum", "train.base-learning-rate=0.4",
        "train.warmup-epochs=0", "train.bn-decay=0.9", "input.min-crop-area=0.35", "input.crop-padding=0"}) {
      args.add("--set");
      args.add(s);
    }
    assertEquals(0, Cli.execute(args.toArray(new String[0])));
    List<Double> top1 = new ArrayList<>();
    for (JsonNode c : JSON.readTree(new File(out, "search.json")).get("candidates")) {
      top1.add(c.get("top1").asDouble());
    }
    return top1;
  }
}
