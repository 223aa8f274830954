package io.effnet.model.bigdl;

import static io.effnet.model.testing.LayerComparison.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.CMulTable;
import com.intel.analytics.bigdl.nn.Container;
import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.nn.SpatialConvolution;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.LayerChoice.Depthwise;
import io.effnet.model.bigdl.LayerChoice.GlobalPooling;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The export to BigDL's own layers: written with BigDL's {@code saveModule}, read back with BigDL's own
 * {@code Module.loadModule}, it computes the model's logits in evaluation mode, for every layer choice.
 */
class BigDLExportTest {
  /**
   * Narrow and small, with everything the export rewrites: drop-connect and dropout on, a shortcut from the stem,
   * stride-2 blocks with kernels 3 and 5, squeeze-excitation.
   */
  private static final NetworkSpec SPEC = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 64, 0.2, 0.2), 7, 40);
  /**
   * Float32 against the double-precision {@link ReferenceEfficientNet}, relative to the logits' largest magnitude.
   * The export rounds differently from the model (BigDL's sigmoid and multiply instead of the project's fused Swish,
   * Sigmoid and excite: one float ulp per layer, accumulating through the ten blocks), so both are held to the
   * exact function rather than to each other's last bits. Measured: up to 9e-6 for either (printed).
   */
  private static final double RELATIVE_TO_REFERENCE = 2e-5;
  /** The export against the model: two float32 computations, each within the bound above of the exact one. */
  private static final double RELATIVE_TO_MODEL = 3e-5;

  @ParameterizedTest(name = "{0} depthwise, {1} pooling")
  @CsvSource({"DIRECT, BIGDL", "DIRECT, JAVA", "BIGDL_GROUPED, BIGDL", "BIGDL_GROUPED, JAVA"})
  void bigDLsLoaderRestoresTheModelsLogits(Depthwise depthwise, GlobalPooling pooling, @TempDir File dir)
      throws IOException {
    EfficientNet model = EfficientNetBuilder.build(SPEC, 1e-5, 0.99, LayerChoice.of(depthwise, pooling));
    ReferenceEfficientNet reference = new ReferenceEfficientNet(SPEC,
        KnownWeights.install(model, 11, KnownWeights.NARROW_GAIN));
    model.module().training();
    File definition = new File(dir, "model" + BigDLExport.DEFINITION_EXTENSION);
    File weights = new File(dir, "model" + BigDLExport.WEIGHTS_EXTENSION);

    BigDLExport.save(model, definition, weights);
    AbstractModule<Activity, Activity, Float> loaded = BigDLExport.load(definition.getPath(), weights.getPath());

    assertTrue(model.module().isTraining(), "exporting leaves the model's mode alone");
    for (AbstractModule<?, ?, ?> layer : layers(loaded)) {
      assertTrue(layer.getClass().getName().startsWith("com.intel.analytics.bigdl.nn."),
          layer.getName() + " is " + layer.getClass().getName());
    }
    for (int n : new int[] {1, 3}) {
      float[] batch = Activations.images(n, n, SPEC.inputSize());
      float[][] ours = model.predictLogits(batch, n);
      float[][] exported = BigDLExport.predictLogits(loaded, batch, n, SPEC.inputSize());
      assertEquals(n, exported.length);
      Tensor<Float> images = BigDL.tensor(batch.clone(), n, 3, SPEC.inputSize(), SPEC.inputSize());
      for (int i = 0; i < n; i++) {
        String what = "image " + i + " of " + n + " (" + depthwise + ", " + pooling + ")";
        double[] exact = reference.logits(Activations.sample(images, i));
        double modelError = Activations.assertCloseRelative(exact, ours[i], RELATIVE_TO_REFERENCE,
            "model's logits, " + what);
        double exportError = Activations.assertCloseRelative(exact, exported[i], RELATIVE_TO_REFERENCE,
            "exported logits, " + what);
        Activations.assertCloseRelative(Activations.toDouble(ours[i]), exported[i], RELATIVE_TO_MODEL,
            "exported against the model's logits, " + what);
        System.out.printf(java.util.Locale.ROOT, "%s: max|logit| %.3g, |model - exact| %.2g, |export - exact| %.2g"
            + " of it%n", what, Activations.maxAbs(exact), modelError, exportError);
      }
    }
  }

  /**
   * The weights file holds each parameter and running statistic once, nothing else of size: its payload is the
   * model's tensor count times four bytes plus small headers.
   */
  @Test
  void theWeightsFileHoldsTheModelsTensorsOnce(@TempDir File dir) throws IOException {
    EfficientNet model = EfficientNetBuilder.build(SPEC);
    long floats = 0;
    for (Tensor<Float> t : model.namedTensors().values()) {
      floats += t.nElement();
    }
    File weights = new File(dir, "w.bin");
    BigDLExport.save(model, new File(dir, "m.bigdl"), weights);
    long payload = floats * 4;
    assertTrue(weights.length() >= payload && weights.length() < payload + 64 * 1024,
        weights.length() + " bytes for " + payload + " bytes of tensors");
  }

  /**
   * The graph names its layers as the model does, has no drop-connect or dropout, and is a copy: training the
   * model afterwards does not change it.
   */
  @Test
  void theGraphIsACopyWithTheModelsLayerNames() {
    EfficientNet model = EfficientNetBuilder.build(SPEC, 0, 0.99, LayerChoice.forEngine("mklblas"));
    KnownWeights.install(model, 3, KnownWeights.NARROW_GAIN);
    AbstractModule<Activity, Activity, Float> graph = model.toBigDLModule();
    List<String> names = new ArrayList<>();
    for (AbstractModule<?, ?, ?> layer : layers(graph)) {
      names.add(layer.getName());
    }
    assertTrue(names.contains("stem_conv") && names.contains("predictions") && names.contains("top_bn"),
        names.toString());
    assertFalse(names.stream().anyMatch(n -> n.endsWith("_drop") || n.equals("top_dropout")), names.toString());
    assertTrue((Object) graph.apply("block1a_dwconv").get() instanceof SpatialConvolution);
    assertTrue((Object) graph.apply("stem_activation").get() instanceof CMulTable);
    assertTrue((Object) graph.apply("stem_activation_sigmoid").get() instanceof com.intel.analytics.bigdl.nn.Sigmoid);
    assertTrue((Object) graph.apply("block1a_se_excite").get() instanceof CMulTable);
    assertEquals(SpatialBatchNormalization.class, ((Object) graph.apply("top_bn").get()).getClass());

    Random random = new Random(8);
    float[] batch = gaussianBatch(random, 2);
    float[][] before = BigDLExport.predictLogits(graph, batch, 2, SPEC.inputSize());
    for (Map.Entry<String, Tensor<Float>> e : model.namedTensors().entrySet()) {
      e.getValue().mul(0.5f);
    }
    float[][] after = BigDLExport.predictLogits(graph, batch, 2, SPEC.inputSize());
    for (int i = 0; i < 2; i++) {
      assertClose(before[i], after[i], 0, 0, "logits after the model changed");
    }
  }

  private static float[] gaussianBatch(Random random, int n) {
    float[] batch = new float[n * 3 * SPEC.inputSize() * SPEC.inputSize()];
    for (int i = 0; i < batch.length; i++) {
      batch[i] = (float) random.nextGaussian();
    }
    return batch;
  }

  @SuppressWarnings("unchecked")
  private static List<AbstractModule<?, ?, ?>> layers(AbstractModule<Activity, Activity, Float> graph) {
    return new ArrayList<>(scala.collection.JavaConverters.seqAsJavaListConverter(
        ((Container<Activity, Activity, Float>) (AbstractModule<?, ?, ?>) graph).modules()).asJava());
  }
}
