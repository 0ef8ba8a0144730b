"""The emotion network as a model: features → `EmotionNet`, for text only, image only, or both fused.

Training runs the torch module; the fitted model keeps its weights as numpy arrays and scores with
`models.network.inference` (no torch). The torch module is rebuilt from them on first use of `net_`
(explanations' gradients and Grad-CAM).
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from data.labelled import LabelledData
from emotions import EMOTIONS
from features.featurizer import refuse_unreadable_images
from models import store
from models.base import MIN_GOLD_INTENSITIES, FeatureModel, usable_cores
from models.network.config import NetConfig, NetworkSettings
from models.network.inference import forward, split_members

# Text features computed from lexicons learned on the training labels (the "learned" group).
LEARNED_PREFIX = "learned__"
# What weights.safetensors may hold beyond its weights: its JSON header of names, shapes and offsets (4 KB for the
# default model's 12 weights; an ensemble of 32 networks, 100 KB).
WEIGHTS_HEADER_BYTES = 2**20


# config.json's list of the emotions the network gives no intensity for (see `NetworkModel.without_untrained`).
UNTRAINED_KEY = "untrained_intensity"


def learned_columns(text_names: list[str]) -> np.ndarray:
    return np.flatnonzero([name.startswith(LEARNED_PREFIX) for name in text_names])



def member_seed(seed: int, member: int) -> int:
    """The seed of the `member`-th network (from 1): seed, seed + 1, ..., wrapped to stay a seed NumPy accepts
    (below 2**32: `--seed 4294967295 --members 2` failed once its features were fitted)."""
    return (seed + member - 1) % 2**32

class NetworkModel(FeatureModel):
    """The network on the feature blocks; its settings are `NetworkSettings`."""

    Settings = NetworkSettings
    needs_validation = True  # early stopping

    def _fit(self, train: LabelledData, valid: LabelledData | None, seed: int, on_epoch=None, should_stop=None):
        self.featurizer_ = self._featurizer()
        blocks = self.featurizer_.fit_transform(train)
        valid_blocks = self.featurizer_.transform(valid.texts, valid.images)
        refuse_unreadable_images(valid, valid_blocks.errors)  # early stopping would read such a row without it
        config = NetConfig.for_features(blocks.text.shape[1], blocks.image.shape[1], self.settings)
        from models.network.fit import gold_intensity_rows, train_member, train_network  # training only
        from models.network.module import EnsembleNet

        columns = learned_columns(self.featurizer_.feature_names()[:blocks.text.shape[1]])

        def record(entry, member):  # each epoch's record says which network it belongs to
            entry["member"] = member
            if on_epoch:
                on_epoch(entry)

        members, processes = range(1, self.settings.members + 1), self.member_processes()
        if processes > 1 and should_stop is None:
            # Networks side by side, one process each (a network trains on one thread: `fit._one_thread`), with the
            # same seeds and so the same weights as one after another; each one's epochs are reported as it ends.
            trained = Parallel(n_jobs=processes)(
                delayed(train_member)(config, self.settings, blocks, train, valid_blocks, valid, seed=member_seed(seed, member),
                                      learned_columns=columns) for member in members)
            for member, (_, log) in zip(members, trained):
                for entry in log:
                    record(entry, member)
        else:  # one after another, so that `should_stop` (the Train page's button) is heard after every epoch
            trained = []
            for member in members:
                trained.append(train_network(config, self.settings, blocks, train, valid_blocks, valid,
                                             seed=member_seed(seed, member), on_epoch=partial(record, member=member),
                                             should_stop=should_stop, learned_columns=columns))
                if should_stop and should_stop():
                    break
        nets = [net for net, _ in trained]
        self.log = [entry for _, log in trained for entry in log]
        if should_stop and should_stop() and self.log:  # the Train page's Stop: the card says where it ended
            self.config["stopped_by_hand"] = {"networks": len(nets), "of_networks": self.settings.members,
                                              "epoch": self.log[-1]["epoch"], "of_epochs": self.settings.epochs}
        net = nets[0] if len(nets) == 1 else EnsembleNet(nets)
        self.weights_ = {name: value.detach().numpy().copy() for name, value in net.state_dict().items()}
        self.config["net_config"] = config.to_dict()
        # The strength head learns an emotion's intensity only from the rows with a gold one (`fit._losses`); from
        # fewer than MIN_GOLD_INTENSITIES it learns next to nothing (README, Models), and the model gives no
        # intensity for that emotion (`UNTRAINED_KEY`). Recorded even when empty: a folder saved before the record
        # lacks the key and gives every intensity, as it always did.
        rows = gold_intensity_rows(train, blocks.mask[:, 0])
        self.config[UNTRAINED_KEY] = [e for e, n in zip(EMOTIONS, rows) if n < MIN_GOLD_INTENSITIES]
        self._net = net.eval()

    def member_processes(self) -> int:
        """How many of its networks train side by side when no stop button is to be heard: one per core."""
        return min(self.settings.members, usable_cores())

    def _calibrate(self, checked: LabelledData, probabilities: np.ndarray) -> bool:
        """Shifts each emotion's logit by `presence_calibration` × its F1-best threshold on the validation rows, the
        rows that choose one emotion (WASSA's query words) and those judged by readers weighing the same; saved
        as `presence_offsets` and folded into the bias of the text's linear path, which only rows with text add
        (the judgements are of texts: a face alone keeps its logits)."""
        share = self.settings.presence_calibration
        biases = [name for name in self.weights_ if name.endswith("text_linear.bias")]  # one per network
        if not share or not biases:
            return False
        from evaluation.metrics import choose_presence_offsets  # training only: scikit-learn

        offsets = share * choose_presence_offsets(checked.presence, probabilities, checked.exclusive)
        for name in biases:  # an ensemble averages its networks' logits: each moves by the offsets
            bias = self.weights_[name].copy()
            bias[:len(offsets)] -= offsets.astype(bias.dtype)  # its first outputs are the emotions' logits
            self.weights_[name] = bias
        self._net = None  # rebuilt from the shifted weights on first use
        self.config["presence_offsets"] = offsets.tolist()
        return True

    def predict_blocks(self, blocks):
        probabilities, intensities = forward(self.weights_, NetConfig(**self.config["net_config"]), blocks.text,
                                             blocks.image, blocks.mask, self.presence)
        return probabilities, self.without_untrained(intensities)

    def emotions_without_intensity(self) -> list[str]:
        return list(self.config.get(UNTRAINED_KEY, []))

    def without_untrained(self, intensities: np.ndarray) -> np.ndarray:
        """`intensities` (n, 4) with NaN for the emotions whose strength head had too few gold intensities to learn
        from (`UNTRAINED_KEY` in config; none in a folder saved before it was recorded); the same array if none."""
        untrained = [EMOTIONS.index(e) for e in self.emotions_without_intensity()]
        if not untrained:
            return intensities
        intensities = np.array(intensities, dtype=float)
        intensities[:, untrained] = np.nan
        return intensities

    @property
    def net_(self):
        """The torch module with these weights (built on first use; training and explanations only)."""
        if getattr(self, "_net", None) is None:
            import torch

            from models.network.module import EmotionNet, EnsembleNet

            config = NetConfig(**self.config["net_config"])
            members = len(split_members(self.weights_))
            net = EmotionNet(config) if members == 1 else EnsembleNet([EmotionNet(config) for _ in range(members)])
            net.load_state_dict({name: torch.from_numpy(value.copy()) for name, value in self.weights_.items()})
            self._net = net.eval()
        return self._net

    def _save(self, directory: Path) -> None:
        store.write_featurizer(directory, self.featurizer_)
        store.write_weights(directory, self.weights_)

    def file_limits(self, config: dict) -> dict[str, tuple[int, str]]:
        """Its weights may take what `settings.members` networks of its net_config take, and their header; without a
        net_config this code builds, no limit can be given (ValueError): the weights are never hashed unbounded."""
        limits = super().file_limits(config)
        try:
            net = NetConfig.from_saved(config.get("net_config"))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cannot load the network: its net_config {exc}") from None
        members = self.settings.members
        floats = sum(math.prod(shape) for shape in net.weight_shapes().values())
        limits[store.WEIGHTS_FILE] = (members * floats * 4 + WEIGHTS_HEADER_BYTES,
                                      f"bytes that the float32 weights of {members} network(s) of its net_config "
                                      f"take, with their header")
        return limits

    def _restore(self, directory: Path) -> None:
        config = NetConfig.from_saved(self.config.get("net_config"))  # `file_limits` refused a bad one already
        untrained = self.config.get(UNTRAINED_KEY, [])
        if not store.is_emotion_list(untrained):
            raise store.ModelLoadError(f"{directory}/config.json: cannot load the network: {UNTRAINED_KEY} is "
                                       f"{store.shown_value(untrained)}, not a list of distinct emotions of "
                                       f"{', '.join(EMOTIONS)}")
        self.featurizer_ = store.read_featurizer(directory)
        self.weights_ = store.read_weights(directory, self.file_limits(self.config)[store.WEIGHTS_FILE])
        try:
            members = split_members(self.weights_)
        except ValueError:
            raise store.ModelLoadError(f"{directory}: weights.safetensors has a network not named members.<number>.") from None
        if any(set(member) != set(members[0]) for member in members):
            raise store.ModelLoadError(f"{directory}: the networks in weights.safetensors do not have the same weights")
        if len(members) > self.settings.members:
            raise store.ModelLoadError(f"{directory}: weights.safetensors holds {len(members)} networks; its settings "
                                       f"say {self.settings.members} (members)")
        self._check_weights(directory, config, members)

    def _check_weights(self, directory: Path, config: NetConfig, members: list[dict]) -> None:
        """The weights are those of the network net_config describes, on the saved features' columns: every one
        there, of its shape, float32 and finite. Else scoring would fail on the first row (or give NaN)."""
        def refuse(what):
            raise store.ModelLoadError(f"{directory}: cannot load the network: {what}")

        widths = self.featurizer_.widths
        if (config.text_dim, config.image_dim) != widths:
            refuse(f"net_config has text_dim {config.text_dim} and image_dim {config.image_dim}; the saved features "
                   f"have {widths[0]} text and {widths[1]} image columns")
        expected = config.weight_shapes()
        missing, extra = sorted(set(expected) - set(members[0])), sorted(set(members[0]) - set(expected))
        if missing or extra:
            refuse(f"weights.safetensors lacks {missing[0]}" if missing else f"weights.safetensors has {extra[0]}, "
                   f"which net_config's network does not")
        for member in members:
            for name, shape in expected.items():
                value = member[name]
                if value.shape != shape:
                    refuse(f"weights.safetensors: {name} has shape {value.shape}; net_config and the features "
                           f"imply {shape}")
                if value.dtype != np.float32:
                    refuse(f"weights.safetensors: {name} is {value.dtype}, not float32")
                if not np.isfinite(value).all():
                    refuse(f"weights.safetensors: {name} holds NaN or infinite values")


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
