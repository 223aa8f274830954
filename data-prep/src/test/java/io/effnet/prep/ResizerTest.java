package io.effnet.prep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ResizerTest {

    @Test
    void shorterSideKeepsTheAspectRatio() {
        assertArrayEquals(new int[] {341, 256}, ResizeSpec.shorterSide(256).targetSize(500, 375));
        assertArrayEquals(new int[] {256, 341}, ResizeSpec.shorterSide(256).targetSize(375, 500));
        assertArrayEquals(new int[] {32, 32}, ResizeSpec.shorterSide(32).targetSize(28, 28));
        assertArrayEquals(new int[] {224, 100}, ResizeSpec.exact(224, 100).targetSize(500, 375));
        assertArrayEquals(new int[] {500, 375}, ResizeSpec.none().targetSize(500, 375));
    }

    @Test
    void specsParseAndPrint() {
        assertEquals(ResizeSpec.shorterSide(256), ResizeSpec.parse("shorter:256"));
        assertEquals(ResizeSpec.exact(224, 200), ResizeSpec.parse("exact:224x200"));
        assertEquals("exact:224x200", ResizeSpec.parse("EXACT:224x200").toString());
        assertEquals(ResizeSpec.none(), ResizeSpec.parse("none"));
        assertEquals(OutputEncoding.jpeg(90), OutputEncoding.parse("jpeg:90"));
        assertEquals(95, OutputEncoding.parse("jpeg").jpegQuality());
        assertEquals(OutputEncoding.Format.RAW, OutputEncoding.parse("raw").format());
    }

    @Test
    void aConstantImageStaysConstant() {
        byte[] px = new byte[37 * 23 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i % 3 == 0 ? 201 : (i % 3 == 1 ? 7 : 128));
        }
        for (int[] size : new int[][] {{11, 7}, {80, 50}, {37, 5}, {1, 1}}) {
            DecodedImage out = Resizer.resize(new DecodedImage(37, 23, 3, px), size[0], size[1]);
            for (int i = 0; i < out.pixels().length; i += 3) {
                assertEquals(201, out.pixels()[i] & 0xFF);
                assertEquals(7, out.pixels()[i + 1] & 0xFF);
                assertEquals(128, out.pixels()[i + 2] & 0xFF);
            }
        }
    }

    @Test
    void strongDownscalingAveragesInsteadOfAliasing() {
        // A 1-pixel checkerboard: nearest-neighbour or a single bilinear step would give 0/255 or stripes.
        int n = 64;
        byte[] px = new byte[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                px[y * n + x] = (byte) (((x + y) & 1) == 0 ? 255 : 0);
            }
        }
        DecodedImage out = Resizer.resize(new DecodedImage(n, n, 1, px), 8, 8);
        for (byte b : out.pixels()) {
            assertEquals(127.5, b & 0xFF, 2.0);
        }
    }

    /** Oracles computed with Pillow 9.4.0 (Debian python3-pil), Image.resize(size, Image.BILINEAR), mode 'L'. */
    @Test
    void matchesPillowBilinear() {
        // Image.frombytes('L', (8,1), bytes(range(0, 256, 32))).resize((4,1))
        assertArrayEquals(new int[] {23, 80, 144, 201}, resizeGrey(ramp(8, 32), 8, 1, 4, 1));
        // Image.frombytes('L', (5,1), bytes([0,50,100,150,250])).resize((13,1))  (upscaling)
        assertArrayEquals(new int[] {0, 4, 23, 42, 62, 81, 100, 119, 138, 165, 204, 242, 250},
                resizeGrey(new byte[] {0, 50, 100, (byte) 150, (byte) 250}, 5, 1, 13, 1));
        // Image.frombytes('L', (7,3), bytes([(i*37) % 256 for i in range(21)])).resize((3,2))  (both axes)
        byte[] px = new byte[21];
        for (int i = 0; i < 21; i++) {
            px[i] = (byte) ((i * 37) % 256);
        }
        assertArrayEquals(new int[] {33, 112, 191, 37, 116, 195}, resizeGrey(px, 7, 3, 3, 2));
    }

    private static byte[] ramp(int n, int step) {
        byte[] px = new byte[n];
        for (int i = 0; i < n; i++) {
            px[i] = (byte) (i * step);
        }
        return px;
    }

    private static int[] resizeGrey(byte[] px, int w, int h, int outW, int outH) {
        DecodedImage out = Resizer.resize(new DecodedImage(w, h, 1, px), outW, outH);
        int[] got = new int[out.pixels().length];
        for (int i = 0; i < got.length; i++) {
            got[i] = out.pixels()[i] & 0xFF;
        }
        return got;
    }
}
