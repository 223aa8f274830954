package io.effnet.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.intel.analytics.bigdl.tensor.Tensor;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.BigDL;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.model.bigdl.EfficientNetBuilder;
import io.effnet.model.bigdl.KerasWeights;
import java.io.File;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Keras weight file as a fine-tune source: the backbone arrives, the variant comes from the file name. */
class FinetuneSourceTest {
  @TempDir
  File tmp;

  @Test
  void kerasWeightsGiveTheBackbone() {
    BigDL.seed(7);
    EfficientNet written = EfficientNetBuilder.build(NetworkSpec.resolve(Variant.published("b0"), 10));
    File h5 = new File(tmp, "efficientnet-b0_notop.h5");
    KerasWeights.write(written, h5);

    FinetuneSource source = FinetuneSource.read(new RunFiles(new Configuration()), h5.toURI().toString(), null);
    assertEquals("b0", source.model.spec().variant().name());
    assertEquals(64, source.sha256.length());
    assertNull(source.provenance);
    Map<String, Tensor<Float>> expected = written.namedTensors();
    Map<String, Tensor<Float>> actual = source.model.namedTensors();
    int compared = 0;
    for (String name : source.model.backboneTensorNames()) {
      assertEquals(expected.get(name), actual.get(name), name);
      compared++;
    }
    assertTrue(compared > 300, compared + " backbone tensors");
  }
}
