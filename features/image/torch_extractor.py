"""The pooled feature extractor as a torch module (the ONNX export, the TorchScript paths and Grad-CAM)."""

from __future__ import annotations

import torch
from torch import nn

from features.image.backbones import BackboneSpec


class FeatureExtractor(nn.Module):
    """uint8 pixels (N, H, W, 3) → pooled features (N, D), normalisation included."""

    def __init__(self, spec: BackboneSpec, model: nn.Module, layers: tuple[str, ...], pooling: tuple[str, ...]):
        super().__init__()
        self.model = model
        self._feature_maps = spec.feature_maps
        self.layers = tuple(layers)
        self.pooling = tuple(pooling)
        self.register_buffer("mean", torch.tensor(spec.mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(spec.std, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        x = (pixels.permute(0, 3, 1, 2).float() - self.mean) / self.std
        maps = self._feature_maps(self.model, x)
        parts = []
        for layer in self.layers:
            m = maps[layer]
            for pool in self.pooling:
                if m.dim() == 2:
                    parts.append(m)
                elif pool == "mean":
                    parts.append(m.mean(dim=(2, 3)))
                else:
                    parts.append(m.amax(dim=(2, 3)))
        return torch.cat(parts, dim=1)
