"""Writes RandAugmentOpsReferenceTest's fixture: the EfficientNet reference's RandAugment operations
(tensorflow/tpu models/official/efficientnet/autoaugment.py) run by TensorFlow itself on seeded random
images.

The reference is TF1 code (tf.contrib.image); this is the same code on TF2 ops: contrib_image.transform is
tf.raw_ops.ImageProjectiveTransformV3 with NEAREST interpolation and a constant 0 fill, which the
reference's wrap/unwrap turns into 128. Contrast is the upstream fix (tensorflow/models #11219: the mean
grey level, not pixel count / 256), as the Java code does. Arguments are float32 tensors, as RandAugment's
randomly negated levels are.

Run (TensorFlow 2.x, numpy):  python randaugment_ops_reference.py OUTPUT.bin
Format (big-endian): int32 case count; per case: UTF-8 op name (uint16 length + bytes), float64 argument,
int32 center x, int32 center y, int32 width, int32 height, width*height*3 input bytes, as many output bytes.
"""
import math
import struct
import sys

import numpy as np
import tensorflow as tf


def blend(image1, image2, factor):
  if factor == 0.0:
    return tf.convert_to_tensor(image1)
  if factor == 1.0:
    return tf.convert_to_tensor(image2)
  image1 = tf.cast(image1, tf.float32)
  image2 = tf.cast(image2, tf.float32)
  difference = image2 - image1
  scaled = factor * difference
  temp = image1 + scaled
  if factor > 0.0 and factor < 1.0:
    return tf.cast(temp, tf.uint8)
  return tf.cast(tf.clip_by_value(temp, 0.0, 255.0), tf.uint8)


def cutout(image, pad_size, center_x, center_y, replace=128):
  image_height = tf.shape(image)[0]
  image_width = tf.shape(image)[1]
  lower_pad = tf.maximum(0, center_y - pad_size)
  upper_pad = tf.maximum(0, image_height - center_y - pad_size)
  left_pad = tf.maximum(0, center_x - pad_size)
  right_pad = tf.maximum(0, image_width - center_x - pad_size)
  cutout_shape = [image_height - (lower_pad + upper_pad), image_width - (left_pad + right_pad)]
  padding_dims = [[lower_pad, upper_pad], [left_pad, right_pad]]
  mask = tf.pad(tf.zeros(cutout_shape, dtype=image.dtype), padding_dims, constant_values=1)
  mask = tf.expand_dims(mask, -1)
  mask = tf.tile(mask, [1, 1, 3])
  return tf.where(tf.equal(mask, 0), tf.ones_like(image, dtype=image.dtype) * replace, image)


def solarize(image, threshold=128):
  return tf.where(image < threshold, image, 255 - image)


def solarize_add(image, addition=0, threshold=128):
  added_image = tf.cast(image, tf.int64) + addition
  added_image = tf.cast(tf.clip_by_value(added_image, 0, 255), tf.uint8)
  return tf.where(image < threshold, added_image, image)


def color(image, factor):
  degenerate = tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(image))
  return blend(degenerate, image, factor)


def contrast(image, factor):
  degenerate = tf.image.rgb_to_grayscale(image)
  degenerate = tf.cast(degenerate, tf.int32)
  hist = tf.histogram_fixed_width(degenerate, [0, 255], nbins=256)
  pixels = tf.cast(tf.shape(image)[0] * tf.shape(image)[1], tf.float32)
  mean = tf.reduce_sum(tf.cast(hist, tf.float32) * tf.linspace(0., 255., 256)) / pixels
  degenerate = tf.ones_like(degenerate, dtype=tf.float32) * mean
  degenerate = tf.clip_by_value(degenerate, 0.0, 255.0)
  degenerate = tf.image.grayscale_to_rgb(tf.cast(degenerate, tf.uint8))
  return blend(degenerate, image, factor)


def brightness(image, factor):
  return blend(tf.zeros_like(image), image, factor)


def posterize(image, bits):
  shift = 8 - bits
  return tf.bitwise.left_shift(tf.bitwise.right_shift(image, shift), shift)


def transform(image, transforms):
  h, w = image.shape[0], image.shape[1]
  out = tf.raw_ops.ImageProjectiveTransformV3(
      images=image[None], transforms=tf.reshape(tf.cast(transforms, tf.float32), [1, 8]),
      output_shape=[h, w], fill_value=0.0, interpolation='NEAREST', fill_mode='CONSTANT')
  return out[0]


def rotate(image, degrees, replace):
  radians = degrees * (math.pi / 180.0)
  h = tf.cast(image.shape[0], tf.float32)
  w = tf.cast(image.shape[1], tf.float32)
  cos, sin = tf.cos(radians), tf.sin(radians)
  x_offset = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
  y_offset = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
  return unwrap(transform(wrap(image), tf.stack([cos, -sin, x_offset, sin, cos, y_offset, 0., 0.])), replace)


def translate_x(image, pixels, replace):
  return unwrap(transform(wrap(image), tf.stack([1., 0., pixels, 0., 1., 0., 0., 0.])), replace)


def translate_y(image, pixels, replace):
  return unwrap(transform(wrap(image), tf.stack([1., 0., 0., 0., 1., pixels, 0., 0.])), replace)


def shear_x(image, level, replace):
  return unwrap(transform(wrap(image), tf.stack([1., level, 0., 0., 1., 0., 0., 0.])), replace)


def shear_y(image, level, replace):
  return unwrap(transform(wrap(image), tf.stack([1., 0., 0., level, 1., 0., 0., 0.])), replace)


def autocontrast(image):
  def scale_channel(image):
    lo = tf.cast(tf.reduce_min(image), tf.float32)
    hi = tf.cast(tf.reduce_max(image), tf.float32)

    def scale_values(im):
      scale = 255.0 / (hi - lo)
      offset = -lo * scale
      im = tf.cast(im, tf.float32) * scale + offset
      im = tf.clip_by_value(im, 0.0, 255.0)
      return tf.cast(im, tf.uint8)

    return tf.cond(hi > lo, lambda: scale_values(image), lambda: image)

  return tf.stack([scale_channel(image[:, :, c]) for c in range(3)], 2)


def sharpness(image, factor):
  orig_image = image
  image = tf.cast(image, tf.float32)
  image = tf.expand_dims(image, 0)
  kernel = tf.constant([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=tf.float32, shape=[3, 3, 1, 1]) / 13.
  kernel = tf.tile(kernel, [1, 1, 3, 1])
  degenerate = tf.nn.depthwise_conv2d(image, kernel, [1, 1, 1, 1], padding='VALID', dilations=[1, 1])
  degenerate = tf.clip_by_value(degenerate, 0.0, 255.0)
  degenerate = tf.squeeze(tf.cast(degenerate, tf.uint8), [0])
  mask = tf.ones_like(degenerate)
  padded_mask = tf.pad(mask, [[1, 1], [1, 1], [0, 0]])
  padded_degenerate = tf.pad(degenerate, [[1, 1], [1, 1], [0, 0]])
  result = tf.where(tf.equal(padded_mask, 1), padded_degenerate, orig_image)
  return blend(result, orig_image, factor)


def equalize(image):
  def scale_channel(im, c):
    im = tf.cast(im[:, :, c], tf.int32)
    histo = tf.histogram_fixed_width(im, [0, 255], nbins=256)
    nonzero = tf.where(tf.not_equal(histo, 0))
    nonzero_histo = tf.reshape(tf.gather(histo, nonzero), [-1])
    step = (tf.reduce_sum(nonzero_histo) - nonzero_histo[-1]) // 255

    def build_lut(histo, step):
      lut = (tf.cumsum(histo) + (step // 2)) // step
      lut = tf.concat([[0], lut[:-1]], 0)
      return tf.clip_by_value(lut, 0, 255)

    result = tf.cond(tf.equal(step, 0), lambda: im, lambda: tf.gather(build_lut(histo, step), im))
    return tf.cast(result, tf.uint8)

  return tf.stack([scale_channel(image, c) for c in range(3)], 2)


def invert(image):
  return 255 - tf.convert_to_tensor(image)


def wrap(image):
  shape = tf.shape(image)
  extended_channel = tf.ones([shape[0], shape[1], 1], image.dtype)
  return tf.concat([image, extended_channel], 2)


def unwrap(image, replace):
  image_shape = tf.shape(image)
  flattened_image = tf.reshape(image, [-1, image_shape[2]])
  alpha_channel = flattened_image[:, 3]
  replace = tf.concat([replace, tf.ones([1], image.dtype)], 0)
  flattened_image = tf.where(
      tf.equal(alpha_channel, 0)[:, None],
      tf.ones_like(flattened_image, dtype=image.dtype) * replace, flattened_image)
  image = tf.reshape(flattened_image, image_shape)
  return tf.slice(image, [0, 0, 0], [image_shape[0], image_shape[1], 3])


REPLACE = tf.constant([128, 128, 128], tf.uint8)
F = lambda v: tf.constant(v, tf.float32)


def cases(small, wide):
  yield 'Invert', 0, small, lambda im: invert(im)
  for im in (small, wide):
    yield 'AutoContrast', 0, im, autocontrast
    yield 'Equalize', 0, im, equalize
  for bits in (0, 1, 2, 3, 4):
    yield 'Posterize', bits, small, lambda im, b=bits: posterize(im, b)
  for threshold in (0, 128, 230, 256):
    yield 'Solarize', threshold, small, lambda im, t=threshold: solarize(im, t)
  for addition in (33, 110):
    yield 'SolarizeAdd', addition, small, lambda im, a=addition: solarize_add(im, a)
  for name, fn in (('Color', color), ('Contrast', contrast), ('Brightness', brightness), ('Sharpness', sharpness)):
    for factor in (0.1, 0.46, 1.0, 1.54, 1.9):
      yield name, factor, wide, lambda im, f=factor, fn=fn: fn(im, f)
  for degrees in (30.0, -30.0, 13.5, 90.0):
    for im in (small, wide):
      yield 'Rotate', degrees, im, lambda im, d=degrees: rotate(im, F(d), REPLACE)
  for level in (0.3, -0.3, 0.15):
    yield 'ShearX', level, small, lambda im, l=level: shear_x(im, F(l), REPLACE)
    yield 'ShearY', level, small, lambda im, l=level: shear_y(im, F(l), REPLACE)
  for pixels in (100.0, -3.0, 4.5, -2.5):
    yield 'TranslateX', pixels, small, lambda im, p=pixels: translate_x(im, F(p), REPLACE)
    yield 'TranslateY', pixels, small, lambda im, p=pixels: translate_y(im, F(p), REPLACE)
  for pad, cx, cy in ((2, 3, 4), (5, 8, 6), (0, 4, 4), (3, 0, 0)):
    yield 'Cutout', pad, small, lambda im, p=pad, x=cx, y=cy: cutout(im, p, x, y), cx, cy


def main(path):
  rng = np.random.RandomState(20240601)
  small = tf.constant(rng.randint(0, 256, size=(7, 9, 3)).astype(np.uint8))  # 9 wide, 7 high
  # 17 x 16 = 272 pixels (enough for a non-zero equalize step), low contrast and skewed.
  wide = tf.constant((60 + 120 * rng.rand(16, 17, 3) ** 2).astype(np.uint8))
  out = bytearray()
  count = 0
  for case in cases(small, wide):
    name, arg, image, fn = case[:4]
    cx, cy = (case[4], case[5]) if len(case) > 4 else (-1, -1)
    result = fn(image).numpy().astype(np.uint8)
    h, w = image.shape[0], image.shape[1]
    encoded = name.encode('utf-8')
    out += struct.pack('>H', len(encoded)) + encoded
    out += struct.pack('>diiii', float(arg), cx, cy, w, h)
    out += image.numpy().tobytes() + result.tobytes()
    count += 1
  with open(path, 'wb') as f:
    f.write(struct.pack('>i', count) + bytes(out))
  print('wrote %d cases to %s with TensorFlow %s' % (count, path, tf.__version__))


if __name__ == '__main__':
  main(sys.argv[1])
