package io.effnet.prep;

/** Source image formats, recognised from the first bytes (never from the file name). */
enum SourceFormat {
    JPEG("jpeg"), PNG("png"), BMP("bmp"), GIF("gif");

    private final String key;

    SourceFormat(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }

    /** The format whose signature starts the data, or null. */
    static SourceFormat sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return JPEG;
        }
        if (PngCodec.hasSignature(b)) {
            return PNG;
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8'
                && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
            return GIF;
        }
        if (b.length >= 26 && b[0] == 'B' && b[1] == 'M') {
            return BMP;
        }
        return null;
    }
}
