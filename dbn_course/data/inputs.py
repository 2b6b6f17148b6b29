"""The data boundary: what learners pass, turned into visible vectors or a clear error.

Every public entry point that takes data -- an RBM's sampling, energies and updates, a
DBN's call, pretraining and fine-tuning, the log-likelihood estimators -- reads it through
this module, so the same things work everywhere and the same mistakes get the same
answer. Accepted, for a model with n_v visible units:

* arrays, tensors and nested lists of shape (batch, n_v), or images whose trailing
  dimensions hold n_v values (MNIST's (batch, 28, 28, 1) or (batch, 28, 28)), or a single
  example of n_v values (read as a batch of one);
* ``uint8`` pixel values, read as value / 255 (kept as bytes until each minibatch, where
  memory matters); booleans and integers 0 / 1; floats in [0, 1], read as the
  probabilities of binary units;
* a dataset element with its label: a tfds dict ``{"image": ..., "label": ...}`` or an
  ``(image, label)`` pair, whose label is dropped (an RBM learns without labels);
* ``tf.data.Dataset`` s of any of those (:func:`visible_dataset`).

Refused with a ``ValueError`` (or ``TypeError`` for what is not numbers at all) that says
what to do: floats outside [0, 1] (pixel values 0-255 given as floats, say), NaN, a shape
that does not hold n_v values per example, and empty data where training needs some.
"""

from __future__ import annotations

import numbers

import numpy as np
import tensorflow as tf

from dbn_course.checks import check_unit_interval, is_symbolic


def _is_label(value) -> bool:
    """Whether ``value`` looks like the label part of an (image, label) element: integers, rank <= 1."""
    if not isinstance(value, (np.ndarray, tf.Tensor, np.integer, numbers.Integral)) or isinstance(value, bool):
        return False
    dtype = tf.as_dtype(value.dtype) if hasattr(value, "dtype") else tf.int64
    return dtype.is_integer and len(getattr(value, "shape", ())) <= 1


def strip_label(x):
    """The image part of a dataset element: ``x["image"]`` of a dict, ``x[0]`` of an (image, label) pair."""
    if isinstance(x, dict):
        if "image" not in x:
            raise ValueError(f"a dict of data needs an 'image' entry (as tfds gives MNIST), got keys {sorted(x)}")
        return x["image"]
    if isinstance(x, tuple) and len(x) == 2 and _is_label(x[1]) and not _is_label(x[0]):
        return x[0]
    return x


def _flatten(shape: tuple, n_visible: int | None, name: str) -> tuple[int, int]:
    """(rows, n_v) for data of ``shape``: a batch of vectors, of images, or one example."""
    size = int(np.prod(shape)) if shape else 1
    if n_visible is None:
        if len(shape) == 2:
            return shape[0], shape[1]
        if len(shape) > 2:
            return shape[0], int(np.prod(shape[1:]))
        raise ValueError(f"{name} must have shape (batch, features), got {shape}")
    if len(shape) >= 2 and int(np.prod(shape[1:])) == n_visible:
        return shape[0], n_visible
    if len(shape) >= 1 and size == n_visible:
        return 1, n_visible
    raise ValueError(f"{name} must have shape (batch, {n_visible}) -- or images of {n_visible} pixels each -- "
                     f"got shape {shape}")


def as_array(x, n_visible: int | None = None, name: str = "v", *, min_rows: int = 0) -> tuple[np.ndarray, float]:
    """``x`` as a 2-D NumPy array (rows, n_v) and the factor that maps it to [0, 1].

    ``uint8`` pixels stay ``uint8`` (scale 1/255) and booleans stay boolean (scale 1):
    a quarter of the memory of float32 for a training set. Everything else becomes
    float32 checked to lie in [0, 1].

    Args:
        x: what the learner passed (see the module docstring).
        n_visible: the model's visible units, or None to take the width from ``x``.
        name: how the error messages call ``x``.
        min_rows: fewer rows than this is an error (1 for training).
    """
    x = strip_label(x)
    if isinstance(x, tf.data.Dataset):
        raise TypeError(f"{name} is a tf.data.Dataset; this call takes a batch of data (an array or tensor). "
                        "Take a batch first, e.g. next(iter(dataset.batch(100))), or pass arrays")
    if is_symbolic(x):
        raise TypeError(f"{name} is a symbolic tensor; this call runs eagerly on arrays or tensors")
    if isinstance(x, (tf.Tensor, tf.Variable)):
        x = x.numpy()
    try:
        array = np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} could not be read as an array of numbers: {error}") from None
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
        raise TypeError(f"{name} must hold numbers, got values of type {array.dtype}")
    rows, width = _flatten(array.shape, n_visible, name)
    array = array.reshape(rows, width)
    if rows < min_rows:
        raise ValueError(f"{name} is empty: it holds no examples" if rows == 0
                         else f"{name} holds {rows} examples; at least {min_rows} are needed")
    if array.dtype == np.uint8:
        return array, 1.0 / 255.0
    if array.dtype == np.bool_:
        return array, 1.0
    array = array.astype(np.float32, copy=False)
    check_unit_interval(array, name)
    return array, 1.0


def unit_array(x, n_visible: int | None = None, name: str = "v", *, min_rows: int = 0) -> np.ndarray:
    """``x`` as a float32 NumPy array (rows, n_v) of values in [0, 1]: :func:`as_array`, scaled."""
    array, scale = as_array(x, n_visible, name, min_rows=min_rows)
    if array.dtype == np.float32:  # as_array leaves floats unscaled (scale 1)
        return array
    return array.astype(np.float32) * np.float32(scale)


def binary_batch(x, n_visible: int | None = None, name: str = "v", *, why: str = "", min_rows: int = 1) -> tf.Tensor:
    """:func:`visible_batch` for quantities defined on binary data only: every value must be 0 or 1.

    Args:
        why: what is defined on binary data, for the message.
    """
    v = visible_batch(x, n_visible, name, min_rows=min_rows)
    values = v.numpy()
    if values.size and not np.all((values == 0) | (values == 1)):
        raise ValueError(f"{name} must be binary (0 or 1){': ' + why if why else ''}. Grey images give numbers "
                         "that mean nothing here: binarise them first, e.g. with "
                         "data.binarize_images(uint8_images, seed=0) or data.binarize_threshold")
    return v


def visible_batch(x, n_visible: int | None = None, name: str = "v", *, min_rows: int = 0) -> tf.Tensor:
    """``x`` as a float32 tensor (rows, n_v) of values in [0, 1] (see :func:`as_array`).

    Graph tensors (inside ``tf.function``, ``Dataset.map`` or Keras' ``fit``) are cast and
    reshaped the same way, unchecked, since their values are not known yet.
    """
    x = strip_label(x)
    if is_symbolic(x):
        return cast_visible(x, n_visible)
    return tf.constant(unit_array(x, n_visible, name, min_rows=min_rows))


def cast_visible(x, n_visible: int | None = None) -> tf.Tensor:
    """uint8 pixels scaled by 1/255, anything else cast to float32, reshaped to (rows, n_v); values unchecked.

    The graph-mode half of :func:`visible_batch`, and what a Keras ``call`` uses on data
    its layer's ``__call__`` has already passed through :func:`visible_batch`.
    """
    x = tf.convert_to_tensor(strip_label(x))
    scaled = tf.cast(x, tf.float32) / 255.0 if x.dtype == tf.uint8 else tf.cast(x, tf.float32)
    if n_visible is None or (x.shape.rank == 2 and x.shape[-1] == n_visible):
        return scaled
    if x.shape.rank is None:
        return tf.reshape(scaled, (-1, n_visible))
    if x.shape.rank is not None and x.shape.rank >= 2 and int(np.prod([d or 0 for d in x.shape[1:]])) == n_visible:
        return tf.reshape(scaled, (-1, n_visible))
    if x.shape.rank is not None and x.shape.num_elements() == n_visible:
        return tf.reshape(scaled, (1, n_visible))
    raise ValueError(f"inputs must have shape (batch, {n_visible}) -- or images of {n_visible} pixels each -- "
                     f"got shape {tuple(x.shape)}")


def visible_dataset(dataset: tf.data.Dataset, n_visible: int | None = None, map_fn=None) -> tf.data.Dataset:
    """A dataset of single float32 vectors (n_v,) in [0, 1] from one of images, vectors or labelled pairs.

    ``map_fn`` (e.g. the book's ``flatten_image``) is applied first; a label it or the
    dataset leaves in the elements is dropped, and ``uint8`` pixels are scaled by 1/255.

    Raises:
        ValueError: the elements are not n_v values each, or the dataset is empty.
    """
    if map_fn is not None:
        dataset = dataset.map(map_fn)
    spec = dataset.element_spec
    if isinstance(spec, dict):
        if "image" not in spec:
            raise ValueError(f"dataset elements are dicts without an 'image' entry (keys {sorted(spec)})")
        dataset, spec = dataset.map(lambda x: x["image"]), spec["image"]
    elif isinstance(spec, tuple):
        if len(spec) == 2 and spec[1].dtype.is_integer and spec[1].shape.rank <= 1:
            dataset, spec = dataset.map(lambda x, label: x), spec[0]
        else:
            raise ValueError(f"dataset elements are tuples {spec}; expected images, or (image, label) pairs")
    if not isinstance(spec, tf.TensorSpec) or not (spec.dtype.is_floating or spec.dtype.is_integer
                                                   or spec.dtype == tf.bool):
        raise TypeError(f"dataset elements must be numbers, got {spec}")
    if n_visible is not None and spec.shape.rank is not None and spec.shape.rank >= 2 \
            and spec.shape[1:].num_elements() == n_visible:
        # A batched dataset (e.g. the book's ``.batch(100)``): the training loop batches it again itself.
        dataset, spec = dataset.unbatch(), tf.TensorSpec(spec.shape[1:], spec.dtype)
    size = spec.shape.num_elements()
    if n_visible is not None and size != n_visible:
        raise ValueError(f"dataset elements have shape {tuple(spec.shape)}, not {n_visible} values each (the "
                         f"model's visible units): map them to vectors of {n_visible} values first, e.g. with "
                         "data.flatten_image")
    dtype = spec.dtype
    width = n_visible if n_visible is not None else size

    def to_vector(x):
        x = tf.cast(x, tf.float32) / 255.0 if dtype == tf.uint8 else tf.cast(x, tf.float32)
        return tf.reshape(x, (width,)) if width is not None else tf.reshape(x, (-1,))

    dataset = dataset.map(to_vector)
    if dataset.cardinality() == 0 or not any(True for _ in dataset.take(1)):
        raise ValueError("training data is empty: the dataset yields no examples")
    return dataset


def image_label_arrays(images, labels, n_visible: int):
    """Image and label arrays from what a learner passes: arrays, a dataset element, or a dataset.

    A ``tf.data.Dataset`` may yield (image, label) pairs, tfds dicts or images alone,
    one at a time or in batches; a batch as a dataset yields it (a dict or a pair) also
    carries its labels. Each image becomes one row of n_v values.
    """
    if isinstance(images, tf.data.Dataset):
        if labels is not None:
            raise ValueError("a dataset carries its own labels: pass (image, label) pairs, not labels=")
        xs, ys = [], []
        for element in images.as_numpy_iterator():
            if isinstance(element, dict):
                element = (strip_label(element), element.get("label"))
            image, label = element if isinstance(element, tuple) and len(element) == 2 else (element, None)
            image = np.asarray(image)
            if image.size % n_visible:
                raise ValueError(f"the dataset's elements must be images of {n_visible} pixels (with or without "
                                 f"their labels); got shape {image.shape}")
            xs.append(image.reshape(-1, n_visible))
            if label is not None:
                ys.append(np.atleast_1d(label))
        if not xs:
            raise ValueError("training data is empty: the dataset yields no examples")
        xs = np.concatenate(xs)
        ys = np.concatenate(ys) if ys else None
        return xs, (ys if ys is not None and len(ys) == len(xs) else None)
    if isinstance(images, dict) or (isinstance(images, tuple) and strip_label(images) is not images):
        if labels is not None:
            raise ValueError("these images carry their own labels: pass them alone, or pass labels=, not both")
        labels = images.get("label") if isinstance(images, dict) else images[1]
        images = strip_label(images)
    if isinstance(images, tf.Tensor):
        images = images.numpy()
    images = np.asarray(images)
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) != len(images):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
    return images, labels


def pixels_uint8(images, n_visible: int | None = None, name: str = "training images") -> np.ndarray:
    """Images as uint8 (n, n_v): pixels as given, floats in [0, 1] times 255, rounded (a quarter of float32's size)."""
    array, _ = as_array(images, n_visible, name, min_rows=1)
    if array.dtype == np.uint8:
        return array
    return np.round(array.astype(np.float32) * 255).astype(np.uint8)
