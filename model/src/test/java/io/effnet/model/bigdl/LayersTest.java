package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.intel.analytics.bigdl.nn.SpatialBatchNormalization;
import com.intel.analytics.bigdl.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LayersTest {

  /** TF's decay d: running = d x running + (1 - d) x batch. Checks the translation to BigDL's momentum. */
  @Test
  void batchNormRunningMeanFollowsTheTfDecay() {
    SpatialBatchNormalization<Float> bn = Layers.batchNorm(1, 0.99);
    bn.training();
    float[] x = new float[2 * 1 * 2 * 2];
    java.util.Arrays.fill(x, 5f);
    x[0] = 3f;
    x[7] = 7f; // batch mean 5, non-zero variance
    bn.forward(BigDL.tensor(x, 2, 1, 2, 2));
    Tensor<Float> runningMean = bn.runningMean();
    assertEquals(0.99 * 0 + 0.01 * 5, runningMean.valueAt(1), 1e-6);
  }

  @Test
  void convolutionKernelsUseFanOutVarianceScaling() {
    BigDL.seed(3);
    com.intel.analytics.bigdl.nn.SpatialConvolution<Float> conv = Layers.conv(64, 256, 3, 1, 1, 0);
    Tensor<Float> w = conv.weight();
    double sum = 0;
    double sq = 0;
    int n = (int) w.nElement();
    float[] data = (float[]) w.storage().array();
    for (int i = 0; i < n; i++) {
      sum += data[w.storageOffset() - 1 + i];
      sq += data[w.storageOffset() - 1 + i] * data[w.storageOffset() - 1 + i];
    }
    double std = Math.sqrt(sq / n - (sum / n) * (sum / n));
    assertEquals(Math.sqrt(2.0 / (3 * 3 * 256)), std, 0.02 * std);
  }
}
