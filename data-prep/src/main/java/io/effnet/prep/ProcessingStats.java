package io.effnet.prep;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/** Counts and byte totals over processed files, per class and split. Mergeable (Spark aggregate). */
final class ProcessingStats implements Serializable {
    private static final long serialVersionUID = 1L;

    final TreeMap<String, Long> trainPerClass = new TreeMap<>();
    final TreeMap<String, Long> validationPerClass = new TreeMap<>();
    final TreeMap<String, Long> badByReason = new TreeMap<>();
    long train;
    long validation;
    long bad;
    long bytesIn;
    long trainImageBytes;
    long validationImageBytes;

    ProcessingStats add(ProcessedFile p) {
        if (p.sourceBytes > 0) {
            bytesIn += p.sourceBytes;
        }
        if (!p.isGood()) {
            bad++;
            badByReason.merge(p.badReason.key(), 1L, Long::sum);
            return this;
        }
        if (p.validation) {
            validationImageBytes += p.image.length;
            validation++;
            validationPerClass.merge(p.className, 1L, Long::sum);
        } else {
            trainImageBytes += p.image.length;
            train++;
            trainPerClass.merge(p.className, 1L, Long::sum);
        }
        return this;
    }

    ProcessingStats merge(ProcessingStats o) {
        train += o.train;
        validation += o.validation;
        bad += o.bad;
        bytesIn += o.bytesIn;
        trainImageBytes += o.trainImageBytes;
        validationImageBytes += o.validationImageBytes;
        mergeInto(trainPerClass, o.trainPerClass);
        mergeInto(validationPerClass, o.validationPerClass);
        mergeInto(badByReason, o.badByReason);
        return this;
    }

    long good() {
        return train + validation;
    }

    /** Bytes of the encoded images (the image column) of both splits. */
    long imageBytesOut() {
        return trainImageBytes + validationImageBytes;
    }

    long processed() {
        return good() + bad;
    }

    private static void mergeInto(TreeMap<String, Long> into, TreeMap<String, Long> from) {
        for (Map.Entry<String, Long> e : from.entrySet()) {
            into.merge(e.getKey(), e.getValue(), Long::sum);
        }
    }
}
