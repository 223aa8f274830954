package io.effnet.jobs;

import java.util.Locale;
import org.apache.spark.util.LongAccumulator;

/**
 * "N of M images" on the progress stream every interval while a Spark action runs. The count comes from an
 * accumulator the tasks add to; Spark merges it as tasks finish, so it advances in task-sized steps.
 */
final class ProgressTicker implements AutoCloseable {
  private final Thread thread;

  ProgressTicker(Progress progress, LongAccumulator done, long total, long intervalMs) {
    long start = System.nanoTime();
    thread = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(intervalMs);
          long n = done.value();
          double seconds = (System.nanoTime() - start) / 1e9;
          progress.line(String.format(Locale.ROOT, "%d of %d images (%d%%), %.1f images/s", n, total,
              total == 0 ? 100 : 100 * n / total, n / seconds));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "effnet-progress");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
