package io.effnet.jobs.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.effnet.jobs.JobException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads and writes a job's files on any Hadoop file system (local, hdfs://, s3a://). Every file is
 * written to a temporary name and renamed, so a reader never sees half a model or half a report.
 */
public final class RunFiles {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Configuration hadoop;

  public RunFiles(Configuration hadoop) {
    this.hadoop = hadoop;
  }

  public Configuration hadoop() {
    return hadoop;
  }

  public FileSystem fs(String uri) {
    try {
      return new Path(uri).getFileSystem(hadoop);
    } catch (IOException e) {
      throw JobException.data("cannot reach file system of " + uri + ": " + e.getMessage());
    }
  }

  public boolean exists(String uri) {
    try {
      return fs(uri).exists(new Path(uri));
    } catch (IOException e) {
      throw JobException.data("cannot check " + uri + ": " + e.getMessage());
    }
  }

  public String child(String dir, String name) {
    return new Path(dir, name).toString();
  }

  /** Creates a run folder, refusing to mix a new run into an old one. */
  public void createFreshDir(String uri) {
    try {
      FileSystem fs = fs(uri);
      Path p = new Path(uri);
      if (fs.exists(p)) {
        FileStatusCheck.requireEmptyDir(fs, p);
      } else if (!fs.mkdirs(p)) {
        throw JobException.data("cannot create output folder " + uri);
      }
    } catch (IOException e) {
      throw JobException.data("cannot create output folder " + uri + ": " + e.getMessage());
    }
  }

  /**
   * A new hidden folder beside {@code target} ({@code .<name>.<tag>-tmp-<uuid>}, skipped by Spark and Hadoop
   * readers) to build an output in before {@link #publish} renames it into place.
   */
  public String createTempSibling(String target, String tag) {
    Path t = new Path(target);
    Path parent = t.getParent();
    if (parent == null) {
      throw JobException.data("output " + target + " is a file system root: give a folder below it");
    }
    Path tmp = new Path(parent, "." + t.getName() + "." + tag + "-tmp-" + java.util.UUID.randomUUID());
    try {
      if (!fs(target).mkdirs(tmp)) {
        throw JobException.data("cannot create " + tmp + " next to the output: is " + parent + " writable?");
      }
    } catch (IOException e) {
      throw JobException.data("cannot write next to the output " + target + ": " + e.getMessage());
    }
    return tmp.toString();
  }

  /**
   * Renames a finished folder to {@code target}: one rename, atomic on HDFS and local file systems (on object
   * stores a rename is a copy). With {@code replace}, an existing target is moved aside first and deleted
   * only after the new one is in place; if the rename fails it is put back.
   */
  public void publish(String finished, String target, boolean replace) {
    Path from = new Path(finished);
    Path to = new Path(target);
    try {
      FileSystem fs = fs(target);
      Path old = null;
      if (fs.exists(to)) {
        if (!replace) {
          throw JobException.data("output " + target + " already exists: choose a new one or allow overwriting it");
        }
        old = new Path(to.getParent(), "." + to.getName() + ".old-" + java.util.UUID.randomUUID());
        if (!fs.rename(to, old)) {
          throw new IOException("cannot move the existing " + target + " aside");
        }
      }
      if (!fs.rename(from, to)) {
        if (old != null) {
          fs.rename(old, to);
        }
        throw new IOException("rename " + from + " -> " + to + " failed");
      }
      if (old != null) {
        fs.delete(old, true);
      }
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot publish " + target + ": " + e.getMessage(), e);
    }
  }

  /** Deletes a folder or file if it exists, ignoring failures (cleanup after an error). */
  public void deleteQuietly(String uri) {
    try {
      FileSystem fs = fs(uri);
      Path p = new Path(uri);
      if (fs.exists(p)) {
        fs.delete(p, true);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: the hidden folder is ignored by readers
    }
  }

  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes a file atomically (temporary name, then rename). */
  public void write(String uri, Writer writer) {
    Path target = new Path(uri);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
    try {
      FileSystem fs = fs(uri);
      try (OutputStream out = fs.create(tmp, true)) {
        writer.write(out);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename to " + target + " failed");
      }
    } catch (IOException e) {
      throw new JobException(JobException.FAILED, "cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  public void writeText(String uri, String text) {
    write(uri, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  public void writeJson(String uri, Object value) {
    write(uri, out -> JSON.writeValue(new NonClosingStream(out), value));
  }

  public interface Reader<T> {
    T read(InputStream in) throws IOException;
  }

  public <T> T read(String uri, Reader<T> reader) {
    try (InputStream in = fs(uri).open(new Path(uri))) {
      return reader.read(in);
    } catch (java.io.FileNotFoundException e) {
      throw JobException.data(uri + " does not exist");
    } catch (IOException e) {
      throw JobException.data("cannot read " + uri + ": " + e.getMessage());
    }
  }

  /** A whole (small) text file, UTF-8. */
  public String readText(String uri) {
    return read(uri, in -> {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) > 0; ) {
        bytes.write(buffer, 0, n);
      }
      return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
    });
  }

  public static ObjectMapper json() {
    return JSON;
  }

  /** Resolves a bare local path to an absolute file: URI so Spark and Hadoop agree on it. */
  public static String qualify(String uri) {
    URI u = URI.create(uri.replace(" ", "%20"));
    if (u.getScheme() == null) {
      return new java.io.File(uri).getAbsoluteFile().toURI().toString();
    }
    return uri;
  }

  /**
   * The form BigDL's TensorBoard writer accepts: a plain path for local files (it opens anything not
   * starting with hdfs: or s3 as a java.io.File), the URI otherwise.
   */
  public static String forBigDL(String uri) {
    return uri.startsWith("file:") ? new Path(uri).toUri().getPath() : uri;
  }

  private static final class NonClosingStream extends java.io.FilterOutputStream {
    NonClosingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  private static final class FileStatusCheck {
    static void requireEmptyDir(FileSystem fs, Path p) throws IOException {
      if (!fs.getFileStatus(p).isDirectory() || fs.listStatus(p).length > 0) {
        throw JobException.data("output " + p + " already exists and is not empty: choose a new folder");
      }
    }
  }
}
