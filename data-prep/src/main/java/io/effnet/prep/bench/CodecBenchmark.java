package io.effnet.prep.bench;

import io.effnet.prep.DecodedImage;
import io.effnet.prep.ImageCodec;
import io.effnet.prep.OutputEncoding;
import io.effnet.prep.ResizeSpec;
import io.effnet.prep.Resizer;
import io.effnet.prep.SourceImages;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Decode + resize + encode throughput, one thread (= per core), on generated photo-like JPEGs of
 * 500x375 (ImageNet's typical size) resized to shorter side 256 and re-encoded as JPEG q95: the work
 * {@link io.effnet.prep.PrepJob} does per image. Compares this module's ImageIO/TwelveMonkeys path with
 * OpenCV 3.2 (imdecode, resize INTER_AREA, imencode) from BigDL's native bundle, and measures the
 * training-side decode ({@link ImageCodec#decode}) of the stored 341x256 JPEGs.
 *
 * <p>Run: {@code java -cp <data-prep classpath incl. provided deps> io.effnet.prep.bench.CodecBenchmark [images] [seconds]}
 */
public final class CodecBenchmark {
    private static final int SOURCE_WIDTH = 500;
    private static final int SOURCE_HEIGHT = 375;
    private static final int SHORTER_SIDE = 256;
    private static final int QUALITY = 95;

    private CodecBenchmark() {
    }

    interface Work {
        /** Processes one image; returns a byte count so the JIT cannot drop the work. */
        long run(byte[] input) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        ImageIO.setUseCache(false);
        List<byte[]> sources = photoLikeJpegs(images, 90, 20240601L);
        long totalBytes = 0;
        for (byte[] b : sources) {
            totalBytes += b.length;
        }
        System.out.printf(Locale.ROOT, "%d generated JPEGs %dx%d q90, mean %.1f KB; target shorter side %d, JPEG q%d; 1 thread%n",
                images, SOURCE_WIDTH, SOURCE_HEIGHT, totalBytes / 1024.0 / images, SHORTER_SIDE, QUALITY);
        System.out.printf(Locale.ROOT, "java %s, %s%n", System.getProperty("java.version"), System.getProperty("os.arch"));

        OutputEncoding jpeg = OutputEncoding.jpeg(QUALITY);
        ResizeSpec resize = ResizeSpec.shorterSide(SHORTER_SIDE);
        List<byte[]> stored = new ArrayList<>();
        for (byte[] b : sources) {
            stored.add(ImageCodec.encode(Resizer.resize(SourceImages.decode(b, Long.MAX_VALUE), resize), jpeg));
        }

        report("prep path: TwelveMonkeys decode + Resizer + JDK encode", sources, seconds,
                b -> ImageCodec.encode(Resizer.resize(SourceImages.decode(b, Long.MAX_VALUE), resize), jpeg).length);
        report("  decode only (TwelveMonkeys -> JDK libjpeg + checks)", sources, seconds,
                b -> SourceImages.decode(b, Long.MAX_VALUE).pixels().length);
        report("  decode only (JDK reader, ImageCodec)", sources, seconds,
                b -> ImageCodec.decodeStored(b).pixels().length);
        DecodedImage one = ImageCodec.decodeStored(sources.get(0));
        report("  resize only (500x375 -> 341x256, triangle antialiased)", sources, seconds,
                b -> Resizer.resize(one, resize).pixels().length);
        DecodedImage small = Resizer.resize(one, resize);
        report("  encode only (341x256 JPEG q95, JDK)", sources, seconds,
                b -> ImageCodec.encode(small, jpeg).length);
        report("training decode: ImageCodec.decode of stored 341x256 q95", stored, seconds,
                b -> ImageCodec.decode(b).pixels().length);

        boolean opencv;
        try {
            opencv = com.intel.analytics.bigdl.opencv.OpenCV.isOpenCVLoaded();
        } catch (Throwable t) {
            System.out.println("OpenCV: not available (" + t + ")");
            opencv = false;
        }
        if (opencv) {
            MatOfInt params = new MatOfInt(Imgcodecs.CV_IMWRITE_JPEG_QUALITY, QUALITY);
            report("OpenCV 3.2: imdecode + resize INTER_AREA + imencode", sources, seconds, b -> {
                Mat m = Imgcodecs.imdecode(new MatOfByte(b), Imgcodecs.CV_LOAD_IMAGE_COLOR);
                int[] size = resize.targetSize(m.cols(), m.rows());
                Mat r = new Mat();
                Imgproc.resize(m, r, new Size(size[0], size[1]), 0, 0, Imgproc.INTER_AREA);
                MatOfByte out = new MatOfByte();
                Imgcodecs.imencode(".jpg", r, out, params);
                long n = out.total();
                m.release();
                r.release();
                out.release();
                return n;
            });
            report("  OpenCV decode only", sources, seconds, b -> {
                Mat m = Imgcodecs.imdecode(new MatOfByte(b), Imgcodecs.CV_LOAD_IMAGE_COLOR);
                long n = m.total();
                m.release();
                return n;
            });
            report("training decode: OpenCV imdecode + Mat -> byte[] (BGR)", stored, seconds, b -> {
                Mat m = Imgcodecs.imdecode(new MatOfByte(b), Imgcodecs.CV_LOAD_IMAGE_COLOR);
                byte[] px = new byte[(int) (m.total() * m.channels())];
                m.get(0, 0, px);
                m.release();
                return px.length;
            });
        }
    }

    private static void report(String name, List<byte[]> inputs, double seconds, Work work) throws Exception {
        run(inputs, Math.min(2.0, seconds / 2), work);
        double[] r = run(inputs, seconds, work);
        System.out.printf(Locale.ROOT, "%-62s %8.1f images/s  %7.2f ms/image%n", name, r[0], 1000.0 / r[0]);
    }

    /** {images per second, sink}. */
    private static double[] run(List<byte[]> inputs, double seconds, Work work) throws Exception {
        long sink = 0;
        long n = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (byte[] b : inputs) {
                sink += work.run(b);
                n++;
            }
        }
        double s = (System.nanoTime() - start) / 1e9;
        return new double[] {n / s, sink};
    }

    /** Seeded images with smooth shading, edges and sensor-like noise, so JPEG sizes resemble photos. */
    static List<byte[]> photoLikeJpegs(int count, int quality, long seed) throws IOException {
        Random rnd = new Random(seed);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage img = new BufferedImage(SOURCE_WIDTH, SOURCE_HEIGHT, BufferedImage.TYPE_3BYTE_BGR);
            byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            double fx = 0.005 + rnd.nextDouble() * 0.03;
            double fy = 0.005 + rnd.nextDouble() * 0.03;
            int[] base = {rnd.nextInt(200), rnd.nextInt(200), rnd.nextInt(200)};
            for (int y = 0; y < SOURCE_HEIGHT; y++) {
                for (int x = 0; x < SOURCE_WIDTH; x++) {
                    double shade = 40 * Math.sin(x * fx) * Math.cos(y * fy);
                    int o = (y * SOURCE_WIDTH + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        int v = (int) (base[c] + shade * (c + 1) / 2 + rnd.nextGaussian() * 6);
                        px[o + c] = (byte) Math.max(0, Math.min(255, v));
                    }
                }
            }
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            for (int k = 0; k < 12; k++) {
                g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256), 160));
                g.setStroke(new BasicStroke(1 + rnd.nextInt(6)));
                int x = rnd.nextInt(SOURCE_WIDTH);
                int y = rnd.nextInt(SOURCE_HEIGHT);
                if (k % 2 == 0) {
                    g.fillOval(x - 40, y - 30, 20 + rnd.nextInt(120), 20 + rnd.nextInt(90));
                } else {
                    g.drawLine(x, y, rnd.nextInt(SOURCE_WIDTH), rnd.nextInt(SOURCE_HEIGHT));
                }
            }
            g.dispose();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(stream);
                ImageWriteParam p = writer.getDefaultWriteParam();
                p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                p.setCompressionQuality(quality / 100f);
                writer.write(null, new IIOImage(img, null, null), p);
            }
            out.add(bytes.toByteArray());
        }
        writer.dispose();
        return out;
    }
}
