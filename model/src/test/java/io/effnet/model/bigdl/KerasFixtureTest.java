package io.effnet.model.bigdl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.keras.KerasImport;
import io.jhdf.HdfFile;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Weights written by Keras itself (through h5py and the HDF5 C library, as the published files are) load into
 * the BigDL model, which then gives Keras' logits for Keras' input. The fixture comes from
 * {@code model/src/test/python/make_keras_fixture.py} (a small Keras EfficientNet with seeded random weights,
 * including batch-norm statistics and the input Normalization layer); see that script for how it was made.
 */
class KerasFixtureTest {
  private static final String DIR = "/io/effnet/model/keras/";

  @TempDir
  Path dir;

  /**
   * The fixture file: from the test resources, or, when the system property {@code effnet.keras.fixtureDir} names
   * a folder the script wrote (e.g. for B0 at 224, too large to keep here), the uncompressed file there.
   */
  private File gunzip(String resource) throws IOException {
    String override = System.getProperty("effnet.keras.fixtureDir");
    if (override != null && !override.isEmpty()) {
      return new File(override, resource.replace(".gz", ""));
    }
    File out = dir.resolve(resource.replace(".gz", "")).toFile();
    try (InputStream in = new GZIPInputStream(KerasFixtureTest.class.getResourceAsStream(DIR + resource))) {
      Files.copy(in, out.toPath(), StandardCopyOption.REPLACE_EXISTING);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"tiny-keras-tf2names.h5.gz", "tiny-keras3-model.h5.gz"})
  void kerasWrittenWeightsGiveKerasLogits(String weights) throws IOException {
    float[][][][] pixels;
    float[][] kerasLogits;
    NetworkSpec spec;
    try (HdfFile expected = new HdfFile(gunzip("tiny-keras-expected.h5.gz"))) {
      pixels = (float[][][][]) expected.getDatasetByPath("input").getData();
      kerasLogits = (float[][]) expected.getDatasetByPath("logits").getData();
      double width = ((Number) expected.getAttribute("width").getData()).doubleValue();
      double depth = ((Number) expected.getAttribute("depth").getData()).doubleValue();
      int size = ((Number) expected.getAttribute("size").getData()).intValue();
      int classes = ((Number) expected.getAttribute("classes").getData()).intValue();
      spec = NetworkSpec.resolve(new Variant("keras-fixture", width, depth, size, 0.2, 0.2), classes, size);
    }
    EfficientNet model = EfficientNetBuilder.build(spec);

    KerasImport report = KerasWeights.load(gunzip(weights), model);

    assertEquals(model.namedTensors().size(), report.importedTensors().size());
    assertTrue(report.ignoredLayers().contains("rescaling (no weights)"), report.ignoredLayers().toString());
    assertTrue(report.ignoredLayers().contains(
        "normalization (input preprocessing; the data pipeline normalises the input)"), report.ignoredLayers().toString());
    float[] mean = report.normalizationMean().get();
    float[] variance = report.normalizationVariance().get();
    assertNotNull(mean);

    // Keras: Rescaling(1/255), then Normalization (x - mean) / sqrt(variance); here the same before the model.
    int n = pixels.length;
    int size = spec.inputSize();
    float[] input = new float[n * 3 * size * size];
    for (int b = 0; b < n; b++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            input[((b * 3 + c) * size + y) * size + x] =
                (float) ((pixels[b][y][x][c] / 255.0 - mean[c]) / Math.sqrt(variance[c]));
          }
        }
      }
    }
    float[][] logits = model.predictLogits(input, n);

    double scale = 0;
    for (float[] row : kerasLogits) {
      for (float v : row) {
        scale = Math.max(scale, Math.abs(v));
      }
    }
    double spread = 0;
    for (int k = 0; k < spec.numClasses(); k++) {
      spread = Math.max(spread, Math.abs(kerasLogits[0][k] - kerasLogits[1][k]));
    }
    assertTrue(spread > 0.05 * scale, "the fixture's logits depend on the input");
    double worst = 0;
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < spec.numClasses(); k++) {
        worst = Math.max(worst, Math.abs(kerasLogits[b][k] - logits[b][k]));
      }
    }
    System.out.printf("%s: largest logit difference to Keras %.3g (logit scale %.3g)%n", weights, worst, scale);
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < spec.numClasses(); k++) {
        // Float32 on both sides, different summation orders: agreement to 1e-4 of the logits' scale.
        assertEquals(kerasLogits[b][k], logits[b][k], 1e-4 * scale, "logit [" + b + ", " + k + "]");
      }
    }
  }
}
