package io.effnet.jobs;

import io.effnet.jobs.io.RunFiles;
import io.effnet.model.bigdl.BigDLExport;
import io.effnet.model.bigdl.EfficientNet;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model in BigDL's protobuf module format ({@link BigDLExport}): {@code <name>.bigdl} (definition) and
 * {@code <name>.bin} (weights) in a run folder on any Hadoop file system, for users of BigDL alone
 * ({@code Module.loadModule(definition, weights)}). BigDL writes them to a local temporary folder, from where each
 * is copied under a temporary name and renamed ({@link RunFiles#write}): the weights first, then the definition,
 * so a definition a reader finds always has its complete weights beside it.
 */
final class BigDLModelFiles {
  private BigDLModelFiles() {}

  /** {@code model.bigdl}, {@code model.bin} for {@code model.effnet} (and so on for {@code model-ema}). */
  static String definitionName(String baseName) {
    return baseName + BigDLExport.DEFINITION_EXTENSION;
  }

  static String weightsName(String baseName) {
    return baseName + BigDLExport.WEIGHTS_EXTENSION;
  }

  /**
   * Writes {@code model} as {@code <dir>/<baseName>.bigdl} and {@code <dir>/<baseName>.bin}; returns their names
   * in the folder as a report entry ({@code definition}, {@code weights}).
   */
  static Map<String, Object> write(RunFiles files, String dir, String baseName, EfficientNet model) {
    Path local = null;
    try {
      local = Files.createTempDirectory("effnet-bigdl-export");
      File definition = local.resolve(definitionName(baseName)).toFile();
      File weights = local.resolve(weightsName(baseName)).toFile();
      BigDLExport.save(model, definition, weights);
      files.write(files.child(dir, weights.getName()), out -> Files.copy(weights.toPath(), out));
      files.write(files.child(dir, definition.getName()), out -> Files.copy(definition.toPath(), out));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("definition", definition.getName());
      entry.put("weights", weights.getName());
      return entry;
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot write " + baseName + " in BigDL's module format to "
          + dir + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(local);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    File[] children = dir.toFile().listFiles();
    if (children != null) {
      for (File child : children) {
        if (!child.delete()) {
          child.deleteOnExit();
        }
      }
    }
    if (!dir.toFile().delete()) {
      dir.toFile().deleteOnExit();
    }
  }
}
