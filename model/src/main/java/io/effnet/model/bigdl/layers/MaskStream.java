package io.effnet.model.bigdl.layers;

import java.util.SplittableRandom;

/**
 * The random stream of one training forward of a masking layer (dropout, drop connect), as a pure function of
 * (run seed, layer name, the layer copy's forward count, the input's contents).
 *
 * <p>Why not a generator per thread (BigDL's {@code RandomGenerator.RNG}): BigDL's DistriOptimizer clones one
 * model replica per core and runs the replicas on a thread pool, so which thread (and thread-local generator)
 * serves a replica changes from run to run, and so do the masks. The replicas are copies of one model and hold
 * equal counters; what tells them apart deterministically is their input (each gets its own slice of the
 * mini-batch), so a hash of the input is part of the stream's seed.
 */
final class MaskStream {
  /** Floats of the input that go into its hash: enough to tell replicas' inputs apart, cheap beside the layer. */
  private static final int HASHED_VALUES = 256;

  private MaskStream() {}

  /** The stream for one forward over {@code n} floats of {@code data} from {@code offset}. */
  static SplittableRandom of(long runSeed, String layerName, long forwardCount, float[] data, int offset, int n) {
    long h = mix(runSeed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ nameHash(layerName));
    h = mix(h + forwardCount);
    h = mix(h ^ contentHash(data, offset, n));
    return new SplittableRandom(h);
  }

  /** FNV-1a over the name's characters. */
  static long nameHash(String name) {
    long h = 0xcbf29ce484222325L;
    String s = name == null ? "" : name;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** Up to {@value #HASHED_VALUES} evenly spaced values' bits and the length. */
  static long contentHash(float[] data, int offset, int n) {
    long h = n;
    if (n <= 0) {
      return h;
    }
    int step = Math.max(1, n / HASHED_VALUES);
    for (int i = 0; i < n; i += step) {
      h = h * 0x100000001b3L + Float.floatToRawIntBits(data[offset + i]);
    }
    return mix(h);
  }

  /** SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
