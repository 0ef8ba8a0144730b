"""Saving and loading model directories.

A saved model is a directory: `config.json` (model name, settings, feature names, label order, package
versions, training-data fingerprint, seed), `metrics.json`, `training_log.json`, and the model's state: a torch
`state_dict` (`weights.pt`, loaded with `weights_only=True`) and/or `state.pkl.gz` (fitted scikit-learn objects,
a gzipped pickle). It is unpickled only after its SHA-256 matches the one in `config.json`, and only from
directories this project wrote (run directories and the shipped default model); a user's upload is never
unpickled.
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
from importlib import metadata
from pathlib import Path

import numpy as np

# A plain pickle, not joblib's: the fitted lexicon tables are ~27,000 small arrays, which joblib's per-array
# framing loaded in 2.1 s against pickle's 0.17 s (measured on the default model).
STATE_FILE = "state.pkl.gz"
WEIGHTS_FILE = "weights.pt"
VERSIONED_PACKAGES = ("torch", "scikit-learn", "numpy", "scipy", "pandas", "gensim")
RETRAIN = "retrain it with this version (python cli.py train ...)"


class ModelLoadError(RuntimeError):
    """A saved model cannot be loaded: missing files, a checksum mismatch, or feature names that differ."""


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


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, default=_json_default))


def read_config(directory: Path) -> dict:
    config_path = directory / "config.json"
    if not config_path.is_file():
        raise ModelLoadError(f"{directory}: not a saved model (no config.json)")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{config_path}: not valid JSON ({exc})") from None
    if not isinstance(config, dict):
        raise ModelLoadError(f"{config_path}: not a JSON object")
    return config


def save_directory(directory: str | Path, write_state, make_config, metrics: dict, log: list) -> Path:
    """Writes a model directory atomically: into a temporary sibling, renamed into place at the end.
    `write_state(staging)` writes the weights and returns the picklable fitted state (or None); `make_config()`
    is called after it (writing the weights may add to the config)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        state = write_state(staging)
        config = make_config()
        if state is not None:
            with gzip.open(staging / STATE_FILE, "wb", compresslevel=6) as handle:
                pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
            config["state_sha256"] = sha256_file(staging / STATE_FILE)
        write_json(staging / "config.json", config)
        write_json(staging / "metrics.json", metrics)
        write_json(staging / "training_log.json", log)
        if directory.exists():
            shutil.rmtree(directory)
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def read_state(directory: Path, config: dict):
    """The fitted state of a directory this project wrote (None if it has none), after its checksum matches."""
    path = directory / STATE_FILE
    if not path.exists():
        return None
    if sha256_file(path) != config.get("state_sha256"):
        raise ModelLoadError(f"{path}: checksum differs from config.json; refusing to load it")
    try:
        with gzip.open(path, "rb") as handle:
            return pickle.load(handle)
    except (ModuleNotFoundError, AttributeError, ImportError) as exc:  # the code it names has moved
        raise ModelLoadError(f"{directory}: saved by an older version of this project ({exc}); {RETRAIN}") from None


def read_json(path: Path, default):
    return json.loads(path.read_text()) if path.exists() else default


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
