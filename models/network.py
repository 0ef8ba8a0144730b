"""The emotion network as a model: features → `EmotionNet`, for text only, image only, or both fused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from models.base import WEIGHTS_FILE, EmotionModel, ModelLoadError, Prediction
from models.featurizer import DEFAULT_TEXT_OPTIONS, Featurizer
from models.labelled_data import LabelledData, hold_out
from models.net import EmotionNet, NetConfig
from models.training import TrainSettings, predict_blocks, train_network

NET_SETTINGS = ("hidden", "embed", "dropout")
# Text features computed from lexicons learned on the training labels: the learned hashtag lexicon and the
# learned word-intensity lexicon.
LEARNED_PREFIXES = ("hashtags__learned", "intensity__")


def learned_columns(text_names: list[str]) -> np.ndarray:
    return np.flatnonzero([name.startswith(LEARNED_PREFIXES) for name in text_names])


class NetworkModel(EmotionModel):
    """settings: hidden, embed, dropout (the network); epochs, batch_size, lr, weight_decay, patience,
    intensity_weight, modality_dropout, pair_fraction, learned_dropout (training); text_options, image_options
    (features)."""

    def __init__(self, **settings):
        settings.setdefault("text_options", DEFAULT_TEXT_OPTIONS)
        super().__init__(**settings)

    def _featurizer(self) -> Featurizer:
        # `modalities` is what the training data had of the model's own (see EmotionModel.fit).
        return Featurizer(
            use_text="text" in self.modalities,
            use_image="image" in self.modalities,
            text_options=self.settings["text_options"],
            image_options=self.settings.get("image_options", {}),
        )

    def _fit(self, train: LabelledData, valid: LabelledData | None, seed: int, on_epoch=None, should_stop=None):
        if valid is None or not len(valid):
            train, valid = hold_out(train, seed)
        self.featurizer_ = self._featurizer()
        blocks = self.featurizer_.fit_transform(train)
        valid_blocks = self.featurizer_.transform(valid.texts, valid.images)
        config = NetConfig(
            text_dim=blocks.text.shape[1], image_dim=blocks.image.shape[1],
            **{k: self.settings[k] for k in NET_SETTINGS if k in self.settings},
        )
        fields = TrainSettings.__dataclass_fields__
        settings = TrainSettings(**{k: v for k, v in self.settings.items() if k in fields})
        self.net_, self.log = train_network(
            config, settings, blocks, train.labels, train.intensity, valid_blocks, valid.labels, valid.intensity,
            multi_label=train.multi_label, seed=seed, on_epoch=on_epoch, should_stop=should_stop,
            learned_columns=learned_columns(self.featurizer_.feature_names()[:blocks.text.shape[1]]),
        )

    def _predict(self, texts: list[str], images: list) -> Prediction:
        blocks = self.featurizer_.transform(texts, images)
        probabilities, intensities = predict_blocks(self.net_, blocks, self.info.get("multi_label", False))
        return Prediction(probabilities, intensities, list(blocks.errors))

    def predict_blocks(self, blocks):
        return predict_blocks(self.net_, blocks, self.info.get("multi_label", False))

    def feature_names(self, current: bool = False) -> list[str]:
        return self.featurizer_.feature_names(current)

    def _state(self, directory: Path):
        torch.save(self.net_.state_dict(), directory / WEIGHTS_FILE)
        self.info["net_config"] = self.net_.config.to_dict()
        return {"featurizer": self.featurizer_}

    def _restore(self, directory: Path, state) -> None:
        if state is None or not (directory / WEIGHTS_FILE).exists():
            raise ModelLoadError(f"{directory}: missing {WEIGHTS_FILE} or the feature state")
        self.featurizer_ = state["featurizer"]
        self.net_ = EmotionNet(NetConfig(**self.info["net_config"]))
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
