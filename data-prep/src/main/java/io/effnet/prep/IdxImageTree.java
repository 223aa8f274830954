package io.effnet.prep;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;

/**
 * Unpacks an IDX image/label pair (the MNIST family's format: big-endian magic, counts and dimensions,
 * then uint8 data; gzip-compressed) into a class-folder tree of PNG files, {@code outDir/<class>/<index>.png},
 * the layout {@link PrepJob} reads. Used to feed real images (Fashion-MNIST, installed by Debian's
 * dataset-fashion-mnist package) to the prep job in the quickstart and tests.
 */
public final class IdxImageTree {
    /** Fashion-MNIST's class names in label order (from the dataset's README), made file-name safe. */
    public static final List<String> FASHION_MNIST_CLASSES = Collections.unmodifiableList(Arrays.asList(
            "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"));

    /** Where Debian's dataset-fashion-mnist package installs the files. */
    public static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int WRITER_THREADS = 8;
    private static final int CHUNK = 256;

    private IdxImageTree() {
    }

    /** Fashion-MNIST class names; see {@link #write(Path, Path, Path, int, List)}. */
    public static Map<String, Integer> write(Path imagesGz, Path labelsGz, Path outDir, int limitPerClass) {
        return write(imagesGz, labelsGz, outDir, limitPerClass, FASHION_MNIST_CLASSES);
    }

    /**
     * Writes the first {@code limitPerClass} images of each class (all if {@code <= 0}) as 8-bit greyscale
     * PNGs named by their record index, zero-padded to 5 digits. Returns images written per class, in
     * label order. Existing files with the same names are replaced.
     */
    public static Map<String, Integer> write(Path imagesGz, Path labelsGz, Path outDir, int limitPerClass,
                                             List<String> classNames) {
        byte[] labels;
        int count;
        int rows;
        int cols;
        try (DataInputStream lin = open(labelsGz)) {
            int magic = lin.readInt();
            if (magic != LABELS_MAGIC) {
                throw new PrepException(labelsGz + " is not an IDX label file (magic " + Integer.toHexString(magic)
                        + ", expected 801)");
            }
            labels = new byte[lin.readInt()];
            lin.readFully(labels);
        } catch (IOException e) {
            throw new PrepException("cannot read IDX labels " + labelsGz + ": " + e.getMessage(), e);
        }
        Map<String, Integer> written = new LinkedHashMap<>();
        for (String c : classNames) {
            written.put(c, 0);
        }
        byte[] all;
        try (DataInputStream in = open(imagesGz)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new PrepException(imagesGz + " is not an IDX image file (magic " + Integer.toHexString(magic)
                        + ", expected 803)");
            }
            count = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            if (count != labels.length) {
                throw new PrepException(imagesGz + " holds " + count + " images but " + labelsGz + " " + labels.length + " labels");
            }
            all = new byte[Math.multiplyExact(count, rows * cols)];
            in.readFully(all);
        } catch (IOException e) {
            throw new PrepException("cannot read IDX images " + imagesGz + ": " + e.getMessage(), e);
        }
        List<Integer> selected = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int label = labels[i] & 0xFF;
            if (label >= classNames.size()) {
                throw new PrepException("label " + label + " of image " + i + " has no class name (" + classNames.size() + " given)");
            }
            String name = classNames.get(label);
            int n = written.get(name);
            if (limitPerClass <= 0 || n < limitPerClass) {
                written.put(name, n + 1);
                selected.add(i);
            }
        }
        try {
            for (String c : classNames) {
                Files.createDirectories(outDir.resolve(c));
            }
        } catch (IOException e) {
            throw new PrepException("cannot create class folders under " + outDir + ": " + e.getMessage(), e);
        }
        String pattern = "%0" + Math.max(5, Integer.toString(count - 1).length()) + "d.png";
        int pixels = rows * cols;
        // File creation, not PNG encoding, is the cost (about 1 ms per file on a busy ext4 here, 25 us to
        // encode): several writers hide that latency.
        ExecutorService pool = Executors.newFixedThreadPool(WRITER_THREADS);
        try {
            List<Future<?>> chunks = new ArrayList<>();
            for (int from = 0; from < selected.size(); from += CHUNK) {
                List<Integer> chunk = selected.subList(from, Math.min(selected.size(), from + CHUNK));
                final int rowsF = rows;
                final int colsF = cols;
                chunks.add(pool.submit(() -> {
                    byte[] img = new byte[pixels];
                    for (int i : chunk) {
                        System.arraycopy(all, i * pixels, img, 0, pixels);
                        byte[] png = PngCodec.encode(img, colsF, rowsF, 1, 6);
                        Files.write(outDir.resolve(classNames.get(labels[i] & 0xFF)).resolve(String.format(pattern, i)), png);
                    }
                    return null;
                }));
            }
            for (Future<?> f : chunks) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw new PrepException("cannot write PNG files under " + outDir + ": " + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrepException("interrupted while writing PNG files under " + outDir, e);
        } finally {
            pool.shutdownNow();
        }
        return written;
    }

    private static DataInputStream open(Path gz) throws IOException {
        if (!Files.isRegularFile(gz)) {
            throw new PrepException("IDX file not found: " + gz
                    + (gz.startsWith(FASHION_MNIST_DIR) ? " (install Debian's dataset-fashion-mnist package)" : ""));
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(gz), 1 << 16);
        InputStream in = gz.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }
}
