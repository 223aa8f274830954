package io.effnet.jobs;

import io.effnet.jobs.config.JobConfig;
import io.effnet.jobs.io.RunFiles;
import io.effnet.prep.OutputEncoding;
import io.effnet.prep.PrepException;
import io.effnet.prep.PrepSettings;
import io.effnet.prep.ResizeSpec;
import java.util.Locale;

/** Maps the {@code effnet.prep} section onto data-prep's settings. */
final class PrepCommand {
  private PrepCommand() {}

  private static String qualified(String uri) {
    return uri == null ? null : RunFiles.qualify(uri);
  }

  static PrepSettings settings(JobConfig c) {
    String mode = c.string("prep.resize-mode").trim().toLowerCase(Locale.ROOT);
    ResizeSpec resize;
    switch (mode) {
      case "shorter-side":
        resize = ResizeSpec.shorterSide(c.integer("prep.size"));
        break;
      case "exact":
        resize = ResizeSpec.exact(c.integer("prep.width"), c.integer("prep.height"));
        break;
      case "none":
        resize = ResizeSpec.none();
        break;
      default:
        throw JobException.config("effnet.prep.resize-mode must be shorter-side, exact or none, got '" + mode + "'");
    }
    String encodingName = c.string("prep.encoding").trim().toLowerCase(Locale.ROOT);
    OutputEncoding encoding;
    switch (encodingName) {
      case "jpeg":
        encoding = OutputEncoding.jpeg(c.integer("prep.jpeg-quality"));
        break;
      case "png":
        encoding = OutputEncoding.png();
        break;
      case "raw":
        encoding = OutputEncoding.raw();
        break;
      default:
        throw JobException.config("effnet.prep.encoding must be jpeg, png or raw, got '" + encodingName + "'");
    }
    String input = c.optionalString("prep.input");
    String manifest = c.optionalString("prep.manifest");
    if (input == null && manifest == null) {
      throw JobException.config("effnet.prep.input (a folder with one sub-folder per class) or effnet.prep.manifest"
          + " must be set");
    }
    String labelIndex = c.optionalString("prep.label-index");
    try {
      PrepSettings.Builder b = PrepSettings.builder()
          .input(qualified(input))
          .manifest(qualified(manifest))
          .validationInput(qualified(c.optionalString("prep.validation-input")))
          .validationManifest(qualified(c.optionalString("prep.validation-manifest")))
          .output(RunFiles.qualify(c.string("prep.output")))
          .resize(resize)
          .encoding(encoding);
      if (c.optionalString("prep.validation-fraction") != null) {
        b.validationFraction(c.number("prep.validation-fraction"));
      }
      if (c.integer("prep.shard-megabytes") > 0) {
        b.targetShardMegabytes(c.integer("prep.shard-megabytes"));
      } else {
        b.targetRowsPerShard(c.integer("prep.rows-per-shard"));
      }
      PrepSettings s = b
          .seed(c.longValue("prep.seed"))
          .maxPixels(c.longValue("prep.max-pixels"))
          .maxBadFraction(c.number("prep.max-bad-fraction"))
          .labelIndex(qualified(labelIndex))
          .allowUnknownClasses(c.bool("prep.allow-new-classes"))
          .incremental(c.bool("prep.incremental"))
          .overwrite(c.bool("prep.overwrite"))
          .build();
      s.validate();
      return s;
    } catch (PrepException | IllegalArgumentException e) {
      throw JobException.config("effnet.prep: " + e.getMessage());
    }
  }
}
