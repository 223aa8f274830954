package io.effnet.prep;

/**
 * Structural end-of-data checks done before decoding, because decoders can return a partly decoded
 * image without an exception for a cut file (libjpeg fills the rest grey; OpenCV and ImageIO both did so
 * here for a JPEG cut to a third of its bytes).
 */
final class TruncationCheck {
    private TruncationCheck() {
    }

    /** A description of what is missing, or null if the data reaches the format's end marker. */
    static String missingEnd(SourceFormat format, byte[] b) {
        switch (format) {
            case JPEG:
                return jpegReachesEoi(b) ? null : "JPEG data ends before the EOI marker";
            case PNG:
                return PngCodec.reachesEnd(b) ? null : "PNG data ends before the IEND chunk";
            case GIF:
                return gifFirstFrameComplete(b) ? null : "GIF data ends inside its first frame";
            case BMP:
                return bmpHasPixelData(b);
            default:
                return null;
        }
    }

    /**
     * Walks the marker segments from SOI, skipping each segment by its length and each scan's entropy-coded
     * data (where 0xFF is followed by 0x00 stuffing or an RST marker), until EOI. Data after EOI (camera
     * trailers, motion-photo videos) is allowed.
     */
    static boolean jpegReachesEoi(byte[] b) {
        int n = b.length;
        int pos = 2;
        while (pos + 1 < n) {
            if ((b[pos] & 0xFF) != 0xFF) {
                pos++; // extraneous bytes between segments: libjpeg skips them with a warning
                continue;
            }
            int marker = b[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++; // fill byte
                continue;
            }
            pos += 2;
            if (marker == 0xD9) {
                return true;
            }
            if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0x00) {
                continue;
            }
            if (pos + 1 >= n) {
                return false;
            }
            int len = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
            if (pos + len > n) {
                return false;
            }
            pos += len;
            if (marker == 0xDA) {
                while (pos < n) {
                    if ((b[pos] & 0xFF) == 0xFF) {
                        if (pos + 1 >= n) {
                            return false;
                        }
                        int next = b[pos + 1] & 0xFF;
                        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7) || next == 0xFF) {
                            pos += next == 0xFF ? 1 : 2;
                            continue;
                        }
                        break;
                    }
                    pos++;
                }
            }
        }
        return false;
    }

    /**
     * Walks the GIF block structure (GIF89a spec: header, screen descriptor, colour table, then extension
     * and image blocks of length-prefixed sub-blocks) up to the end of the first image's data, the frame
     * that is decoded.
     */
    static boolean gifFirstFrameComplete(byte[] b) {
        int n = b.length;
        if (n < 13) {
            return false;
        }
        int pos = 13;
        int flags = b[10] & 0xFF;
        if ((flags & 0x80) != 0) {
            pos += 3 * (1 << ((flags & 0x07) + 1));
        }
        while (pos < n) {
            int block = b[pos] & 0xFF;
            if (block == 0x21) {
                pos = skipSubBlocks(b, pos + 2);
            } else if (block == 0x2C) {
                if (pos + 10 > n) {
                    return false;
                }
                int local = b[pos + 9] & 0xFF;
                pos += 10;
                if ((local & 0x80) != 0) {
                    pos += 3 * (1 << ((local & 0x07) + 1));
                }
                pos = skipSubBlocks(b, pos + 1);
                return pos >= 0 && pos <= n;
            } else {
                return false; // a trailer or garbage before any image: no first frame
            }
            if (pos < 0) {
                return false;
            }
        }
        return false;
    }

    /** Position after a chain of sub-blocks ending with a zero-length one, or -1 if the data ends first. */
    private static int skipSubBlocks(byte[] b, int pos) {
        while (pos < b.length) {
            int len = b[pos] & 0xFF;
            pos += 1 + len;
            if (len == 0) {
                return pos;
            }
        }
        return -1;
    }

    /** For uncompressed BMPs, whether the file holds every pixel row the header promises. */
    static String bmpHasPixelData(byte[] b) {
        long offset = le32(b, 10) & 0xFFFFFFFFL;
        int headerSize = le32(b, 14);
        if (headerSize < 40 || b.length < 34) {
            return null; // OS/2 or unusual headers: left to the decoder
        }
        long width = le32(b, 18);
        long height = Math.abs((long) le32(b, 22));
        int bpp = (b[28] & 0xFF) | ((b[29] & 0xFF) << 8);
        int compression = le32(b, 30);
        if (compression != 0 && compression != 3) {
            return null;
        }
        long rowBytes = ((bpp * width + 31) / 32) * 4;
        long needed = offset + rowBytes * height;
        return b.length >= needed ? null : "BMP data holds " + b.length + " bytes, the header needs " + needed;
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xFF) | ((b[off + 1] & 0xFF) << 8) | ((b[off + 2] & 0xFF) << 16) | ((b[off + 3] & 0xFF) << 24);
    }
}
