package io.effnet.prep;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What the listing found: image candidates per class and ignored files per reason. Mergeable. */
final class ListingSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int MAX_EXAMPLES = 5;

    final TreeMap<String, Long> candidatesPerClass = new TreeMap<>();
    final TreeMap<String, Long> ignoredByReason = new TreeMap<>();
    final List<String> malformedExamples = new ArrayList<>();
    long candidates;
    long ignored;

    ListingSummary add(ListedFile f) {
        if (f.ignoredReason == null) {
            candidates++;
            candidatesPerClass.merge(f.className, 1L, Long::sum);
        } else {
            ignored++;
            ignoredByReason.merge(f.ignoredReason, 1L, Long::sum);
            if (InputListing.MALFORMED_MANIFEST_LINE.equals(f.ignoredReason) && malformedExamples.size() < MAX_EXAMPLES) {
                malformedExamples.add(f.relativePath);
            }
        }
        return this;
    }

    ListingSummary merge(ListingSummary o) {
        candidates += o.candidates;
        ignored += o.ignored;
        for (Map.Entry<String, Long> e : o.candidatesPerClass.entrySet()) {
            candidatesPerClass.merge(e.getKey(), e.getValue(), Long::sum);
        }
        for (Map.Entry<String, Long> e : o.ignoredByReason.entrySet()) {
            ignoredByReason.merge(e.getKey(), e.getValue(), Long::sum);
        }
        for (String m : o.malformedExamples) {
            if (malformedExamples.size() < MAX_EXAMPLES) {
                malformedExamples.add(m);
            }
        }
        return this;
    }

    long malformedLines() {
        Long n = ignoredByReason.get(InputListing.MALFORMED_MANIFEST_LINE);
        return n == null ? 0 : n;
    }
}
