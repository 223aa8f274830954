package io.effnet.prep;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/** Which names are worth reading as images; the content decides the format afterwards. */
final class ImageFileNames {
    static final Set<String> EXTENSIONS = new HashSet<>(Arrays.asList(
            "jpg", "jpeg", "jpe", "jfif", "png", "bmp", "gif"));

    /** Ignored-file reasons as they appear in the report. */
    static final String HIDDEN = "hidden_or_marker";
    static final String NOT_IMAGE_NAME = "not_an_image_name";
    static final String OUTSIDE_CLASS_FOLDER = "outside_class_folder";

    private ImageFileNames() {
    }

    /** Hidden files and Hadoop/Spark markers (.DS_Store, _SUCCESS, .part.crc, _temporary/...). */
    static boolean isHidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    static boolean hasImageExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Null if the relative path names an image candidate, else the ignored reason. */
    static String ignoredReason(String relativePath) {
        for (String part : relativePath.split("/")) {
            if (isHidden(part)) {
                return HIDDEN;
            }
        }
        String name = relativePath.substring(relativePath.lastIndexOf('/') + 1);
        return hasImageExtension(name) ? null : NOT_IMAGE_NAME;
    }
}
