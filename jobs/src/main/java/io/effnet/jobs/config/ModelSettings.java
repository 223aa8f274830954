package io.effnet.jobs.config;

import io.effnet.model.arch.NetworkSpec;
import io.effnet.model.arch.Variant;
import java.util.Locale;

/** The {@code effnet.model} section: which variant, at which input size. */
public final class ModelSettings {
  private final Variant variant;
  private final int inputSize;

  private ModelSettings(Variant variant, int inputSize) {
    this.variant = variant;
    this.inputSize = inputSize;
  }

  public static ModelSettings from(JobConfig c) {
    String name = c.string("model.variant").trim().toLowerCase(Locale.ROOT);
    Variant v;
    try {
      if (name.equals("custom")) {
        double dropout = c.number("model.dropout") >= 0 ? c.number("model.dropout") : 0.2;
        if (c.number("model.width") > 0) {
          v = new Variant("custom", c.number("model.width"), c.number("model.depth"), c.integer("model.resolution"),
              dropout, c.number("model.drop-connect"));
        } else {
          v = Variant.compound(c.number("model.phi"), c.number("model.alpha"), c.number("model.beta"),
              c.number("model.gamma"), dropout);
        }
      } else {
        v = Variant.published(name);
        if (c.number("model.dropout") >= 0) {
          v = v.withDropout(c.number("model.dropout"), v.dropConnectRate());
        }
      }
      v = v.withDropout(v.dropoutRate(), c.number("model.drop-connect"));
    } catch (IllegalArgumentException e) {
      throw io.effnet.jobs.JobException.config("effnet.model: " + e.getMessage());
    }
    int size = c.integer("model.input-size");
    Check.that(size == 0 || size >= 32, "model.input-size", "must be 0 (the variant's resolution) or >= 32, got "
        + size);
    return new ModelSettings(v, size == 0 ? v.resolution() : size);
  }

  public Variant variant() { return variant; }
  public int inputSize() { return inputSize; }

  public NetworkSpec resolve(int numClasses) {
    return NetworkSpec.resolve(variant, numClasses, inputSize);
  }
}
