package io.effnet.prep;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/** Which listed files an existing dataset does not hold yet, by (path, size, mtime); done with joins, not on the driver. */
final class IncrementalFilter {
    private IncrementalFilter() {
    }

    static final class Result {
        final JavaRDD<ListedFile> newFiles;
        final long existingRows;
        private final JavaRDD<String> existingPaths;

        Result(JavaRDD<ListedFile> newFiles, long existingRows, JavaRDD<String> existingPaths) {
            this.newFiles = newFiles;
            this.existingRows = existingRows;
            this.existingPaths = existingPaths;
        }

        /** New files whose path the dataset already holds with another size or mtime. */
        long changedFiles(JavaRDD<ListedFile> todo) {
            return todo.map(f -> f.relativePath).intersection(existingPaths).count();
        }
    }

    static Result newFiles(SparkSession spark, Path output, JavaRDD<ListedFile> candidates) {
        Dataset<Row> existing = spark.read().schema(ShardSchema.SCHEMA)
                .parquet(new Path(output, ShardSchema.TRAIN_DIR).toString(), new Path(output, ShardSchema.VALIDATION_DIR).toString())
                .select(ShardSchema.PATH, ShardSchema.SOURCE_BYTES, ShardSchema.SOURCE_MTIME);
        JavaRDD<Row> rows = existing.javaRDD();
        JavaPairRDD<String, Boolean> existingKeys = rows.mapToPair(
                r -> new Tuple2<>(ListedFile.identity(r.getString(0), r.getLong(1), r.getLong(2)), Boolean.TRUE));
        long existingRows = rows.count();
        JavaRDD<ListedFile> fresh = candidates.mapToPair(f -> new Tuple2<>(f.identity(), f))
                .subtractByKey(existingKeys)
                .values();
        return new Result(fresh, existingRows, rows.map(r -> r.getString(0)));
    }
}
