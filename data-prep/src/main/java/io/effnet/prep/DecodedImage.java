package io.effnet.prep;

/**
 * Pixels as interleaved uint8 in row-major HWC order: {@code pixels[(y * width + x) * channels + c]}.
 * Channels is 3 (R, G, B) or 1 (grey). The array is shared, not copied: treat it as read-only
 * unless you created the image.
 */
public final class DecodedImage {
    private final int width;
    private final int height;
    private final int channels;
    private final byte[] pixels;

    public DecodedImage(int width, int height, int channels, byte[] pixels) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be >= 1x1, got " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException("pixel array has " + pixels.length + " bytes, expected "
                    + width + "*" + height + "*" + channels + " = " + (width * height * channels));
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.pixels = pixels;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** The interleaved HWC uint8 pixels (not a copy). */
    public byte[] pixels() {
        return pixels;
    }

    /** One sample, 0..255. */
    public int sample(int x, int y, int channel) {
        return pixels[(y * width + x) * channels + channel] & 0xFF;
    }

    /** This image with 3 channels: itself if already RGB, grey replicated into R, G and B otherwise. */
    public DecodedImage toRgb() {
        if (channels == 3) {
            return this;
        }
        int n = width * height;
        byte[] rgb = new byte[n * 3];
        for (int i = 0, o = 0; i < n; i++, o += 3) {
            byte v = pixels[i];
            rgb[o] = v;
            rgb[o + 1] = v;
            rgb[o + 2] = v;
        }
        return new DecodedImage(width, height, 3, rgb);
    }

    @Override
    public String toString() {
        return "DecodedImage{" + width + "x" + height + "x" + channels + "}";
    }
}
