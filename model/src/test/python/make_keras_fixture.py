"""Writes the Keras-side fixture of KerasFixtureTest: a small Keras EfficientNet with seeded random weights, saved
through Keras' HDF5 weight-writing code (h5py, the HDF5 C library), and Keras' logits for a seeded input.

Needs Keras 3 with its TensorFlow backend and h5py (the committed fixture: TensorFlow 2.21.0, Keras 3.15.1,
h5py 3.14.0, numpy 2.4). Run from the repository root:

    python model/src/test/python/make_keras_fixture.py model/src/test/resources/io/effnet/model/keras

then gzip -9 -n the three files (the test unpacks them). FIXTURE_WIDTH, FIXTURE_DEPTH, FIXTURE_SIZE, FIXTURE_CLASSES
and FIXTURE_GAIN choose another architecture; KerasFixtureTest reads such files uncompressed from the folder given
by -Deffnet.keras.fixtureDir=...

Writes, for the architecture below:
  tiny-keras3-model.h5    the whole model as Keras 3 saves it in the legacy HDF5 format (model.save('x.h5')):
                          the weights under /model_weights, in the layout of keras.applications' files
                          (layer_names, weight_names, layer/weight datasets), with Keras 3's weight names
  tiny-keras-tf2names.h5  the same weights, written as TF2 Keras' save_weights wrote them (Keras' own
                          attribute and dataset helpers, every layer listed) with TF2 Keras' weight names ('stem_conv/kernel:0',
                          'block1a_dwconv/depthwise_kernel:0'), which the published efficientnetb0.h5 ... b7.h5
                          files use (Keras 3 writes 'stem_conv/kernel', 'block1a_dwconv/kernel')
  tiny-keras-expected.h5  input (N, H, W, 3, raw 0..255 pixels), logits (N, classes), and the architecture
"""
import os
import sys

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras.src.applications import efficientnet  # noqa: E402

WIDTH = float(os.environ.get("FIXTURE_WIDTH", "0.1"))
DEPTH = float(os.environ.get("FIXTURE_DEPTH", "0.34"))
SIZE = int(os.environ.get("FIXTURE_SIZE", "40"))  # 40 -> 20, 10, 5, 3, 2: odd sizes under stride 2 too
CLASSES = int(os.environ.get("FIXTURE_CLASSES", "5"))
BATCH = 2
SEED = 20240601
# Kernel variance GAIN / fan_in: large enough that the two inputs still give clearly different logits after
# every block (Swish and the SE gates shrink the input's share with gain 1 or 2).
GAIN = float(os.environ.get("FIXTURE_GAIN", "3"))
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def randomise(model, rng):
    """Every weight away from Keras' initial values, so that each one shows in the logits."""
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Normalization":
            # mean and variance on the 0..1 scale after Rescaling(1/255); count is not used by call().
            weights = layer.get_weights()
            weights[0] = IMAGENET_MEAN.reshape(weights[0].shape)
            weights[1] = (IMAGENET_STD ** 2).reshape(weights[1].shape)
            layer.set_weights(weights)
            layer.finalize_state()
            continue
        values = []
        for w in layer.weights:
            shape = tuple(w.shape)
            name = w.path.split("/")[-1]
            if name in ("kernel", "depthwise_kernel"):
                # A depthwise kernel [kh, kw, channels, 1] (named 'kernel' in Keras 3) sums over kh x kw only.
                depthwise = kind == "DepthwiseConv2D"
                fan_in = int(np.prod(shape[:2])) if depthwise else int(np.prod(shape[:-1]))
                values.append(rng.normal(0.0, np.sqrt(GAIN / fan_in), shape))
            elif name in ("gamma", "moving_variance"):
                values.append(rng.uniform(0.5, 1.5, shape))
            else:  # beta, moving_mean, bias
                values.append(rng.normal(0.0, 0.1, shape))
        if values:
            layer.set_weights([v.astype(np.float32) for v in values])


def images(rng):
    """Images that differ in colour and structure: i.i.d. noise images would all pool to the same features."""
    ys, xs = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    out = np.empty((BATCH, SIZE, SIZE, 3), np.float32)
    for n in range(BATCH):
        for c in range(3):
            fy, fx, phase = rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.5), rng.uniform(0, 2 * np.pi)
            wave = np.sin(fy * ys + fx * xs + phase)
            out[n, :, :, c] = rng.uniform(40, 215) + rng.uniform(10, 40) * wave + rng.normal(0, 8, (SIZE, SIZE))
    return np.clip(out, 0, 255)


def tf2_name(layer, weight):
    """TF2 Keras' variable name: ':0' suffix, and DepthwiseConv2D's kernel is 'depthwise_kernel' (Keras 3: 'kernel')."""
    path = weight.path
    if type(layer).__name__ == "DepthwiseConv2D" and path.endswith("/kernel"):
        path = path[: -len("kernel")] + "depthwise_kernel"
    return path + ":0"


def save_tf2_names(path, model):
    """TF2 Keras' save_weights_to_hdf5_group, with TF2's variable names."""
    legacy = keras.src.legacy.saving.legacy_h5_format
    with h5py.File(path, "w") as f:
        legacy.save_attributes_to_hdf5_group(f, "layer_names", [l.name.encode("utf8") for l in model.layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for layer in model.layers:
            g = f.create_group(layer.name)
            weights = legacy._legacy_weights(layer)
            names = [tf2_name(layer, w).encode("utf8") for w in weights]
            legacy.save_attributes_to_hdf5_group(g, "weight_names", names)
            for name, w in zip(names, weights):
                value = keras.ops.convert_to_numpy(w)
                d = g.create_dataset(name, value.shape, dtype=value.dtype)
                if not value.shape:
                    d[()] = value
                else:
                    d[:] = value


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    model = efficientnet.EfficientNet(WIDTH, DEPTH, SIZE, dropout_rate=0.2, drop_connect_rate=0.2,
                                      name="efficientnet_fixture", include_top=True, weights=None,
                                      input_shape=(SIZE, SIZE, 3), classes=CLASSES, classifier_activation=None)
    randomise(model, rng)
    pixels = images(rng)
    logits = keras.ops.convert_to_numpy(model(pixels, training=False))

    # Keras 3's own legacy HDF5 writer, whole model: the weights sit under /model_weights.
    model.save(os.path.join(out_dir, "tiny-keras3-model.h5"))
    save_tf2_names(os.path.join(out_dir, "tiny-keras-tf2names.h5"), model)
    with h5py.File(os.path.join(out_dir, "tiny-keras-expected.h5"), "w") as f:
        f.create_dataset("input", data=pixels)
        f.create_dataset("logits", data=logits.astype(np.float32))
        f.attrs["width"] = WIDTH
        f.attrs["depth"] = DEPTH
        f.attrs["size"] = SIZE
        f.attrs["classes"] = CLASSES
        f.attrs["keras_version"] = keras.__version__.encode("utf8")
    print("parameters", model.count_params(), "logits", logits)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
