"""The emotion network as a model: features → `EmotionNet`, for text only, image only, or both fused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from data.labelled import LabelledData
from models.base import FeatureModel
from models.network.config import NetConfig, NetworkSettings
from models.network.module import EmotionNet, predict_blocks
from models.store import WEIGHTS_FILE, ModelLoadError

# Text features computed from lexicons learned on the training labels (the "learned" group).
LEARNED_PREFIX = "learned__"


def learned_columns(text_names: list[str]) -> np.ndarray:
    return np.flatnonzero([name.startswith(LEARNED_PREFIX) for name in text_names])


class NetworkModel(FeatureModel):
    """The network on the feature blocks; its settings are `NetworkSettings`."""

    Settings = NetworkSettings
    needs_validation = True  # early stopping

    def _fit(self, train: LabelledData, valid: LabelledData | None, seed: int, on_epoch=None, should_stop=None):
        self.featurizer_ = self._featurizer()
        blocks = self.featurizer_.fit_transform(train)
        valid_blocks = self.featurizer_.transform(valid.texts, valid.images)
        config = NetConfig.for_features(blocks.text.shape[1], blocks.image.shape[1], self.settings)
        from models.network.fit import train_network  # training only: inference never imports it

        self.net_, self.log = train_network(
            config, self.settings, blocks, train, valid_blocks, valid, seed=seed, on_epoch=on_epoch,
            should_stop=should_stop, learned_columns=learned_columns(self.featurizer_.feature_names()[:blocks.text.shape[1]]),
        )

    def predict_blocks(self, blocks):
        return predict_blocks(self.net_, blocks, self.presence)

    def _state(self, directory: Path):
        torch.save(self.net_.state_dict(), directory / WEIGHTS_FILE)
        self.config["net_config"] = self.net_.config.to_dict()
        return {"featurizer": self.featurizer_}

    def _restore(self, directory: Path, state) -> None:
        if state is None or not (directory / WEIGHTS_FILE).exists():
            raise ModelLoadError(f"{directory}: missing {WEIGHTS_FILE} or the feature state")
        self.featurizer_ = state["featurizer"]
        self.net_ = EmotionNet(NetConfig(**self.config["net_config"]))
        self.net_.load_state_dict(torch.load(directory / WEIGHTS_FILE, weights_only=True))
        self.net_.eval()


class FusedNetwork(NetworkModel):
    name = "fused_net"
    modalities = ("text", "image")
    description = "multi-output network: text branch + image branch, masked fusion"


class TextNetwork(NetworkModel):
    name = "text_net"
    modalities = ("text",)
    description = "multi-output network on text features only"


class ImageNetwork(NetworkModel):
    name = "image_net"
    modalities = ("image",)
    description = "multi-output network on image features only"
