package io.effnet.prep;

/**
 * Separable resampling with a triangle (bilinear) kernel whose support widens with the reduction
 * factor, as PIL's Image.resize(BILINEAR) does (Imaging/Resample.c): every source pixel contributes
 * when shrinking a lot, so there is no aliasing, and one pass per axis serves any factor.
 * Weights are 22-bit fixed point and intermediate rows are clamped to uint8, like PIL.
 */
public final class Resizer {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int ROUND = 1 << (PRECISION_BITS - 1);

    private Resizer() {
    }

    /** Resizes 1- or 3-channel pixels to exactly {@code outWidth x outHeight}; returns the input if the size is unchanged. */
    public static DecodedImage resize(DecodedImage src, int outWidth, int outHeight) {
        if (outWidth < 1 || outHeight < 1) {
            throw new IllegalArgumentException("target size must be >= 1x1, got " + outWidth + "x" + outHeight);
        }
        if (src.width() == outWidth && src.height() == outHeight) {
            return src;
        }
        int c = src.channels();
        byte[] pixels = src.pixels();
        int w = src.width();
        int h = src.height();
        if (outWidth != w) {
            pixels = horizontal(pixels, w, h, c, outWidth);
            w = outWidth;
        }
        if (outHeight != h) {
            pixels = vertical(pixels, w, h, c, outHeight);
            h = outHeight;
        }
        return new DecodedImage(w, h, c, pixels);
    }

    /** Resizes according to a spec (no-op for {@link ResizeSpec.Mode#NONE}). */
    public static DecodedImage resize(DecodedImage src, ResizeSpec spec) {
        int[] size = spec.targetSize(src.width(), src.height());
        return resize(src, size[0], size[1]);
    }

    /** Per output index: first source index, tap count, then the weights. */
    private static final class Kernel {
        final int[] start;
        final int[] count;
        final int[] weights;
        final int taps;

        Kernel(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 1.0 * filterScale;
            int maxTaps = (int) Math.ceil(support) * 2 + 1;
            start = new int[outSize];
            count = new int[outSize];
            weights = new int[outSize * maxTaps];
            taps = maxTaps;
            double[] k = new double[maxTaps];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double total = 0;
                for (int x = 0; x < xmax; x++) {
                    double d = Math.abs((x + xmin - center + 0.5) / filterScale);
                    double v = d < 1.0 ? 1.0 - d : 0.0;
                    k[x] = v;
                    total += v;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = total != 0 ? k[x] / total : 0;
                    weights[i * maxTaps + x] = (int) (v < 0 ? v * (1 << PRECISION_BITS) - 0.5 : v * (1 << PRECISION_BITS) + 0.5);
                }
                start[i] = xmin;
                count[i] = xmax;
            }
        }
    }

    private static byte[] horizontal(byte[] in, int w, int h, int c, int outW) {
        Kernel k = new Kernel(w, outW);
        byte[] out = new byte[outW * h * c];
        int[] acc = new int[c];
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * c;
            int rowOut = y * outW * c;
            for (int x = 0; x < outW; x++) {
                int wOff = x * k.taps;
                int n = k.count[x];
                int src = rowIn + k.start[x] * c;
                if (c == 3) {
                    int r = ROUND;
                    int g = ROUND;
                    int b = ROUND;
                    for (int t = 0; t < n; t++, src += 3) {
                        int wt = k.weights[wOff + t];
                        r += (in[src] & 0xFF) * wt;
                        g += (in[src + 1] & 0xFF) * wt;
                        b += (in[src + 2] & 0xFF) * wt;
                    }
                    int o = rowOut + x * 3;
                    out[o] = clamp(r);
                    out[o + 1] = clamp(g);
                    out[o + 2] = clamp(b);
                } else {
                    for (int ch = 0; ch < c; ch++) {
                        acc[ch] = ROUND;
                    }
                    for (int t = 0; t < n; t++, src += c) {
                        int wt = k.weights[wOff + t];
                        for (int ch = 0; ch < c; ch++) {
                            acc[ch] += (in[src + ch] & 0xFF) * wt;
                        }
                    }
                    int o = rowOut + x * c;
                    for (int ch = 0; ch < c; ch++) {
                        out[o + ch] = clamp(acc[ch]);
                    }
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int w, int h, int c, int outH) {
        Kernel k = new Kernel(h, outH);
        int stride = w * c;
        byte[] out = new byte[stride * outH];
        int[] acc = new int[stride];
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(acc, ROUND);
            int wOff = y * k.taps;
            int n = k.count[y];
            int first = k.start[y];
            for (int t = 0; t < n; t++) {
                int wt = k.weights[wOff + t];
                int src = (first + t) * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (in[src + i] & 0xFF) * wt;
                }
            }
            int o = y * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = clamp(acc[i]);
            }
        }
        return out;
    }

    private static byte clamp(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : (v > 255 ? 255 : v));
    }
}
