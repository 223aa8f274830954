package io.effnet.prep;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * BufferedImage to interleaved uint8 without per-pixel getRGB: the common layouts (8-bit interleaved
 * RGB/BGR/ABGR/grey, packed int RGB, palette, 16-bit) are read from the raster's data buffer directly;
 * anything else is drawn once onto a 3-byte BGR image by Java2D (colour-managed).
 * Alpha is dropped, as PIL's convert("RGB") does; 16-bit samples are rounded to 8 bits (v * 255 / 65535).
 */
final class PixelConversion {
    private PixelConversion() {
    }

    /** Greyscale sources give 1 channel, everything else 3 (RGB). */
    static DecodedImage toPixels(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        SampleModel sm = raster.getSampleModel();
        int csType = cm.getColorSpace().getType();
        boolean srgbOrGrey = cm.getColorSpace().isCS_sRGB() || isStandardGrey(cm.getColorSpace());
        boolean untranslated = raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && raster.getParent() == null;

        if (untranslated && srgbOrGrey && cm instanceof ComponentColorModel
                && sm instanceof PixelInterleavedSampleModel && sm.getDataType() == DataBuffer.TYPE_BYTE) {
            PixelInterleavedSampleModel pism = (PixelInterleavedSampleModel) sm;
            byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
            int[] offsets = pism.getBandOffsets();
            int pixelStride = pism.getPixelStride();
            int scanStride = pism.getScanlineStride();
            int base = raster.getDataBuffer().getOffset();
            if (csType == ColorSpace.TYPE_GRAY) {
                byte[] out = new byte[w * h];
                int g = offsets[0];
                for (int y = 0; y < h; y++) {
                    int in = base + y * scanStride + g;
                    int o = y * w;
                    if (pixelStride == 1) {
                        System.arraycopy(data, in, out, o, w);
                    } else {
                        for (int x = 0; x < w; x++, in += pixelStride) {
                            out[o + x] = data[in];
                        }
                    }
                }
                return new DecodedImage(w, h, 1, out);
            }
            if (csType == ColorSpace.TYPE_RGB && offsets.length >= 3) {
                byte[] out = new byte[w * h * 3];
                int r = offsets[0];
                int gg = offsets[1];
                int b = offsets[2];
                for (int y = 0; y < h; y++) {
                    int in = base + y * scanStride;
                    int o = y * w * 3;
                    for (int x = 0; x < w; x++, in += pixelStride, o += 3) {
                        out[o] = data[in + r];
                        out[o + 1] = data[in + gg];
                        out[o + 2] = data[in + b];
                    }
                }
                return new DecodedImage(w, h, 3, out);
            }
        }

        if (untranslated && cm.getColorSpace().isCS_sRGB() && sm instanceof SinglePixelPackedSampleModel
                && sm.getDataType() == DataBuffer.TYPE_INT
                && (img.getType() == BufferedImage.TYPE_INT_RGB || img.getType() == BufferedImage.TYPE_INT_ARGB)) {
            int[] data = ((DataBufferInt) raster.getDataBuffer()).getData();
            int scan = ((SinglePixelPackedSampleModel) sm).getScanlineStride();
            int base = raster.getDataBuffer().getOffset();
            byte[] out = new byte[w * h * 3];
            for (int y = 0; y < h; y++) {
                int in = base + y * scan;
                int o = y * w * 3;
                for (int x = 0; x < w; x++, o += 3) {
                    int p = data[in + x];
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
            return new DecodedImage(w, h, 3, out);
        }

        if (cm instanceof IndexColorModel && cm.getColorSpace().isCS_sRGB()) {
            IndexColorModel icm = (IndexColorModel) cm;
            int size = icm.getMapSize();
            byte[] rs = new byte[size];
            byte[] gs = new byte[size];
            byte[] bs = new byte[size];
            icm.getReds(rs);
            icm.getGreens(gs);
            icm.getBlues(bs);
            boolean grey = true;
            for (int i = 0; i < size && grey; i++) {
                grey = rs[i] == gs[i] && gs[i] == bs[i];
            }
            int channels = grey ? 1 : 3;
            byte[] out = new byte[w * h * channels];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                int o = y * w * channels;
                for (int x = 0; x < w; x++) {
                    int idx = row[x] < size ? row[x] : 0;
                    if (grey) {
                        out[o++] = rs[idx];
                    } else {
                        out[o++] = rs[idx];
                        out[o++] = gs[idx];
                        out[o++] = bs[idx];
                    }
                }
            }
            return new DecodedImage(w, h, channels, out);
        }

        if (srgbOrGrey && cm instanceof ComponentColorModel && sm.getDataType() == DataBuffer.TYPE_USHORT
                && (csType == ColorSpace.TYPE_GRAY || csType == ColorSpace.TYPE_RGB)) {
            int bands = raster.getNumBands();
            int channels = csType == ColorSpace.TYPE_GRAY ? 1 : 3;
            byte[] out = new byte[w * h * channels];
            int[] row = new int[w * bands];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int o = y * w * channels;
                for (int x = 0; x < w; x++) {
                    int in = x * bands;
                    for (int c = 0; c < channels; c++) {
                        out[o++] = (byte) ((row[in + c] * 255 + 32767) / 65535);
                    }
                }
            }
            return new DecodedImage(w, h, channels, out);
        }

        // Everything else (CMYK left unconverted, ICC-tagged, linear RGB, 1-bit packed, ...): let Java2D
        // do the colour conversion once, then read the 3-byte BGR buffer.
        if (csType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
            BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            Graphics2D g = grey.createGraphics();
            try {
                g.drawImage(img, 0, 0, null);
            } finally {
                g.dispose();
            }
            return toPixels(grey);
        }
        BufferedImage bgr = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        try {
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        return toPixels(bgr);
    }

    private static boolean isStandardGrey(ColorSpace cs) {
        return cs == ColorSpace.getInstance(ColorSpace.CS_GRAY);
    }

    /** Wraps pixels as a BufferedImage (3-byte BGR or byte grey) for ImageIO writers; copies. */
    static BufferedImage toBufferedImage(DecodedImage img) {
        int w = img.width();
        int h = img.height();
        byte[] px = img.pixels();
        if (img.channels() == 1) {
            BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] data = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
            System.arraycopy(px, 0, data, 0, px.length);
            return out;
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] data = ((DataBufferByte) out.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < px.length; i += 3) {
            data[i] = px[i + 2];
            data[i + 1] = px[i + 1];
            data[i + 2] = px[i];
        }
        return out;
    }
}
