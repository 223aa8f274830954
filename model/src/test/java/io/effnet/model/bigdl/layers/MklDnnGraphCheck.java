package io.effnet.model.bigdl.layers;

import static io.effnet.model.testing.LayerComparison.flatten;
import static io.effnet.model.testing.LayerComparison.maxAbsDiff;

import com.intel.analytics.bigdl.mkl.Memory;
import com.intel.analytics.bigdl.nn.Graph;
import com.intel.analytics.bigdl.nn.StaticGraph;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Engine$;
import com.intel.analytics.bigdl.utils.MklBlas$;
import com.intel.analytics.bigdl.utils.MklDnn$;
import io.effnet.model.bigdl.BigDL;
import java.util.Arrays;
import java.util.Random;
import scala.collection.JavaConverters;

/**
 * Manual check, not a unit test (BigDL's engine type is JVM-global state): the layers inside an MKL-DNN IR
 * graph ({@code StaticGraph.toIRgraph()}, where BigDL wraps them in {@code BlasWrapper}) give the same outputs,
 * input gradients and weight gradients as on the default engine, in training and evaluation mode. From
 * /work/main:
 *
 * <pre>
 * mvn -B -q -o -pl model test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * MKL_DEBUG_CPU_TYPE=5 java $(grep '^jvm.flags=' conf/runtime.properties | cut -d= -f2-) \
 *     -cp model/target/test-classes:model/target/classes:$(cat /tmp/cp.txt) io.effnet.model.bigdl.layers.MklDnnGraphCheck
 * </pre>
 *
 * Prints the largest absolute differences and exits 1 if any exceeds 1e-4.
 */
public final class MklDnnGraphCheck {
  private static final double TOLERANCE = 1e-4;
  private static final int BATCH = 4;
  private static final int SIZE = 7;

  private MklDnnGraphCheck() {}

  public static void main(String[] args) {
    System.setProperty("bigdl.engineType", "mkldnn");
    boolean ok = compare(4, 6, 2) & compare(16, 96, 4) & compare(40, 240, 10);
    System.out.println(ok ? "OK: MKL-DNN IR graph matches the default engine within " + TOLERANCE : "MISMATCH");
    System.exit(ok ? 0 : 1);
  }

  private static boolean compare(int channels, int expanded, int squeezed) {
    System.out.printf("channels %d, expanded %d, squeezed %d%n", channels, expanded, squeezed);
    // As BigDL's own IRGraphSpec: build the reference under the BLAS engine, convert under MKL-DNN.
    Engine$.MODULE$.setEngineType(MklBlas$.MODULE$);
    BigDL.seed(61);
    Graph<Float> blas = SqueezeExciteGraph.build(channels, expanded, squeezed, new DropConnect(0.5, 62));
    Engine$.MODULE$.setEngineType(MklDnn$.MODULE$);
    // The clone carries a copy of the seeded DropConnect generator: both graphs draw the same masks.
    StaticGraph<Float> copy = (StaticGraph<Float>) blas.cloneModule();
    copy.setInputFormats(formats());
    copy.setOutputFormats(formats());
    AbstractModule<Activity, Activity, Float> dnn = copy.toIRgraph();
    int[] shape = {BATCH, channels, SIZE, SIZE};

    Random random = new Random(63);
    int n = shape[0] * shape[1] * shape[2] * shape[3];
    boolean ok = true;
    for (boolean training : new boolean[] {true, false}) {
      if (training) {
        blas.training();
        dnn.training();
      } else {
        blas.evaluate();
        dnn.evaluate();
      }
      for (int step = 0; step < 3; step++) {
        float[] x = Checks.gaussian(random, n, 1);
        float[] g = Checks.uniform(random, n, -1, 1);
        blas.zeroGradParameters();
        dnn.zeroGradParameters();
        float[] yBlas = Checks.values(blas.forward(Checks.tensor(x, shape)).<Float>toTensor(BigDL.numeric()));
        float[] yDnn = Checks.values(dnn.forward(Checks.tensor(x, shape)).<Float>toTensor(BigDL.numeric()));
        float[] gBlas = Checks.values(blas.backward(Checks.tensor(x, shape), Checks.tensor(g, shape))
            .<Float>toTensor(BigDL.numeric()));
        float[] gDnn = Checks.values(dnn.backward(Checks.tensor(x, shape), Checks.tensor(g, shape))
            .<Float>toTensor(BigDL.numeric()));
        double dy = maxAbsDiff(yBlas, yDnn);
        double dg = maxAbsDiff(gBlas, gDnn);
        double dw = maxAbsDiff(flatten(blas.parameters()._2()), flatten(dnn.parameters()._2()));
        boolean finite = allFinite(yDnn) && allFinite(gDnn);
        System.out.printf("  %s step %d: max |diff| output %.3g, gradInput %.3g, weight gradients %.3g; finite %b%n",
            training ? "training" : "evaluation", step, dy, dg, dw, finite);
        ok &= dy <= TOLERANCE && dg <= TOLERANCE && dw <= TOLERANCE && finite;
      }
    }
    return ok;
  }

  private static scala.collection.Seq<Object> formats() {
    return JavaConverters.asScalaBufferConverter(Arrays.<Object>asList(Memory.Format.nchw)).asScala();
  }

  private static boolean allFinite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
