package io.effnet.prep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IdxImageTreeTest {

    @Test
    void writesPixelExactPngsFromASyntheticIdxPair(@TempDir Path tmp) throws Exception {
        int n = 5;
        int rows = 3;
        int cols = 4;
        byte[] labels = {0, 1, 0, 2, 1};
        byte[] pixels = new byte[n * rows * cols];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        Path images = tmp.resolve("imgs-idx3-ubyte.gz");
        Path labelFile = tmp.resolve("labels-idx1-ubyte.gz");
        Files.write(images, gzip(idx(0x803, new int[] {n, rows, cols}, pixels)));
        Files.write(labelFile, gzip(idx(0x801, new int[] {n}, labels)));

        Map<String, Integer> written = IdxImageTree.write(images, labelFile, tmp.resolve("tree"), 0,
                Arrays.asList("a", "b", "c"));

        assertEquals(2, (int) written.get("a"));
        assertEquals(2, (int) written.get("b"));
        assertEquals(1, (int) written.get("c"));
        DecodedImage img = ImageCodec.decodeStored(Files.readAllBytes(tmp.resolve("tree/c/00003.png")));
        assertEquals(4, img.width());
        assertEquals(3, img.height());
        assertEquals(1, img.channels());
        for (int i = 0; i < rows * cols; i++) {
            assertEquals(((3 * rows * cols + i) * 7) & 0xFF, img.pixels()[i] & 0xFF);
        }
        // The same file through ImageIO (an independent PNG decoder) gives the same pixels.
        java.awt.image.BufferedImage viaImageIo = javax.imageio.ImageIO.read(tmp.resolve("tree/c/00003.png").toFile());
        assertEquals(img.sample(2, 1, 0), viaImageIo.getRaster().getSample(2, 1, 0));

        Map<String, Integer> limited = IdxImageTree.write(images, labelFile, tmp.resolve("tree2"), 1,
                Arrays.asList("a", "b", "c"));
        assertEquals(1, (int) limited.get("a"));
        assertEquals(1, (int) limited.get("b"));
    }

    @Test
    void rejectsAFileThatIsNotIdx(@TempDir Path tmp) throws Exception {
        Path bogus = tmp.resolve("x.gz");
        Files.write(bogus, gzip(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        PrepException e = assertThrows(PrepException.class, () -> IdxImageTree.write(bogus, bogus, tmp.resolve("o"), 0));
        assertTrue(e.getMessage().contains("not an IDX label file"), e.getMessage());
    }

    @Test
    void unpacksRealFashionMnistQuickly(@TempDir Path tmp) throws Exception {
        Path dir = Paths.get(IdxImageTree.FASHION_MNIST_DIR);
        assumeTrue(Files.isDirectory(dir), "Fashion-MNIST not installed (Debian package dataset-fashion-mnist)");
        long start = System.nanoTime();
        Map<String, Integer> written = IdxImageTree.write(dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), tmp, 0);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("IdxImageTree: 10000 Fashion-MNIST PNGs in %.2f s%n", seconds);
        assertEquals(IdxImageTree.FASHION_MNIST_CLASSES, new java.util.ArrayList<>(written.keySet()));
        for (int count : written.values()) {
            assertEquals(1000, count); // the t10k set is balanced: 1000 per class
        }
        assertTrue(seconds < 30, "took " + seconds + " s");
        DecodedImage first = ImageCodec.decode(Files.readAllBytes(tmp.resolve("Ankle_boot/00000.png")));
        assertEquals(28, first.width());
        assertEquals(28, first.height());
    }

    static byte[] idx(int magic, int[] dims, byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(magic);
        for (int x : dims) {
            d.writeInt(x);
        }
        d.write(data);
        d.flush();
        return b.toByteArray();
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(data);
        }
        return b.toByteArray();
    }
}
