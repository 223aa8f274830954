package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.utils.Engine$;
import com.intel.analytics.bigdl.utils.MklDnn$;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads the project's Java layers over the cores when BigDL's MKL-DNN engine runs them.
 *
 * <p>Why: on MKL-DNN BigDL trains one model per executor and runs every layer it has no native primitive for
 * (Swish, the squeeze-and-excitation pooling and scaling, drop layers) inside a {@code BlasWrapper}, on one
 * thread: in training it never uses the wrapper's multi-threaded mode. B0 at 64x64 spent half its forward time
 * there with the other cores idle ({@code benchmark-training --profile}). On BigDL's default engine every core
 * already trains a replica of its own, so the work stays on the calling thread there.
 *
 * <p>Work is split into ranges that do not overlap and each range is computed exactly as on one thread (no
 * reduction crosses a range), so the results do not depend on how many threads ran.
 *
 * <p>{@code -Deffnet.layerThreads=N} fixes the thread count (1: always on the calling thread), for comparisons.
 */
final class LayerThreads {
  /** One range of a split loop: items {@code [start, start + length)}. */
  interface RangeStep {
    void apply(int start, int length);
  }

  private static final String THREADS_PROPERTY = "effnet.layerThreads";
  private static volatile ExecutorService pool;
  private static volatile int poolThreads;

  private LayerThreads() {}

  /**
   * Runs {@code step} over {@code [0, n)} in ranges of {@code grain} items (the last one shorter): on the calling
   * thread, or spread over {@link #threads()} threads, which the call waits for. An exception of a range is
   * thrown here.
   */
  static void forEachRange(int n, int grain, RangeStep step) {
    if (grain < 1) {
      throw new IllegalArgumentException("grain must be >= 1, got " + grain);
    }
    int ranges = (int) (((long) n + grain - 1) / grain);
    int threads = Math.min(threads(), ranges);
    if (threads <= 1) {
      for (int start = 0; start < n; start += grain) {
        step.apply(start, Math.min(grain, n - start));
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    Runnable worker = () -> {
      for (int r = next.getAndIncrement(); r < ranges; r = next.getAndIncrement()) {
        int start = r * grain;
        step.apply(start, Math.min(grain, n - start));
      }
    };
    ExecutorService helpers = pool(threads - 1);
    Future<?>[] running = new Future<?>[threads - 1];
    for (int i = 0; i < running.length; i++) {
      running[i] = helpers.submit(worker);
    }
    RuntimeException failure = null;
    try {
      worker.run();
    } catch (RuntimeException e) {
      failure = e;
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Error) {
          throw (Error) cause;
        }
        if (failure == null) {
          failure = cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while a layer ran on several threads", e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Threads a layer's work is spread over: {@code effnet.layerThreads} when set, else BigDL's core count under its
   * MKL-DNN engine, else 1.
   */
  static int threads() {
    String fixed = System.getProperty(THREADS_PROPERTY);
    if (fixed != null) {
      try {
        return Math.max(1, Integer.parseInt(fixed.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(THREADS_PROPERTY + " must be a whole number, got '" + fixed + "'", e);
      }
    }
    try {
      return MklDnn$.MODULE$.equals(Engine$.MODULE$.getEngineType()) ? Math.max(1, Engine$.MODULE$.coreNumber()) : 1;
    } catch (RuntimeException e) {
      // BigDL's engine is not initialised (e.g. a layer used on its own): nothing says how many cores are ours.
      return 1;
    }
  }

  private static ExecutorService pool(int threads) {
    ExecutorService p = pool;
    if (p != null && poolThreads >= threads) {
      return p;
    }
    synchronized (LayerThreads.class) {
      if (pool == null || poolThreads < threads) {
        ExecutorService old = pool;
        AtomicInteger count = new AtomicInteger();
        pool = Executors.newFixedThreadPool(threads, r -> {
          Thread t = new Thread(r, "effnet-layer-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
        poolThreads = threads;
        if (old != null) {
          old.shutdown();
        }
      }
      return pool;
    }
  }
}
