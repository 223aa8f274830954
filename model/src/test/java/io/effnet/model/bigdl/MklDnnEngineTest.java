package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.testing.LayerComparison;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MklDnn}'s IR graphs on BigDL's MKL-DNN engine against the builder's graph on BigDL's own layers, with
 * the same weights. Runs only in the surefire execution that starts its JVM with
 * {@code -Dbigdl.engineType=mkldnn} ({@code mvn -pl model test} runs both executions).
 */
@Tag("mkldnn")
class MklDnnEngineTest {
  /** Drop-connect and dropout on, and (width 0.25) a shortcut from the stem's Swish into block1a. */
  private static final Variant NARROW = new Variant("narrow", 0.25, 0.34, 32, 0.2, 0.2);
  private static final double RELATIVE = 1e-4;

  @BeforeAll
  static void thisJvmRunsTheMklDnnEngine() {
    assertEquals("mkldnn", Engine.engineType(), "MklDnnEngineTest needs a JVM started with"
        + " -Dbigdl.engineType=mkldnn (the model module's mkldnn-test surefire execution)");
    assertTrue(MklDnn.engineActive());
  }

  /**
   * Inference with drop-connect and dropout in the model: BigDL's residual-sum fusion, which the inference
   * graph must not derail, runs here.
   */
  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void narrowNetworkInferenceMatchesTheDefaultEngine(int size) {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 7, size));
    KnownWeights.install(model, 100 + size, KnownWeights.NARROW_GAIN);
    compareInference(model, 2, "narrow at " + size + " px");
  }

  /**
   * A model built with the default engine's layers (the direct depthwise convolution) converts too: the facade
   * puts BigDL's grouped convolution in its place, so MKL-DNN runs its own depthwise convolution.
   */
  @Test
  void modelWithTheDefaultEnginesLayersConvertsAndMatches() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 7, 32), 0,
        EfficientNetBuilder.DEFAULT_BN_DECAY, LayerChoice.forEngine("mklblas"));
    KnownWeights.install(model, 132, KnownWeights.NARROW_GAIN);
    compareInference(model, 2, "narrow with the direct depthwise convolution at 32 px");
  }

  @Test
  void b0At224InferenceMatchesTheDefaultEngine() {
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(Variant.published("b0"), 1000));
    KnownWeights.install(model, 7, KnownWeights.B0_GAIN);
    compareInference(model, 2, "B0 at 224 px");
  }

  /**
   * One training step without random layers, so both engines compute the same function: logits, loss, the
   * input gradient and every weight gradient agree (BigDL's IR graph keeps the flattened parameter order).
   * 128 pixels, where MKL-DNN computes every depthwise layer right (see {@link MklDnn}); {@code MklDnnTrainingTest}
   * covers 32 and 64 pixels, where the training graph keeps the Java layer for some.
   */
  @Test
  void narrowNetworkTrainingStepMatchesTheDefaultEngine() {
    int size = 128;
    int batch = 2;
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW.withDropout(0, 0), 7, size));
    KnownWeights.install(model, 31, KnownWeights.NARROW_GAIN);
    AbstractModule<Activity, Activity, Float> ir = MklDnn.irGraph(model, MklDnn.Use.TRAINING);
    float[] images = Activations.images(32, batch, size);
    Tensor<Float> labels = BigDL.tensor(new float[] {2, 6}, batch);

    Step expected = Step.run(model.module().training(), images, batch, size, labels);
    Step actual = Step.run(ir, images, batch, size, labels);

    assertEquals(expected.loss, actual.loss, RELATIVE * Math.abs(expected.loss), "loss");
    double logits = Activations.assertCloseRelative(Activations.toDouble(expected.logits), actual.logits, RELATIVE,
        "logits");
    double gradInput = Activations.assertCloseRelative(Activations.toDouble(expected.gradInput), actual.gradInput,
        RELATIVE, "input gradient");
    double weights = Activations.assertCloseRelative(Activations.toDouble(expected.weightGradients),
        actual.weightGradients, RELATIVE, "weight gradients (flattened)");
    assertEveryParameterHasAFiniteNonZeroGradient(ir);
    System.out.printf(Locale.ROOT, "narrow training step at %d px: loss %.6f vs %.6f; largest |MKL-DNN - default| /"
        + " max: logits %.2g, input gradient %.2g, weight gradients %.2g%n", size, expected.loss, actual.loss, logits,
        gradInput, weights);
  }

  /** With drop-connect and dropout drawing masks the engines differ; the step must still run and be finite. */
  @Test
  void trainingStepWithDropConnectAndDropoutGivesFiniteGradients() {
    int size = 128;
    // Drop-connect drops whole samples: with a batch of 2 a block's branch got no gradient at all now and
    // then (both samples dropped); with 8 that chance is below 0.2^8 per block.
    int batch = 8;
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(NARROW, 7, size));
    KnownWeights.install(model, 41, KnownWeights.NARROW_GAIN);
    AbstractModule<Activity, Activity, Float> ir = MklDnn.irGraph(model, MklDnn.Use.TRAINING);
    Step step = Step.run(ir, Activations.images(42, batch, size), batch, size,
        BigDL.tensor(new float[] {1, 7, 2, 3, 4, 5, 6, 1}, batch));
    assertTrue(Double.isFinite(step.loss) && step.loss > 0, "loss " + step.loss);
    assertAllFinite(step.logits, "logits");
    assertAllFinite(step.gradInput, "input gradient");
    assertEveryParameterHasAFiniteNonZeroGradient(ir);
  }

  private static void compareInference(EfficientNet model, int batch, String what) {
    int size = model.spec().inputSize();
    float[] images = Activations.images(5, batch, size);
    model.module().evaluate();
    float[] expected = Activations.values(model.module().forward(BigDL.tensor(images.clone(), batch, 3, size, size))
        .toTensor(BigDL.numeric()));
    long started = System.nanoTime();
    AbstractModule<Activity, Activity, Float> ir = MklDnn.irGraph(model, MklDnn.Use.INFERENCE);
    Tensor<Float> out = ir.forward(BigDL.tensor(images.clone(), batch, 3, size, size)).toTensor(BigDL.numeric());
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertArrayEquals(new int[] {batch, model.spec().numClasses()}, out.size());
    double worst = Activations.assertCloseRelative(Activations.toDouble(expected), Activations.values(out), RELATIVE,
        what + " logits");
    System.out.printf(Locale.ROOT, "%s inference: max|logit| %.3f, largest |MKL-DNN - default| / max %.2g"
        + " (conversion and first forward %d ms)%n", what, Activations.maxAbs(expected), worst, millis);
  }

  private static void assertEveryParameterHasAFiniteNonZeroGradient(AbstractModule<Activity, Activity, Float> ir) {
    Tensor<Float>[] gradients = ir.parameters()._2();
    for (int i = 0; i < gradients.length; i++) {
      float[] g = Activations.values(gradients[i]);
      assertAllFinite(g, "gradient of parameter " + i);
      assertTrue(Activations.maxAbs(g) > 0, "parameter " + i + " of shape "
          + java.util.Arrays.toString(gradients[i].size()) + " got no gradient");
    }
  }

  private static void assertAllFinite(float[] values, String what) {
    for (int i = 0; i < values.length; i++) {
      assertTrue(Float.isFinite(values[i]), what + " at " + i + " is " + values[i]);
    }
  }

  /** Forward, cross-entropy and backward of one batch; everything copied out of BigDL's buffers. */
  private static final class Step {
    final double loss;
    final float[] logits;
    final float[] gradInput;
    final float[] weightGradients;

    private Step(double loss, float[] logits, float[] gradInput, float[] weightGradients) {
      this.loss = loss;
      this.logits = logits;
      this.gradInput = gradInput;
      this.weightGradients = weightGradients;
    }

    static Step run(AbstractModule<Activity, Activity, Float> module, float[] images, int batch, int size,
        Tensor<Float> labels) {
      CrossEntropyCriterion<Float> criterion = new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric());
      Tensor<Float> input = BigDL.tensor(images.clone(), batch, 3, size, size);
      module.zeroGradParameters();
      Tensor<Float> logits = module.forward(input).toTensor(BigDL.numeric());
      double loss = criterion.forward(logits, labels);
      Tensor<Float> gradInput = module.backward(input, criterion.backward(logits, labels)).toTensor(BigDL.numeric());
      return new Step(loss, Activations.values(logits), Activations.values(gradInput),
          LayerComparison.flatten(module.parameters()._2()));
    }
  }
}
