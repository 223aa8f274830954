package io.effnet.prep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Class name to 0-based id. A fresh index sorts the names (String order, as torchvision's
 * ImageFolder and Keras do with Python's sorted() for such names), so the same set of class folders
 * always gives the same ids. An extended index keeps every existing id and appends new names, sorted,
 * after them: a model trained with the old index stays valid.
 *
 * <p>JSON form (labels.json): {@code {"num_classes": 3, "classes": ["cat", "dog", "fox"]}}; the id of a
 * class is its position in "classes".
 */
public final class LabelIndex implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> names;
    private final Map<String, Integer> ids;

    private LabelIndex(List<String> names) {
        this.names = Collections.unmodifiableList(new ArrayList<>(names));
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || n.isEmpty()) {
                throw new PrepException("label index: class " + i + " has an empty name");
            }
            if (m.put(n, i) != null) {
                throw new PrepException("label index: class name '" + n + "' appears twice");
            }
        }
        this.ids = m;
    }

    /** A fresh index over the distinct names, sorted. */
    public static LabelIndex of(Collection<String> classNames) {
        return new LabelIndex(new ArrayList<>(new TreeSet<>(classNames)));
    }

    /** An index whose ids are exactly the positions in {@code namesInIdOrder} (as read from a file). */
    public static LabelIndex ofOrdered(List<String> namesInIdOrder) {
        return new LabelIndex(namesInIdOrder);
    }

    /** This index plus the names it does not know yet, appended in sorted order; existing ids unchanged. */
    public LabelIndex extendedWith(Collection<String> classNames) {
        TreeSet<String> added = new TreeSet<>(classNames);
        added.removeAll(ids.keySet());
        if (added.isEmpty()) {
            return this;
        }
        List<String> all = new ArrayList<>(names);
        all.addAll(added);
        return new LabelIndex(all);
    }

    public int size() {
        return names.size();
    }

    /** The class name of an id; throws IllegalArgumentException for an id outside 0..size()-1. */
    public String name(int id) {
        if (id < 0 || id >= names.size()) {
            throw new IllegalArgumentException("label id " + id + " outside 0.." + (names.size() - 1));
        }
        return names.get(id);
    }

    /** The id of a class name; throws PrepException for an unknown name. */
    public int id(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            throw new PrepException("unknown class '" + name + "': the label index has " + names.size()
                    + " classes " + preview());
        }
        return id;
    }

    public boolean contains(String name) {
        return ids.containsKey(name);
    }

    /** Names in id order (unmodifiable). */
    public List<String> names() {
        return names;
    }

    private String preview() {
        List<String> head = names.size() <= 10 ? names : names.subList(0, 10);
        return head + (names.size() > 10 ? "..." : "");
    }

    public String toJson() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("num_classes", names.size());
        ArrayNode classes = root.putArray("classes");
        for (String n : names) {
            classes.add(n);
        }
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static LabelIndex fromJson(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new PrepException("label index is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode classes = root == null ? null : root.get("classes");
        if (classes == null || !classes.isArray()) {
            throw new PrepException("label index JSON has no \"classes\" array: expected {\"num_classes\": n, \"classes\": [\"name0\", ...]}");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode c : classes) {
            if (!c.isTextual()) {
                throw new PrepException("label index JSON: every entry of \"classes\" must be a string, found " + c);
            }
            names.add(c.asText());
        }
        JsonNode n = root.get("num_classes");
        if (n != null && n.asInt() != names.size()) {
            throw new PrepException("label index JSON: num_classes is " + n.asInt() + " but \"classes\" has " + names.size() + " names");
        }
        return ofOrdered(names);
    }

    /** Reads a labels.json from any Hadoop file system URI. */
    public static LabelIndex read(String uri, Configuration conf) {
        Path p = new Path(uri);
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                throw new PrepException("label index not found: " + uri);
            }
            try (InputStream in = fs.open(p)) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[8192];
                int n;
                while ((n = in.read(chunk)) > 0) {
                    buf.write(chunk, 0, n);
                }
                return fromJson(new String(buf.toByteArray(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new PrepException("cannot read label index " + uri + ": " + e.getMessage(), e);
        }
    }

    /** Writes (replacing) a labels.json at any Hadoop file system URI. */
    public void write(String uri, Configuration conf) {
        Path p = new Path(uri);
        try {
            FileSystem fs = p.getFileSystem(conf);
            try (OutputStream out = fs.create(p, true)) {
                out.write(toJson().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new PrepException("cannot write label index " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelIndex && ((LabelIndex) o).names.equals(names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return "LabelIndex" + names;
    }
}
