package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.models.utils.ModelBroadcast;
import com.intel.analytics.bigdl.models.utils.ModelBroadcast$;
import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.nn.abstractnn.Activity;
import com.intel.analytics.bigdl.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;

/**
 * An EfficientNet's logits for every record of an RDD, computed on the executors in batches, one result per
 * record in the record's order.
 *
 * <p>The weights travel with BigDL's own {@code ModelBroadcast}, the mechanism behind BigDL's
 * {@code Predictor} and {@code Evaluator}: once per executor, shared by its tasks, and on the executor it
 * sets BigDL's engine from the driver's node and core counts, so nothing depends on state that only the
 * driver JVM has. Each task takes its own copy of the module structure (layers keep per-call buffers) over
 * the shared weights, in inference mode (batch norm uses running statistics, no dropout).
 *
 * <p>Records without an image (the caller could not decode one) pass through with null logits, so that a
 * job can report them in place instead of failing or losing them.
 */
public final class DistributedInference {
  private DistributedInference() {}

  /** A record to score: the caller's key and the image as CHW floats (3 x size x size), or null if there is none. */
  public static final class Input<K> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final K key;
    private final float[] chw;

    public Input(K key, float[] chw) {
      this.key = key;
      this.chw = chw;
    }

    public K key() {
      return key;
    }

    /** The normalised image, or null. */
    public float[] chw() {
      return chw;
    }
  }

  /** A scored record: the caller's key and the network's logits (null where the input had no image). */
  public static final class Scored<K> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final K key;
    private final float[] logits;
    private final float[] singleView;

    public Scored(K key, float[] logits) {
      this(key, logits, null);
    }

    /** {@code singleView}: the logits of the image alone where {@code logits} average it with other views. */
    public Scored(K key, float[] logits, float[] singleView) {
      this.key = key;
      this.logits = logits;
      this.singleView = singleView;
    }

    public K key() {
      return key;
    }

    public float[] logits() {
      return logits;
    }

    public boolean hasLogits() {
      return logits != null;
    }

    /**
     * The logits of the image itself, as it came (no mirror): {@link #logits()} unless test-time augmentation
     * averaged those with other views. Lets one pass report the figures with and without the augmentation.
     */
    public float[] singleViewLogits() {
      return singleView != null ? singleView : logits;
    }

    /** Class probabilities (softmax in double, sums to 1); null where there are no logits. */
    public double[] probabilities() {
      return logits == null ? null : ClassScores.softmax(logits);
    }
  }

  /**
   * Scores every input on the executors. {@code batchPerTask} images go through one forward pass in a task
   * (the last batch of a partition may be smaller). Lazy, like any transformation: nothing runs until an
   * action; a partition's images are never all held at once.
   */
  public static <K> JavaRDD<Scored<K>> logits(EfficientNet model, JavaRDD<Input<K>> inputs, int batchPerTask) {
    return logits(model, inputs, batchPerTask, false);
  }

  /**
   * As {@link #logits(EfficientNet, JavaRDD, int)}; with {@code flip}, test-time augmentation by mirroring: each
   * image is also scored mirrored left to right, in the same forward pass (so a pass holds {@code 2 x
   * batchPerTask} images), and its logits are the log of the two views' mean class probabilities. Their softmax is
   * that mean, so ranking, top-k and cross-entropy all follow from the averaged distribution.
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <K> JavaRDD<Scored<K>> logits(EfficientNet model, JavaRDD<Input<K>> inputs, int batchPerTask,
      boolean flip) {
    if (batchPerTask < 1) {
      throw new IllegalArgumentException("batch per task must be >= 1, got " + batchPerTask);
    }
    model.module().evaluate();
    ModelBroadcast<Float> weights = ModelBroadcast$.MODULE$.apply(BigDL.tag(), BigDL.numeric())
        .broadcast(inputs.context(), (AbstractModule) model.module());
    final int size = model.spec().inputSize();
    final int classes = model.spec().numClasses();
    return inputs.mapPartitions(records -> {
      if (!records.hasNext()) {
        return java.util.Collections.<Scored<K>>emptyIterator();
      }
      AbstractModule<Activity, Activity, Float> local = weights.value(false, true);
      local.evaluate();
      return new BatchIterator<>(records, local, batchPerTask, size, classes, flip);
    });
  }

  /** Reads up to a batch of records ahead, forwards their images together, hands the results out in order. */
  private static final class BatchIterator<K> implements Iterator<Scored<K>> {
    private final Iterator<Input<K>> records;
    private final AbstractModule<Activity, Activity, Float> module;
    private final int batch;
    private final int size;
    private final int classes;
    private final boolean flip;
    private final List<Scored<K>> ready = new ArrayList<>();
    private int next;

    BatchIterator(Iterator<Input<K>> records, AbstractModule<Activity, Activity, Float> module, int batch, int size,
        int classes, boolean flip) {
      this.records = records;
      this.module = module;
      this.batch = batch;
      this.size = size;
      this.classes = classes;
      this.flip = flip;
    }

    @Override
    public boolean hasNext() {
      if (next < ready.size()) {
        return true;
      }
      ready.clear();
      next = 0;
      fill();
      return !ready.isEmpty();
    }

    @Override
    public Scored<K> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.get(next++);
    }

    private void fill() {
      List<Input<K>> pending = new ArrayList<>();
      int images = 0;
      while (records.hasNext() && images < batch) {
        Input<K> in = records.next();
        pending.add(in);
        if (in.chw() != null) {
          images++;
        }
      }
      if (pending.isEmpty()) {
        return;
      }
      // One row per view: the images, then (flip) their mirrors in the same order.
      float[][] views = images == 0 ? new float[0][] : forward(pending, images);
      int i = 0;
      for (Input<K> in : pending) {
        if (in.chw() == null) {
          ready.add(new Scored<>(in.key(), null));
        } else {
          ready.add(flip ? new Scored<>(in.key(), logOfMeanProbabilities(views[i], views[images + i]), views[i])
              : new Scored<>(in.key(), views[i]));
          i++;
        }
      }
    }

    @SuppressWarnings("unchecked")
    private float[][] forward(List<Input<K>> pending, int images) {
      int plane = 3 * size * size;
      int views = flip ? 2 : 1;
      float[] data = new float[views * images * plane];
      int n = 0;
      for (Input<K> in : pending) {
        float[] chw = in.chw();
        if (chw == null) {
          continue;
        }
        Samples.putImage(data, n, chw, size);
        n++;
      }
      if (flip) {
        for (int i = 0; i < images; i++) {
          mirror(data, i * plane, data, (images + i) * plane, size);
        }
      }
      Tensor<Float> out = (Tensor<Float>) module.forward(BigDL.tensor(data, views * images, 3, size, size));
      float[][] logits = new float[views * images][classes];
      for (int i = 0; i < views * images; i++) {
        for (int c = 0; c < classes; c++) {
          logits[i][c] = out.valueAt(i + 1, c + 1);
        }
      }
      return logits;
    }
  }

  /** Copies a 3 x size x size CHW image mirrored left to right: column x goes to column size - 1 - x. */
  static void mirror(float[] src, int srcOffset, float[] dst, int dstOffset, int size) {
    for (int row = 0; row < 3 * size; row++) {
      int from = srcOffset + row * size;
      int to = dstOffset + row * size + size - 1;
      for (int x = 0; x < size; x++) {
        dst[to - x] = src[from + x];
      }
    }
  }

  /**
   * log((softmax(a) + softmax(b)) / 2), from the log-probabilities (log-sum-exp of the two), so a class whose
   * probabilities both underflow keeps a finite value.
   */
  static float[] logOfMeanProbabilities(float[] a, float[] b) {
    double lseA = ClassScores.logSumExp(a);
    double lseB = ClassScores.logSumExp(b);
    float[] out = new float[a.length];
    for (int c = 0; c < a.length; c++) {
      double la = a[c] - lseA;
      double lb = b[c] - lseB;
      double hi = Math.max(la, lb);
      out[c] = (float) (hi + Math.log1p(Math.exp(Math.min(la, lb) - hi)) - Math.log(2));
    }
    return out;
  }
}
