package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.ResolvedBlock;
import io.effnet.model.arch.Variant;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The BigDL graph's inference against {@link ReferenceEfficientNet}, an independent double-precision
 * computation from the paper's definitions, on a narrow, shallow variant with known random weights and
 * batch-norm statistics. Dropout and drop-connect are on (0.2) to show they are identities at inference.
 *
 * <p>Width 0.25 and depth 0.34 keep the seven stages (ten blocks) with SE everywhere, blocks with and without
 * expansion, identity shortcuts with and without expansion, 3x3 and 5x5 depthwise kernels with stride 1 and
 * 2, and (at 32 pixels) asymmetric "same" padding on every stride-2 layer; 37 pixels gives odd sizes.
 */
class MbConvOracleTest {
  private static final Variant NARROW = new Variant("narrow", 0.25, 0.34, 32, 0.2, 0.2);
  private static final int CLASSES = 7;
  private static final int BATCH = 2;
  /** Float32 BigDL against double: 1e-4 of the output's scale (measured about 1e-6, printed). */
  private static final double RELATIVE = 1e-4;

  private static final class Fixture {
    final NetworkSpec spec;
    final EfficientNet model;
    final ReferenceEfficientNet reference;
    final float[] images;

    Fixture(int size, long seed) {
      spec = NetworkSpec.resolve(NARROW, CLASSES, size);
      model = EfficientNetBuilder.build(spec);
      reference = new ReferenceEfficientNet(spec, KnownWeights.install(model, seed, KnownWeights.NARROW_GAIN));
      images = Activations.images(seed + 1, BATCH, size);
    }

    Tensor<Float> imageTensor() {
      return BigDL.tensor(images.clone(), BATCH, 3, spec.inputSize(), spec.inputSize());
    }

    /** Inference forward of the BigDL graph; every node keeps its output for inspection. */
    Tensor<Float> forward() {
      model.module().evaluate();
      return model.module().forward(imageTensor()).toTensor(BigDL.numeric());
    }

    Tensor<Float> nodeOutput(String name) {
      @SuppressWarnings("unchecked")
      Graph<Float> graph = (Graph<Float>) (AbstractModule<?, ?, ?>) model.module();
      scala.Option<AbstractModule<Activity, Activity, Float>> node = graph.apply(name);
      assertTrue(node.isDefined(), "the graph has no node named " + name);
      return node.get().output().toTensor(BigDL.numeric());
    }
  }

  @Test
  void theNarrowVariantCoversEveryKindOfBlock() {
    NetworkSpec spec = NetworkSpec.resolve(NARROW, CLASSES, 32);
    boolean skipWithoutExpansion = false;
    boolean skipWithExpansion = false;
    boolean stride2Kernel5 = false;
    boolean stride2Kernel3 = false;
    for (ResolvedBlock b : spec.blocks()) {
      assertTrue(b.hasSqueezeExcitation(), b.name() + " has no SE");
      skipWithoutExpansion |= b.hasSkip() && !b.hasExpansion();
      skipWithExpansion |= b.hasSkip() && b.hasExpansion() && b.dropConnectRate() > 0;
      stride2Kernel5 |= b.stride() == 2 && b.kernel() == 5;
      stride2Kernel3 |= b.stride() == 2 && b.kernel() == 3;
    }
    assertTrue(skipWithoutExpansion && skipWithExpansion && stride2Kernel5 && stride2Kernel3, String.valueOf(
        spec.blocks()));
  }

  /**
   * Each part on BigDL's own input to it, so that a difference points at one layer sequence: the stem on the
   * images, every block (and its squeeze-excitation gates) on the previous node's output, the head on the last
   * block's output.
   */
  @Test
  void stemEveryBlockItsSqueezeExcitationAndTheHeadMatchTheReference() {
    Fixture f = new Fixture(32, 11);
    Tensor<Float> logits = f.forward();
    Tensor<Float> images = f.imageTensor();
    StringBuilder report = new StringBuilder();
    for (int n = 0; n < BATCH; n++) {
      double worst = Activations.assertCloseRelative(
          f.reference.stem(Activations.sample(images, n)).values,
          Activations.values(sampleOf(f.nodeOutput("stem_activation"), n)), RELATIVE, "stem, sample " + n);
      report.append(String.format(Locale.ROOT, "stem %.2g", worst));
      String previous = "stem_activation";
      for (ResolvedBlock b : f.spec.blocks()) {
        ReferenceEfficientNet.FeatureMap in = Activations.sample(f.nodeOutput(previous), n);
        String last = b.hasSkip() ? b.name() + "_add" : b.name() + "_project_bn";
        double blockWorst = Activations.assertCloseRelative(f.reference.block(b, in).values,
            Activations.values(sampleOf(f.nodeOutput(last), n)), RELATIVE, b + ", sample " + n);
        ReferenceEfficientNet.FeatureMap depthwise = Activations.sample(f.nodeOutput(b.name() + "_activation"), n);
        double gatesWorst = Activations.assertCloseRelative(f.reference.squeezeExcitationGates(b, depthwise),
            Activations.values(sampleOf(f.nodeOutput(b.name() + "_se_expand_activation"), n)), RELATIVE,
            b.name() + " SE gates, sample " + n);
        report.append(String.format(Locale.ROOT, ", %s %.2g (SE gates %.2g)", b.name(), blockWorst, gatesWorst));
        previous = last;
      }
      double[] head = f.reference.head(Activations.sample(f.nodeOutput(previous), n));
      double headWorst = Activations.assertCloseRelative(head, Activations.values(logits.select(1, n + 1)),
          RELATIVE, "head, sample " + n);
      report.append(String.format(Locale.ROOT, ", head %.2g%n", headWorst));
    }
    System.out.print("largest |BigDL - reference| / max|reference| per part: " + report);
  }

  /** The whole network from the images: errors of every layer accumulate here. */
  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void logitsFromImagesMatchTheReference(int size) {
    Fixture f = new Fixture(size, 23 + size);
    Tensor<Float> logits = f.forward();
    assertArrayEquals(new int[] {BATCH, CLASSES}, logits.size());
    Tensor<Float> images = f.imageTensor();
    double[][] all = new double[BATCH][];
    for (int n = 0; n < BATCH; n++) {
      double[] expected = f.reference.logits(Activations.sample(images, n));
      all[n] = expected;
      double worst = Activations.assertCloseRelative(expected, Activations.values(logits.select(1, n + 1)),
          RELATIVE, "logits at " + size + " pixels, sample " + n);
      System.out.printf(Locale.ROOT, "%d px sample %d: max|logit| %.3f, largest |BigDL - reference| / max %.2g%n",
          size, n, Activations.maxAbs(expected), worst);
    }
    double spread = 0;
    for (int c = 0; c < CLASSES; c++) {
      spread = Math.max(spread, Math.abs(all[0][c] - all[1][c]));
    }
    assertTrue(spread > 0.1 * Activations.maxAbs(all[0]), "the logits hardly depend on the image (largest"
        + " difference between two images " + spread + "): the comparison would not test the early layers");
  }

  private static Tensor<Float> sampleOf(Tensor<Float> batch, int n) {
    return batch.narrow(1, n + 1, 1);
  }
}
