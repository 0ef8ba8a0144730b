"""Image features: a pretrained CNN's pooled activations + ``has_image``, computed once per image and cached.

``make_image_features(**options)`` returns an :class:`ImageFeatures` transformer. ``transform(images)`` takes a
list of file paths, raw bytes, PIL images or ``None`` and returns a float32 matrix (n, d + 1). An item that
cannot be used (missing file, not an image, truncated, over the pixel limit...) gets a row of zeros with
``has_image = 0``, and a message "<file name>: <reason>" in the errors list:
``transform_with_errors(images) -> (X, errors)``; ``transform`` keeps the same list in ``last_errors_``.

Training with augmentation: ``transform_augmented(images) -> (X, source_index, errors)`` returns, per image,
the plain view followed by ``n_augment`` seeded augmented views (all cached), so a classifier can be trained on
``X, y[source_index]`` without running the CNN at every epoch.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext

import numpy as np

from features.estimator import Transformer
from features.image.backbones import (
    POOLINGS,
    PREPARE_MODES,
    OnnxExtractor,
    get_backbone_spec,
    layer_widths,
    prepared_extractor,
    weights_sha256,
)
from features.image.cache import FeatureCache, default_cache_path
from features.image.decode import (
    DEFAULT_CROP_FRACTION,
    DEFAULT_MAX_PIXELS,
    RESIZE_METHOD,
    Augmentation,
    ImageDecodeError,
    prepare_views,
    read_source,
)

AUGMENT_OPS = ("flip", "crop", "color")
# 160 px, not Lite0's native 224: on 2 CPU cores 224 px runs at ~40 images/s at best (measured, see
# docs/image_features.md) and 160 px at ~100; the FER faces are 48 px anyway.
DEFAULT_INPUT_SIZE = 160
# The options that make a model's image features, the only ones a model's settings may hold: the others
# (`cache`, `max_pixels`, `n_threads`, ...) are how one machine runs the extractor, and a model folder that set them
# could have its user's files written over (`cache`), images over the size limit decoded (`max_pixels`), or
# gigabytes of memory taken (`input_size`).
MODEL_OPTIONS = ("backbone", "input_size", "layers", "pooling", "crop_fraction")
MAX_INPUT_SIZE = 512


def check_model_options(options: dict) -> None:
    """ValueError naming the option unless `options` are image options a model may hold (`MODEL_OPTIONS`, each of
    its kind and range)."""
    if not isinstance(options, dict):
        raise ValueError("image_options is not an object")
    other = sorted(set(options) - set(MODEL_OPTIONS))
    if other:
        raise ValueError(f"image_options {other}: not options of a model's image features (those are "
                         f"{', '.join(MODEL_OPTIONS)})")
    backbone = options.get("backbone", "efficientnet_lite0")
    if not isinstance(backbone, str):
        raise ValueError(f"image_options backbone={backbone!r}: the name of a registered backbone")
    try:
        spec = get_backbone_spec(backbone)
    except ValueError as exc:
        raise ValueError(f"image_options: {exc}") from None
    size = options.get("input_size", DEFAULT_INPUT_SIZE)
    if size is not None and not (type(size) is int and 8 <= size <= MAX_INPUT_SIZE):
        raise ValueError(f"image_options input_size={size!r}: a whole number from 8 to {MAX_INPUT_SIZE}, or null")
    layers = options.get("layers")
    known = [name for name, _ in spec.widths]  # a backbone that declares none has its layers measured
    if layers is not None and not (isinstance(layers, (list, tuple)) and layers and all(
            isinstance(layer, str) and (layer in known or not known) for layer in layers)):
        raise ValueError(f"image_options layers={layers!r}: a list of {spec.name}'s layers {known}, or null")
    pooling = options.get("pooling", POOLINGS)
    if not (isinstance(pooling, (list, tuple)) and pooling and all(p in POOLINGS for p in pooling)):
        raise ValueError(f"image_options pooling={pooling!r}: a list of {list(POOLINGS)}")
    crop = options.get("crop_fraction", DEFAULT_CROP_FRACTION)
    if not (type(crop) in (int, float) and 0 < crop <= 1):
        raise ValueError(f"image_options crop_fraction={crop!r}: a number in (0, 1]")


_IDENTITY_VERSION = 1  # bump when anything that changes the numbers changes without showing up below


class ImageFeatures(Transformer):
    """Pooled CNN features of an optional image per row, plus a ``has_image`` column.

    Parameters
    ----------
    backbone : registered name or ``BackboneSpec`` (see ``features.image.backbones``).
    input_size : side of the square network input (default 160); ``None`` = the backbone's native size.
    layers : feature maps to pool (``None`` = the backbone's default: ``("stage6", "head")`` for
        EfficientNet-Lite0, i.e. the 192-channel output of the last stride-32 stage and the 1280-channel head).
    pooling : any of ``"mean"``, ``"max"``; each layer is pooled each way and concatenated.
    cache : path of the SQLite cache file; ``None`` = ``default_cache_path()``; ``False`` = no cache.
    n_augment : augmented views per image returned by ``transform_augmented`` (``transform`` ignores it).
    augment_ops : which of ``"flip"`` (every odd view), ``"crop"``, ``"color"`` the views use.
    random_state : seed of the augmentations (each image's views also depend on its content hash).
    batch_size, n_threads (torch intra-op threads; ``None`` = leave torch's setting), n_decode_workers
    (threads decoding JPEGs while the network runs), prepare (``"onnx"``, ``"trace"``, ``"channels_last"``, ``"eager"``),
    max_pixels (larger images are refused before decoding), crop_fraction (see ``features.image.decode``).
    """

    def __init__(self, backbone="efficientnet_lite0", input_size=DEFAULT_INPUT_SIZE, layers=None,
                 pooling=("mean", "max"), cache=None, n_augment=0, augment_ops=AUGMENT_OPS, random_state=0,
                 batch_size=8,
                 n_threads=None, n_decode_workers=1, prepare="onnx", max_pixels=DEFAULT_MAX_PIXELS,
                 crop_fraction=DEFAULT_CROP_FRACTION):
        self.backbone = backbone
        self.input_size = input_size
        self.layers = layers
        self.pooling = pooling
        self.cache = cache
        self.n_augment = n_augment
        self.augment_ops = augment_ops
        self.random_state = random_state
        self.batch_size = batch_size
        self.n_threads = n_threads
        self.n_decode_workers = n_decode_workers
        self.prepare = prepare
        self.max_pixels = max_pixels
        self.crop_fraction = crop_fraction

    # --- sklearn API --------------------------------------------------------------------------------------

    def fit(self, X=None, y=None):
        """Nothing is learned from the images: fit resolves the backbone, names the columns and fixes the
        identity under which features are cached."""
        spec = get_backbone_spec(self.backbone)
        pooling = tuple(self.pooling)
        if not pooling or any(p not in POOLINGS for p in pooling):
            raise ValueError(f"pooling must be a non-empty subset of {POOLINGS}, got {self.pooling!r}")
        if self.prepare not in PREPARE_MODES:
            raise ValueError(f"prepare must be one of {PREPARE_MODES}, got {self.prepare!r}")
        bad_ops = [op for op in self.augment_ops if op not in AUGMENT_OPS]
        if bad_ops:
            raise ValueError(f"unknown augment op {bad_ops[0]!r}; choose from {AUGMENT_OPS}")
        if int(self.n_augment) < 0:
            raise ValueError(f"n_augment must be >= 0, got {self.n_augment}")
        size = int(self.input_size or spec.default_size)
        if size < 8:
            raise ValueError(f"input_size must be at least 8, got {size}")
        if not 0.0 < float(self.crop_fraction) <= 1.0:
            raise ValueError(f"crop_fraction must be in (0, 1], got {self.crop_fraction}")
        layers = tuple(self.layers or spec.default_layers)
        widths = layer_widths(spec, size, layers)

        self.spec_ = spec
        self.input_size_ = size
        self.layers_ = layers
        self.pooling_ = pooling
        names = [
            f"image__{spec.name}_{layer}_{pool}_{i}"
            for layer in layers for pool in pooling for i in range(widths[layer])
        ]
        self.n_cnn_features_ = len(names)
        self.feature_names_ = np.asarray(names + ["image__has_image"], dtype=object)
        identity = {
            "backbone": spec.name,
            "weights_sha256": weights_sha256(spec.weights_path()),
            "input_size": size,
            "mean": list(spec.mean),
            "std": list(spec.std),
            "layers": list(layers),
            "pooling": list(pooling),
            "resize": RESIZE_METHOD.format(crop=float(self.crop_fraction)),
            "version": _IDENTITY_VERSION,
        }
        self.identity_ = json.dumps(identity, sort_keys=True)
        self.identity_hash_ = hashlib.sha256(self.identity_.encode()).hexdigest()[:32]
        return self

    def get_feature_names_out(self, input_features=None):
        self.check_fitted("feature_names_")
        return self.feature_names_.copy()

    def transform(self, X):
        features, errors = self.transform_with_errors(X)
        self.last_errors_ = errors
        return features

    def transform_with_errors(self, X):
        """(matrix (n, d + 1), errors): ``errors[i]`` is ``None`` or "<file name>: <reason>" for item i."""
        features, _, errors = self._featurise(X, n_augment=0)
        return features, errors

    def transform_augmented(self, X):
        """(matrix (n * (1 + n_augment), d + 1), source_index, errors): per image its plain view, then its
        augmented views; ``y[source_index]`` labels the rows. ``errors`` has one entry per input item."""
        return self._featurise(X, n_augment=int(self.n_augment))

    # --- the work -----------------------------------------------------------------------------------------

    def _cache_store(self) -> FeatureCache | None:
        if self.cache is False:
            return None
        return FeatureCache(default_cache_path() if self.cache is None else self.cache)

    def _views(self, sha: str, n_augment: int) -> list[tuple[str, Augmentation | None]]:
        """(cache key, augmentation) of the plain view and each augmented view of one image."""
        base = f"{self.identity_hash_}:{sha}"
        views: list[tuple[str, Augmentation | None]] = [(base, None)]
        ops = tuple(op for op in AUGMENT_OPS if op in self.augment_ops)
        for k in range(1, n_augment + 1):
            seed = int.from_bytes(hashlib.sha256(f"{self.random_state}:{sha}:{k}".encode()).digest()[:8], "little")
            aug = Augmentation.random(np.random.default_rng(seed), flip=(k % 2 == 1), ops=ops)
            views.append((f"{base}:aug:{self.random_state}:{k}:{'+'.join(ops)}", aug))
        return views

    def _featurise(self, X, n_augment: int):
        self.check_fitted("identity_")
        if isinstance(X, (str, bytes, os.PathLike)):
            raise TypeError(
                "expected a list of images (paths, bytes, PIL images or None), got a single "
                f"{type(X).__name__}; wrap it in a list"
            )
        items = list(X)
        n_views = 1 + n_augment
        out = np.zeros((len(items) * n_views, self.n_cnn_features_ + 1), dtype=np.float32)
        source_index = np.repeat(np.arange(len(items)), n_views)
        errors: list[str | None] = [None] * len(items)
        stats = {"cache_hits": 0, "cnn_images": 0}
        store = self._cache_store()

        # 1. read and hash the items, grouping rows by image content so each distinct image is decoded once; the
        # bytes read are held for at most GROUP_BYTES at a time (a chunk of 150 phone photos took 1.6 GB), so a
        # group is featurised and let go before the next is read.
        # A path named by several rows is read and hashed once while its group is held (2,000 rows naming one
        # 11.6 MB photo read and hashed 23 GB: 60 rows/s).
        group, held, read = _Group(), 0, {}
        for i, item in enumerate(items):
            path = os.fspath(item) if isinstance(item, (str, os.PathLike)) else None
            src = read.get(path) if path is not None else None
            if src is None:
                src = read_source(item, i)
                if path is not None:
                    read[path] = src
            if src is None:
                continue
            if src.error:
                errors[i] = src.error
                continue
            if src.sha256 not in group.sources:
                held += _size(src.data)
            group.add(i, src, n_views, self._views(src.sha256, n_augment))
            if held >= GROUP_BYTES:
                self._featurise_group(group, out, errors, store, stats)
                group, held, read = _Group(), 0, {}
        self._featurise_group(group, out, errors, store, stats)
        self.last_stats_ = stats
        return out, source_index, errors

    def _featurise_group(self, group, out, errors, store, stats) -> None:
        dim = self.n_cnn_features_
        # 2. cache lookup
        found = store.get_many(group.rows_of) if store is not None and group.rows_of else {}
        # a vector of another width (a backbone changed under the same weights) or not finite (a damaged file) is
        # a miss, computed again and stored in its place: it crashed the batch, or left its row unscored and unsaid
        unusable = [key for key, vec in found.items() if vec.shape != (dim,) or not np.isfinite(vec).all()]
        if unusable:
            store.drop_many(unusable)
            found = {key: vec for key, vec in found.items() if key not in unusable}
        for key, vec in found.items():
            out[group.rows_of[key], :dim] = vec
            out[group.rows_of[key], dim] = 1.0
        stats["cache_hits"] += len(found)

        # 3. decode the images with a missing view, run the network on them in batches, store the results
        todo = []
        for sha, views in group.views_of.items():
            missing = [(key, aug) for key, aug in views if key not in found]
            if missing:
                todo.append((sha, missing))
        if todo:
            self._run(todo, group, out, errors, store, stats)

    def _decode(self, sha, missing, sources):
        src = sources[sha]
        try:
            arrays = prepare_views(src.data, self.input_size_, [aug for _, aug in missing],
                                   self.max_pixels, float(self.crop_fraction))
            return sha, [key for key, _ in missing], arrays, None
        except ImageDecodeError as exc:
            return sha, [], [], str(exc)

    def _run(self, todo, group, out, errors, store, stats):
        dim, rows_of = self.n_cnn_features_, group.rows_of
        extractor = prepared_extractor(self.spec_, self.input_size_, self.layers_, self.pooling_, self.prepare,
                                       example_batch=int(self.batch_size), n_threads=self.n_threads)
        batch_keys: list[str] = []
        batch_pix: list[np.ndarray] = []

        def flush():
            feats = run_network(extractor, np.stack(batch_pix))
            stats["cnn_images"] += len(batch_keys)
            for key, vec in zip(batch_keys, feats):
                out[rows_of[key], :dim] = vec
                out[rows_of[key], dim] = 1.0
            if store is not None:
                store.put_many(dict(zip(batch_keys, feats)))
            batch_keys.clear()
            batch_pix.clear()

        threads = _torch_threads(self.n_threads) if self.prepare != "onnx" else nullcontext()
        with threads, _decoder(int(self.n_decode_workers)) as submit:
            for sha, keys, arrays, error in _bounded_map(submit, self._decode, todo, group.sources,
                                                         ahead=4 * int(self.batch_size)):
                if error is not None:  # each row names its own file: two files may hold the same bytes
                    for i in group.items_of[sha]:
                        errors[i] = f"{group.labels[i]}: {error}"
                    continue
                batch_keys.extend(keys)
                batch_pix.extend(arrays)
                if len(batch_keys) >= self.batch_size:
                    flush()
            if batch_keys:
                flush()


def run_network(extractor, pixels: np.ndarray) -> np.ndarray:
    """One batch of uint8 pixels through the prepared network (a module-level function so tests can count the
    calls)."""
    if isinstance(extractor, OnnxExtractor):
        return extractor(pixels).astype(np.float32)
    import torch

    with torch.inference_mode():
        return extractor(torch.from_numpy(pixels)).float().numpy()


@contextmanager
def _torch_threads(n_threads):
    if n_threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def _decoder(n_workers: int):
    """submit(fn, *args) -> future-like; n_workers = 0 decodes inline."""
    if n_workers <= 0:
        class _Done:
            def __init__(self, value):
                self._value = value

            def result(self):
                return self._value

        yield lambda fn, *args: _Done(fn(*args))
        return
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="image-decode") as pool:
        yield pool.submit


def _bounded_map(submit, fn, todo, sources, ahead: int):
    """Decode in worker threads at most ``ahead`` images in front of the network, results in order."""
    pending = deque()
    it = iter(todo)
    for sha, missing in it:
        pending.append(submit(fn, sha, missing, sources))
        if len(pending) >= ahead:
            break
    while pending:
        result = pending.popleft().result()
        nxt = next(it, None)
        if nxt is not None:
            pending.append(submit(fn, nxt[0], nxt[1], sources))
        yield result


def make_image_features(**options) -> ImageFeatures:
    """The image feature transformer (see :class:`ImageFeatures` for the options)."""
    return ImageFeatures(**options)


# The most image bytes one call holds at once (see `ImageFeatures._featurise`).
GROUP_BYTES = 128 * 2**20


def _size(data) -> int:
    """Bytes an image source holds: its file's bytes, or a PIL image's pixels."""
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    return data.width * data.height * len(data.getbands())


class _Group:
    """Items read and hashed and not yet featurised: each distinct image (by SHA-256) once, with the output rows
    of each of its views."""

    def __init__(self):
        self.sources = {}  # sha -> ImageSource
        self.rows_of: dict[str, list[int]] = {}  # cache key -> output rows
        self.views_of: dict[str, list] = {}  # sha -> [(cache key, Augmentation | None)]
        self.items_of: dict[str, list[int]] = {}  # sha -> input rows
        self.labels: dict[int, str] = {}  # input row -> how its image is named (its path)

    def add(self, i: int, src, n_views: int, views) -> None:
        self.sources.setdefault(src.sha256, src)
        self.labels[i] = src.label
        self.items_of.setdefault(src.sha256, []).append(i)
        for v, (key, _) in enumerate(self.views_of.setdefault(src.sha256, views)):
            self.rows_of.setdefault(key, []).append(i * n_views + v)
