"""Model name → class. Every model trains, saves, loads, evaluates and scores through `EmotionModel`."""

from __future__ import annotations

import json
from pathlib import Path

from models.base import EmotionModel, ModelLoadError
from models.baselines import (
    BoostedTreesBaseline,
    LexiconRuleBaseline,
    LinearSVMBaseline,
    LogisticRegressionBaseline,
    TfidfBaseline,
)
from models.network import FusedNetwork, ImageNetwork, TextNetwork

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


def build_model(name: str, **settings) -> EmotionModel:
    return model_class(name)(**settings)


def load_model(directory: str | Path | None = None, check_features: bool = True) -> EmotionModel:
    """Load a saved model directory (default: the shipped default model).

    With `check_features`, the saved feature names must equal what the current code produces."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise ModelLoadError(f"{directory}: not a saved model (no config.json)")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{config_path}: not valid JSON ({exc})") from None
    model = model_class(config.get("model", "?")).restore(directory, config)
    if check_features:
        saved = config.get("feature_names", [])
        current = model.feature_names(current=True)
        if saved != current:
            missing = [n for n in saved if n not in current][:5]
            extra = [n for n in current if n not in saved][:5]
            raise ModelLoadError(
                f"{directory}: the saved model's features differ from what this code produces "
                f"(saved only: {missing}; current only: {extra}); retrain it with this version"
            )
    return model
