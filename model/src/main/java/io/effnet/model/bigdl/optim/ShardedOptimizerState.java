package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.optim.DistriOptimizer;
import com.intel.analytics.bigdl.optim.OptimMethod;
import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.model.bigdl.BigDL;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import scala.collection.JavaConverters;

/**
 * The per-shard buffers of a {@link ScheduledOptimMethod} (momentum, mean square, weight average) that BigDL's
 * DistriOptimizer keeps on the executors, gathered into whole vectors and put back.
 *
 * <p>How BigDL 0.13 holds them (DistriOptimizer.scala, AllReduceParameter.scala): the flat weight vector of
 * {@code getParameters()} is split into one contiguous slice per training partition (one partition per node);
 * partition p owns elements {@code [p*s + min(p, r), ... + s + (p < r ? 1 : 0))} with {@code s = size / P},
 * {@code r = size % P}, and its copy of the optim method updates that slice only. With {@code reserveOptim(true)}
 * the optimizer keeps those copies after {@code optimize()} in the public RDD {@code previousOptim} (one map per
 * partition), and zips that RDD into the next call's replicas. Reading the RDD gives the buffers for a
 * checkpoint; setting it before the first call of a resumed run restores them, so a resumed run continues with
 * the momentum it had instead of restarting it.
 */
public final class ShardedOptimizerState {
  private ShardedOptimizerState() {}

  /**
   * Whole-vector buffers (name to values, in {@code getParameters()} order) of the optimizer's executor copies
   * after its last {@code optimize()} call; empty before the first call.
   *
   * @param parameterCount the model's flat parameter count, checked against the gathered slices
   */
  public static Map<String, float[]> gather(DistriOptimizer<Float> optimizer, long parameterCount) {
    if (optimizer.previousOptim() == null) {
      return new LinkedHashMap<>();
    }
    List<Shard> shards = new ArrayList<>(optimizer.previousOptim().toJavaRDD()
        .mapPartitionsWithIndex(ShardedOptimizerState::shardsOf, false).collect());
    shards.sort((a, b) -> Integer.compare(a.partition, b.partition));
    Map<String, float[]> out = new LinkedHashMap<>();
    if (shards.isEmpty()) {
      return out;
    }
    for (String name : shards.get(0).buffers.keySet()) {
      float[] whole = new float[Math.toIntExact(parameterCount)];
      int offset = 0;
      for (Shard shard : shards) {
        float[] part = shard.buffers.get(name);
        if (part == null) {
          // A partition that has not stepped yet has no buffers: nothing consistent to save.
          throw new IllegalStateException("optimizer buffer '" + name + "' is missing on partition " + shard.partition);
        }
        if (offset + part.length > whole.length) {
          throw new IllegalStateException("optimizer buffers hold more values than the model's " + parameterCount
              + " parameters");
        }
        System.arraycopy(part, 0, whole, offset, part.length);
        offset += part.length;
      }
      if (offset != whole.length) {
        throw new IllegalStateException("optimizer buffer '" + name + "' covers " + offset + " of the model's "
            + parameterCount + " parameters");
      }
      out.put(name, whole);
    }
    return out;
  }

  /**
   * Makes the optimizer's next {@code optimize()} start its executor copies with {@code buffers} (as returned by
   * {@link #gather}), sliced as BigDL slices the weights over {@code partitions} partitions (the node count).
   * Call before the first {@code optimize()}, after {@code setOptimMethod} and {@code reserveOptim(true)}.
   */
  @SuppressWarnings("unchecked")
  public static void restore(DistriOptimizer<Float> optimizer, SparkContext spark, int partitions,
      Map<String, float[]> buffers) {
    Map<String, OptimMethod<Float>> methods = JavaConverters.mapAsJavaMapConverter(optimizer.optimMethods())
        .asJava();
    if (methods.size() != 1 || !(methods.values().iterator().next() instanceof ScheduledOptimMethod)) {
      throw new IllegalStateException("restoring buffers needs exactly one ScheduledOptimMethod, found " + methods);
    }
    String key = methods.keySet().iterator().next();
    ScheduledOptimMethod driverCopy = (ScheduledOptimMethod) methods.get(key);
    for (String name : buffers.keySet()) {
      if (!driverCopy.stateBuffers().contains(name)) {
        throw new IllegalArgumentException("saved optimizer buffer '" + name + "' is not one " + driverCopy
            + " keeps " + driverCopy.stateBuffers() + " (a different optimizer or weight averaging setting?)");
      }
    }
    List<scala.collection.immutable.Map<String, OptimMethod<Float>>> perPartition = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ScheduledOptimMethod copy = driverCopy.clone();
      for (Map.Entry<String, float[]> e : buffers.entrySet()) {
        int[] range = slice(e.getValue().length, partitions, p);
        float[] part = new float[range[1]];
        System.arraycopy(e.getValue(), range[0], part, 0, range[1]);
        copy.state().update(e.getKey(), BigDL.tensor(part, range[1]));
      }
      perPartition.add(new scala.collection.immutable.Map.Map1<String, OptimMethod<Float>>(key, copy));
    }
    // Cached and materialised as BigDL does with its own: BigDL zips this RDD into the replicas without caching
    // the result, so every step re-reads it, and only cached (shared, mutated in place) copies carry the buffers
    // from step to step; an uncached one would hand out the restored buffers again at every step.
    org.apache.spark.rdd.RDD<scala.collection.immutable.Map<String, OptimMethod<Float>>> restored =
        new JavaSparkContext(spark).parallelize(perPartition, partitions).rdd().cache();
    restored.count();
    optimizer.previousOptim_$eq(restored);
  }

  /** {start, length} of partition {@code p}'s slice of {@code size} values, as AllReduceParameter splits them. */
  static int[] slice(int size, int partitions, int p) {
    int share = size / partitions;
    int extra = size % partitions;
    return new int[] {p * share + Math.min(p, extra), share + (p < extra ? 1 : 0)};
  }

  private static Iterator<Shard> shardsOf(Integer partition,
      Iterator<scala.collection.immutable.Map<String, OptimMethod<Float>>> maps) {
    List<Shard> out = new ArrayList<>();
    while (maps.hasNext()) {
      Map<String, OptimMethod<Float>> methods = JavaConverters.mapAsJavaMapConverter(maps.next()).asJava();
      for (OptimMethod<Float> method : methods.values()) {
        if (!(method instanceof ScheduledOptimMethod)) {
          throw new IllegalStateException("optimizer state of " + method + " cannot be gathered");
        }
        ScheduledOptimMethod m = (ScheduledOptimMethod) method;
        Shard shard = new Shard(partition);
        for (String name : m.stateBuffers()) {
          scala.Option<Object> stored = m.state().get(name);
          if (stored.isDefined()) {
            @SuppressWarnings("unchecked")
            Tensor<Float> t = FloatArrays.contiguous((Tensor<Float>) stored.get());
            float[] values = new float[t.nElement()];
            System.arraycopy(FloatArrays.data(t), FloatArrays.offset(t), values, 0, values.length);
            shard.buffers.put(name, values);
          }
        }
        out.add(shard);
      }
    }
    if (out.size() != 1) {
      throw new IllegalStateException("expected one optim method per partition, partition " + partition + " has "
          + out.size());
    }
    return out.iterator();
  }

  /** One partition's buffers. */
  private static final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;
    final int partition;
    final LinkedHashMap<String, float[]> buffers = new LinkedHashMap<>();

    Shard(int partition) {
      this.partition = partition;
    }
  }
}
