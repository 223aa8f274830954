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
    /** The split the file goes to, decided right after listing ({@link #inSplit}). */
    final boolean validation;

    ListedFile(String relativePath, String uri, String className, long size, long mtime, String ignoredReason) {
        this(relativePath, uri, className, size, mtime, ignoredReason, false);
    }

    private ListedFile(String relativePath, String uri, String className, long size, long mtime, String ignoredReason,
                       boolean validation) {
        this.relativePath = relativePath;
        this.uri = uri;
        this.className = className;
        this.size = size;
        this.mtime = mtime;
        this.ignoredReason = ignoredReason;
        this.validation = validation;
    }

    /** This file assigned to the validation (true) or train (false) split. */
    ListedFile inSplit(boolean toValidation) {
        return toValidation == validation ? this
                : new ListedFile(relativePath, uri, className, size, mtime, ignoredReason, toValidation);
    }

    /**
     * The incremental-mode identity of a source file. With separate train and validation inputs the same
     * relative path can name two different files, one per split, so there the split is part of it.
     */
    String identity(boolean withSplit) {
        return identity(withSplit, validation, relativePath, size, mtime);
    }

    /** The path, qualified by the split when {@code withSplit}: what "the same file, changed" is matched on. */
    String pathKey(boolean withSplit) {
        return pathKey(withSplit, validation, relativePath);
    }

    static String identity(boolean withSplit, boolean validation, String relativePath, long size, long mtime) {
        return pathKey(withSplit, validation, relativePath) + '\u0000' + size + '\u0000' + mtime;
    }

    static String pathKey(boolean withSplit, boolean validation, String relativePath) {
        return withSplit ? (validation ? "validation" : "train") + '\u0000' + relativePath : relativePath;
    }
}
