package io.effnet.model.keras;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.WritableGroup;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KerasWeightFileTest {
  @TempDir
  Path dir;

  private static float[] range(int n, float start) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = start + i;
    }
    return v;
  }

  private static KerasWeightFile sample() {
    List<KerasLayer> layers = new ArrayList<>();
    layers.add(new KerasLayer("stem_conv", Arrays.asList(
        new KerasTensor("stem_conv/kernel:0", new int[] {3, 3, 2, 4}, range(72, 0.5f)))));
    layers.add(new KerasLayer("stem_bn", Arrays.asList(
        new KerasTensor("stem_bn/gamma:0", new int[] {4}, range(4, 1)),
        new KerasTensor("stem_bn/beta:0", new int[] {4}, range(4, 10)),
        new KerasTensor("stem_bn/moving_mean:0", new int[] {4}, range(4, 20)),
        new KerasTensor("stem_bn/moving_variance:0", new int[] {4}, range(4, 30)))));
    layers.add(new KerasLayer("activation_without_weights", new ArrayList<KerasTensor>()));
    layers.add(new KerasLayer("normalization", Arrays.asList(
        new KerasTensor("normalization/count:0", new int[0], new float[] {7}))));
    layers.add(new KerasLayer("predictions", Arrays.asList(
        new KerasTensor("predictions/kernel:0", new int[] {4, 3}, range(12, -6)),
        new KerasTensor("predictions/bias:0", new int[] {3}, range(3, 100)))));
    return new KerasWeightFile(layers);
  }

  @Test
  void writesAndReadsTheKerasLayout() throws IOException {
    File file = dir.resolve("w.h5").toFile();
    sample().write(file);

    KerasWeightFile read = KerasWeightFile.read(file);
    assertEquals(Arrays.asList("stem_conv", "stem_bn", "normalization", "predictions"), read.weightedLayerNames());
    KerasTensor kernel = read.layer("stem_conv").weights().get(0);
    assertEquals("stem_conv/kernel:0", kernel.name());
    assertEquals("kernel", kernel.shortName());
    assertArrayEquals(new int[] {3, 3, 2, 4}, kernel.shape());
    assertArrayEquals(range(72, 0.5f), kernel.values(), 0f);
    List<String> bnNames = new ArrayList<>();
    for (KerasTensor t : read.layer("stem_bn").weights()) {
      bnNames.add(t.shortName());
    }
    assertEquals(Arrays.asList("gamma", "beta", "moving_mean", "moving_variance"), bnNames);
    assertArrayEquals(range(4, 30), read.layer("stem_bn").find("moving_variance").values(), 0f);
    KerasTensor count = read.layer("normalization").find("count");
    assertEquals(0, count.shape().length);
    assertArrayEquals(new float[] {7}, count.values(), 0f);
    assertArrayEquals(range(12, -6), read.layer("predictions").find("kernel").values(), 0f);
    assertNull(read.layer("activation_without_weights"), "layers without weights are not written");

    // The raw HDF5 structure Keras' loader walks: attributes, and datasets at <layer>/<weight name>.
    try (HdfFile hdf = new HdfFile(file)) {
      assertArrayEquals(new String[] {"stem_conv", "stem_bn", "normalization", "predictions"},
          (String[]) hdf.getAttribute("layer_names").getData());
      assertEquals("tensorflow", hdf.getAttribute("backend").getData());
      assertEquals(KerasWeightFile.KERAS_LAYOUT_VERSION, hdf.getAttribute("keras_version").getData());
      assertArrayEquals(new String[] {"predictions/kernel:0", "predictions/bias:0"},
          (String[]) hdf.getByPath("predictions").getAttribute("weight_names").getData());
      Dataset d = hdf.getDatasetByPath("stem_conv/stem_conv/kernel:0");
      assertArrayEquals(new int[] {3, 3, 2, 4}, d.getDimensions());
      assertEquals(float.class, d.getJavaType());
      float[][][][] nested = (float[][][][]) d.getData();
      assertEquals(0.5f + ((1 * 3 + 2) * 2 + 1) * 4 + 3, nested[1][2][1][3], 0f, "row-major [h][w][i][o]");
    }
  }

  @Test
  void longLayerListsAreSplitIntoNumberedChunksLikeKeras() throws IOException {
    List<KerasLayer> layers = new ArrayList<>();
    StringBuilder pad = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      pad.append('x');
    }
    for (int i = 0; i < 400; i++) {
      String name = "layer_" + i + "_" + pad;
      layers.add(new KerasLayer(name, Arrays.asList(new KerasTensor(name + "/bias:0", new int[] {1}, new float[] {i}))));
    }
    File file = dir.resolve("many.h5").toFile();
    new KerasWeightFile(layers).write(file);

    try (HdfFile hdf = new HdfFile(file)) {
      assertTrue(!hdf.getAttributes().containsKey("layer_names") && hdf.getAttributes().containsKey("layer_names1"),
          "400 names of about 210 bytes exceed 64512 bytes: " + hdf.getAttributes().keySet());
      for (Attribute a : hdf.getAttributes().values()) {
        assertTrue(a.getSizeInBytes() <= KerasWeightFile.HDF5_OBJECT_HEADER_LIMIT, a.getName());
      }
    }
    KerasWeightFile read = KerasWeightFile.read(file);
    assertEquals(400, read.layers().size());
    for (int i = 0; i < 400; i++) {
      assertEquals("layer_" + i + "_" + pad, read.layers().get(i).name());
      assertEquals(i, read.layers().get(i).weights().get(0).values()[0], 0f);
    }
  }

  @Test
  void aFileThatIsNotHdf5FailsClearly() throws IOException {
    File file = dir.resolve("text.h5").toFile();
    Files.write(file.toPath(), "not an HDF5 file at all".getBytes(StandardCharsets.UTF_8));
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeightFile.read(file));
    assertTrue(e.getMessage().contains("cannot read " + file + " as an HDF5 file"), e.getMessage());
  }

  @Test
  void aMissingFileFailsClearly() {
    File file = dir.resolve("absent.h5").toFile();
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeightFile.read(file));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void hdf5WithoutKerasLayerNamesFailsClearly() {
    File file = dir.resolve("other.h5").toFile();
    try (WritableHdfFile out = HdfFile.write(file.toPath())) {
      out.putDataset("data", new float[] {1, 2, 3});
    }
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeightFile.read(file));
    assertTrue(e.getMessage().contains("not a Keras HDF5 weights file"), e.getMessage());
  }

  @Test
  void keras3WeightsH5LayoutIsRecognisedAndExplained() {
    File file = dir.resolve("model.weights.h5").toFile();
    try (WritableHdfFile out = HdfFile.write(file.toPath())) {
      WritableGroup layers = out.putGroup("layers");
      layers.putGroup("stem_conv").putGroup("vars").putDataset("0", new float[] {1, 2});
      out.putGroup("vars").putDataset("0", new float[] {3});
    }
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeightFile.read(file));
    assertTrue(e.getMessage().contains("Keras 3's '.weights.h5' layout"), e.getMessage());
    assertTrue(e.getMessage().contains("save_weights('name.h5')"), e.getMessage());
  }

  @Test
  void aListedWeightWithoutDatasetFailsClearly() {
    File file = dir.resolve("broken.h5").toFile();
    try (WritableHdfFile out = HdfFile.write(file.toPath())) {
      out.putAttribute("layer_names", new String[] {"stem_conv"});
      out.putGroup("stem_conv").putAttribute("weight_names", new String[] {"stem_conv/kernel:0"});
    }
    KerasWeightsException e = assertThrows(KerasWeightsException.class, () -> KerasWeightFile.read(file));
    assertTrue(e.getMessage().contains("lists weight 'stem_conv/kernel:0'"), e.getMessage());
  }

  @Test
  void shortNamesDropTheScopeAndTheTensorIndex() {
    assertEquals("kernel", KerasTensor.shortName("block2a_expand_conv/kernel:0"));
    assertEquals("kernel", KerasTensor.shortName("block2a_expand_conv/kernel"));
    assertEquals("moving_variance", KerasTensor.shortName("outer/stem_bn/moving_variance:12"));
    assertEquals("odd:name", KerasTensor.shortName("odd:name"));
  }

  @Test
  void valuesMustMatchTheShape() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new KerasTensor("x/kernel:0", new int[] {2, 3}, new float[5]));
    assertTrue(e.getMessage().contains("needs 6 values, got 5"), e.getMessage());
  }
}
