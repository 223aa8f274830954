package io.effnet.model.bigdl;

import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.ResolvedBlock;
import java.util.Arrays;
import java.util.Map;

/**
 * EfficientNet inference in plain double-precision Java, written from the paper (Tan and Le 2019) and the TF
 * reference's {@code efficientnet_model.py}, for one sample at a time: nothing here calls BigDL. It reads the
 * weights by their Keras-style names and BigDL's layouts (convolution {@code (groups, out/groups, in/groups,
 * kh, kw)}, linear {@code (out, in)}), which it checks before use.
 *
 * <ul>
 *   <li>Convolutions use TF "same" padding: output = ceil(input / stride), pad_total = max((output - 1) x
 *   stride + kernel - input, 0), pad_before = pad_total / 2, the extra row and column after.</li>
 *   <li>Batch norm in inference: gamma (x - mean) / sqrt(var + 1e-3) + beta.</li>
 *   <li>Swish x sigmoid(x); squeeze-excitation: channel means, 1x1 conv with bias, Swish, 1x1 conv with bias,
 *   sigmoid, channel-wise scale.</li>
 *   <li>Drop-connect and dropout are identities at inference.</li>
 * </ul>
 */
final class ReferenceEfficientNet {
  static final double BN_EPSILON = 1e-3;

  private final NetworkSpec spec;
  private final Map<String, float[]> weights;
  private final Map<String, int[]> shapes;

  ReferenceEfficientNet(NetworkSpec spec, KnownWeights known) {
    this.spec = spec;
    this.weights = known.values();
    this.shapes = known.shapes();
  }

  /** One sample's activations, channels x height x width, row-major. */
  static final class FeatureMap {
    final int channels;
    final int height;
    final int width;
    final double[] values;

    FeatureMap(int channels, int height, int width) {
      this(channels, height, width, new double[channels * height * width]);
    }

    FeatureMap(int channels, int height, int width, double[] values) {
      if (values.length != channels * height * width) {
        throw new IllegalArgumentException(values.length + " values for " + channels + "x" + height + "x" + width);
      }
      this.channels = channels;
      this.height = height;
      this.width = width;
      this.values = values;
    }

    double at(int c, int y, int x) {
      return values[(c * height + y) * width + x];
    }
  }

  /** The classifier's logits for one image (3 x size x size). */
  double[] logits(FeatureMap image) {
    FeatureMap x = stem(image);
    for (ResolvedBlock b : spec.blocks()) {
      x = block(b, x);
    }
    return head(x);
  }

  /** Stem: 3x3 stride-2 convolution, batch norm, Swish. */
  FeatureMap stem(FeatureMap image) {
    FeatureMap x = conv(image, "stem_conv", spec.stemChannels(), 3, 2, 1);
    return swish(batchNorm(x, "stem_bn"));
  }

  /**
   * One MBConv block: expansion (1x1, BN, Swish) unless the ratio is 1, depthwise kxk (BN, Swish),
   * squeeze-excitation, projection (1x1, BN), and the identity shortcut when the block keeps its shape.
   */
  FeatureMap block(ResolvedBlock b, FeatureMap input) {
    String n = b.name();
    FeatureMap x = input;
    if (b.hasExpansion()) {
      x = swish(batchNorm(conv(x, n + "_expand_conv", b.expandedChannels(), 1, 1, 1), n + "_expand_bn"));
    }
    x = depthwiseActivation(b, x);
    if (b.hasSqueezeExcitation()) {
      x = scaleChannels(x, squeezeExcitationGates(b, x));
    }
    x = batchNorm(conv(x, n + "_project_conv", b.outChannels(), 1, 1, 1), n + "_project_bn");
    if (b.hasSkip()) {
      double[] sum = new double[x.values.length];
      for (int i = 0; i < sum.length; i++) {
        sum[i] = x.values[i] + input.values[i];
      }
      x = new FeatureMap(x.channels, x.height, x.width, sum);
    }
    return x;
  }

  /** Depthwise convolution of the (expanded) block input, batch norm, Swish. */
  FeatureMap depthwiseActivation(ResolvedBlock b, FeatureMap expanded) {
    String n = b.name();
    FeatureMap x = conv(expanded, n + "_dwconv", b.expandedChannels(), b.kernel(), b.stride(), b.expandedChannels());
    return swish(batchNorm(x, n + "_bn"));
  }

  /** The per-channel sigmoid gates of squeeze-excitation for the depthwise output {@code x}. */
  double[] squeezeExcitationGates(ResolvedBlock b, FeatureMap x) {
    String n = b.name();
    double[] squeezed = channelMeans(x);
    double[] reduced = pointwise(squeezed, n + "_se_reduce", b.seChannels());
    for (int i = 0; i < reduced.length; i++) {
      reduced[i] = swish(reduced[i]);
    }
    double[] gates = pointwise(reduced, n + "_se_expand", b.expandedChannels());
    for (int i = 0; i < gates.length; i++) {
      gates[i] = sigmoid(gates[i]);
    }
    return gates;
  }

  /** Head on the last block's output: 1x1 convolution, batch norm, Swish, global average, dense. */
  double[] head(FeatureMap lastBlock) {
    FeatureMap x = swish(batchNorm(conv(lastBlock, "top_conv", spec.headChannels(), 1, 1, 1), "top_bn"));
    double[] pooled = channelMeans(x);
    float[] w = param("predictions/weight", spec.numClasses(), spec.headChannels());
    float[] bias = param("predictions/bias", spec.numClasses());
    double[] out = new double[spec.numClasses()];
    for (int o = 0; o < out.length; o++) {
      double s = bias[o];
      for (int i = 0; i < pooled.length; i++) {
        s += w[o * pooled.length + i] * pooled[i];
      }
      out[o] = s;
    }
    return out;
  }

  /** Grouped convolution without bias, TF "same" padding. */
  private FeatureMap conv(FeatureMap x, String layer, int out, int k, int stride, int groups) {
    int inPerGroup = x.channels / groups;
    int outPerGroup = out / groups;
    float[] w = param(layer + "/weight", groups, outPerGroup, inPerGroup, k, k);
    int outH = (x.height + stride - 1) / stride;
    int outW = (x.width + stride - 1) / stride;
    int padTop = Math.max((outH - 1) * stride + k - x.height, 0) / 2;
    int padLeft = Math.max((outW - 1) * stride + k - x.width, 0) / 2;
    FeatureMap y = new FeatureMap(out, outH, outW);
    for (int g = 0; g < groups; g++) {
      for (int o = 0; o < outPerGroup; o++) {
        int oc = g * outPerGroup + o;
        for (int oy = 0; oy < outH; oy++) {
          for (int ox = 0; ox < outW; ox++) {
            double s = 0;
            for (int i = 0; i < inPerGroup; i++) {
              int ic = g * inPerGroup + i;
              for (int ky = 0; ky < k; ky++) {
                int iy = oy * stride - padTop + ky;
                if (iy < 0 || iy >= x.height) {
                  continue;
                }
                for (int kx = 0; kx < k; kx++) {
                  int ix = ox * stride - padLeft + kx;
                  if (ix < 0 || ix >= x.width) {
                    continue;
                  }
                  s += x.at(ic, iy, ix) * w[(((g * outPerGroup + o) * inPerGroup + i) * k + ky) * k + kx];
                }
              }
            }
            y.values[(oc * outH + oy) * outW + ox] = s;
          }
        }
      }
    }
    return y;
  }

  private FeatureMap batchNorm(FeatureMap x, String layer) {
    float[] gamma = param(layer + "/weight", x.channels);
    float[] beta = param(layer + "/bias", x.channels);
    float[] mean = param(layer + "/runningMean", x.channels);
    float[] var = param(layer + "/runningVar", x.channels);
    FeatureMap y = new FeatureMap(x.channels, x.height, x.width);
    int area = x.height * x.width;
    for (int c = 0; c < x.channels; c++) {
      double scale = gamma[c] / Math.sqrt(var[c] + BN_EPSILON);
      for (int j = 0; j < area; j++) {
        y.values[c * area + j] = scale * (x.values[c * area + j] - mean[c]) + beta[c];
      }
    }
    return y;
  }

  /** A 1x1 convolution with bias on a 1x1 map, i.e. an affine map of a channel vector. */
  private double[] pointwise(double[] in, String layer, int out) {
    float[] w = param(layer + "/weight", 1, out, in.length, 1, 1);
    float[] bias = param(layer + "/bias", out);
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = bias[o];
      for (int i = 0; i < in.length; i++) {
        s += w[o * in.length + i] * in[i];
      }
      y[o] = s;
    }
    return y;
  }

  private static double[] channelMeans(FeatureMap x) {
    int area = x.height * x.width;
    double[] m = new double[x.channels];
    for (int c = 0; c < x.channels; c++) {
      double s = 0;
      for (int j = 0; j < area; j++) {
        s += x.values[c * area + j];
      }
      m[c] = s / area;
    }
    return m;
  }

  private static FeatureMap scaleChannels(FeatureMap x, double[] gates) {
    int area = x.height * x.width;
    FeatureMap y = new FeatureMap(x.channels, x.height, x.width);
    for (int c = 0; c < x.channels; c++) {
      for (int j = 0; j < area; j++) {
        y.values[c * area + j] = x.values[c * area + j] * gates[c];
      }
    }
    return y;
  }

  private static FeatureMap swish(FeatureMap x) {
    double[] v = new double[x.values.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = swish(x.values[i]);
    }
    return new FeatureMap(x.channels, x.height, x.width, v);
  }

  private static double swish(double v) {
    return v * sigmoid(v);
  }

  private static double sigmoid(double v) {
    return 1 / (1 + Math.exp(-v));
  }

  /** A weight by name, after checking it has the layout this computation indexes it with. */
  private float[] param(String name, int... expectedShape) {
    float[] v = weights.get(name);
    if (v == null) {
      throw new IllegalStateException("the model has no tensor '" + name + "'");
    }
    if (!Arrays.equals(shapes.get(name), expectedShape)) {
      throw new IllegalStateException("tensor '" + name + "' has shape " + Arrays.toString(shapes.get(name))
          + ", the reference reads it as " + Arrays.toString(expectedShape));
    }
    return v;
  }
}
