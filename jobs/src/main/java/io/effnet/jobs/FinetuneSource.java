package io.effnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.prep.LabelIndex;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

  static FinetuneSource read(RunFiles files, String uri) {
    // Keras weights (efficientnet-bN.h5) plug in here: a branch for `.h5` that builds the EfficientNet with the
    // importer (the variant that skips the `predictions` layer will do: only the backbone is used) and returns it
    // with its file's SHA-256 and no provenance or classes. Until then such a file is refused with a clear message.
    if (uri.toLowerCase(Locale.ROOT).endsWith(".h5")) {
      throw JobException.config("effnet.finetune.source " + uri + " is a Keras .h5 file, which this build cannot"
          + " read: give a model.effnet file or a train run folder");
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
