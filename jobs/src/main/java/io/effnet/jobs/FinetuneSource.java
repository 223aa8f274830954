package io.effnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.prep.LabelIndex;
import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import io.effnet.model.bigdl.EfficientNetBuilder;
import io.effnet.model.bigdl.KerasWeights;
import io.effnet.model.keras.KerasWeightsException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The network a fine-tune starts from, read by {@link #read}, the one place that knows the kinds of source: a
 * {@code model.effnet} file or a {@code train} / {@code finetune} run folder (its {@code model.effnet}, with the
 * {@code provenance.json} and {@code labels.json} beside it when they are there). Only the backbone is used; the
 * source's head (its class count) does not matter.
 */
final class FinetuneSource {
  /** The source as configured ({@code effnet.finetune.source}, qualified). */
  final String uri;
  /** The file the network was read from. */
  final String modelFile;
  final EfficientNet model;
  /** SHA-256 of the model file, hex: identifies the exact weights in the provenance. */
  final String sha256;
  /** The source run's {@code provenance.json}, or null when the source has none. */
  final JsonNode provenance;
  /** The source's class names ({@code labels.json}), or null when the source has none. */
  final List<String> classes;

  private FinetuneSource(String uri, String modelFile, EfficientNet model, String sha256, JsonNode provenance,
      List<String> classes) {
    this.uri = uri;
    this.modelFile = modelFile;
    this.model = model;
    this.sha256 = sha256;
    this.provenance = provenance;
    this.classes = classes;
  }

  /**
   * @param kerasVariant for a Keras {@code .h5} source: its variant (b0..b7), or null to take it from the file
   *     name ({@code efficientnet-b3.h5}, {@code efficientnetb3_notop.h5}, ...)
   */
  static FinetuneSource read(RunFiles files, String uri, String kerasVariant) {
    if (uri.toLowerCase(Locale.ROOT).endsWith(".h5")) {
      return readKeras(files, uri, kerasVariant);
    }
    String modelFile = uri.endsWith(".effnet") ? uri : files.child(uri, "model.effnet");
    if (!files.exists(modelFile)) {
      throw JobException.data("effnet.finetune.source: no model at " + modelFile
          + ": give a model.effnet file or a train run folder");
    }
    final MessageDigest digest = sha256();
    EfficientNet model = files.read(modelFile, in -> {
      DigestInputStream digesting = new DigestInputStream(in, digest);
      EfficientNet m = EfficientNet.read(digesting);
      drain(digesting);
      return m;
    });
    String dir = modelFile.substring(0, modelFile.lastIndexOf('/'));
    String provenanceFile = files.child(dir, "provenance.json");
    JsonNode provenance = files.exists(provenanceFile)
        ? files.read(provenanceFile, in -> RunFiles.json().readTree(in)) : null;
    String labelsFile = files.child(dir, "labels.json");
    List<String> classes = files.exists(labelsFile) ? LabelIndex.read(labelsFile, files.hadoop()).names() : null;
    return new FinetuneSource(uri, modelFile, model, hex(digest.digest()), provenance, classes);
  }

  /** The published Keras weights (or any file in their layout): the backbone is imported, the head left out. */
  private static FinetuneSource readKeras(RunFiles files, String uri, String kerasVariant) {
    String name = uri.substring(uri.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    String variant = kerasVariant;
    if (variant == null) {
      Matcher m = Pattern.compile("efficientnet-?(b[0-7])").matcher(name);
      if (!m.find()) {
        throw JobException.config("effnet.finetune.source " + uri + ": cannot tell the variant from the file name;"
            + " set effnet.finetune.keras-variant (b0 .. b7)");
      }
      variant = m.group(1);
    }
    Variant published;
    try {
      published = Variant.published(variant);
    } catch (IllegalArgumentException e) {
      throw JobException.config("effnet.finetune.keras-variant: " + e.getMessage());
    }
    if (!files.exists(uri)) {
      throw JobException.data("effnet.finetune.source: no file at " + uri);
    }
    // The HDF5 reader needs a local file: copy (from any Hadoop file system), hashing on the way.
    final MessageDigest digest = sha256();
    File local;
    try {
      local = File.createTempFile("effnet-keras-", ".h5");
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot create a temporary file: " + e.getMessage(), e);
    }
    try {
      final File target = local;
      files.read(uri, in -> {
        java.nio.file.Files.copy(new DigestInputStream(in, digest), target.toPath(),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return null;
      });
      // The classifier is replaced by the fine-tune: its class count here does not matter.
      EfficientNet model = EfficientNetBuilder.build(NetworkSpec.resolve(published, 1000));
      try {
        KerasWeights.loadBackbone(local, model);
      } catch (KerasWeightsException e) {
        throw JobException.data("effnet.finetune.source " + uri + ": " + e.getMessage());
      }
      return new FinetuneSource(uri, uri, model, hex(digest.digest()), null, null);
    } finally {
      if (!local.delete()) {
        local.deleteOnExit();
      }
    }
  }

  /** What the provenance and the report say about the source. */
  Map<String, Object> describe() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("source", uri);
    d.put("model_file", modelFile);
    d.put("sha256", sha256);
    d.put("variant", model.spec().variant().toString());
    d.put("input_size", model.spec().inputSize());
    d.put("classes", classes != null ? classes : model.spec().numClasses());
    return d;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static void drain(InputStream in) throws java.io.IOException {
    byte[] buffer = new byte[1 << 16];
    while (in.read(buffer) >= 0) {
      // the digest sees every byte of the file
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder b = new StringBuilder();
    for (byte x : bytes) {
      b.append(String.format(Locale.ROOT, "%02x", x & 0xff));
    }
    return b.toString();
  }
}
