package io.effnet.prep;

import java.io.Serializable;

/** A file found under the input (or named by the manifest), before it is read. */
final class ListedFile implements Serializable {
    private static final long serialVersionUID = 1L;

    /** '/'-separated path relative to the input root (or the manifest entry as written). */
    final String relativePath;
    /** Fully qualified URI to open. */
    final String uri;
    final String className;
    final long size;
    final long mtime;
    /** Why the file is not considered an image (by name), or null if it is a candidate. */
    final String ignoredReason;

    ListedFile(String relativePath, String uri, String className, long size, long mtime, String ignoredReason) {
        this.relativePath = relativePath;
        this.uri = uri;
        this.className = className;
        this.size = size;
        this.mtime = mtime;
        this.ignoredReason = ignoredReason;
    }

    /** The incremental-mode identity of a source file. */
    String identity() {
        return identity(relativePath, size, mtime);
    }

    static String identity(String relativePath, long size, long mtime) {
        return relativePath + '\u0000' + size + '\u0000' + mtime;
    }
}
