package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.dataset.CachedDistriDataSet;
import com.intel.analytics.bigdl.dataset.Sample;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction2;
import org.apache.spark.rdd.RDD;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * BigDL's training data set ({@code CachedDistriDataSet}: one array of samples per node, cached) with an order
 * that a seed decides, replacing what BigDL's {@code DataSet.rdd} does with its thread-local generator.
 *
 * <p>What BigDL 0.13 does (dataset/DataSet.scala): {@code coalesce(nodes, shuffle = true)} (the order within a
 * node's partition is the order shuffle blocks arrive in), {@code shuffle()} permutes each partition with
 * {@code RandomGenerator.RNG} on whatever executor thread runs the task, and every iteration (a Spark job
 * recomputing the data RDD) starts at a random offset drawn from that generator again. So iterations saw random,
 * overlapping windows, different from run to run.
 *
 * <p>Here: every sample gets a key (its input partition, its position there), goes to node {@code key mod nodes}
 * (hash of the key) and a node's samples are sorted by key, so a node's contents and their order depend on the
 * input RDD's contents and order only. Each {@link #shuffle()} (BigDL calls it at the start and end of every
 * epoch) draws a new permutation per node from (seed, stream, round, node). Iterations walk that permutation in
 * consecutive batches: a true epoch, each sample once (the last batch wraps around). The position where the next
 * iteration continues is kept on the executor (per data set, round and node), because BigDL recomputes the
 * partition's iterator for every iteration; if a node's partition moves to another executor (an executor lost)
 * it restarts there from the permutation's start, which is still a valid order but no longer the same as another
 * run's.
 */
final class SeededTrainingSet extends CachedDistriDataSet<Sample<Float>> {
  private static final long serialVersionUID = 1L;

  /** Executor-side: where each (data set, round, node) continues; see the class comment. */
  private static final ConcurrentHashMap<String, AtomicLong> POSITIONS = new ConcurrentHashMap<>();

  private final RDD<Object> samplesByNode;
  private final long seed;
  private final long stream;
  private final String id;
  private int round;
  private RDD<int[]> order;

  private SeededTrainingSet(RDD<Object> samplesByNode, long seed, long stream) {
    super(samplesByNode, false, 1, sampleTag());
    this.samplesByNode = samplesByNode;
    this.seed = seed;
    this.stream = stream;
    this.id = java.util.UUID.randomUUID().toString();
    // The base class caches an index it would only use in its own data(); it is never computed here.
    indexes().unpersist(false);
    this.order = orderFor(round);
  }

  /**
   * The samples spread over {@code nodes} partitions (BigDL wants one per node) in a seeded order; {@code stream}
   * tells apart the data sets of one run (the trainer passes the epoch) so that each gets its own permutations.
   */
  static SeededTrainingSet of(RDD<Sample<Float>> samples, int nodes, long seed, long stream) {
    if (nodes < 1) {
      throw new IllegalArgumentException("node count must be >= 1, got " + nodes);
    }
    JavaRDD<Tuple2<Long, Sample<Float>>> keyed = samples.toJavaRDD().mapPartitionsWithIndex((partition, it) ->
        new Iterator<Tuple2<Long, Sample<Float>>>() {
          private long position;

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public Tuple2<Long, Sample<Float>> next() {
            return new Tuple2<>(((long) partition << 32) | position++, it.next());
          }
        }, false);
    JavaRDD<Object> byNode = JavaPairRDD.fromJavaRDD(keyed).partitionBy(new HashPartitioner(nodes))
        .mapPartitions(it -> {
          List<Tuple2<Long, Sample<Float>>> all = new ArrayList<>();
          while (it.hasNext()) {
            all.add(it.next());
          }
          all.sort((a, b) -> Long.compare(a._1(), b._1()));
          Sample<?>[] array = new Sample<?>[all.size()];
          for (int i = 0; i < array.length; i++) {
            array[i] = all.get(i)._2();
          }
          return Collections.<Object>singletonList(array).iterator();
        });
    // Names as BigDL's own: DistributedTrainer releases replaced training sets by these names.
    byNode.setName("cached dataset").cache();
    return new SeededTrainingSet(byNode.rdd(), seed, stream);
  }

  private RDD<int[]> orderFor(int r) {
    final long s = SeededTrainingSet.streamSeed(seed, stream, r);
    JavaRDD<int[]> permutations = samplesByNode.toJavaRDD().mapPartitionsWithIndex((node, it) -> {
      int n = ((Object[]) it.next()).length;
      return Collections.singletonList(permutation(n, new SplittableRandom(mix(s + node)))).iterator();
    }, true);
    permutations.setName("shuffled index").cache();
    return permutations.rdd();
  }

  static long streamSeed(long seed, long stream, int round) {
    return mix(mix(mix(seed ^ 0x5DEECE66DL) + stream) + round);
  }

  /** Fisher-Yates. */
  static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /** SplitMix64's finaliser. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /**
   * Training: an endless walk through this round's permutation, continuing where the previous iteration stopped.
   * Otherwise: each sample once, in the node's canonical order.
   */
  @Override
  public RDD<Sample<Float>> data(boolean train) {
    return samplesByNode.toJavaRDD().zipPartitions(order.toJavaRDD(), walk(train, id + "/" + round,
        id + "/" + (round - 1))).rdd();
  }

  /** Static: the function goes to the executors and must not capture this data set. */
  private static FlatMapFunction2<Iterator<Object>, Iterator<int[]>, Sample<Float>> walk(boolean train,
      String key, String previousKey) {
    FlatMapFunction2<Iterator<Object>, Iterator<int[]>, Sample<Float>> walk = (samplesIt, orderIt) -> {
      @SuppressWarnings("unchecked")
      final Sample<Float>[] local = (Sample<Float>[]) samplesIt.next();
      final int[] permutation = orderIt.next();
      if (!train) {
        return java.util.Arrays.asList(local).iterator();
      }
      int node = org.apache.spark.TaskContext.getPartitionId();
      if (local.length == 0) {
        throw new IllegalStateException("node " + node + " got no training samples: the training set has fewer"
            + " samples than there are nodes");
      }
      POSITIONS.remove(previousKey + "/" + node);
      final AtomicLong position = POSITIONS.computeIfAbsent(key + "/" + node, k -> new AtomicLong());
      return new Iterator<Sample<Float>>() {
        @Override
        public boolean hasNext() {
          return true;
        }

        @Override
        public Sample<Float> next() {
          long i = position.getAndIncrement();
          if (i < 0) {
            throw new NoSuchElementException();
          }
          return local[permutation[(int) (i % local.length)]];
        }
      };
    };
    return walk;
  }

  /** A new seeded permutation per node (BigDL calls this at the start and end of each epoch). */
  @Override
  public void shuffle() {
    RDD<int[]> previous = order;
    round++;
    order = orderFor(round);
    previous.unpersist(false);
  }

  @Override
  public RDD<?> originRDD() {
    return samplesByNode;
  }

  @Override
  public void cache() {
    samplesByNode.count();
    order.count();
    isCached_$eq(true);
  }

  @Override
  public void unpersist() {
    samplesByNode.unpersist(false);
    order.unpersist(false);
    isCached_$eq(false);
  }

  @SuppressWarnings("unchecked")
  private static ClassTag<Sample<Float>> sampleTag() {
    return (ClassTag<Sample<Float>>) (ClassTag<?>) ClassTag$.MODULE$.apply(Sample.class);
  }
}
