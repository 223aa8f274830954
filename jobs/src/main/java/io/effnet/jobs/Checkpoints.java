package io.effnet.jobs;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.EfficientNet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Per-epoch checkpoints of a train run: {@code <run>/checkpoints/epoch-00003/} with the model and a
 * {@code state.json} (epoch, iteration, per-epoch records). A checkpoint is written under a hidden name and
 * renamed when complete, so the newest visible one is always whole; only the last K are kept.
 */
final class Checkpoints {
  static final String DIR = "checkpoints";
  private static final String PREFIX = "epoch-";

  private final RunFiles files;
  private final String root;
  private final int keep;

  Checkpoints(RunFiles files, String runDir, int keep) {
    this.files = files;
    this.root = files.child(runDir, DIR);
    this.keep = keep;
  }

  /** What a checkpoint holds besides the model. */
  static final class State {
    final int epoch;
    final long iteration;
    final JsonNode json;

    State(int epoch, long iteration, JsonNode json) {
      this.epoch = epoch;
      this.iteration = iteration;
      this.json = json;
    }
  }

  private static final String OPTIMIZER_FILE = "optimizer-state.bin";
  private static final String OPTIMIZER_MAGIC = "EFFNET-OPTIMIZER-1";

  /**
   * Writes epoch {@code epoch}: the model, the optimizer's buffers (whole vectors by name, e.g. momentum and the
   * weight average; may be empty) and the state.
   */
  void write(int epoch, EfficientNet model, Map<String, float[]> optimizer, Map<String, Object> state) {
    String name = String.format(Locale.ROOT, PREFIX + "%05d", epoch);
    Path tmp = new Path(root, "." + name + ".tmp");
    Path target = new Path(root, name);
    try {
      FileSystem fs = files.fs(root);
      fs.delete(tmp, true);
      fs.mkdirs(tmp);
      files.write(new Path(tmp, "model.effnet").toString(), model::write);
      files.write(new Path(tmp, OPTIMIZER_FILE).toString(), out -> writeBuffers(optimizer, out));
      files.writeJson(new Path(tmp, "state.json").toString(), state);
      fs.delete(target, true);
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename to " + target + " failed");
      }
      List<Path> all = complete(fs);
      for (int i = 0; i < all.size() - keep; i++) {
        fs.delete(all.get(i), true);
      }
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot write checkpoint " + target + ": " + e.getMessage(), e);
    }
  }

  /** The newest complete checkpoint's state, or null when there is none. */
  State latestState() {
    Path latest = latestDir();
    if (latest == null) {
      return null;
    }
    JsonNode json = files.read(new Path(latest, "state.json").toString(), in -> RunFiles.json().readTree(in));
    return new State(json.get("epoch").asInt(), json.get("iteration").asLong(), json);
  }

  EfficientNet latestModel() {
    Path latest = latestDir();
    return files.read(new Path(latest, "model.effnet").toString(), EfficientNet::read);
  }

  /** The newest checkpoint's optimizer buffers (empty for checkpoints written without them). */
  Map<String, float[]> latestOptimizerState() {
    String file = new Path(latestDir(), OPTIMIZER_FILE).toString();
    return files.exists(file) ? files.read(file, Checkpoints::readBuffers) : new LinkedHashMap<>();
  }

  static void writeBuffers(Map<String, float[]> buffers, OutputStream target) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(target, 1 << 16));
    out.writeUTF(OPTIMIZER_MAGIC);
    out.writeInt(buffers.size());
    for (Map.Entry<String, float[]> e : buffers.entrySet()) {
      out.writeUTF(e.getKey());
      out.writeInt(e.getValue().length);
      for (float v : e.getValue()) {
        out.writeFloat(v);
      }
    }
    out.flush();
  }

  static Map<String, float[]> readBuffers(InputStream source) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(source, 1 << 16));
    String magic = in.readUTF();
    if (!OPTIMIZER_MAGIC.equals(magic)) {
      throw new IOException("not an optimizer state file (header '" + magic + "')");
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    int count = in.readInt();
    for (int k = 0; k < count; k++) {
      String name = in.readUTF();
      float[] values = new float[in.readInt()];
      for (int i = 0; i < values.length; i++) {
        values[i] = in.readFloat();
      }
      out.put(name, values);
    }
    return out;
  }

  private Path latestDir() {
    try {
      List<Path> all = complete(files.fs(root));
      return all.isEmpty() ? null : all.get(all.size() - 1);
    } catch (IOException e) {
      throw JobException.data("cannot list checkpoints in " + root + ": " + e.getMessage());
    }
  }

  /** Complete checkpoints, oldest first (names sort by epoch). */
  private List<Path> complete(FileSystem fs) throws IOException {
    List<Path> out = new ArrayList<>();
    Path dir = new Path(root);
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      String n = st.getPath().getName();
      if (st.isDirectory() && n.startsWith(PREFIX) && fs.exists(new Path(st.getPath(), "state.json"))) {
        out.add(st.getPath());
      }
    }
    out.sort((a, b) -> a.getName().compareTo(b.getName()));
    return out;
  }
}
