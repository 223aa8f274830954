package io.effnet.jobs.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;

/**
 * A real Spark standalone cluster on 127.0.0.1 (one master JVM, N worker JVMs, executor JVMs launched
 * by the workers) for integration tests, started and stopped by {@code submit-scripts/local-cluster}
 * so that tests exercise the same script users run.
 *
 * <p>{@link #close()} runs {@code local-cluster stop}, which also ends the executors; use it in
 * try-with-resources. A JVM shutdown hook stops the cluster too if a test run is aborted before
 * {@code close()}.
 *
 * <p>Reads the system properties the failsafe configuration of jobs/pom.xml sets:
 * {@code effnet.projectDir} (the project root) and {@code effnet.sparkHome} (the Spark home the
 * daemons and executors run from).
 */
public final class LocalStandaloneCluster implements AutoCloseable {

  private static final String SCRIPT = "submit-scripts/local-cluster";
  private static final long STOP_TIMEOUT_SECONDS = 30;

  private final Path projectDir;
  private final Path sparkHome;
  private final Path dir;
  private final int workers;
  private final int coresPerWorker;
  private final String masterUrl;
  private final String webUiUrl;
  private final List<Long> daemonPids;
  private final Thread stopOnExit;
  private boolean closed;

  private LocalStandaloneCluster(Builder builder, String masterUrl, int webUiPort, List<Long> daemonPids) {
    this.projectDir = builder.projectDir;
    this.sparkHome = builder.sparkHome;
    this.dir = builder.dir;
    this.workers = builder.workers;
    this.coresPerWorker = builder.coresPerWorker;
    this.masterUrl = masterUrl;
    this.webUiUrl = "http://127.0.0.1:" + webUiPort;
    this.daemonPids = Collections.unmodifiableList(new ArrayList<>(daemonPids));
    this.stopOnExit = new Thread(this::stopQuietly, "local-cluster-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code spark://127.0.0.1:PORT}. */
  public String masterUrl() {
    return masterUrl;
  }

  /** The master's web UI; its JSON view is {@code webUiUrl() + "/json/"}. */
  public String webUiUrl() {
    return webUiUrl;
  }

  /** The state folder given to the script: pids/, logs/, work/ (executor stdout/stderr). */
  public Path dir() {
    return dir;
  }

  public int workers() {
    return workers;
  }

  public int totalCores() {
    return workers * coresPerWorker;
  }

  /** Pids of the master and worker JVMs, as the script recorded them. */
  public List<Long> daemonPids() {
    return daemonPids;
  }

  /** The master's JSON view ({@code /json/}): url, status, workers[] with state, aliveworkers, apps. */
  public JsonNode masterState() {
    try (InputStream in = new URL(webUiUrl + "/json/").openStream()) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the master's state from " + webUiUrl + "/json/", e);
    }
  }

  /** Workers the master lists with state ALIVE. */
  public int aliveWorkerCount() {
    int alive = 0;
    for (JsonNode worker : masterState().path("workers")) {
      if ("ALIVE".equals(worker.path("state").asText())) {
        alive++;
      }
    }
    return alive;
  }

  /**
   * A driver configuration for this cluster: the master URL, the project's JVM flags and
   * MKL_DEBUG_CPU_TYPE for the executors (from conf/runtime.properties), 1g executors, every core of
   * the cluster, no UI, and scheduling that waits until all those cores have registered.
   */
  public SparkConf sparkConf(String appName) {
    Properties runtime = runtimeProperties(projectDir);
    return new SparkConf()
        .setMaster(masterUrl)
        .setAppName(appName)
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.executor.extraJavaOptions", runtime.getProperty("jvm.flags"))
        .set("spark.executorEnv.MKL_DEBUG_CPU_TYPE", runtime.getProperty("mkl.debug.cpu.type"))
        .set("spark.executor.memory", "1g")
        .set("spark.cores.max", Integer.toString(totalCores()))
        .set("spark.ui.enabled", "false")
        .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
        .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "60s");
  }

  /** Stops the master, the workers and every executor they launched; waits until they are gone. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: it stops the cluster as well; stopping twice is harmless.
    }
    stop(projectDir, sparkHome, dir);
  }

  private void stopQuietly() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    try {
      stop(projectDir, sparkHome, dir);
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
    }
  }

  private static void stop(Path projectDir, Path sparkHome, Path dir) {
    ScriptRun run = runScript(projectDir, sparkHome, dir, "stop", STOP_TIMEOUT_SECONDS + 60,
        "stop", "--dir", dir.toString(), "--timeout", Long.toString(STOP_TIMEOUT_SECONDS));
    if (run.exitCode != 0) {
      throw new IllegalStateException("local-cluster stop --dir " + dir + " failed (exit " + run.exitCode
          + "): " + run.stderr);
    }
  }

  /** True while a process with this pid exists and is not a zombie (Linux /proc). */
  public static boolean isRunning(long pid) {
    Path stat = Paths.get("/proc", Long.toString(pid), "stat");
    try {
      String text = new String(Files.readAllBytes(stat), StandardCharsets.UTF_8);
      // "pid (comm) S ...": the state follows the last ')' (comm may itself hold parentheses).
      String afterName = text.substring(text.lastIndexOf(')') + 1).trim();
      return !afterName.startsWith("Z") && !afterName.startsWith("X");
    } catch (IOException gone) {
      return false;
    }
  }

  /** The project root: {@code effnet.projectDir}, else the first folder up from user.dir holding the scripts. */
  public static Path projectDir() {
    String property = System.getProperty("effnet.projectDir");
    if (property != null && Files.isRegularFile(Paths.get(property, SCRIPT))) {
      return Paths.get(property).toAbsolutePath();
    }
    for (Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve(SCRIPT)) && Files.isRegularFile(p.resolve("conf/runtime.properties"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find the project root (a folder holding " + SCRIPT
        + "): set the system property effnet.projectDir (effnet.projectDir=" + property + ")");
  }

  /** The Spark home the cluster runs from: {@code effnet.sparkHome}, else the bundled jobs/target/spark-home. */
  public static Path sparkHome() {
    String property = System.getProperty("effnet.sparkHome");
    Path home = property != null ? Paths.get(property) : projectDir().resolve("jobs/target/spark-home");
    if (!Files.isDirectory(home.resolve("jars"))) {
      throw new IllegalStateException("no Spark home at " + home + " (no jars/): run `mvn -B package -DskipTests`"
          + " or set the system property effnet.sparkHome");
    }
    return home.toAbsolutePath();
  }

  /** conf/runtime.properties of the project: jvm.flags and mkl.debug.cpu.type. */
  public static Properties runtimeProperties(Path projectDir) {
    Path file = projectDir.resolve("conf/runtime.properties");
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    for (String key : new String[] {"jvm.flags", "mkl.debug.cpu.type"}) {
      if (properties.getProperty(key, "").trim().isEmpty()) {
        throw new IllegalStateException(file + " has no value for " + key);
      }
    }
    return properties;
  }

  /**
   * Packs the class-path folder that holds {@code anchor} (for tests: target/test-classes) into
   * {@code jarFile}, so that executors can load the test's closures ({@code SparkConf.setJars}).
   */
  public static Path jarOfClassFolder(Class<?> anchor, Path jarFile) {
    Path classes;
    try {
      classes = Paths.get(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + anchor, e);
    }
    if (!Files.isDirectory(classes)) {
      throw new IllegalStateException(anchor + " is not loaded from a folder but from " + classes);
    }
    try (OutputStream file = Files.newOutputStream(jarFile);
        JarOutputStream jar = new JarOutputStream(file);
        Stream<Path> walk = Files.walk(classes)) {
      for (Path path : walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
        String name = classes.relativize(path).toString().replace(File.separatorChar, '/');
        jar.putNextEntry(new JarEntry(name));
        Files.copy(path, jar);
        jar.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + jarFile, e);
    }
    return jarFile;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  private static List<Long> readPids(Path pidDir) {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> files = Files.list(pidDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".pid")).sorted().collect(Collectors.toList())) {
        pids.add(Long.parseLong(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the pid files in " + pidDir, e);
    }
    return pids;
  }

  private static final class ScriptRun {
    final int exitCode;
    final String stdout;
    final String stderr;

    ScriptRun(int exitCode, String stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }
  }

  // Output goes to files, not pipes: the daemons the script leaves running must not hold a pipe
  // this JVM waits on. The files live outside `dir`, which the script wants new or its own.
  private static ScriptRun runScript(Path projectDir, Path sparkHome, Path dir, String label, long timeoutSeconds,
      String... args) {
    List<String> command = new ArrayList<>();
    command.add("bash");
    command.add(projectDir.resolve(SCRIPT).toString());
    Collections.addAll(command, args);
    Path stdout = null;
    Path stderr = null;
    try {
      stdout = Files.createTempFile("local-cluster-" + label, ".stdout");
      stderr = Files.createTempFile("local-cluster-" + label, ".stderr");
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(projectDir.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile());
      Map<String, String> env = builder.environment();
      env.put("SPARK_HOME", sparkHome.toString());
      env.put("JAVA_HOME", Paths.get(System.getProperty("java.home")).toString());
      env.remove("EFFNET_LOCAL_CLUSTER_DIR");
      Files.createDirectories(dir);
      Process process = builder.start();
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroy();
        process.waitFor(10, TimeUnit.SECONDS);
        return new ScriptRun(-1, read(stdout), "timed out after " + timeoutSeconds + "s: " + read(stderr));
      }
      return new ScriptRun(process.exitValue(), read(stdout), read(stderr));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // A leftover temp file of a few bytes is not worth failing a test for.
    }
  }

  /** Cluster shape; {@link #start()} runs {@code local-cluster start} and waits for every worker. */
  public static final class Builder {
    private int workers = 2;
    private int coresPerWorker = 1;
    private String memoryPerWorker = "2g";
    private Path dir;
    private long startTimeoutSeconds = 120;
    private Path projectDir;
    private Path sparkHome;

    private Builder() {}

    public Builder workers(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be >= 1, got " + workers);
      }
      this.workers = workers;
      return this;
    }

    public Builder coresPerWorker(int cores) {
      if (cores < 1) {
        throw new IllegalArgumentException("cores per worker must be >= 1, got " + cores);
      }
      this.coresPerWorker = cores;
      return this;
    }

    /** Memory each worker offers to executors, Spark's notation: 2g, 1536m. */
    public Builder memoryPerWorker(String memory) {
      if (memory == null || !memory.matches("[1-9][0-9]*[mMgG]")) {
        throw new IllegalArgumentException("memory per worker must look like 2g or 1536m, got " + memory);
      }
      this.memoryPerWorker = memory;
      return this;
    }

    /**
     * The script's state folder (required): new or empty, e.g. under a JUnit @TempDir (the script
     * refuses a non-empty folder it did not make, since start clears its logs/ and work/).
     */
    public Builder dir(Path dir) {
      this.dir = dir.toAbsolutePath();
      return this;
    }

    public Builder startTimeoutSeconds(long seconds) {
      if (seconds < 1) {
        throw new IllegalArgumentException("start timeout must be >= 1 s, got " + seconds);
      }
      this.startTimeoutSeconds = seconds;
      return this;
    }

    public LocalStandaloneCluster start() {
      if (dir == null) {
        throw new IllegalStateException("set the cluster's state folder with dir(...)");
      }
      projectDir = projectDir();
      sparkHome = sparkHome();
      ScriptRun run = null;
      // A port found free here can be taken before the master binds it; the script then refuses
      // with "is in use" and a new pair of ports is tried.
      for (int attempt = 1; attempt <= 3; attempt++) {
        int port = freePort();
        int webUiPort = freePort();
        if (webUiPort == port) {
          continue;
        }
        run = runScript(projectDir, sparkHome, dir, "start", startTimeoutSeconds + 30, "start",
            "--workers", Integer.toString(workers), "--cores", Integer.toString(coresPerWorker),
            "--memory", memoryPerWorker, "--port", Integer.toString(port),
            "--webui-port", Integer.toString(webUiPort), "--dir", dir.toString(),
            "--timeout", Long.toString(startTimeoutSeconds));
        if (run.exitCode == 0) {
          String url = lastLine(run.stdout);
          if (!url.equals("spark://127.0.0.1:" + port)) {
            stop(projectDir, sparkHome, dir);
            throw new IllegalStateException("local-cluster start printed '" + run.stdout + "', expected spark://127.0.0.1:"
                + port);
          }
          return new LocalStandaloneCluster(this, url, webUiPort, readPids(dir.resolve("pids")));
        }
        // The script stops what it started on failure; stop again in case it was killed on timeout.
        stop(projectDir, sparkHome, dir);
        if (!run.stderr.contains("is in use")) {
          break;
        }
      }
      throw new IllegalStateException("local-cluster start failed (exit " + (run == null ? "-" : run.exitCode)
          + "): " + (run == null ? "no two distinct free ports" : run.stderr));
    }

    private static String lastLine(String text) {
      String[] lines = text.trim().split("\n");
      return lines[lines.length - 1].trim();
    }
  }
}
