package io.effnet.jobs.config;

import io.effnet.jobs.JobException;

/** Validation helpers that produce configuration errors naming the key. */
public final class Check {
  private Check() {}

  public static void that(boolean ok, String key, String requirement) {
    if (!ok) {
      throw JobException.config("effnet." + key + " " + requirement);
    }
  }

  public static int positive(JobConfig c, String key) {
    int v = c.integer(key);
    that(v > 0, key, "must be > 0, got " + v);
    return v;
  }

  public static double fraction(JobConfig c, String key) {
    double v = c.number(key);
    that(v >= 0 && v <= 1, key, "must be in [0, 1], got " + v);
    return v;
  }
}
