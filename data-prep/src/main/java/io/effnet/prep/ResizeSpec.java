package io.effnet.prep;

import java.io.Serializable;

/**
 * How source images are resized before encoding. Upscaling happens too (small sources are brought
 * to the requested size) so that every stored image of a dataset follows one rule.
 */
public final class ResizeSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Mode { NONE, SHORTER_SIDE, EXACT }

    private final Mode mode;
    private final int shorterSide;
    private final int width;
    private final int height;

    private ResizeSpec(Mode mode, int shorterSide, int width, int height) {
        this.mode = mode;
        this.shorterSide = shorterSide;
        this.width = width;
        this.height = height;
    }

    /** Keep the source size. */
    public static ResizeSpec none() {
        return new ResizeSpec(Mode.NONE, 0, 0, 0);
    }

    /** Aspect-preserving: the shorter side becomes {@code n}, the longer side round(long * n / short). */
    public static ResizeSpec shorterSide(int n) {
        if (n < 1) {
            throw new PrepException("resize shorter side must be >= 1, got " + n);
        }
        return new ResizeSpec(Mode.SHORTER_SIDE, n, 0, 0);
    }

    /** Exactly width x height; the aspect ratio is not preserved (no cropping). */
    public static ResizeSpec exact(int width, int height) {
        if (width < 1 || height < 1) {
            throw new PrepException("resize exact size must be >= 1x1, got " + width + "x" + height);
        }
        return new ResizeSpec(Mode.EXACT, 0, width, height);
    }

    /** Parses {@code none}, {@code shorter:256} / {@code shorter-side:256}, or {@code exact:224x224}. */
    public static ResizeSpec parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.equals("none")) {
                return none();
            }
            int colon = t.indexOf(':');
            if (colon > 0) {
                String kind = t.substring(0, colon);
                String arg = t.substring(colon + 1);
                if (kind.equals("shorter") || kind.equals("shorter-side") || kind.equals("shorter_side")) {
                    return shorterSide(Integer.parseInt(arg));
                }
                if (kind.equals("exact")) {
                    int x = arg.indexOf('x');
                    return exact(Integer.parseInt(arg.substring(0, x)), Integer.parseInt(arg.substring(x + 1)));
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof PrepException) {
                throw e;
            }
        }
        throw new PrepException("cannot parse resize '" + text
                + "': use 'none', 'shorter:<n>' (e.g. shorter:256) or 'exact:<w>x<h>' (e.g. exact:224x224)");
    }

    public Mode mode() {
        return mode;
    }

    /** The target shorter side, for {@link Mode#SHORTER_SIDE}; 0 otherwise. */
    public int shorterSide() {
        return shorterSide;
    }

    /** The target width, for {@link Mode#EXACT}; 0 otherwise. */
    public int width() {
        return width;
    }

    /** The target height, for {@link Mode#EXACT}; 0 otherwise. */
    public int height() {
        return height;
    }

    /** The output size {width, height} for a source of the given size. */
    public int[] targetSize(int sourceWidth, int sourceHeight) {
        switch (mode) {
            case EXACT:
                return new int[] {width, height};
            case SHORTER_SIDE:
                if (sourceWidth <= sourceHeight) {
                    long h = Math.round((double) sourceHeight * shorterSide / sourceWidth);
                    return new int[] {shorterSide, (int) Math.max(1, h)};
                } else {
                    long w = Math.round((double) sourceWidth * shorterSide / sourceHeight);
                    return new int[] {(int) Math.max(1, w), shorterSide};
                }
            default:
                return new int[] {sourceWidth, sourceHeight};
        }
    }

    @Override
    public String toString() {
        switch (mode) {
            case EXACT:
                return "exact:" + width + "x" + height;
            case SHORTER_SIDE:
                return "shorter:" + shorterSide;
            default:
                return "none";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResizeSpec && o.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
