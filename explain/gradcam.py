"""The image branch's own reading of an image, and a Grad-CAM heat map of the regions that drove it.

Grad-CAM (Selvaraju et al. 2017) explains the *emotion*, not an ImageNet class: the image features are recomputed
differentiably, with the very options the model's extractor was fitted with (backbone, input size, crop, layers,
pooling): the same decoded pixels (`prepare_views`) → the backbone's feature maps → the extractor's own pooling
module (`FeatureExtractor`) → the featurizer's standardisation → the
network with the text mask off → the emotion's logit (its score before the sigmoid or softmax, as Grad-CAM takes
it: a log-probability's gradient shrinks to nothing for a confident answer). Its gradient with respect to the output of the
backbone's last convolutional block (`BackboneSpec.gradcam_layer`) weighs that block's channels.
The cached extractor is traced and frozen (batch norm folded into the convolutions); the eager recomputation here
matches it to float32 rounding (tests/explain/test_gradcam.py checks it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageOps

from emotions import EMOTIONS
from features.image.backbones import load_backbone
from features.image.decode import ImageDecodeError, prepare_views, read_source
from features.image.torch_extractor import FeatureExtractor
from models.network.module import outputs


@dataclass
class ImageExplanation:
    pixels: np.ndarray  # (s, s, 3) uint8: the crop the CNN saw
    probabilities: np.ndarray  # (4,) the image branch's own reading: the network with the text mask off
    intensities: np.ndarray  # (4,); NaN for an emotion the model gives no intensity for
    emotion: str  # the emotion the heat map explains
    heatmap: np.ndarray  # (s, s) in [0, 1]

    def overlay(self, alpha: float = 0.5) -> np.ndarray:
        """The crop with the heat map laid over it (blue = cold, red = hot)."""
        heat = Image.fromarray(np.uint8(np.round(self.heatmap * 255)), "L")
        coloured = ImageOps.colorize(heat, black="#2c3e9e", mid="#f7e35b", white="#d7191c")
        return np.asarray(Image.blend(Image.fromarray(self.pixels), coloured, alpha))


# The backbone is shared by every dashboard session (threads); its hook must see one forward pass at a time.
_HOOK_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _backbone(spec, input_size: int, crop_fraction: float):
    """An eager copy of the backbone, loaded once per process; its weights need no gradients, its maps do."""
    backbone = load_backbone(spec, input_size=input_size, crop_fraction=crop_fraction)
    backbone.model.requires_grad_(False)
    if backbone.gradcam_layer is None:
        raise ValueError(f"backbone {spec.name!r} names no Grad-CAM layer (BackboneSpec.gradcam_layer)")
    return backbone


def image_pixels(model, image) -> np.ndarray:
    """(s, s, 3) uint8: the image as the model's extractor decodes, crops and resizes it."""
    extractor = model.featurizer_.image_extractor
    source = read_source(image, 0)
    if source is None or source.error:
        raise ImageDecodeError(source.error if source else "no image given")
    views = prepare_views(source.data, extractor.input_size_, [None], extractor.max_pixels,
                          float(extractor.crop_fraction))
    return views[0]


def differentiable_features(model, pixels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(pooled CNN features (1, d); the network's image block, those features standardised (1, d); the Grad-CAM
    layer's output (1, C, h, w)), with gradients flowing from the block back to that output."""
    featurizer = model.featurizer_
    options = featurizer.image_extractor
    backbone = _backbone(options.spec_, options.input_size_, float(options.crop_fraction))
    captured = {}

    def keep_maps(module, inputs, output):
        captured["maps"] = output.detach().requires_grad_()  # a leaf: the gradient is taken with respect to it
        return captured["maps"]

    with _HOOK_LOCK:
        hook = backbone.gradcam_layer.register_forward_hook(keep_maps)
        try:
            with torch.inference_mode(False), torch.enable_grad():
                pooled = FeatureExtractor(options.spec_, backbone.model, options.layers_, options.pooling_)(
                    torch.tensor(pixels[None]))
                block = featurizer.standardise_image(pooled)
        finally:
            hook.remove()
    return pooled, block, captured["maps"]


def explain_image(model, image, emotion: str | None = None) -> ImageExplanation:
    """The image branch's reading of `image` (path, bytes or PIL image) and a Grad-CAM map for `emotion`
    (default: the emotion the image branch itself rates highest). Raises `ImageDecodeError` for an unusable
    image and ValueError for a model without an image branch."""
    if "image" not in model.modalities or getattr(model, "net_", None) is None:
        raise ValueError(f"{model.name} has no image branch to explain")
    pixels = image_pixels(model, image)
    net = model.net_.eval()
    with torch.inference_mode(False), torch.enable_grad():
        _, block, maps = differentiable_features(model, pixels)
        text = torch.zeros(1, net.config.text_dim)
        logits, intensities = net(text, block, torch.tensor([[0.0, 1.0]]))  # text mask off: the image alone
        presence = model.presence
        probabilities, intensities = outputs(logits, intensities, presence)
        target = EMOTIONS.index(emotion) if emotion else int(probabilities.argmax())
        (gradient,) = torch.autograd.grad(logits[0, target], maps)
    weights = gradient.mean(dim=(2, 3), keepdim=True)  # Grad-CAM: channel weight = mean gradient over the map
    cam = torch.relu((weights * maps.detach()).sum(dim=1, keepdim=True))
    size = pixels.shape[:2]
    cam = torch.nn.functional.interpolate(cam, size=size, mode="bilinear", align_corners=False)[0, 0].numpy()
    heatmap = cam / cam.max() if cam.max() > 0 else np.zeros(size)
    # As the model's own scoring: no intensity (NaN) for an emotion its strength head had too few gold intensities of.
    intensities = model.without_untrained(intensities.detach().numpy().astype(float))
    return ImageExplanation(pixels, probabilities[0].detach().numpy().astype(float), intensities[0],
                            EMOTIONS[target], heatmap)
