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

    public Scored(K key, float[] logits) {
      this.key = key;
      this.logits = logits;
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
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static <K> JavaRDD<Scored<K>> logits(EfficientNet model, JavaRDD<Input<K>> inputs, int batchPerTask) {
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
      return new BatchIterator<>(records, local, batchPerTask, size, classes);
    });
  }

  /** Reads up to a batch of records ahead, forwards their images together, hands the results out in order. */
  private static final class BatchIterator<K> implements Iterator<Scored<K>> {
    private final Iterator<Input<K>> records;
    private final AbstractModule<Activity, Activity, Float> module;
    private final int batch;
    private final int size;
    private final int classes;
    private final List<Scored<K>> ready = new ArrayList<>();
    private int next;

    BatchIterator(Iterator<Input<K>> records, AbstractModule<Activity, Activity, Float> module, int batch, int size,
        int classes) {
      this.records = records;
      this.module = module;
      this.batch = batch;
      this.size = size;
      this.classes = classes;
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
      float[][] logits = images == 0 ? new float[0][] : forward(pending, images);
      int i = 0;
      for (Input<K> in : pending) {
        ready.add(new Scored<>(in.key(), in.chw() == null ? null : logits[i++]));
      }
    }

    @SuppressWarnings("unchecked")
    private float[][] forward(List<Input<K>> pending, int images) {
      int plane = 3 * size * size;
      float[] data = new float[images * plane];
      int n = 0;
      for (Input<K> in : pending) {
        float[] chw = in.chw();
        if (chw == null) {
          continue;
        }
        if (chw.length != plane) {
          throw new IllegalArgumentException("an input has " + chw.length + " values, the model takes 3x" + size
              + "x" + size);
        }
        System.arraycopy(chw, 0, data, n * plane, plane);
        n++;
      }
      Tensor<Float> out = (Tensor<Float>) module.forward(BigDL.tensor(data, images, 3, size, size));
      float[][] logits = new float[images][classes];
      for (int i = 0; i < images; i++) {
        for (int c = 0; c < classes; c++) {
          logits[i][c] = out.valueAt(i + 1, c + 1);
        }
      }
      return logits;
    }
  }
}
