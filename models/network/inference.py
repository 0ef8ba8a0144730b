"""The network's forward pass in numpy, from its saved weights: scoring needs no torch (1.5 s to import).

It computes what `EmotionNet.forward` + `module.outputs` compute in inference mode (dropout off), in float32
as torch does; a test holds the two to 1e-6 on the default model.
"""

from __future__ import annotations

import numpy as np
from scipy.special import erf, expit, softmax

from models.network.config import NetConfig

_SQRT_HALF = np.float32(np.sqrt(0.5))


def _gelu(x: np.ndarray) -> np.ndarray:
    """torch's exact GELU: x · Φ(x)."""
    return x * (np.float32(0.5) * (np.float32(1.0) + erf(x * _SQRT_HALF)))


def _linear(weights: dict[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    return x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"]


def _branch(weights: dict[str, np.ndarray], name: str, x: np.ndarray) -> np.ndarray:
    # EmotionNet's branch: Dropout, Linear (index 1), GELU, Dropout, Linear (index 4), GELU
    return _gelu(_linear(weights, f"{name}.4", _gelu(_linear(weights, f"{name}.1", x))))


def forward(weights: dict[str, np.ndarray], config: NetConfig, text: np.ndarray, image: np.ndarray,
            mask: np.ndarray, presence: bool) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, intensities) as float64 arrays, as `models.network.module.predict_blocks` gives them."""
    n = len(mask)
    mask = mask.astype(np.float32)
    fused = np.zeros((n, config.embed), dtype=np.float32)
    total = np.zeros((n, 1), dtype=np.float32)
    for column, name, features, dim in ((0, "text", text, config.text_dim), (1, "image", image, config.image_dim)):
        if not dim:
            continue
        weight = mask[:, column:column + 1]
        rows = np.flatnonzero(weight[:, 0] > 0)  # a branch runs only on the rows that have its modality
        if len(rows):
            fused[rows] += _branch(weights, name, features[rows].astype(np.float32)) * weight[rows]
        total += weight
    fused /= np.maximum(total, np.float32(1.0))
    logits = _linear(weights, "emotion_head", fused)
    strength = _linear(weights, "intensity_head", fused)
    if config.text_dim:
        wide = mask[:, :1] * _linear(weights, "text_linear", text.astype(np.float32))
        logits += wide[:, :config.n_emotions]
        strength += wide[:, config.n_emotions:]
    strength = expit(strength)
    if presence:
        probabilities = expit(logits)
        return probabilities.astype(float), (probabilities * strength).astype(float)
    return softmax(logits, axis=1).astype(float), strength.astype(float)
