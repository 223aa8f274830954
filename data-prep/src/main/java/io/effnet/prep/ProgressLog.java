package io.effnet.prep;

import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs "files processed" on the driver while an action runs. The count comes from an accumulator,
 * which Spark updates as tasks finish, so it advances in task-sized steps.
 */
final class ProgressLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrepJob.class);
    private final Thread thread;

    ProgressLog(LongAccumulator done, long total, long intervalMs) {
        long start = System.nanoTime();
        thread = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(intervalMs);
                    long n = done.value();
                    double s = (System.nanoTime() - start) / 1e9;
                    LOG.info("prep: {} of {} files processed ({}%, {} files/s)", n, total,
                            total == 0 ? 100 : 100 * n / total, String.format("%.1f", n / Math.max(s, 1e-9)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "prep-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
