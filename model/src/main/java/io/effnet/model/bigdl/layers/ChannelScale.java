package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.AbstractModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import com.intel.analytics.bigdl.utils.Table;
import io.effnet.model.bigdl.BigDL;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The "excite" multiply of squeeze-excitation (Hu et al. 2018): input table {@code (x, s)} with {@code x} of
 * shape (N, C, H, W) and {@code s} of N x C elements ((N, C, 1, 1) as a 1x1 conv gives it, or (N, C)); output
 * {@code x[n,c,h,w] * s[n,c]}. The backward pass returns {@code g * s} for {@code x} and the sum over H and W
 * of {@code g * x} for {@code s}, shaped like {@code s}. BigDL's {@code CMulTable} broadcasts forward but
 * returns a full (N, C, H, W) gradient for {@code s}, which the SE branch cannot take.
 *
 * <p>In a graph: {@code new ChannelScale().inputs(new Node[] {x, s})}; BigDL hands the module a 1-based table.
 * Any layout (N, C, ...) works: everything after the channel axis is treated as one spatial extent.
 */
public final class ChannelScale extends AbstractModule<Table, Tensor<Float>, Float> {
  private static final long serialVersionUID = 1L;

  private final Tensor<Float> gradX = BigDL.tensor();
  private final Tensor<Float> gradScale = BigDL.tensor();

  public ChannelScale() {
    super(tableTag(), tensorTag(), BigDL.tag(), BigDL.numeric());
  }

  @Override
  public Tensor<Float> updateOutput(Table input) {
    Operands in = Operands.of(this, input);
    Tensor<Float> y = output().resizeAs(in.x);
    if (in.x.nElement() == 0) {
      return y;
    }
    float[] xs = Dense.data(in.x);
    float[] ss = Dense.data(in.s);
    float[] ys = Dense.data(y);
    int xo = Dense.offset(in.x);
    int so = Dense.offset(in.s);
    int yo = Dense.offset(y);
    int planes = in.planes;
    int area = in.area;
    LayerThreads.forEachRange(planes, Dense.planesPerBlock(area), (first, count) -> {
      for (int p = first; p < first + count; p++) {
        float scale = ss[so + p];
        int base = p * area;
        for (int j = 0; j < area; j++) {
          ys[yo + base + j] = xs[xo + base + j] * scale;
        }
      }
    });
    return y;
  }

  @Override
  public Table updateGradInput(Table input, Tensor<Float> gradOutput) {
    Operands in = Operands.of(this, input);
    Tensor<Float> g = Dense.contiguous(gradOutput);
    if (g.nElement() != in.x.nElement()) {
      throw new IllegalArgumentException("ChannelScale " + getName() + ": gradOutput has " + g.nElement()
          + " elements but x has " + in.x.nElement());
    }
    gradX.resizeAs(in.x);
    gradScale.resizeAs(in.s);
    if (in.x.nElement() > 0) {
      float[] xs = Dense.data(in.x);
      float[] ss = Dense.data(in.s);
      float[] gs = Dense.data(g);
      float[] gxs = Dense.data(gradX);
      float[] gss = Dense.data(gradScale);
      int xo = Dense.offset(in.x);
      int so = Dense.offset(in.s);
      int go = Dense.offset(g);
      int gxo = Dense.offset(gradX);
      int gso = Dense.offset(gradScale);
      int area = in.area;
      LayerThreads.forEachRange(in.planes, Dense.planesPerBlock(area), (first, count) -> {
        for (int p = first; p < first + count; p++) {
          float scale = ss[so + p];
          int base = p * area;
          double sum = 0;
          for (int j = 0; j < area; j++) {
            float gv = gs[go + base + j];
            gxs[gxo + base + j] = gv * scale;
            sum += (double) gv * xs[xo + base + j];
          }
          gss[gso + p] = (float) sum;
        }
      });
    }
    // Re-inserted every time: the graph reads entries 1 and 2 of this table as the two inputs' gradients.
    Table gi = gradInput();
    gi.update(1, gradX);
    gi.update(2, gradScale);
    return gi;
  }

  /**
   * The IR graph of BigDL's MKL-DNN engine passes both input shapes ({@code MultiShape}); the output has the
   * shape of {@code x}.
   */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    scala.collection.immutable.List<Shape> shapes;
    try {
      shapes = inputShape.toMulti();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("ChannelScale " + getName() + " takes two inputs (x, s), got the single"
          + " shape " + inputShape, e);
    }
    if (shapes.size() != 2) {
      throw new IllegalArgumentException("ChannelScale " + getName() + " takes two inputs (x, s), got "
          + shapes.size() + " shapes: " + inputShape);
    }
    return shapes.head();
  }

  @Override
  public ChannelScale clearState() {
    super.clearState();
    gradX.set();
    gradScale.set();
    return this;
  }

  /** The two validated, contiguous inputs and the broadcast geometry. */
  private static final class Operands {
    final Tensor<Float> x;
    final Tensor<Float> s;
    /** N x C: one scale per (sample, channel) plane. */
    final int planes;
    /** Elements per plane (H x W). */
    final int area;

    private Operands(Tensor<Float> x, Tensor<Float> s, int planes, int area) {
      this.x = x;
      this.s = s;
      this.planes = planes;
      this.area = area;
    }

    static Operands of(ChannelScale layer, Table input) {
      if (input.length() != 2) {
        throw new IllegalArgumentException("ChannelScale " + layer.getName()
            + " takes a table of two tensors (x, s), got " + input.length() + " entries");
      }
      Tensor<Float> x = Dense.contiguous(input.<Tensor<Float>>apply(1));
      Tensor<Float> s = Dense.contiguous(input.<Tensor<Float>>apply(2));
      if (x.dim() < 2) {
        throw new IllegalArgumentException("ChannelScale " + layer.getName()
            + ": x must be (N, C, ...), got " + x.dim() + " dimension(s)");
      }
      int planes = x.size(1) * x.size(2);
      if (s.dim() < 1 || s.size(1) != x.size(1) || s.nElement() != planes) {
        throw new IllegalArgumentException("ChannelScale " + layer.getName() + ": s must hold one value per"
            + " sample and channel, (" + x.size(1) + ", " + x.size(2) + ", 1, 1), got shape "
            + java.util.Arrays.toString(s.size()));
      }
      int area = planes == 0 ? 0 : x.nElement() / planes;
      return new Operands(x, s, planes, area);
    }
  }

  @SuppressWarnings("unchecked")
  private static ClassTag<Table> tableTag() {
    return (ClassTag<Table>) (ClassTag<?>) ClassTag$.MODULE$.apply(Table.class);
  }

  @SuppressWarnings("unchecked")
  private static ClassTag<Tensor<Float>> tensorTag() {
    return (ClassTag<Tensor<Float>>) (ClassTag<?>) ClassTag$.MODULE$.apply(Tensor.class);
  }
}
