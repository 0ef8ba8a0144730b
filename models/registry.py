"""Model name → class, building a model from its settings, and loading a saved model directory."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from pathlib import Path

import numpy as np

from models.base import EmotionModel
from models.store import RETRAIN, ModelLoadError, check_config, folder_identity, read_config


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
ZOO_DIR = Path(__file__).resolve().parent / "zoo"  # the shipped model zoo (`cli.py train-zoo`)


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


# Scored once while loading (`load_model`): a folder that loads but cannot score is refused there, with its name, not
# on a user's first tweet. Lexicon words, a negation, a hashtag and an emoticon; and an empty text.
TRIAL_TEXTS = ["", "Not happy at all, so angry and scared #sad :("]


def load_model(directory: str | Path | None = None, check_features: bool = True) -> EmotionModel:
    """Load a saved model directory (default: the shipped default model).

    With `check_features`, the saved feature names must equal what the current code produces (the image
    columns are checked when the image extractor is first built). Anything wrong with the folder is a
    ModelLoadError naming it, in one line."""
    directory = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    for attempt in range(READ_ATTEMPTS):
        folder = folder_identity(directory)
        try:
            model = _load(directory, check_features)
        except Exception as exc:
            if attempt + 1 < READ_ATTEMPTS and folder_identity(directory) != folder:
                continue  # a save or `audit --save` put a new folder in its place while it was read: read that one
            if isinstance(exc, ModelLoadError):
                raise
            # what a crafted folder makes one of the readers raise, short of memory too
            raise ModelLoadError(f"{directory}: cannot load the model ({type(exc).__name__}: {exc})") from exc
        if folder_identity(directory) == folder:
            break
        # Read without an error, but a new folder took its place meanwhile: its files are checked against
        # config.json before they are read, not as they are read, so the weights and the audit may be the new
        # folder's beside the old one's config. Read the new one whole.
    else:
        raise ModelLoadError(f"{directory}: replaced by another save each of the {READ_ATTEMPTS} times it was read; "
                             f"load it again once that save is done")
    _score_trial(model, directory)
    return model


READ_ATTEMPTS = 3


def saved_model_class(directory: Path, config: dict) -> type[EmotionModel]:
    """The class of the model a folder's config.json names; ModelLoadError when it names none."""
    name = config.get("model", "?")
    if not isinstance(name, str):  # a list or an object would fail as "unhashable type: 'list'"
        raise ModelLoadError(f"{directory}/config.json: model is {str(name)[:40]}, not a name; valid names: "
                             f"{', '.join(MODELS)}")
    try:
        return model_class(name)
    except ValueError as exc:
        raise ModelLoadError(f"{directory}: {exc}") from None


def _load(directory: Path, check_features: bool) -> EmotionModel:
    config = read_config(directory)
    cls = saved_model_class(directory, config)
    check_config(directory, config, cls.modalities)
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


def _score_trial(model: EmotionModel, directory: Path) -> None:
    """Scores TRIAL_TEXTS: what the checks of each file did not foresee fails here."""
    try:
        prediction = model.predict(TRIAL_TEXTS)
    except Exception as exc:
        raise ModelLoadError(f"{directory}: cannot load the model: scoring a test tweet fails "
                             f"({type(exc).__name__}: {exc})") from exc
    probabilities = prediction.probabilities[1]
    if "text" in model.modalities and not (np.isfinite(probabilities).all() and (0 <= probabilities).all()
                                           and (probabilities <= 1).all()):
        raise ModelLoadError(f"{directory}: cannot load the model: a test tweet gets the probabilities "
                             f"{np.round(probabilities, 3).tolist()}, not numbers in [0, 1]")
