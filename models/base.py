"""What every model shares: fit, predict, evaluate, save and load through one interface.

A saved model is a directory: `config.json` (model name, settings, feature options and names, label order,
package versions, training-data fingerprint, seed), `metrics.json`, `training_log.json`, and the model's
state: a torch `state_dict` (`weights.pt`, loaded with `weights_only=True`) and/or `state.pkl.gz` (fitted
scikit-learn objects, a gzipped pickle). It is unpickled only after its SHA-256 matches the one in `config.json`,
and only from directories this project wrote (run directories and the shipped default model); a user's
upload is never unpickled.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import pickle
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from features.emotions import EMOTIONS
from models.evaluation import evaluate_predictions
from models.labelled_data import LabelledData

# A plain pickle, not joblib's: the fitted lexicon tables are ~27,000 small arrays, which joblib's per-array
# framing loaded in 2.1 s against pickle's 0.17 s (measured on the default model).
STATE_FILE = "state.pkl.gz"
WEIGHTS_FILE = "weights.pt"
VERSIONED_PACKAGES = ("torch", "scikit-learn", "numpy", "scipy", "pandas", "gensim")


class ModelLoadError(RuntimeError):
    """A saved model cannot be loaded: missing files, a checksum mismatch, or feature names that differ."""


@dataclass
class Prediction:
    probabilities: np.ndarray  # (n, 4); NaN rows where the row could not be scored
    intensities: np.ndarray  # (n, 4) in [0, 1]; NaN where the model gives none
    errors: list  # per row: None or a message

    @property
    def emotions(self) -> list[str]:
        return ["" if not np.isfinite(p).all() else EMOTIONS[int(np.argmax(p))] for p in self.probabilities]


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class EmotionModel:
    """Subclasses set `name` and `modalities` and implement `_fit`, `_predict`, `_state` and `_restore`."""

    name: str = ""
    modalities: tuple[str, ...] = ("text",)
    description: str = ""

    def __init__(self, **settings):
        self.settings = settings
        self.log: list[dict] = []
        self.metrics: dict = {}
        self.info: dict = {}

    # --- training -----------------------------------------------------------------------------------------

    def fit(self, train: LabelledData, valid: LabelledData | None = None, seed: int = 0, on_epoch=None,
            should_stop=None) -> "EmotionModel":
        rows = self._usable_rows(train)
        if not len(rows):
            raise ValueError(f"{self.name} reads {' or '.join(self.modalities)}; the training data has no such rows")
        train = train.subset(rows)
        # A modality the training data lacks cannot be learned: the model reads only what it was trained on.
        present = {"text": train.has_text.any(), "image": train.has_image.any()}
        self.modalities = tuple(m for m in self.modalities if present[m])
        if valid is not None:
            valid = valid.subset(self._usable_rows(valid))
        started = time.perf_counter()
        self._fit(train, valid, seed, on_epoch=on_epoch, should_stop=should_stop)
        self.info = {
            "model": self.name,
            "modalities": list(self.modalities),
            "settings": self.settings,
            "emotions": list(EMOTIONS),
            "multi_label": bool(train.multi_label),
            "seed": int(seed),
            "train_rows": len(train),
            "train_source": train.source,
            "train_fingerprint": train.fingerprint(),
            "train_seconds": round(time.perf_counter() - started, 2),
            "versions": package_versions(),
        }
        return self

    def _usable_rows(self, data: LabelledData) -> np.ndarray:
        usable = np.zeros(len(data), dtype=bool)
        if "text" in self.modalities:
            usable |= data.has_text
        if "image" in self.modalities:
            usable |= data.has_image
        return np.flatnonzero(usable)

    # --- prediction ---------------------------------------------------------------------------------------

    def predict(self, texts: list, images: list | None = None) -> Prediction:
        """Scores rows of optional text and optional image. A row the model cannot read gets NaN
        probabilities and an error message; the other rows are scored all the same."""
        texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
        images = list(images) if images is not None else [None] * len(texts)
        if len(images) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(images)} images")
        prediction = self._predict(texts, images)
        for i, (text, image) in enumerate(zip(texts, images)):
            readable = ("text" in self.modalities and text.strip()) or (
                "image" in self.modalities and image is not None and prediction.errors[i] is None)
            if not readable:
                if prediction.errors[i] is None:
                    wanted = " or ".join(self.modalities)
                    prediction.errors[i] = f"nothing to score: this model reads {wanted}, and the row has none"
                prediction.probabilities[i] = np.nan
                prediction.intensities[i] = np.nan
        return prediction

    def evaluate(self, data: LabelledData) -> dict:
        prediction = self.predict(data.texts, data.images)
        scored = np.flatnonzero(np.isfinite(prediction.probabilities).all(axis=1))
        result = evaluate_predictions(data.labels[scored], prediction.probabilities[scored],
                                      data.intensity[scored], prediction.intensities[scored],
                                      multi_label=self.info.get("multi_label", data.multi_label))
        result["rows_not_scored"] = int(len(data) - len(scored))
        return result

    # --- persistence --------------------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        """Writes the model directory atomically: into a temporary sibling, renamed into place at the end."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        try:
            state = self._state(staging)
            config = dict(self.info, feature_names=self.feature_names())
            if state is not None:
                with gzip.open(staging / STATE_FILE, "wb", compresslevel=6) as handle:
                    pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
                config["state_sha256"] = sha256_file(staging / STATE_FILE)
            (staging / "config.json").write_text(json.dumps(config, indent=2, default=_json_default))
            (staging / "metrics.json").write_text(json.dumps(self.metrics, indent=2, default=_json_default))
            (staging / "training_log.json").write_text(json.dumps(self.log, indent=2, default=_json_default))
            if directory.exists():
                shutil.rmtree(directory)
            os.replace(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return directory

    def save_metrics(self, directory: str | Path) -> None:
        (Path(directory) / "metrics.json").write_text(json.dumps(self.metrics, indent=2, default=_json_default))

    @classmethod
    def restore(cls, directory: Path, config: dict) -> "EmotionModel":
        model = cls(**config.get("settings", {}))
        model.info = {k: v for k, v in config.items() if k not in ("feature_names", "state_sha256")}
        model.modalities = tuple(config.get("modalities", cls.modalities))
        state = None
        if (directory / STATE_FILE).exists():
            expected = config.get("state_sha256")
            if sha256_file(directory / STATE_FILE) != expected:
                raise ModelLoadError(f"{directory / STATE_FILE}: checksum differs from config.json; refusing to load it")
            with gzip.open(directory / STATE_FILE, "rb") as handle:
                state = pickle.load(handle)
        model._restore(directory, state)
        metrics_path = directory / "metrics.json"
        model.metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
        log_path = directory / "training_log.json"
        model.log = json.loads(log_path.read_text()) if log_path.exists() else []
        return model

    # --- for subclasses -----------------------------------------------------------------------------------

    def feature_names(self, current: bool = False) -> list[str]:
        """The model's input columns; with `current`, as the running code would produce them."""
        return []

    def _fit(self, train: LabelledData, valid: LabelledData | None, seed: int, on_epoch=None, should_stop=None):
        raise NotImplementedError

    def _predict(self, texts: list[str], images: list) -> Prediction:
        raise NotImplementedError

    def _state(self, directory: Path):
        """The picklable fitted state (or None); may also write other files (weights) into `directory`."""
        raise NotImplementedError

    def _restore(self, directory: Path, state) -> None:
        raise NotImplementedError


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
