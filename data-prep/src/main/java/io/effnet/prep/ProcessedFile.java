package io.effnet.prep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.Serializable;

/** The outcome for one source file: a shard row, or a bad file with its reason. */
final class ProcessedFile implements Serializable {
    private static final long serialVersionUID = 1L;

    final String relativePath;
    final String className;
    final int label;
    final boolean validation;
    final long shuffleKey;
    final long sourceBytes;
    final long sourceMtime;
    // Good files only:
    final int width;
    final int height;
    final int channels;
    final String encoding;
    final byte[] image;
    final String sourceSha1;
    final String sourceFormat;
    final int sourceWidth;
    final int sourceHeight;
    // Bad files only:
    final BadReason badReason;
    final String badDetail;

    private ProcessedFile(ListedFile f, int label, boolean validation, long shuffleKey, int width, int height,
                          int channels, String encoding, byte[] image, String sourceSha1, String sourceFormat,
                          int sourceWidth, int sourceHeight, BadReason badReason, String badDetail) {
        this.relativePath = f.relativePath;
        this.className = f.className;
        this.label = label;
        this.validation = validation;
        this.shuffleKey = shuffleKey;
        this.sourceBytes = f.size;
        this.sourceMtime = f.mtime;
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.encoding = encoding;
        this.image = image;
        this.sourceSha1 = sourceSha1;
        this.sourceFormat = sourceFormat;
        this.sourceWidth = sourceWidth;
        this.sourceHeight = sourceHeight;
        this.badReason = badReason;
        this.badDetail = badDetail;
    }

    static ProcessedFile good(ListedFile f, int label, boolean validation, long shuffleKey, DecodedImage stored,
                              String encoding, byte[] image, String sourceSha1, String sourceFormat,
                              int sourceWidth, int sourceHeight) {
        return new ProcessedFile(f, label, validation, shuffleKey, stored.width(), stored.height(), stored.channels(),
                encoding, image, sourceSha1, sourceFormat, sourceWidth, sourceHeight, null, null);
    }

    static ProcessedFile bad(ListedFile f, int label, boolean validation, BadReason reason, String detail) {
        return new ProcessedFile(f, label, validation, 0L, 0, 0, 0, null, null, null, null, 0, 0, reason, detail);
    }

    boolean isGood() {
        return badReason == null;
    }

    /** The shard row, in {@link ShardSchema#SCHEMA} column order. */
    Row toRow() {
        return RowFactory.create(relativePath, label, className, height, width, channels, encoding, image,
                sourceBytes, sourceSha1, sourceMtime, sourceFormat, sourceWidth, sourceHeight);
    }
}
