package io.effnet.prep;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small real image files for tests, written with the JDK's own encoders. */
final class TestImages {
    private TestImages() {
    }

    /** A smooth RGB gradient plus a base colour, so resizing and JPEG keep it recognisable. */
    static BufferedImage gradient(int w, int h, int r, int g, int b) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rr = clamp(r + (x * 40) / w - 20);
                int gg = clamp(g + (y * 40) / h - 20);
                img.setRGB(x, y, (rr << 16) | (gg << 8) | b);
            }
        }
        return img;
    }

    static BufferedImage solid(int w, int h, int r, int g, int b) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    static BufferedImage grey(int w, int h, int level) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, clamp(level + x - w / 2));
            }
        }
        return img;
    }

    static byte[] jpeg(BufferedImage img, int quality) {
        try {
            ImageWriter w = ImageCodec.jdkWriter("jpeg");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                w.setOutput(out);
                ImageWriteParam p = w.getDefaultWriteParam();
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(quality / 100f);
                BufferedImage src = img;
                if (img.getType() == BufferedImage.TYPE_INT_RGB) {
                    src = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
                    src.getGraphics().drawImage(img, 0, 0, null);
                }
                w.write(null, new IIOImage(src, null, null), p);
            } finally {
                w.dispose();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, bytes)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int clamp(int v) {
        return v < 0 ? 0 : (v > 255 ? 255 : v);
    }
}
