"""The network's settings: its shape (`NetConfig`, saved with the weights) and everything a user chooses for a
network model (`NetworkSettings`: shape, training and features)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from emotions import EMOTIONS
from models.settings import FeatureSettings, in_range

MAX_UNITS = 4096  # the most units a layer may have (`hidden`, `embed`)
# The most feature columns a branch may read in a saved model; the default model's: 125 text, 2,944 image.
MAX_FEATURE_COLUMNS = 100_000


@dataclass(frozen=True)
class NetworkSettings(FeatureSettings):
    # the network
    hidden: int = 128  # units of each branch's hidden layer
    embed: int = 64  # size of each branch's embedding
    dropout: float = 0.3
    # training
    epochs: int = 60  # at most; early stopping on validation macro-F1 usually ends sooner
    batch_size: int = 256
    lr: float = 1e-3  # AdamW learning rate
    weight_decay: float = 1e-3
    patience: int = 8  # epochs without a better validation score before stopping
    intensity_weight: float = 2.0  # weight of the intensity loss against the emotion loss
    presence_weight: float = 1.0  # weight of the presence loss (rows with human judgements) against the 4-way one
    # Positive judgements of an emotion weigh (absent / present)^presence_balance in the presence loss: 0 learns
    # each collection's base rates, 1 weighs present and absent alike (what F1 at a fixed 0.5 rewards).
    presence_balance: float = 1.0
    modality_dropout: float = 0.3  # chance that a paired row loses one of its two modalities
    pair_fraction: float = 0.5  # paired (tweet, same-label image) rows per epoch, as a share of the text rows
    # Chance that a text row's features from lexicons learned on the training labels are set to their mean (0)
    # for a step. WASSA-2017's labels are its query words, so those features carry the collection's own cues;
    # hiding them makes the network also read the general lexicons and word vectors (see README, Models).
    learned_dropout: float = 0.0
    # After training, a presence model's logits are shifted per emotion towards the F1-best threshold on the
    # validation rows (`evaluation.metrics.choose_presence_offsets`), by this share of the way: 0 leaves them, 1 goes
    # all the way. The shift is folded into the bias of the text's linear path (rows with text only), so every
    # engine scores with it.
    presence_calibration: float = 0.0
    # Networks trained from seeds seed, seed + 1, ...; the model averages their logits and intensities (the
    # features are fitted once). More members: less that hangs on one seed, for that many times the training.
    members: int = 1

    def _check(self) -> None:
        in_range("hidden", self.hidden, 1, MAX_UNITS)
        in_range("embed", self.embed, 1, MAX_UNITS)
        in_range("epochs", self.epochs, 1, 10_000)
        in_range("members", self.members, 1, 32)
        in_range("batch_size", self.batch_size, 1, 1_000_000)
        in_range("patience", self.patience, 1)
        in_range("lr", self.lr, 0, 10, low_open=True)
        in_range("weight_decay", self.weight_decay, 0)
        in_range("intensity_weight", self.intensity_weight, 0)
        in_range("presence_weight", self.presence_weight, 0)
        in_range("presence_balance", self.presence_balance, 0, 1)
        in_range("presence_calibration", self.presence_calibration, 0, 1)
        in_range("pair_fraction", self.pair_fraction, 0)
        for name in ("dropout", "modality_dropout", "learned_dropout"):
            in_range(name, getattr(self, name), 0, 1, high_open=True)


@dataclass(frozen=True)
class NetConfig:
    """The shape of an `EmotionNet`, saved in config.json beside its weights so that loading needs nothing else."""

    hidden: int
    embed: int
    dropout: float
    text_dim: int = 0  # 0: no text branch
    image_dim: int = 0  # 0: no image branch
    n_emotions: int = 4

    @classmethod
    def for_features(cls, text_dim: int, image_dim: int, settings: NetworkSettings) -> "NetConfig":
        return cls(settings.hidden, settings.embed, settings.dropout, text_dim, image_dim)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_saved(cls, values) -> "NetConfig":
        """The `net_config` of a saved model's config.json, if it is one this code builds: whole numbers within
        limits, a dropout in [0, 1), at least one branch, the four emotions. Else ValueError saying what is wrong."""
        names = [item.name for item in fields(cls)]
        if not isinstance(values, dict):
            raise ValueError(f"is not an object of {', '.join(names)}")
        unknown = sorted(set(values) - set(names))
        missing = [name for name in names[:3] if name not in values]
        if unknown or missing:
            raise ValueError(f"has {'no ' + ', '.join(missing) if missing else 'unknown ' + ', '.join(unknown)}")
        config = cls(**values)
        for name, low, high in (("hidden", 1, MAX_UNITS), ("embed", 1, MAX_UNITS), ("text_dim", 0, MAX_FEATURE_COLUMNS),
                                ("image_dim", 0, MAX_FEATURE_COLUMNS), ("n_emotions", len(EMOTIONS), len(EMOTIONS))):
            value = getattr(config, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ValueError(f"{name}={value!r}: must be a whole number in [{low}, {high}]")
        dropout = config.dropout
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) or not 0 <= dropout < 1:
            raise ValueError(f"dropout={config.dropout!r}: must be a number in [0, 1)")
        if not (config.text_dim or config.image_dim):
            raise ValueError("has neither a text branch nor an image branch (text_dim and image_dim are 0)")
        return config

    def weight_shapes(self) -> dict[str, tuple[int, ...]]:
        """Name → shape of every weight of an `EmotionNet` of this shape, as its `state_dict` names them."""
        shapes: dict[str, tuple[int, ...]] = {}
        for branch, width in (("text", self.text_dim), ("image", self.image_dim)):
            if width:  # `module._branch`: Linear at index 1, Linear at index 4
                shapes |= {f"{branch}.1.weight": (self.hidden, width), f"{branch}.1.bias": (self.hidden,),
                           f"{branch}.4.weight": (self.embed, self.hidden), f"{branch}.4.bias": (self.embed,)}
        for head in ("emotion_head", "intensity_head"):
            shapes |= {f"{head}.weight": (self.n_emotions, self.embed), f"{head}.bias": (self.n_emotions,)}
        if self.text_dim:
            shapes |= {"text_linear.weight": (2 * self.n_emotions, self.text_dim),
                       "text_linear.bias": (2 * self.n_emotions,)}
        return shapes
