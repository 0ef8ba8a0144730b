"""Model name → class, building a model from its settings, and loading a saved model directory."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from pathlib import Path

from models.base import EmotionModel
from models.store import RETRAIN, ModelLoadError, read_config


class _Models(Mapping):
    """Model name → class, each imported on first use: loading a network does not import the baselines'
    scikit-learn, nor the baselines torch."""

    _WHERE = {
        "fused_net": "models.network.model:FusedNetwork",
        "text_net": "models.network.model:TextNetwork",
        "image_net": "models.network.model:ImageNetwork",
        "logreg": "models.baselines:LogisticRegressionBaseline",
        "linear_svm": "models.baselines:LinearSVMBaseline",
        "boosted_trees": "models.baselines:BoostedTreesBaseline",
        "tfidf_logreg": "models.baselines:TfidfBaseline",
        "lexicon_rule": "models.baselines:LexiconRuleBaseline",
    }

    def __getitem__(self, name: str) -> type[EmotionModel]:
        module, _, attribute = self._WHERE[name].partition(":")
        return getattr(import_module(module), attribute)

    def __iter__(self):
        return iter(self._WHERE)

    def __len__(self) -> int:
        return len(self._WHERE)


MODELS: Mapping[str, type[EmotionModel]] = _Models()

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
    from models.network.model import NetworkModel

    return issubclass(model_class(name), NetworkModel)


def load_model(directory: str | Path | None = None, check_features: bool = True) -> EmotionModel:
    """Load a saved model directory (default: the shipped default model).

    With `check_features`, the saved feature names must equal what the current code produces (the image
    columns are checked when the image extractor is first built)."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    config = read_config(directory)
    try:
        cls = model_class(config.get("model", "?"))
    except ValueError as exc:
        raise ModelLoadError(f"{directory}: {exc}") from None
    model = cls.restore(directory, config)
    if check_features:
        saved = config.get("feature_names", [])
        current = model.feature_names()
        if saved != current:
            missing = [n for n in saved if n not in current][:5]
            extra = [n for n in current if n not in saved][:5]
            raise ModelLoadError(
                f"{directory}: the saved model's features differ from what this code produces "
                f"(saved only: {missing}; current only: {extra}); {RETRAIN}"
            )
    return model
