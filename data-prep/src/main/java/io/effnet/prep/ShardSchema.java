package io.effnet.prep;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The columns of every Parquet shard under {@code <output>/train} and {@code <output>/validation}.
 * One row is one image. Documented in data-prep/README.md; readers should select columns by these names.
 */
public final class ShardSchema {
    /**
     * Path relative to the root of the row's input, '/'-separated, e.g. {@code "cat/2019/img_001.jpg"} (manifest paths
     * as written). With a separate validation input, validation rows are relative to that input, so the same path
     * may appear once in each split (two different files); within a split it is unique.
     */
    public static final String PATH = "path";
    /** 0-based class id from labels.json. */
    public static final String LABEL = "label";
    /** Class name (the class folder's name, or the manifest's label). */
    public static final String LABEL_NAME = "label_name";
    /** Height in pixels of the stored image (after resizing). */
    public static final String HEIGHT = "height";
    /** Width in pixels of the stored image (after resizing). */
    public static final String WIDTH = "width";
    /** Channels of the stored image: 1 for greyscale sources, 3 (RGB) otherwise; {@link ImageCodec#decode} always yields 3. */
    public static final String CHANNELS = "channels";
    /** "jpeg", "png" or "raw" (see {@link ImageCodec} for the byte layouts). */
    public static final String ENCODING = "encoding";
    /** The encoded image bytes. */
    public static final String IMAGE = "image";
    /** Size in bytes of the source file. */
    public static final String SOURCE_BYTES = "source_bytes";
    /** SHA-1 of the source file's bytes, 40 lower-case hex digits. */
    public static final String SOURCE_SHA1 = "source_sha1";
    /** Modification time of the source file, ms since the epoch (with path and size: the incremental-mode identity). */
    public static final String SOURCE_MTIME = "source_mtime";
    /** Format detected from the source's content: "jpeg", "png", "bmp" or "gif". */
    public static final String SOURCE_FORMAT = "source_format";
    /** Width in pixels of the source image. */
    public static final String SOURCE_WIDTH = "source_width";
    /** Height in pixels of the source image. */
    public static final String SOURCE_HEIGHT = "source_height";

    /** The Spark schema of a shard, in column order. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField(PATH, DataTypes.StringType, false),
        DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
        DataTypes.createStructField(LABEL_NAME, DataTypes.StringType, false),
        DataTypes.createStructField(HEIGHT, DataTypes.IntegerType, false),
        DataTypes.createStructField(WIDTH, DataTypes.IntegerType, false),
        DataTypes.createStructField(CHANNELS, DataTypes.IntegerType, false),
        DataTypes.createStructField(ENCODING, DataTypes.StringType, false),
        DataTypes.createStructField(IMAGE, DataTypes.BinaryType, false),
        DataTypes.createStructField(SOURCE_BYTES, DataTypes.LongType, false),
        DataTypes.createStructField(SOURCE_SHA1, DataTypes.StringType, false),
        DataTypes.createStructField(SOURCE_MTIME, DataTypes.LongType, false),
        DataTypes.createStructField(SOURCE_FORMAT, DataTypes.StringType, false),
        DataTypes.createStructField(SOURCE_WIDTH, DataTypes.IntegerType, false),
        DataTypes.createStructField(SOURCE_HEIGHT, DataTypes.IntegerType, false),
    });

    /** Sub-folder of the output holding training shards. */
    public static final String TRAIN_DIR = "train";
    /** Sub-folder of the output holding validation shards. */
    public static final String VALIDATION_DIR = "validation";
    /** The label index file in the output. */
    public static final String LABELS_FILE = "labels.json";
    /** The run report file in the output. */
    public static final String REPORT_FILE = "prep-report.json";

    private ShardSchema() {
    }
}
