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


MEMBERS_PREFIX = "members."  # the weights of an ensemble (`module.EnsembleNet`): members.<i>.<name>


def split_members(weights: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """The weights of each network of an ensemble, in order; a single network's weights as a list of one."""
    if not any(name.startswith(MEMBERS_PREFIX) for name in weights):
        return [weights]
    members: dict[int, dict] = {}
    for name, value in weights.items():
        index, _, rest = name[len(MEMBERS_PREFIX):].partition(".")
        members.setdefault(int(index), {})[rest] = value
    return [members[index] for index in sorted(members)]


def _heads(weights: dict[str, np.ndarray], config: NetConfig, text: np.ndarray, image: np.ndarray,
           mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One network's emotion logits and intensities in [0, 1] (`EmotionNet.forward`)."""
    n = len(mask)
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
    return logits, expit(strength)


def forward(weights: dict[str, np.ndarray], config: NetConfig, text: np.ndarray, image: np.ndarray,
            mask: np.ndarray, presence: bool) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, intensities) as float64 arrays, as `models.network.module.predict_blocks` gives them; an
    ensemble's logits and intensities are averaged over its networks first."""
    mask = mask.astype(np.float32)
    heads = [_heads(member, config, text, image, mask) for member in split_members(weights)]
    logits = np.mean([head[0] for head in heads], axis=0, dtype=np.float32)
    strength = np.mean([head[1] for head in heads], axis=0, dtype=np.float32)
    if presence:
        probabilities = expit(logits)
        return probabilities.astype(float), (probabilities * strength).astype(float)
    return softmax(logits, axis=1).astype(float), strength.astype(float)
