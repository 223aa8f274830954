package io.effnet.prep;

/**
 * Decoding of arbitrary source image files (JPEG incl. greyscale/CMYK/YCCK, PNG incl. 16-bit/alpha/palette,
 * BMP, GIF first frame) with the same checks the prep job applies: for callers outside the job, such as a
 * predict job that reads user images directly.
 */
public final class SourceImages {
    private SourceImages() {
    }

    /**
     * The file's pixels: 1 channel for greyscale sources, 3 (RGB) otherwise; alpha dropped.
     *
     * @throws BadImageException with the {@link BadReason}: empty, unknown format, truncated, corrupt,
     *                           or more than {@code maxPixels} pixels (checked from the header, before decoding)
     */
    public static DecodedImage decode(byte[] fileBytes, long maxPixels) throws BadImageException {
        return SourceDecoder.decode(fileBytes, maxPixels).pixels;
    }

    /** {@link #decode} then {@link Resizer#resize(DecodedImage, ResizeSpec)}, as 3-channel RGB. */
    public static DecodedImage decodeResized(byte[] fileBytes, long maxPixels, ResizeSpec resize) throws BadImageException {
        return Resizer.resize(decode(fileBytes, maxPixels), resize).toRgb();
    }
}
