"""The network's settings: its shape (`NetConfig`, saved with the weights) and everything a user chooses for a
network model (`NetworkSettings`: shape, training and features)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from models.settings import FeatureSettings, in_range


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
        in_range("hidden", self.hidden, 1, 4096)
        in_range("embed", self.embed, 1, 4096)
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
