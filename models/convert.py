"""Converting a model folder of the earlier format (a pickle, `state.pkl.gz`) into the data-only format.

The only place in the project that unpickles: `python cli.py convert --model-dir DIR --trust`. Unpickling can
run any code the file holds, so it happens only when the user says they trust the folder, once; the converted
folder loads without it.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np

from models import store
from models.registry import load_model, saved_model_class


def _modern_featurizer(featurizer):
    """The earlier `Featurizer` held its text features as scikit-learn's Pipeline(tokens, FeatureUnion(groups)),
    gensim vectors for word2vec trained in fit, and the image extractor itself."""
    from features.text.pipeline import TextFeatures
    from features.text.word_vectors import WordVectors

    text = getattr(featurizer, "text_features_", None)
    if text is not None and hasattr(text, "named_steps"):
        modern = TextFeatures(text.named_steps["tokens"], list(text.named_steps["features"].transformer_list))
        modern.n_features_in_ = 1
        for _, group in modern.groups:
            vectors = getattr(group, "keyed_vectors_", None)
            if vectors is not None and not isinstance(vectors, WordVectors):
                group.keyed_vectors_ = WordVectors(list(vectors.index_to_key), vectors.vectors)
        featurizer.text_features_ = modern
    extractor = featurizer.__dict__.pop("image_features_", None)
    if extractor is not None:
        featurizer.image_names_ = np.asarray(extractor.get_feature_names_out(), dtype=str)
    return featurizer


def legacy_config(directory: Path) -> dict:
    """The config of a folder of the earlier format; `ModelLoadError` for a folder already in the current one,
    which has nothing to convert (nothing is unpickled here, so the user is told before being asked for trust)."""
    config = store.read_config(directory)
    if "format" in config:  # a pickle planted in such a folder is no old folder's state: it is never unpickled
        state_path = directory / store.LEGACY_STATE
        planted = f"; its {store.LEGACY_STATE} is not part of it: refusing to unpickle it" if state_path.exists() else ""
        raise store.ModelLoadError(f"{directory}: already in the current format (format "
                                   f"{str(config['format'])[:20]}){planted}")
    return config


def convert_legacy(directory: Path, out: Path | None = None) -> Path:
    """Reads an earlier-format folder (unpickling its state: only for a folder the user trusts) and writes it
    in the current format to `out` (default: in place). Returns the folder written."""
    directory = Path(directory)
    config = legacy_config(directory)
    state_path = directory / store.LEGACY_STATE
    if (why := store.unconvertible(directory, config)) is not None:  # nothing convert can read
        raise store.ModelLoadError(why)
    cls = saved_model_class(directory, config)  # before anything is unpickled: a folder of no known model is refused
    state = {}  # none: a model whose state was all in config.json (the lexicon rule)
    if state_path.exists():
        if store.sha256_file(state_path) != config.get("state_sha256"):
            raise store.ModelLoadError(f"{state_path}: checksum differs from config.json; refusing to convert it")
        try:
            with gzip.open(state_path, "rb") as handle:
                state = pickle.load(handle)  # the user said --trust
        except Exception as exc:  # whatever a damaged pickle raises: EOFError, UnpicklingError, gzip's OSError...
            raise store.ModelLoadError(f"{state_path}: cannot be read ({type(exc).__name__}: {exc})") from None
    model = cls(config.get("settings", {}))
    model.config = {k: v for k, v in config.items() if k not in ("feature_names", "state_sha256")}
    model.modalities = tuple(config.get("modalities", cls.modalities))
    for name, value in state.items():
        setattr(model, f"{name}_", _modern_featurizer(value) if name == "featurizer" else value)
    if (directory / "weights.pt").exists():
        import torch

        try:
            weights = torch.load(directory / "weights.pt", weights_only=True)  # tensors only, no code
        except Exception as exc:  # cut short or damaged: torch's RuntimeError, pickle's errors
            raise store.ModelLoadError(f"{directory / 'weights.pt'}: cannot be read ({exc})") from None
        model.weights_ = {name: value.numpy().copy() for name, value in weights.items()}
    model.metrics = store.read_json(directory / "metrics.json", {})
    model.log = store.read_json(directory / "training_log.json", [])
    target = Path(out) if out is not None else directory

    def loads(written: Path) -> None:  # before it replaces anything: converting in place keeps the old folder else
        try:
            load_model(written)
        except store.ModelLoadError as exc:
            raise store.ModelLoadError(f"{directory}: converted, it does not load, so nothing was written to {target} "
                                       f"({str(exc).replace(str(written), str(target))})") from None

    model.save(target, check=loads)
    return target
