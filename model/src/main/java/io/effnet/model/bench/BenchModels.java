package io.effnet.model.bench;

import com.intel.analytics.bigdl.nn.CrossEntropyCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractCriterion;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.optim.SGD;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import io.effnet.model.bigdl.Engine;
import io.effnet.model.bigdl.LayerChoice;
import io.effnet.model.bigdl.MklDnn;
import java.util.Random;

/**
 * The network, criterion and optimiser a benchmark trains, set up as the project's training job does
 * ({@code EfficientNetBuilder} with weight decay, cross-entropy, SGD with momentum), through the project's
 * {@link MklDnn} facade when the JVM runs BigDL's MKL-DNN engine ({@code -Dbigdl.engineType=mkldnn}).
 */
final class BenchModels {
  static final String MKLBLAS = "mklblas";
  static final String MKLDNN = "mkldnn";

  private BenchModels() {}

  /** The engine BigDL runs in this JVM, {@code mklblas} or {@code mkldnn} (fixed at JVM start). */
  static String engine() {
    return Engine.engineType();
  }

  /**
   * A freshly initialised network of the configuration for BigDL's current engine, with the layers the settings
   * ask for (else the builder's choice for the engine). On the default engine, the builder's graph. On MKL-DNN, the facade's graph for training: when {@code optimizerConverts}
   * (DistriOptimizer converts a graph itself, as in the training job) its convertible graph, else its IR graph
   * ({@code toIRgraph}: LocalOptimizer and the profiler run the module as given).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static AbstractModule<Activity, Activity, Float> trainable(BenchmarkSettings s, boolean optimizerConverts) {
    if (s.depthwise() == LayerChoice.Depthwise.DIRECT && MKLDNN.equals(engine())) {
      throw new BenchmarkException("the direct depthwise convolution is for BigDL's default engine: on MKL-DNN"
          + " the project's MklDnn facade replaces it by BigDL's grouped convolution (MKL-DNN's own depthwise)");
    }
    BigDL.seed(20190528L);
    EfficientNet model = EfficientNetBuilder.build(s.spec(), BenchmarkSettings.WEIGHT_DECAY,
        EfficientNetBuilder.DEFAULT_BN_DECAY, s.layers(engine()));
    if (!MklDnn.engineActive()) {
      return model.module();
    }
    try {
      return optimizerConverts ? (AbstractModule) MklDnn.convertibleGraph(model, MklDnn.Use.TRAINING)
          : MklDnn.irGraph(model, MklDnn.Use.TRAINING);
    } catch (RuntimeException e) {
      throw new BenchmarkException("cannot set " + s.describe() + " up for MKL-DNN: " + e.getMessage(), e);
    }
  }

  /** Cross-entropy on logits with 1-based labels, as {@code DistributedTrainer}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static AbstractCriterion<Activity, Activity, Float> criterion() {
    return (AbstractCriterion) new CrossEntropyCriterion<>(null, true, BigDL.tag(), BigDL.numeric());
  }

  /** Plain SGD with momentum; weight decay lives in the layers' L2 regularisers, as in the training job. */
  static OptimMethod<Float> sgd() {
    return new SGD<>(BenchmarkSettings.LEARNING_RATE, 0, 0, BenchmarkSettings.MOMENTUM, 0, false,
        new SGD.Default(), null, null, BigDL.tag(), BigDL.numeric());
  }

  /** {@code n} images of N(0, 1) values laid out (n, 3, size, size). */
  static Tensor<Float> randomImages(Random random, int n, int size) {
    float[] data = new float[n * 3 * size * size];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) random.nextGaussian();
    }
    return BigDL.tensor(data, n, 3, size, size);
  }

  /** {@code n} 1-based labels in [1, classes] (BigDL's criteria count from 1). */
  static Tensor<Float> randomLabels(Random random, int n, int classes) {
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = 1 + random.nextInt(classes);
    }
    return BigDL.tensor(labels, n);
  }
}
