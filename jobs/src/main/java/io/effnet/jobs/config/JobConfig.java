package io.effnet.jobs.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import io.effnet.jobs.JobException;
import java.io.File;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The effective configuration of a job: the bundled schema ({@code conf/effnet.conf}) overlaid with a user
 * file and {@code key=value} overrides. Keys the schema does not define are rejected, so a typo fails
 * before any data is touched instead of being silently ignored.
 */
public final class JobConfig {
  private static final String SCHEMA = "/io/effnet/jobs/conf/effnet.conf";
  private static final String ROOT = "effnet";

  private final Config config;
  /** Only what the user (file, --set) or a deriving job set, qualified keys: the values defaults never replace. */
  private final Config explicit;

  private JobConfig(Config config, Config explicit) {
    this.config = config;
    this.explicit = explicit;
  }

  /** Loads schema + optional file + overrides ({@code prep.size=128} or {@code effnet.prep.size=128}). */
  public static JobConfig load(File userFile, List<String> overrides) {
    Config schema = schema();
    Config user = ConfigFactory.empty();
    if (userFile != null) {
      if (!userFile.isFile()) {
        throw JobException.config("config file " + userFile + " does not exist");
      }
      try {
        user = ConfigFactory.parseFile(userFile, ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw JobException.config("cannot read config file " + userFile + ": " + e.getMessage());
      }
    }
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw JobException.config("override '" + o + "' is not key=value");
      }
      String key = qualify(o.substring(0, eq).trim());
      String value = o.substring(eq + 1).trim();
      user = parseValue(key, value).withFallback(user);
    }
    rejectUnknownKeys(schema, user);
    Config merged;
    try {
      merged = user.withFallback(schema).resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw JobException.config("invalid configuration: " + e.getMessage());
    }
    return new JobConfig(merged, user);
  }

  /**
   * This configuration with some keys replaced (e.g. a job deriving the config of a sub-run). Values are taken
   * as they are, never parsed, so paths need no quoting; unknown keys are rejected as with {@code --set}.
   */
  public JobConfig with(Map<String, ?> values) {
    Config extra = ConfigFactory.empty();
    for (Map.Entry<String, ?> e : values.entrySet()) {
      extra = extra.withValue(qualify(e.getKey()), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    rejectUnknownKeys(schema(), extra);
    return new JobConfig(extra.withFallback(config).resolve(), extra.withFallback(explicit));
  }

  /**
   * This configuration with the given keys taken from another run's effective configuration (as
   * {@link #render()} wrote it) wherever the user did not set them: e.g. the preprocessing a model was trained
   * with, for evaluating it. Keys the other run lacks stay as they are.
   *
   * @return the new configuration and, in {@code changed}, each key whose value it changed, with the new value
   */
  public JobConfig inherit(String renderedRunConfig, List<String> keys, Map<String, String> changed) {
    Config run;
    try {
      run = ConfigFactory.parseString(renderedRunConfig).atPath(ROOT);
    } catch (ConfigException e) {
      throw JobException.data("cannot read a run's effective configuration: " + e.getMessage());
    }
    Config extra = ConfigFactory.empty();
    for (String key : keys) {
      String q = qualify(key);
      if (explicit.hasPathOrNull(q) || !run.hasPathOrNull(q)) {
        continue;
      }
      ConfigValue value = run.getValue(q);
      if (!value.unwrapped().equals(config.getValue(q).unwrapped())) {
        extra = extra.withValue(q, value);
        changed.put(key, value.render(ConfigRenderOptions.concise()));
      }
    }
    return new JobConfig(extra.withFallback(config).resolve(), explicit);
  }

  /** Defaults only. */
  public static JobConfig defaults() {
    return load(null, new ArrayList<String>());
  }

  private static Config schema() {
    try (Reader r = new InputStreamReader(JobConfig.class.getResourceAsStream(SCHEMA), StandardCharsets.UTF_8)) {
      return ConfigFactory.parseReader(r, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
    } catch (Exception e) {
      throw new IllegalStateException("the bundled config schema " + SCHEMA + " is missing", e);
    }
  }

  private static String qualify(String key) {
    return key.startsWith(ROOT + ".") ? key : ROOT + "." + key;
  }

  /** Parses an override as a HOCON value (numbers, lists, null) and falls back to a plain string. */
  private static Config parseValue(String key, String value) {
    try {
      return ConfigFactory.parseString("\"" + key.replace(".", "\".\"") + "\" = " + value);
    } catch (ConfigException e) {
      return ConfigFactory.empty().withValue(key, ConfigValueFactory.fromAnyRef(value));
    }
  }

  private static void rejectUnknownKeys(Config schema, Config user) {
    TreeSet<String> unknown = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      if (!schema.hasPathOrNull(e.getKey())) {
        unknown.add(e.getKey());
      }
    }
    if (!unknown.isEmpty()) {
      throw JobException.config("unknown configuration key(s) " + unknown
          + ": see conf/effnet.conf for the schema");
    }
  }

  /** The effective configuration as HOCON, for the job log and the run folder. */
  public String render() {
    return config.getConfig(ROOT).root().render(ConfigRenderOptions.defaults().setOriginComments(false)
        .setComments(false).setJson(false).setFormatted(true));
  }

  /** The effective configuration as JSON. */
  public String renderJson() {
    return config.getConfig(ROOT).root().render(ConfigRenderOptions.concise().setFormatted(true));
  }

  // ---- typed access with messages that name the key

  public String string(String key) {
    String k = qualify(key);
    if (config.getIsNull(k)) {
      throw JobException.config(k + " must be set (in the config file or with --set " + key + "=...)");
    }
    return get(k, () -> config.getString(k));
  }

  public String optionalString(String key) {
    String k = qualify(key);
    return config.getIsNull(k) ? null : get(k, () -> config.getString(k));
  }

  public int integer(String key) {
    String k = qualify(key);
    return get(k, () -> config.getInt(k));
  }

  public long longValue(String key) {
    String k = qualify(key);
    return get(k, () -> config.getLong(k));
  }

  public double number(String key) {
    String k = qualify(key);
    return get(k, () -> config.getDouble(k));
  }

  public boolean bool(String key) {
    String k = qualify(key);
    return get(k, () -> config.getBoolean(k));
  }

  public double[] numbers(String key) {
    String k = qualify(key);
    List<Double> list = get(k, () -> config.getDoubleList(k));
    double[] out = new double[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = list.get(i);
    }
    return out;
  }

  public List<String> strings(String key) {
    String k = qualify(key);
    return get(k, () -> config.getStringList(k));
  }

  private interface Getter<T> {
    T get();
  }

  private static <T> T get(String key, Getter<T> getter) {
    try {
      return getter.get();
    } catch (ConfigException.WrongType e) {
      throw JobException.config("configuration key " + key + " has the wrong type: " + e.getMessage());
    } catch (ConfigException.Missing e) {
      throw JobException.config("configuration key " + key + " is missing");
    }
  }
}
