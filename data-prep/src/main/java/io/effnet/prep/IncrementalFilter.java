package io.effnet.prep;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Which listed files an existing dataset does not hold yet, by (path, size, mtime), and with separate
 * train/validation inputs also by split; done with joins, not on the driver.
 */
final class IncrementalFilter {
    private IncrementalFilter() {
    }

    static final class Result {
        final JavaRDD<ListedFile> newFiles;
        final long existingRows;
        private final JavaRDD<String> existingPathKeys;
        private final boolean withSplit;

        Result(JavaRDD<ListedFile> newFiles, long existingRows, JavaRDD<String> existingPathKeys, boolean withSplit) {
            this.newFiles = newFiles;
            this.existingRows = existingRows;
            this.existingPathKeys = existingPathKeys;
            this.withSplit = withSplit;
        }

        /** New files whose path (in the same split, when split-aware) the dataset already holds with another size or mtime. */
        long changedFiles(JavaRDD<ListedFile> todo) {
            final boolean split = withSplit;
            return todo.map(f -> f.pathKey(split)).intersection(existingPathKeys).count();
        }
    }

    /**
     * @param withSplit true with separate train and validation inputs: a train file and a validation file
     *                  may share a relative path, so a row only matches a file of its own split
     */
    static Result newFiles(SparkSession spark, Path output, JavaRDD<ListedFile> candidates, boolean withSplit) {
        JavaRDD<ExistingRow> rows = existingRows(spark, output, false).union(existingRows(spark, output, true));
        JavaPairRDD<String, Boolean> existingKeys = rows.mapToPair(
                r -> new Tuple2<>(ListedFile.identity(withSplit, r.validation, r.path, r.size, r.mtime), Boolean.TRUE));
        long existingRows = rows.count();
        JavaRDD<ListedFile> fresh = candidates.mapToPair(f -> new Tuple2<>(f.identity(withSplit), f))
                .subtractByKey(existingKeys)
                .values();
        return new Result(fresh, existingRows, rows.map(r -> ListedFile.pathKey(withSplit, r.validation, r.path)), withSplit);
    }

    private static JavaRDD<ExistingRow> existingRows(SparkSession spark, Path output, boolean validation) {
        String dir = new Path(output, validation ? ShardSchema.VALIDATION_DIR : ShardSchema.TRAIN_DIR).toString();
        return spark.read().schema(ShardSchema.SCHEMA).parquet(dir)
                .select(ShardSchema.PATH, ShardSchema.SOURCE_BYTES, ShardSchema.SOURCE_MTIME)
                .javaRDD()
                .map(r -> new ExistingRow(r.getString(0), r.getLong(1), r.getLong(2), validation));
    }

    /** The source identity a dataset row records, and the split folder it was read from. */
    private static final class ExistingRow implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final String path;
        final long size;
        final long mtime;
        final boolean validation;

        ExistingRow(String path, long size, long mtime, boolean validation) {
            this.path = path;
            this.size = size;
            this.mtime = mtime;
            this.validation = validation;
        }
    }
}
