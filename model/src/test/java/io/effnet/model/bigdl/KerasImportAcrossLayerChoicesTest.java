package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.layers.DepthwiseConvolution;
import io.effnet.model.keras.KerasLayer;
import io.effnet.model.keras.KerasTensor;
import io.effnet.model.keras.KerasWeightFile;
import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Keras mapping goes by tensor name and shape, not layer class: a graph whose depthwise convolutions were
 * replaced by {@link DepthwiseConvolution} (same names, same weight shape) imports and exports the same way.
 */
class KerasImportAcrossLayerChoicesTest {
  private static final NetworkSpec SPEC = NetworkSpec.resolve(new Variant("tiny", 0.25, 0.34, 64, 0.2, 0.2), 7, 40);

  @TempDir
  Path dir;

  private static float[] values(Tensor<Float> t) {
    Tensor<Float> c = t.contiguous();
    float[] out = new float[c.nElement()];
    System.arraycopy((float[]) c.storage().array(), c.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /** The default engine's graph: the project's direct depthwise convolution. */
  private static EfficientNet direct(long seed) {
    BigDL.seed(seed);
    return EfficientNetBuilder.build(SPEC, 0, EfficientNetBuilder.DEFAULT_BN_DECAY,
        LayerChoice.forEngine("mklblas"));
  }

  @Test
  void weightsLandInTheReplacementLayerAndGiveTheSameOutputs() {
    // Written from BigDL's grouped convolution (the MKL-DNN engine's choice), read into the direct one.
    BigDL.seed(21);
    EfficientNet source = EfficientNetBuilder.build(SPEC, 0, EfficientNetBuilder.DEFAULT_BN_DECAY, LayerChoice.BIGDL);
    File h5 = dir.resolve("source.h5").toFile();
    KerasWeights.write(source, h5);

    EfficientNet target = direct(22);
    KerasWeights.load(h5, target);

    Map<String, Tensor<Float>> loaded = target.namedTensors();
    assertEquals(source.namedTensors().keySet(), loaded.keySet());
    for (Map.Entry<String, Tensor<Float>> e : source.namedTensors().entrySet()) {
      assertArrayEquals(values(e.getValue()), values(loaded.get(e.getKey())), 0f, e.getKey());
    }
    int directLayers = 0;
    for (int i = 0; i < ((Graph<?>) (AbstractModule<?, ?, ?>) target.module()).modules().size(); i++) {
      Object m = ((Graph<?>) (AbstractModule<?, ?, ?>) target.module()).modules().apply(i);
      if (m instanceof DepthwiseConvolution) {
        directLayers++;
        String name = ((DepthwiseConvolution) m).getName();
        assertArrayEquals(values(source.namedTensors().get(name + "/weight")),
            values(((DepthwiseConvolution) m).parameters()._1()[0]), 0f, name);
      }
    }
    assertEquals(SPEC.blocks().size(), directLayers);

    Random random = new Random(23);
    float[] x = new float[2 * 3 * 40 * 40];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    float[][] expected = source.predictLogits(x, 2);
    float[][] actual = target.predictLogits(x, 2);
    for (int b = 0; b < 2; b++) {
      for (int k = 0; k < 7; k++) {
        assertEquals(expected[b][k], actual[b][k], 1e-4 + 1e-3 * Math.abs(expected[b][k]), "logit " + b + ", " + k);
      }
    }

    // Export from the direct layers: the same Keras file as from the original.
    KerasWeightFile fromSwapped = KerasWeights.export(target);
    KerasWeightFile fromOriginal = KerasWeights.export(source);
    assertEquals(fromOriginal.weightedLayerNames(), fromSwapped.weightedLayerNames());
    for (KerasLayer layer : fromOriginal.layers()) {
      for (KerasTensor w : layer.weights()) {
        KerasTensor other = fromSwapped.layer(layer.name()).find(w.shortName());
        assertEquals(w.name(), other.name());
        assertArrayEquals(w.shape(), other.shape(), w.name());
        assertArrayEquals(w.values(), other.values(), 0f, w.name());
      }
    }
    assertTrue(fromSwapped.layer("block1a_dwconv").find("depthwise_kernel") != null);
  }
}
