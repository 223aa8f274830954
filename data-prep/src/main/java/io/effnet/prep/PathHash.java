package io.effnet.prep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Stable per-path decisions. The split depends on the path alone (not the seed, not the run, not the
 * other files), so a file keeps its split across re-runs, incremental additions and seed changes;
 * the shard placement and order depend on the path and the seed.
 */
public final class PathHash {
    private PathHash() {
    }

    /**
     * True if the file goes to the validation split: the first 53 bits of SHA-1(UTF-8 path), read as a
     * fraction of 2^53, are below {@code validationFraction}.
     */
    public static boolean isValidation(String relativePath, double validationFraction) {
        if (validationFraction <= 0) {
            return false;
        }
        long h = digestLong(sha1(relativePath), 0);
        double u = (h >>> 11) * 0x1.0p-53;
        return u < validationFraction;
    }

    /** A seeded 64-bit key that orders rows and picks their shard; unrelated to the class, so shards mix classes. */
    public static long shuffleKey(String relativePath, long seed) {
        long h = digestLong(sha1(relativePath), 8);
        return mix64(h ^ mix64(seed + 0x9E3779B97F4A7C15L));
    }

    /** The shard (0..numShards-1) a shuffle key belongs to. */
    public static int shardOf(long shuffleKey, int numShards) {
        return (int) Long.remainderUnsigned(mix64(shuffleKey), numShards);
    }

    static byte[] sha1(String s) {
        return sha1(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }

    static String hex(byte[] digest) {
        char[] out = new char[digest.length * 2];
        final char[] digits = "0123456789abcdef".toCharArray();
        for (int i = 0; i < digest.length; i++) {
            out[2 * i] = digits[(digest[i] >> 4) & 0xF];
            out[2 * i + 1] = digits[digest[i] & 0xF];
        }
        return new String(out);
    }

    private static long digestLong(byte[] d, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[off + i] & 0xFF);
        }
        return v;
    }

    /** SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective, well-mixing 64-bit hash. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
