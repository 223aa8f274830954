package io.effnet.jobs;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.EfficientNet;
import io.effnet.prep.LabelIndex;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model as evaluate and predict take it: a {@code .effnet} file, or a train run folder, where the
 * weight average ({@code model-ema.effnet}) is preferred to the final weights ({@code model.effnet}) unless
 * the caller says otherwise. Carries the class names written beside the model (labels.json) and an id that
 * names exactly these weights (the SHA-256 of the file), recorded with every result.
 */
public final class TrainedModel {
  public static final String MODEL_FILE = "model.effnet";
  public static final String EMA_FILE = "model-ema.effnet";

  private final String file;
  private final boolean ema;
  private final EfficientNet model;
  private final LabelIndex labels;
  private final String sha256;
  private final String provenanceFile;
  private final String runConfig;

  /**
   * The settings that make a model's input what it was trained on: evaluate and predict take them from the
   * model's run unless the user sets them (normalisation, and the evaluation crop the run validated with).
   */
  public static final List<String> PREPROCESSING_KEYS =
      Collections.unmodifiableList(Arrays.asList("input.mean", "input.std", "input.crop-padding"));

  private TrainedModel(String file, boolean ema, EfficientNet model, LabelIndex labels, String sha256,
      String provenanceFile, String runConfig) {
    this.file = file;
    this.ema = ema;
    this.model = model;
    this.labels = labels;
    this.sha256 = sha256;
    this.provenanceFile = provenanceFile;
    this.runConfig = runConfig;
  }

  /**
   * Opens {@code path}: a model file (used as given), or a run folder ({@code model-ema.effnet} when present and
   * {@code preferEma}, else {@code model.effnet}).
   *
   * @param key the configuration key that named the path, for messages
   */
  public static TrainedModel open(RunFiles files, String path, boolean preferEma, String key) {
    String file;
    if (path.endsWith(".effnet")) {
      file = path;
    } else {
      String emaFile = files.child(path, EMA_FILE);
      file = preferEma && files.exists(emaFile) ? emaFile : files.child(path, MODEL_FILE);
    }
    if (!files.exists(file)) {
      throw JobException.data("no model at " + file + " (" + key + "): give a .effnet file or a train run folder");
    }
    String[] digest = new String[1];
    EfficientNet model = files.read(file, in -> {
      MessageDigest sha = newSha256();
      DigestInputStream d = new DigestInputStream(in, sha);
      EfficientNet m;
      try {
        m = EfficientNet.read(d);
      } catch (IOException | RuntimeException e) {
        throw new IOException("not a model this version can read: " + e.getMessage(), e);
      }
      drain(d);
      digest[0] = hex(sha.digest());
      return m;
    });
    String dir = file.substring(0, file.lastIndexOf('/'));
    String labelsFile = files.child(dir, "labels.json");
    LabelIndex labels = files.exists(labelsFile) ? LabelIndex.read(labelsFile, files.hadoop()) : null;
    if (labels != null && labels.size() != model.spec().numClasses()) {
      throw JobException.data(labelsFile + " names " + labels.size() + " classes but the model in " + file + " has "
          + model.spec().numClasses());
    }
    String provenance = files.child(dir, "provenance.json");
    boolean ema = file.substring(file.lastIndexOf('/') + 1).equals(EMA_FILE);
    String runConfigFile = files.child(dir, "effective-config.conf");
    String runConfig = files.exists(runConfigFile) ? files.readText(runConfigFile) : null;
    return new TrainedModel(file, ema, model, labels, digest[0], files.exists(provenance) ? provenance : null,
        runConfig);
  }

  /**
   * {@code config} with the model run's {@link #PREPROCESSING_KEYS} where the user did not set them (a model file
   * without its run folder keeps {@code config}); says on {@code progress} which values came from the run.
   */
  public JobConfig withRunPreprocessing(JobConfig config, Progress progress) {
    if (runConfig == null) {
      progress.line("no effective-config.conf beside " + file + ": preprocessing (" + PREPROCESSING_KEYS
          + ") as configured");
      return config;
    }
    Map<String, String> changed = new LinkedHashMap<>();
    JobConfig out = config.inherit(runConfig, PREPROCESSING_KEYS, changed);
    if (!changed.isEmpty()) {
      progress.line("preprocessing of the model's run (its effective-config.conf): " + changed);
    }
    return out;
  }

  /** The file the weights came from. */
  public String file() {
    return file;
  }

  /** Whether that file is the run's weight average (model-ema.effnet). */
  public boolean isEma() {
    return ema;
  }

  public EfficientNet model() {
    return model;
  }

  /** The class names written beside the model, or null where there is no labels.json. */
  public LabelIndex labels() {
    return labels;
  }

  /** SHA-256 of the model file, hex. */
  public String sha256() {
    return sha256;
  }

  /** {@code <variant>:sha256:<hex>}: names the architecture and exactly these weights. */
  public String id() {
    return model.spec().variant().name() + ":sha256:" + sha256;
  }

  /** What a report records about the model. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", file);
    m.put("weights", ema ? "ema" : "final");
    m.put("id", id());
    m.put("variant", model.spec().variant().toString());
    m.put("input_size", model.spec().inputSize());
    m.put("classes", model.spec().numClasses());
    m.put("provenance", provenanceFile);
    return m;
  }

  private static MessageDigest newSha256() throws IOException {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("this JVM has no SHA-256", e);
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[1 << 16];
    while (in.read(buffer) >= 0) {
      // reading to the end so that the digest covers the whole file
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder b = new StringBuilder(bytes.length * 2);
    for (byte x : bytes) {
      b.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
    }
    return b.toString();
  }
}
