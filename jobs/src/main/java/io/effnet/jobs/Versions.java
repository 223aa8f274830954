package io.effnet.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

/** The versions a run used, recorded beside every output. */
public final class Versions {
  private Versions() {}

  public static Map<String, String> all(String sparkVersion) {
    Map<String, String> v = new LinkedHashMap<>();
    Package p = Versions.class.getPackage();
    String own = p == null ? null : p.getImplementationVersion();
    v.put("effnet", own == null ? "development" : own);
    v.put("spark", sparkVersion);
    v.put("bigdl", io.effnet.model.bigdl.Engine.bigdlVersion());
    v.put("java", System.getProperty("java.version"));
    return v;
  }
}
