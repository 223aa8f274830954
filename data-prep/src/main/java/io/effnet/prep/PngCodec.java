package io.effnet.prep;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A small PNG encoder/decoder for 8-bit greyscale and RGB, non-interlaced images: the only kinds this
 * module writes. It avoids ImageIO's per-call stream and registry overhead, which dominates for small
 * images (thousands of 28x28 Fashion-MNIST files). Other PNGs are left to ImageIO by the callers.
 */
final class PngCodec {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** zlib's stream set-up costs more than compressing a small image: keep one per thread. */
    private static final ThreadLocal<Deflater> DEFLATER = new ThreadLocal<>();

    private PngCodec() {
    }

    private static Deflater deflaterFor(int level) {
        Deflater d = DEFLATER.get();
        if (d == null) {
            d = new Deflater(level);
            DEFLATER.set(d);
        }
        d.setLevel(level);
        return d;
    }

    static boolean hasSignature(byte[] b) {
        if (b.length < 8) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            if (b[i] != SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    /** Encodes 1-channel (grey) or 3-channel (RGB) HWC pixels; rows filtered adaptively as libpng does. */
    static byte[] encode(byte[] pixels, int width, int height, int channels, int deflateLevel) {
        int stride = width * channels;
        byte[] filtered = new byte[(stride + 1) * height];
        byte[][] candidates = new byte[5][stride];
        byte[] zeroRow = new byte[stride];
        for (int y = 0; y < height; y++) {
            int cur = y * stride;
            int prev = y == 0 ? -1 : cur - stride;
            int best = 0;
            long bestScore = Long.MAX_VALUE;
            for (int f = 0; f < 5; f++) {
                byte[] out = candidates[f];
                long score = 0;
                for (int i = 0; i < stride; i++) {
                    int x = pixels[cur + i] & 0xFF;
                    int a = i >= channels ? pixels[cur + i - channels] & 0xFF : 0;
                    int b = prev >= 0 ? pixels[prev + i] & 0xFF : 0;
                    int c = (prev >= 0 && i >= channels) ? pixels[prev + i - channels] & 0xFF : 0;
                    int v;
                    switch (f) {
                        case 0: v = x; break;
                        case 1: v = x - a; break;
                        case 2: v = x - b; break;
                        case 3: v = x - ((a + b) >>> 1); break;
                        default: v = x - paeth(a, b, c); break;
                    }
                    out[i] = (byte) v;
                    int signed = (byte) v;
                    score += signed < 0 ? -signed : signed;
                }
                if (score < bestScore) {
                    bestScore = score;
                    best = f;
                }
            }
            int o = y * (stride + 1);
            filtered[o] = (byte) best;
            System.arraycopy(candidates[best], 0, filtered, o + 1, stride);
        }
        Deflater deflater = deflaterFor(deflateLevel);
        byte[] compressed;
        try {
            deflater.setInput(filtered);
            deflater.finish();
            ByteArrayOutputStream z = new ByteArrayOutputStream(filtered.length / 2 + 64);
            byte[] buf = new byte[Math.max(1024, Math.min(1 << 16, filtered.length))];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                z.write(buf, 0, n);
            }
            compressed = z.toByteArray();
        } finally {
            deflater.reset();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream(compressed.length + 64);
        png.write(SIGNATURE, 0, 8);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = 8;
        ihdr[9] = (byte) (channels == 1 ? 0 : 2);
        writeChunk(png, "IHDR", ihdr, 0, 13);
        writeChunk(png, "IDAT", compressed, 0, compressed.length);
        writeChunk(png, "IEND", new byte[0], 0, 0);
        return png.toByteArray();
    }

    /**
     * Decodes an 8-bit greyscale or RGB non-interlaced PNG; returns null for any other kind (the caller
     * falls back to ImageIO). Throws IllegalArgumentException for a damaged file.
     */
    static DecodedImage decodeSimple(byte[] png) {
        if (!hasSignature(png)) {
            throw new IllegalArgumentException("not a PNG file");
        }
        int pos = 8;
        int width = 0;
        int height = 0;
        int channels = 0;
        ByteArrayOutputStream idat = null;
        byte[] single = null;
        int singleOff = 0;
        int singleLen = 0;
        int idatCount = 0;
        boolean ended = false;
        CRC32 crc = new CRC32();
        while (pos + 12 <= png.length) {
            int len = getInt(png, pos);
            if (len < 0 || pos + 12L + len > png.length) {
                throw new IllegalArgumentException("PNG chunk runs past the end of the data (truncated)");
            }
            int typeOff = pos + 4;
            String type = new String(png, typeOff, 4, StandardCharsets.US_ASCII);
            crc.reset();
            crc.update(png, typeOff, 4 + len);
            if ((int) crc.getValue() != getInt(png, typeOff + 4 + len)) {
                throw new IllegalArgumentException("PNG chunk " + type + " has a bad CRC (corrupt)");
            }
            int data = typeOff + 4;
            if (type.equals("IHDR")) {
                width = getInt(png, data);
                height = getInt(png, data + 4);
                int bitDepth = png[data + 8];
                int colorType = png[data + 9];
                int interlace = png[data + 12];
                if (bitDepth != 8 || interlace != 0 || (colorType != 0 && colorType != 2)) {
                    return null;
                }
                channels = colorType == 0 ? 1 : 3;
            } else if (type.equals("IDAT")) {
                idatCount++;
                if (idatCount == 1) {
                    single = png;
                    singleOff = data;
                    singleLen = len;
                } else {
                    if (idat == null) {
                        idat = new ByteArrayOutputStream(singleLen * 2);
                        idat.write(single, singleOff, singleLen);
                    }
                    idat.write(png, data, len);
                }
            } else if (type.equals("IEND")) {
                ended = true;
                break;
            } else if (type.equals("PLTE") || type.equals("tRNS")) {
                return null;
            }
            pos = data + len + 4;
        }
        if (channels == 0 || width < 1 || height < 1) {
            throw new IllegalArgumentException("PNG without a valid IHDR chunk");
        }
        if (!ended || idatCount == 0) {
            throw new IllegalArgumentException("PNG has no IEND or IDAT chunk (truncated)");
        }
        int stride = width * channels;
        byte[] raw = new byte[(stride + 1) * height];
        Inflater inflater = new Inflater();
        try {
            if (idat != null) {
                byte[] all = idat.toByteArray();
                inflater.setInput(all, 0, all.length);
            } else {
                inflater.setInput(single, singleOff, singleLen);
            }
            int got = 0;
            while (got < raw.length) {
                int n = inflater.inflate(raw, got, raw.length - got);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                got += n;
            }
            if (got != raw.length) {
                throw new IllegalArgumentException("PNG image data is short: " + got + " of " + raw.length + " bytes");
            }
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("PNG image data is corrupt: " + e.getMessage());
        } finally {
            inflater.end();
        }
        byte[] px = new byte[stride * height];
        for (int y = 0; y < height; y++) {
            int in = y * (stride + 1);
            int filter = raw[in];
            int out = y * stride;
            int prev = out - stride;
            in++;
            switch (filter) {
                case 0:
                    System.arraycopy(raw, in, px, out, stride);
                    break;
                case 1:
                    for (int i = 0; i < stride; i++) {
                        int a = i >= channels ? px[out + i - channels] : 0;
                        px[out + i] = (byte) (raw[in + i] + a);
                    }
                    break;
                case 2:
                    for (int i = 0; i < stride; i++) {
                        int b = y > 0 ? px[prev + i] : 0;
                        px[out + i] = (byte) (raw[in + i] + b);
                    }
                    break;
                case 3:
                    for (int i = 0; i < stride; i++) {
                        int a = i >= channels ? px[out + i - channels] & 0xFF : 0;
                        int b = y > 0 ? px[prev + i] & 0xFF : 0;
                        px[out + i] = (byte) (raw[in + i] + ((a + b) >>> 1));
                    }
                    break;
                case 4:
                    for (int i = 0; i < stride; i++) {
                        int a = i >= channels ? px[out + i - channels] & 0xFF : 0;
                        int b = y > 0 ? px[prev + i] & 0xFF : 0;
                        int c = (y > 0 && i >= channels) ? px[prev + i - channels] & 0xFF : 0;
                        px[out + i] = (byte) (raw[in + i] + paeth(a, b, c));
                    }
                    break;
                default:
                    throw new IllegalArgumentException("PNG row " + y + " has unknown filter type " + filter);
            }
        }
        return new DecodedImage(width, height, channels, px);
    }

    /** True if the chunk structure reaches an IEND chunk inside the data (lengths only, no CRC check). */
    static boolean reachesEnd(byte[] png) {
        int pos = 8;
        while (pos + 12 <= png.length) {
            long len = getInt(png, pos) & 0xFFFFFFFFL;
            if (png[pos + 4] == 'I' && png[pos + 5] == 'E' && png[pos + 6] == 'N' && png[pos + 7] == 'D') {
                return true;
            }
            long next = pos + 12L + len;
            if (next > png.length) {
                return false;
            }
            pos = (int) next;
        }
        return false;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        if (pa <= pb && pa <= pc) {
            return a;
        }
        return pb <= pc ? b : c;
    }

    private static void writeChunk(ByteArrayOutputStream out, String type, byte[] data, int off, int len) {
        byte[] head = new byte[8];
        putInt(head, 0, len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, head, 4, 4);
        out.write(head, 0, 8);
        out.write(data, off, len);
        CRC32 crc = new CRC32();
        crc.update(t, 0, 4);
        crc.update(data, off, len);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.write(c, 0, 4);
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }
}
