package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.keras.KerasImport;
import io.effnet.model.keras.KerasLayer;
import io.effnet.model.keras.KerasTensor;
import io.effnet.model.keras.KerasWeightFile;
import io.effnet.model.keras.KerasWeightsException;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KerasWeightsTest {
  private static final Variant TINY = new Variant("tiny", 0.1, 0.34, 32, 0.2, 0.2);
  private static final NetworkSpec SPEC = NetworkSpec.resolve(TINY, 7, 32);

  @TempDir
  Path dir;

  private static EfficientNet known(NetworkSpec spec, long seed) {
    EfficientNet model = EfficientNetBuilder.build(spec);
    KnownWeights.install(model, seed, KnownWeights.NARROW_GAIN);
    return model;
  }

  private static float[] batch(int n, int size, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n * 3 * size * size];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  private File write(KerasWeightFile file, String name) {
    File h5 = dir.resolve(name).toFile();
    file.write(h5);
    return h5;
  }

  /** The exported file with one layer replaced (null: removed) or added at the end. */
  private static KerasWeightFile withLayer(KerasWeightFile file, String name, KerasLayer replacement) {
    List<KerasLayer> layers = new ArrayList<>();
    boolean found = false;
    for (KerasLayer l : file.layers()) {
      if (l.name().equals(name)) {
        found = true;
        if (replacement != null) {
          layers.add(replacement);
        }
      } else {
        layers.add(l);
      }
    }
    if (!found && replacement != null) {
      layers.add(replacement);
    }
    return new KerasWeightFile(layers);
  }

  private static KerasLayer withTensor(KerasLayer layer, String shortName, KerasTensor replacement) {
    List<KerasTensor> weights = new ArrayList<>();
    boolean found = false;
    for (KerasTensor w : layer.weights()) {
      if (w.shortName().equals(shortName)) {
        found = true;
        if (replacement != null) {
          weights.add(replacement);
        }
      } else {
        weights.add(w);
      }
    }
    if (!found && replacement != null) {
      weights.add(replacement);
    }
    return new KerasLayer(layer.name(), weights);
  }

  private static void assertSameTensors(EfficientNet expected, EfficientNet actual) {
    Map<String, Tensor<Float>> a = actual.namedTensors();
    assertEquals(expected.namedTensors().keySet(), a.keySet());
    for (Map.Entry<String, Tensor<Float>> e : expected.namedTensors().entrySet()) {
      assertArrayEquals(values(e.getValue()), values(a.get(e.getKey())), 0f, e.getKey());
    }
  }

  @Test
  void roundTripThroughKerasFileGivesIdenticalTensorsAndOutputs() {
    EfficientNet source = known(SPEC, 11);
    File h5 = dir.resolve("tiny.h5").toFile();
    KerasWeights.write(source, h5);

    EfficientNet target = EfficientNetBuilder.build(SPEC);
    KerasImport report = KerasWeights.load(h5, target);

    assertSameTensors(source, target);
    assertEquals(source.namedTensors().size(), report.importedTensors().size());
    assertTrue(report.ignoredLayers().isEmpty(), report.ignoredLayers().toString());
    assertFalse(report.normalizationMean().isPresent());
    float[] x = batch(2, 32, 5);
    float[][] expected = source.predictLogits(x, 2);
    float[][] actual = target.predictLogits(x, 2);
    for (int i = 0; i < 2; i++) {
      assertArrayEquals(expected[i], actual[i], 0f);
    }
    assertTrue(Math.abs(expected[0][0] - expected[1][0]) > 1e-3, "the logits depend on the input");
  }

  @Test
  void writtenFileHasKerasLayerOrderNamesAndShapes() {
    EfficientNet model = known(SPEC, 2);
    KerasWeightFile file = KerasWeightFile.read(write(KerasWeights.export(model), "layout.h5"));
    List<String> order = file.weightedLayerNames();
    assertEquals(Arrays.asList("stem_conv", "stem_bn", "block1a_dwconv", "block1a_bn", "block1a_se_reduce",
        "block1a_se_expand", "block1a_project_conv", "block1a_project_bn", "block2a_expand_conv", "block2a_expand_bn",
        "block2a_dwconv"), order.subList(0, 11));
    assertEquals(Arrays.asList("top_conv", "top_bn", "predictions"), order.subList(order.size() - 3, order.size()));

    int stem = SPEC.stemChannels();
    KerasTensor stemKernel = file.layer("stem_conv").weights().get(0);
    assertEquals("stem_conv/kernel:0", stemKernel.name());
    assertArrayEquals(new int[] {3, 3, 3, stem}, stemKernel.shape());
    KerasTensor dw = file.layer("block1a_dwconv").weights().get(0);
    assertEquals("block1a_dwconv/depthwise_kernel:0", dw.name());
    assertArrayEquals(new int[] {3, 3, stem, 1}, dw.shape());
    List<String> bn = new ArrayList<>();
    for (KerasTensor t : file.layer("stem_bn").weights()) {
      bn.add(t.name());
    }
    assertEquals(Arrays.asList("stem_bn/gamma:0", "stem_bn/beta:0", "stem_bn/moving_mean:0",
        "stem_bn/moving_variance:0"), bn);
    KerasLayer se = file.layer("block1a_se_reduce");
    assertEquals(Arrays.asList("block1a_se_reduce/kernel:0", "block1a_se_reduce/bias:0"),
        Arrays.asList(se.weights().get(0).name(), se.weights().get(1).name()));
    KerasLayer predictions = file.layer("predictions");
    assertArrayEquals(new int[] {SPEC.headChannels(), 7}, predictions.find("kernel").shape());
    assertArrayEquals(new int[] {7}, predictions.find("bias").shape());
  }

  /** Keras [h, w, i, o] lands at BigDL [o, i, h, w]; depthwise [h, w, c, 0] at [c, 0, 0, h, w]; dense [i, o] at [o, i]. */
  @Test
  void kerasLayoutsAreTransposedIntoBigDLLayouts() {
    KerasWeightFile exported = KerasWeights.export(known(SPEC, 3));
    int c = SPEC.stemChannels();
    float[] conv = new float[3 * 3 * 3 * c];
    for (int h = 0; h < 3; h++) {
      for (int w = 0; w < 3; w++) {
        for (int i = 0; i < 3; i++) {
          for (int o = 0; o < c; o++) {
            conv[((h * 3 + w) * 3 + i) * c + o] = h * 1000 + w * 100 + i * 10 + o;
          }
        }
      }
    }
    float[] depthwise = new float[3 * 3 * c];
    for (int h = 0; h < 3; h++) {
      for (int w = 0; w < 3; w++) {
        for (int ch = 0; ch < c; ch++) {
          depthwise[(h * 3 + w) * c + ch] = h * 1000 + w * 100 + ch;
        }
      }
    }
    int head = SPEC.headChannels();
    float[] dense = new float[head * 7];
    for (int i = 0; i < head; i++) {
      for (int o = 0; o < 7; o++) {
        dense[i * 7 + o] = i * 10 + o;
      }
    }
    KerasLayer stemConv = exported.layer("stem_conv");
    KerasLayer dw = exported.layer("block1a_dwconv");
    KerasLayer predictions = exported.layer("predictions");
    KerasWeightFile coded = withLayer(exported, "stem_conv", withTensor(stemConv, "kernel",
        stemConv.find("kernel").withValues(new int[] {3, 3, 3, c}, conv)));
    coded = withLayer(coded, "block1a_dwconv", withTensor(dw, "depthwise_kernel",
        dw.find("depthwise_kernel").withValues(new int[] {3, 3, c, 1}, depthwise)));
    coded = withLayer(coded, "predictions", withTensor(predictions, "kernel",
        predictions.find("kernel").withValues(new int[] {head, 7}, dense)));

    EfficientNet target = EfficientNetBuilder.build(SPEC);
    KerasWeights.load(KerasWeightFile.read(write(coded, "coded.h5")), target, true);

    Map<String, Tensor<Float>> t = target.namedTensors();
    Tensor<Float> stemWeight = t.get("stem_conv/weight");
    assertArrayEquals(new int[] {1, c, 3, 3, 3}, stemWeight.size());
    Tensor<Float> dwWeight = t.get("block1a_dwconv/weight");
    assertArrayEquals(new int[] {c, 1, 1, 3, 3}, dwWeight.size());
    for (int h = 0; h < 3; h++) {
      for (int w = 0; w < 3; w++) {
        for (int o = 0; o < c; o++) {
          for (int i = 0; i < 3; i++) {
            assertEquals(h * 1000 + w * 100 + i * 10 + o, stemWeight.apply(new int[] {1, o + 1, i + 1, h + 1, w + 1}),
                0f, "stem_conv [h, w, i, o] = " + Arrays.asList(h, w, i, o));
          }
          assertEquals(h * 1000 + w * 100 + o, dwWeight.apply(new int[] {o + 1, 1, 1, h + 1, w + 1}), 0f,
              "block1a_dwconv [h, w, c] = " + Arrays.asList(h, w, o));
        }
      }
    }
    Tensor<Float> denseWeight = t.get("predictions/weight");
    assertArrayEquals(new int[] {7, head}, denseWeight.size());
    for (int i = 0; i < head; i++) {
      for (int o = 0; o < 7; o++) {
        assertEquals(i * 10 + o, denseWeight.valueAt(o + 1, i + 1), 0f, "predictions [i, o] = " + i + ", " + o);
      }
    }

    // And back: exporting the loaded model gives the coded Keras values again.
    KerasWeightFile again = KerasWeights.export(target);
    assertArrayEquals(conv, again.layer("stem_conv").find("kernel").values(), 0f);
    assertArrayEquals(depthwise, again.layer("block1a_dwconv").find("depthwise_kernel").values(), 0f);
    assertArrayEquals(dense, again.layer("predictions").find("kernel").values(), 0f);
  }

  private KerasWeightsException loadFails(KerasWeightFile file, EfficientNet target) {
    File h5 = write(file, "bad.h5");
    Map<String, float[]> before = snapshot(target);
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeights.load(h5, target));
    Map<String, float[]> after = snapshot(target);
    for (Map.Entry<String, float[]> b : before.entrySet()) {
      assertArrayEquals(b.getValue(), after.get(b.getKey()), 0f, "a failed import leaves " + b.getKey() + " alone");
    }
    assertTrue(e.getMessage().startsWith(h5 + " does not fit the model (tiny"), e.getMessage());
    return e;
  }

  private static Map<String, float[]> snapshot(EfficientNet model) {
    Map<String, float[]> out = new java.util.TreeMap<>();
    for (Map.Entry<String, Tensor<Float>> e : model.namedTensors().entrySet()) {
      out.put(e.getKey(), values(e.getValue()));
    }
    return out;
  }

  @Test
  void aMissingTensorFailsNamingIt() {
    KerasWeightFile file = KerasWeights.export(known(SPEC, 4));
    KerasWeightFile broken = withLayer(file, "block2a_bn", withTensor(file.layer("block2a_bn"), "moving_variance", null));
    KerasWeightsException e = loadFails(broken, EfficientNetBuilder.build(SPEC));
    int channels = SPEC.blocks().get(1).expandedChannels();
    assertTrue(e.getMessage().contains("1 problem."), e.getMessage());
    assertTrue(e.getMessage().contains("missing tensor 'block2a_bn/moving_variance' [" + channels + "]"), e.getMessage());
  }

  @Test
  void anExtraTensorFailsNamingIt() {
    KerasWeightFile file = KerasWeights.export(known(SPEC, 4));
    int c = SPEC.stemChannels();
    KerasWeightFile broken = withLayer(file, "stem_conv", withTensor(file.layer("stem_conv"), "bias",
        new KerasTensor("stem_conv/bias:0", new int[] {c}, new float[c])));
    KerasWeightsException e = loadFails(broken, EfficientNetBuilder.build(SPEC));
    assertTrue(e.getMessage().contains("extra tensor 'stem_conv/stem_conv/bias:0' [" + c + "] in the file: the "
        + "model's layer stem_conv has no bias"), e.getMessage());
  }

  @Test
  void aMisShapedTensorFailsWithBothShapes() {
    KerasWeightFile file = KerasWeights.export(known(SPEC, 4));
    int c = SPEC.stemChannels();
    KerasWeightFile broken = withLayer(file, "stem_conv", withTensor(file.layer("stem_conv"), "kernel",
        new KerasTensor("stem_conv/kernel:0", new int[] {3, 3, 3, c + 1}, new float[27 * (c + 1)])));
    KerasWeightsException e = loadFails(broken, EfficientNetBuilder.build(SPEC));
    assertTrue(e.getMessage().contains("tensor 'stem_conv/kernel' has shape [3, 3, 3, " + (c + 1) + "] in the file; "
        + "the model needs [3, 3, 3, " + c + "] (its stem_conv/weight [1, " + c + ", 3, 3, 3])"), e.getMessage());
  }

  @Test
  void aMissingLayerAndAnExtraLayerFailNamingThem() {
    KerasWeightFile file = KerasWeights.export(known(SPEC, 4));
    KerasWeightFile broken = withLayer(file, "block2a_project_bn", null);
    broken = withLayer(broken, "block9a_dwconv", new KerasLayer("block9a_dwconv", Arrays.asList(
        new KerasTensor("block9a_dwconv/depthwise_kernel:0", new int[] {3, 3, 8, 1}, new float[72]))));
    KerasWeightsException e = loadFails(broken, EfficientNetBuilder.build(SPEC));
    assertTrue(e.getMessage().contains("2 problems."), e.getMessage());
    assertTrue(e.getMessage().contains("missing layer 'block2a_project_bn': the model needs [gamma ["), e.getMessage());
    assertTrue(e.getMessage().contains("extra layer 'block9a_dwconv' in the file [block9a_dwconv/depthwise_kernel:0 "
        + "[3, 3, 8, 1]]: the model has no such layer"), e.getMessage());
  }

  @Test
  void anotherVariantFailsWithEveryProblemAndAHint() {
    // Depth 0.6 repeats stages 2, 3 and 6 once more than depth 0.34; width 0.25 widens from stage 3 on.
    KerasWeightFile deeper = KerasWeights.export(known(NetworkSpec.resolve(new Variant("deeper", 0.25, 0.6, 32, 0.2,
        0.2), 7, 32), 4));
    KerasWeightsException e = loadFails(deeper, EfficientNetBuilder.build(SPEC));
    String m = e.getMessage();
    assertTrue(m.contains("Are the file and the model the same EfficientNet variant"), m);
    String[] lines = m.split("\n");
    assertTrue(lines[1].startsWith("  - extra layer 'block2b_expand_conv' in the file"), lines[1]);
    assertTrue(m.contains("extra layer 'block6c_project_bn'"), m);
    assertTrue(m.contains("tensor 'block3a_project_conv/kernel' has shape [1, 1, 48, 16] in the file; the model needs "
        + "[1, 1, 48, 8]"), m);
  }

  @Test
  void aClassifierWithOtherClassesFailsLoadButLoadsAsBackbone() {
    EfficientNet source = known(NetworkSpec.resolve(TINY, 10, 32), 6);
    File h5 = write(KerasWeights.export(source), "ten-classes.h5");
    EfficientNet target = EfficientNetBuilder.build(SPEC);
    float[] classifierBefore = values(target.namedTensors().get("predictions/weight"));

    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeights.load(h5, target));
    assertTrue(e.getMessage().contains("The file's classifier has 10 classes, the model 7: build the model with 10 "
        + "classes, or import with loadBackbone"), e.getMessage());

    KerasImport report = KerasWeights.loadBackbone(h5, target);
    assertTrue(report.ignoredLayers().contains("predictions (classifier, not imported by loadBackbone)"),
        report.ignoredLayers().toString());
    assertFalse(report.importedTensors().contains("predictions/kernel"));
    assertArrayEquals(classifierBefore, values(target.namedTensors().get("predictions/weight")), 0f);
    for (Map.Entry<String, Tensor<Float>> t : source.namedTensors().entrySet()) {
      if (!t.getKey().startsWith("predictions/")) {
        assertArrayEquals(values(t.getValue()), values(target.namedTensors().get(t.getKey())), 0f, t.getKey());
      }
    }
  }

  @Test
  void aNoTopFileNeedsLoadBackbone() {
    EfficientNet source = known(SPEC, 7);
    KerasWeightFile noTop = withLayer(KerasWeights.export(source), "predictions", null);
    EfficientNet target = EfficientNetBuilder.build(SPEC);
    KerasWeightsException e = loadFails(noTop, target);
    assertTrue(e.getMessage().contains("missing layer 'predictions'"), e.getMessage());
    assertTrue(e.getMessage().contains("include_top=False ('_notop') file: import it with loadBackbone"),
        e.getMessage());

    File h5 = write(noTop, "notop.h5");
    KerasImport report = KerasWeights.loadBackbone(h5, target);
    assertEquals(source.namedTensors().size() - 2, report.importedTensors().size());
    assertArrayEquals(values(source.namedTensors().get("top_bn/runningVar")),
        values(target.namedTensors().get("top_bn/runningVar")), 0f);
  }

  @Test
  void preprocessingLayersAndLayersWithoutWeightsAreSkippedAndReported() {
    EfficientNet source = known(SPEC, 8);
    List<KerasLayer> layers = new ArrayList<>();
    layers.add(new KerasLayer("input_1", new ArrayList<KerasTensor>()));
    layers.add(new KerasLayer("rescaling", new ArrayList<KerasTensor>()));
    layers.add(new KerasLayer("normalization", Arrays.asList(
        new KerasTensor("normalization/mean:0", new int[] {3}, new float[] {0.485f, 0.456f, 0.406f}),
        new KerasTensor("normalization/variance:0", new int[] {3}, new float[] {0.229f, 0.224f, 0.225f}),
        new KerasTensor("normalization/count:0", new int[0], new float[] {0}))));
    layers.addAll(KerasWeights.export(source).layers());
    EfficientNet target = EfficientNetBuilder.build(SPEC);

    // In memory (as read from a Keras file, where layers without weights are listed) ...
    KerasImport report = KerasWeights.load(new KerasWeightFile(layers), target, true);
    assertEquals(Arrays.asList("input_1 (no weights)", "rescaling (no weights)",
        "normalization (input preprocessing; the data pipeline normalises the input)"), report.ignoredLayers());
    assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, report.normalizationMean().get(), 0f);
    assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, report.normalizationVariance().get(), 0f);
    assertSameTensors(source, target);

    // ... and through a file.
    KerasImport fromFile = KerasWeights.load(write(new KerasWeightFile(layers), "with-preprocessing.h5"),
        EfficientNetBuilder.build(SPEC));
    assertEquals(report.importedTensors(), fromFile.importedTensors());
    assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, fromFile.normalizationMean().get(), 0f);
  }

  @Test
  void anHdf5FileThatIsNotKerasFailsBeforeTouchingTheModel() {
    File h5 = dir.resolve("plain.h5").toFile();
    try (io.jhdf.WritableHdfFile out = io.jhdf.HdfFile.write(h5.toPath())) {
      out.putDataset("x", new float[] {1});
    }
    KerasWeightsException e = assertThrows(KerasWeightsException.class,
        () -> KerasWeights.load(h5, EfficientNetBuilder.build(SPEC)));
    assertTrue(e.getMessage().contains("not a Keras HDF5 weights file"), e.getMessage());
  }
}
