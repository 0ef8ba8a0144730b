"""Model name → class, building a model from its settings, and loading a saved model directory."""

from __future__ import annotations

from pathlib import Path

from models.base import EmotionModel
from models.baselines import (
    BoostedTreesBaseline,
    LexiconRuleBaseline,
    LinearSVMBaseline,
    LogisticRegressionBaseline,
    TfidfBaseline,
)
from models.network.model import FusedNetwork, ImageNetwork, NetworkModel, TextNetwork
from models.store import RETRAIN, ModelLoadError, read_config

MODELS: dict[str, type[EmotionModel]] = {
    cls.name: cls
    for cls in (FusedNetwork, TextNetwork, ImageNetwork, LogisticRegressionBaseline, LinearSVMBaseline,
                BoostedTreesBaseline, TfidfBaseline, LexiconRuleBaseline)
}

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"


def model_class(name: str) -> type[EmotionModel]:
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(MODELS)}") from None


def build_model(name: str, settings: dict | None = None, **values) -> EmotionModel:
    """A new, unfitted model; unknown settings raise ValueError naming the valid ones."""
    return model_class(name)(settings, **values)


def is_network(name: str) -> bool:
    """Whether a registered model is the network (it has epochs, hidden sizes and a learning rate)."""
    return issubclass(model_class(name), NetworkModel)


def load_model(directory: str | Path | None = None, check_features: bool = True) -> EmotionModel:
    """Load a saved model directory (default: the shipped default model).

    With `check_features`, the saved feature names must equal what the current code produces."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config = read_config(directory)
    try:
        cls = model_class(config.get("model", "?"))
    except ValueError as exc:
        raise ModelLoadError(f"{directory}: {exc}") from None
    model = cls.restore(directory, config)
    if check_features:
        saved = config.get("feature_names", [])
        current = model.feature_names(current=True)
        if saved != current:
            missing = [n for n in saved if n not in current][:5]
            extra = [n for n in current if n not in saved][:5]
            raise ModelLoadError(
                f"{directory}: the saved model's features differ from what this code produces "
                f"(saved only: {missing}; current only: {extra}); {RETRAIN}"
            )
    return model
