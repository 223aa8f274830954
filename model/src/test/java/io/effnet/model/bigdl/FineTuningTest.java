package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.intel.analytics.bigdl.dataset.LocalArrayDataSet;
import com.intel.analytics.bigdl.dataset.MiniBatch;
import com.intel.analytics.bigdl.dataset.MiniBatch$;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.LocalOptimizer;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.Trigger$;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.layers.DropConnect;
import io.effnet.model.bigdl.layers.FreezableBatchNorm;
import io.effnet.model.bigdl.optim.ConstantRate;
import io.effnet.model.bigdl.optim.LabelSmoothingCrossEntropy;
import io.effnet.model.bigdl.optim.RmsPropMomentum;
import io.effnet.model.bigdl.optim.SgdMomentum;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The fine-tuning facade of {@link EfficientNet}: head and backbone, copying a backbone, freezing. */
class FineTuningTest {
  /** Width 0.25, depth 0.34 at 32 px: ten blocks, fast. No dropout or drop-connect, so training is deterministic. */
  private static final Variant NARROW = new Variant("narrow", 0.25, 0.34, 32, 0, 0);
  private static final int SIZE = 32;
  private static final int BATCH = 4;

  private static EfficientNet narrow(int classes, long seed) {
    return narrow(NARROW, classes, seed);
  }

  private static EfficientNet narrow(Variant variant, int classes, long seed) {
    BigDL.seed(seed);
    EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(variant, classes, SIZE), 1e-4, 0.9);
    // Non-trivial batch-norm statistics and scales, so that "unchanged" means something.
    KnownWeights.install(model, seed, 1);
    return model;
  }

  @Test
  void theHeadIsThePredictionsLayerAndTheBackboneEverythingElse() {
    EfficientNet model = narrow(3, 1);
    assertEquals(java.util.Arrays.asList("predictions/bias", "predictions/weight"), model.headTensorNames());
    List<String> all = new ArrayList<>(model.backboneTensorNames());
    all.addAll(model.headTensorNames());
    java.util.Collections.sort(all);
    assertEquals(new ArrayList<>(model.namedTensors().keySet()), all);
    assertTrue(model.backboneTensorNames().contains("top_bn/runningVar"));
    assertTrue(model.backboneTensorNames().contains("stem_conv/weight"));
  }

  @Test
  void copyingTheBackboneTakesEveryOtherTensorAndLeavesTheNewHead() {
    EfficientNet source = narrow(5, 2);
    EfficientNet target = narrow(3, 3);
    Map<String, float[]> headBefore = snapshot(target, target.headTensorNames());
    target.copyBackboneFrom(source);
    assertEquals(snapshot(source, source.backboneTensorNames()).keySet(),
        snapshot(target, target.backboneTensorNames()).keySet());
    assertSame(snapshot(source, source.backboneTensorNames()), snapshot(target, target.backboneTensorNames()));
    assertSame(headBefore, snapshot(target, target.headTensorNames()));
    assertArrayEquals(new int[] {3, target.spec().headChannels()}, target.namedTensors().get("predictions/weight").size());

    EfficientNet wider = EfficientNetBuilder.build(NetworkSpec.resolve(
        new Variant("wider", 0.5, 0.34, 32, 0, 0), 3, SIZE));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> target.copyBackboneFrom(wider));
    assertTrue(e.getMessage().contains("block1a_dwconv/weight is [16, 1, 1, 3, 3] in the source, [8, 1, 1, 3, 3] here"),
        e.getMessage());
  }

  @Test
  void freezingMarksEveryLayerButTheHeadAndUnfreezingUndoesIt() {
    EfficientNet model = narrow(NARROW.withDropout(0.2, 0.2), 3, 4);
    model.module().training();
    assertTrue(model.frozenLayerNames().isEmpty());
    assertFalse(model.isBackboneFrozen());

    model.freezeBackbone();
    assertTrue(model.isBackboneFrozen());
    List<String> frozen = model.frozenLayerNames();
    assertFalse(frozen.contains(EfficientNet.HEAD_LAYER));
    assertTrue(frozen.contains("stem_conv") && frozen.contains("top_bn") && frozen.contains("block1a_se_reduce"),
        frozen.toString());
    // Every layer with weights except the head: the layer names of the backbone tensors.
    TreeMap<String, Boolean> layers = new TreeMap<>();
    for (String name : model.backboneTensorNames()) {
      layers.put(name.substring(0, name.indexOf('/')), true);
    }
    assertEquals(new ArrayList<>(layers.keySet()), frozen);
    for (FreezableBatchNorm bn : batchNorms(model)) {
      assertTrue(bn.isFrozen());
      assertFalse(bn.isTraining(), bn.getName() + " is frozen, so in evaluation mode while the model trains");
    }
    List<DropConnect> drops = layersOf(model, DropConnect.class);
    assertFalse(drops.isEmpty());
    for (DropConnect d : drops) {
      assertTrue(d.isFrozen() && !d.isTraining(), d.getName());
    }
    assertTrue(model.module().isTraining());

    model.unfreezeBackbone();
    assertTrue(model.frozenLayerNames().isEmpty());
    for (FreezableBatchNorm bn : batchNorms(model)) {
      assertTrue(bn.isTraining(), bn.getName() + " trains again");
      assertEquals(1.0, bn.getScaleW());
    }
    for (DropConnect d : drops) {
      assertTrue(!d.isFrozen() && d.isTraining(), d.getName());
    }
  }

  /**
   * Frozen, the backbone computes in training mode exactly what it computes at inference (batch norms with their
   * running statistics, drop-connect off), and its batch-norm statistics do not move. The head's dropout is 0 here.
   */
  @Test
  void aFrozenBackboneInTrainingModeComputesTheInferenceForward() {
    EfficientNet model = narrow(NARROW.withDropout(0, 0.3), 3, 5);
    float[] images = Activations.images(6, BATCH, SIZE);
    model.module().evaluate();
    float[] inference = forward(model, images);
    Map<String, float[]> before = snapshot(model, model.backboneTensorNames());

    model.freezeBackbone();
    model.module().training();
    assertArrayEquals(inference, forward(model, images), 0f);
    assertArrayEquals(inference, forward(model, images), 0f);
    assertSame(before, snapshot(model, model.backboneTensorNames()));

    model.unfreezeBackbone();
    float[] training = forward(model, images);
    assertTrue(maxAbsDifference(inference, training) > 1e-3, "unfrozen, training mode uses batch statistics");
  }

  @Test
  void aFrozenBackboneGetsNoGradientsAndTheHeadDoes() {
    EfficientNet model = narrow(3, 7);
    model.freezeBackbone();
    model.module().training();
    Tensor<Float> input = BigDL.tensor(Activations.images(8, BATCH, SIZE), BATCH, 3, SIZE, SIZE);
    Tensor<Float> labels = BigDL.tensor(new float[] {1, 2, 3, 1}, BATCH);
    LabelSmoothingCrossEntropy criterion = LabelSmoothingCrossEntropy.efficientNetReference();
    model.module().zeroGradParameters();
    Activity out = model.module().forward(input);
    criterion.forward((Tensor<Float>) out, labels);
    model.module().backward(input, criterion.backward((Tensor<Float>) out, labels));
    Map<String, float[]> gradients = gradients(model);
    for (Map.Entry<String, float[]> g : gradients.entrySet()) {
      float max = maxAbs(g.getValue());
      if (g.getKey().startsWith(EfficientNet.HEAD_LAYER + "/")) {
        assertTrue(max > 0, g.getKey() + " has no gradient");
      } else {
        assertEquals(0f, max, g.getKey() + " of the frozen backbone has a gradient (weight decay included)");
      }
    }
  }

  /**
   * BigDL's LocalOptimizer (which clones the model, calls training() before every step and copies the running
   * statistics back) with both optimizers: frozen, the backbone's weights and statistics stay bit-identical and the
   * head learns; unfrozen, every layer trains.
   */
  @Test
  void trainingWithAFrozenBackboneChangesOnlyTheHeadAndUnfreezingTrainsEverything() {
    for (boolean rmsprop : new boolean[] {true, false}) {
      EfficientNet model = narrow(3, 9);
      Map<String, float[]> backbone = snapshot(model, model.backboneTensorNames());
      Map<String, float[]> head = snapshot(model, model.headTensorNames());

      model.freezeBackbone();
      train(model, rmsprop, 4);
      assertSame(backbone, snapshot(model, model.backboneTensorNames()));
      assertAllChanged(head, snapshot(model, model.headTensorNames()), "head");

      model.unfreezeBackbone();
      train(model, rmsprop, 2);
      Map<String, float[]> after = snapshot(model, model.backboneTensorNames());
      for (String name : new String[] {"stem_conv/weight", "stem_bn/weight", "stem_bn/runningMean",
          "top_conv/weight", "top_bn/runningVar", "block1a_dwconv/weight"}) {
        assertTrue(maxAbsDifference(backbone.get(name), after.get(name)) > 0,
            name + " did not change after unfreezing (" + (rmsprop ? "RMSProp" : "momentum") + ")");
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void train(EfficientNet model, boolean rmsprop, int steps) {
    com.intel.analytics.bigdl.utils.Engine$.MODULE$.setNodeAndCore(1, 1);
    MiniBatch<Float>[] batches = new MiniBatch[] {MiniBatch$.MODULE$.apply(
        BigDL.tensor(Activations.images(10, BATCH, SIZE), BATCH, 3, SIZE, SIZE),
        BigDL.tensor(new float[] {1, 2, 3, 1}, BATCH), BigDL.tag())};
    LocalOptimizer<Float> optimizer = new LocalOptimizer<>((AbstractModule) model.module(),
        new LocalArrayDataSet<>(batches), (AbstractCriterion) LabelSmoothingCrossEntropy.efficientNetReference(),
        BigDL.tag(), BigDL.numeric());
    OptimMethod<Float> method = rmsprop ? RmsPropMomentum.efficientNetReference(new ConstantRate(0.01))
        : new SgdMomentum(new ConstantRate(0.05), 0.9, false);
    optimizer.setOptimMethod(method);
    optimizer.setEndWhen(Trigger$.MODULE$.maxIteration(steps));
    optimizer.optimize();
  }

  private static float[] forward(EfficientNet model, float[] images) {
    return Activations.values((Tensor<Float>) model.module().forward(
        BigDL.tensor(images.clone(), BATCH, 3, SIZE, SIZE)));
  }

  private static List<FreezableBatchNorm> batchNorms(EfficientNet model) {
    List<FreezableBatchNorm> out = layersOf(model, FreezableBatchNorm.class);
    assertFalse(out.isEmpty());
    return out;
  }

  private static <L> List<L> layersOf(EfficientNet model, Class<L> type) {
    List<L> out = new ArrayList<>();
    for (Object layer : scala.collection.JavaConverters.seqAsJavaListConverter(
        ((com.intel.analytics.bigdl.nn.Container<?, ?, ?>) (AbstractModule<?, ?, ?>) model.module()).modules())
        .asJava()) {
      if (type.isInstance(layer)) {
        out.add(type.cast(layer));
      }
    }
    return out;
  }

  private static Map<String, float[]> snapshot(EfficientNet model, List<String> names) {
    Map<String, float[]> out = new TreeMap<>();
    Map<String, Tensor<Float>> tensors = model.namedTensors();
    for (String name : names) {
      out.put(name, Activations.values(tensors.get(name)));
    }
    return out;
  }

  /** Weight and bias gradients by {@code <layer>/<weight|bias>}. */
  private static Map<String, float[]> gradients(EfficientNet model) {
    Map<String, float[]> out = new TreeMap<>();
    for (Map.Entry<String, Object> layer : BigDL.entries(model.module().getParametersTable()).entrySet()) {
      for (Map.Entry<String, Object> p : BigDL.entries((Table) layer.getValue()).entrySet()) {
        if (p.getKey().startsWith("grad")) {
          @SuppressWarnings("unchecked")
          Tensor<Float> t = (Tensor<Float>) p.getValue();
          out.put(layer.getKey() + "/" + p.getKey(), Activations.values(t));
        }
      }
    }
    assertTrue(out.size() > 10, out.keySet().toString());
    return out;
  }

  private static void assertSame(Map<String, float[]> expected, Map<String, float[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      float[] e = expected.get(name);
      float[] a = actual.get(name);
      for (int i = 0; i < e.length; i++) {
        // Bit-identical, not merely close.
        if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
          fail(name + "[" + i + "] changed from " + e[i] + " to " + a[i]);
        }
      }
    }
  }

  private static void assertAllChanged(Map<String, float[]> before, Map<String, float[]> after, String what) {
    for (String name : before.keySet()) {
      assertTrue(maxAbsDifference(before.get(name), after.get(name)) > 0, what + " tensor " + name + " unchanged");
    }
  }

  private static float maxAbs(float[] v) {
    float m = 0;
    for (float f : v) {
      m = Math.max(m, Math.abs(f));
    }
    return m;
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }
}
