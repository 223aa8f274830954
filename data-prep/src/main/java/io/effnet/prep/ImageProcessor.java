package io.effnet.prep;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;

/** Read, check, decode, resize and encode one source file (runs on executors). */
final class ImageProcessor implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Bytes beyond the largest plausible image of maxPixels pixels (8 bytes/pixel: 16-bit RGBA). */
    private static final long FILE_SIZE_SLACK = 16L << 20;

    private final ResizeSpec resize;
    private final OutputEncoding encoding;
    private final long seed;
    private final long maxPixels;
    private final HadoopConf conf;

    ImageProcessor(PrepSettings s, HadoopConf conf) {
        this.resize = s.resize();
        this.encoding = s.encoding();
        this.seed = s.seed();
        this.maxPixels = s.maxPixels();
        this.conf = conf;
    }

    ProcessedFile process(ListedFile f, int label) {
        boolean validation = f.validation;
        if (f.size < 0) {
            return ProcessedFile.bad(f, label, validation, BadReason.UNREADABLE, "file not found: " + f.uri);
        }
        long maxFileBytes = Math.min(Integer.MAX_VALUE - 64L, maxPixels * 8 + FILE_SIZE_SLACK);
        if (f.size > maxFileBytes) {
            return ProcessedFile.bad(f, label, validation, BadReason.FILE_TOO_LARGE,
                    f.size + " bytes is more than an image of maxPixels " + maxPixels + " can need");
        }
        byte[] bytes;
        try {
            bytes = readFully(f);
        } catch (IOException | RuntimeException e) {
            return ProcessedFile.bad(f, label, validation, BadReason.UNREADABLE,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        try {
            SourceDecoder.SourceImage src = SourceDecoder.decode(bytes, maxPixels);
            DecodedImage stored = Resizer.resize(src.pixels, resize);
            byte[] encoded = ImageCodec.encode(stored, encoding);
            return ProcessedFile.good(f, label, validation, PathHash.shuffleKey(f.relativePath, seed), stored,
                    encoding.columnValue(), encoded, PathHash.hex(PathHash.sha1(bytes)), src.format.key(),
                    src.width, src.height);
        } catch (BadImageException e) {
            return ProcessedFile.bad(f, label, validation, e.reason(), e.getMessage());
        }
    }

    private byte[] readFully(ListedFile f) throws IOException {
        Path p = new Path(URI.create(f.uri));
        FileSystem fs = p.getFileSystem(conf.get());
        byte[] bytes = new byte[(int) f.size];
        try (FSDataInputStream in = fs.open(p)) {
            int off = 0;
            while (off < bytes.length) {
                int n = in.read(bytes, off, bytes.length - off);
                if (n < 0) {
                    throw new EOFException("file shrank while reading: " + off + " of " + bytes.length + " bytes");
                }
                off += n;
            }
        }
        return bytes;
    }
}
