package io.effnet.model.bigdl;

import com.intel.analytics.bigdl.dataset.Sample;
import com.intel.analytics.bigdl.dataset.Sample$;
import com.intel.analytics.bigdl.tensor.Tensor;

/** Builds BigDL training samples. */
public final class Samples {
  private Samples() {}

  /**
   * An image sample: {@code chw} laid out channels x height x width (not copied), label 0-based (BigDL's
   * criteria count classes from 1; the shift happens here and nowhere else).
   */
  public static Sample<Float> image(float[] chw, int channels, int height, int width, int label) {
    if (chw.length != channels * height * width) {
      throw new IllegalArgumentException("image has " + chw.length + " values, expected " + channels + "x"
          + height + "x" + width);
    }
    return Sample$.MODULE$.apply(BigDL.tensor(chw, channels, height, width),
        BigDL.tensor(new float[] {label + 1f}, 1), BigDL.tag(), BigDL.numeric());
  }

  /** The feature tensor's shape (channels, height, width for an image sample). */
  public static int[] featureShape(Sample<Float> sample) {
    return sample.feature(BigDL.numeric()).size();
  }

  /** A copy of the sample's feature tensor, flat (CHW for an image sample). */
  public static float[] features(Sample<Float> sample) {
    Tensor<Float> f = sample.feature(BigDL.numeric()).contiguous();
    float[] out = new float[f.nElement()];
    System.arraycopy((float[]) (Object) f.storage().array(), f.storageOffset() - 1, out, 0, out.length);
    return out;
  }

  /**
   * Copies a normalised 3 x size x size CHW image into slot {@code index} of a batch buffer (the two batched forward
   * passes, {@link DistributedInference} and {@link BatchNormStatistics}, fill theirs this way).
   *
   * @throws IllegalArgumentException if the image does not have the model's 3 x size x size values
   */
  static void putImage(float[] batch, int index, float[] chw, int size) {
    int plane = 3 * size * size;
    if (chw.length != plane) {
      throw new IllegalArgumentException("an image has " + chw.length + " values, the model takes 3x" + size + "x"
          + size);
    }
    System.arraycopy(chw, 0, batch, index * plane, plane);
  }

  /** The 0-based class label of a sample built by {@link #image}. */
  public static int label(Sample<Float> sample) {
    return Math.round(sample.label(BigDL.numeric()).valueAt(1)) - 1;
  }
}
