"""The multi-output emotion network: a text branch, an image branch, masked fusion, emotion and intensity heads."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from features.featurizer import FeatureBlocks
from models.network.config import NetConfig


def _branch(n_in: int, config: NetConfig) -> nn.Sequential:
    return nn.Sequential(
        nn.Dropout(config.dropout / 2),
        nn.Linear(n_in, config.hidden),
        nn.GELU(),
        nn.Dropout(config.dropout),
        nn.Linear(config.hidden, config.embed),
        nn.GELU(),
    )


class EmotionNet(nn.Module):
    """Each branch maps its features to an embedding; the fusion is the mean of the embeddings of the
    modalities a row has (its mask), so a row with text only, an image only, or both is handled the same way.
    Heads: emotion logits (softmax or per-emotion sigmoid, by the loss) and intensities in [0, 1]."""

    def __init__(self, config: NetConfig):
        super().__init__()
        if not (config.text_dim or config.image_dim):
            raise ValueError("the network needs a text branch, an image branch, or both")
        self.config = config
        self.text = _branch(config.text_dim, config) if config.text_dim else None
        self.image = _branch(config.image_dim, config) if config.image_dim else None
        self.emotion_head = nn.Linear(config.embed, config.n_emotions)
        self.intensity_head = nn.Linear(config.embed, config.n_emotions)
        # Linear paths from the text features straight to both heads (a wide-and-deep layout): emotion and
        # intensity are largely additive in the lexicon scores, which the deep path alone learns more slowly.
        self.text_linear = nn.Linear(config.text_dim, 2 * config.n_emotions) if config.text_dim else None

    def embed(self, text: torch.Tensor | None, image: torch.Tensor | None, mask: torch.Tensor) -> torch.Tensor:
        """mask: (n, 2) floats, column 0 = has text, column 1 = has image."""
        parts, weights = [], []
        for column, branch, features in ((0, self.text, text), (1, self.image, image)):
            if branch is None:
                continue
            weight = mask[:, column:column + 1]
            rows = weight[:, 0] > 0
            if rows.all():
                part = branch(features)
            else:  # run the branch only on the rows that have the modality
                part = torch.zeros(len(mask), self.config.embed, dtype=features.dtype)
                if rows.any():
                    part = part.index_put((rows,), branch(features[rows]))
            parts.append(part * weight)
            weights.append(weight)
        return sum(parts) / torch.clamp(sum(weights), min=1.0)

    def forward(self, text, image, mask) -> tuple[torch.Tensor, torch.Tensor]:
        fused = self.embed(text, image, mask)
        logits, intensity = self.emotion_head(fused), self.intensity_head(fused)
        if self.text_linear is not None:
            wide_logits, wide_intensity = (mask[:, :1] * self.text_linear(text)).chunk(2, dim=1)
            logits, intensity = logits + wide_logits, intensity + wide_intensity
        return logits, torch.sigmoid(intensity)


class EnsembleNet(nn.Module):
    """Networks of one shape trained from different seeds: their emotion logits and intensities, averaged."""

    def __init__(self, members: list[EmotionNet]):
        super().__init__()
        self.config = members[0].config
        self.members = nn.ModuleList(members)

    def forward(self, text, image, mask) -> tuple[torch.Tensor, torch.Tensor]:
        logits, intensities = zip(*(member(text, image, mask) for member in self.members))
        return torch.stack(logits).mean(dim=0), torch.stack(intensities).mean(dim=0)


def _tensors(blocks: FeatureBlocks, rows) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return (torch.as_tensor(blocks.text[rows], dtype=torch.float32),
            torch.as_tensor(blocks.image[rows], dtype=torch.float32),
            torch.as_tensor(blocks.mask[rows], dtype=torch.float32))


def outputs(logits: torch.Tensor, intensity: torch.Tensor, presence: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(probabilities, intensities) from the heads. A presence model's probabilities are independent (sigmoid),
    and its intensity of an emotion is P(present) × how strong the emotion is when present (the head, trained on
    gold intensities only): near 0 for an absent emotion. A 4-way model's are a softmax and the head."""
    if presence:
        probabilities = torch.sigmoid(logits)
        return probabilities, probabilities * intensity
    return torch.softmax(logits, dim=1), intensity


def predict_blocks(net: EmotionNet, blocks: FeatureBlocks, presence: bool, batch: int = 4096):
    """(probabilities, intensities) as numpy arrays, under inference mode: independent presence probabilities
    (sigmoid) for a network trained on presence judgements, else a 4-way choice (softmax)."""
    net.eval()
    probabilities, intensities = [], []
    with torch.inference_mode():
        for start in range(0, len(blocks), batch):
            rows = slice(start, start + batch)
            probability, intensity = outputs(*net(*_tensors(blocks, rows)), presence)
            probabilities.append(probability)
            intensities.append(intensity)
    if not probabilities:
        return np.zeros((0, net.config.n_emotions)), np.zeros((0, net.config.n_emotions))
    return torch.cat(probabilities).numpy().astype(float), torch.cat(intensities).numpy().astype(float)
