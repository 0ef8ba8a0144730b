"""The model zoo shipped in `models/zoo/`: one model of each kind, trained by one command
(`python cli.py train-zoo`) on the default recipe's data (the WASSA specialist and the previous default on their
own presets' data), so that Compare can answer "which model should I trust" on a fresh clone. The default network
itself is `models/default/` (trained with the `default` preset)."""

from __future__ import annotations

import time
from pathlib import Path

from models.registry import build_model
from training.presets import PRESETS, preset_data
from training.run import run_training

ZOO_DIR = Path(__file__).resolve().parents[1] / "models" / "zoo"


def _preset(name: str) -> tuple[str, str, dict]:
    """A preset as it is: its data, model and settings."""
    return name, PRESETS[name]["model"], PRESETS[name]["settings"]


# name → (preset whose data it is trained on, model, settings). Boosted trees are left out: 5 minutes on
# WASSA-2017 alone, and several on the default recipe's 60,000 rows.
ZOO = {
    "wassa_specialist": _preset("wassa"),
    "every_query_word": _preset("every_query_word"),
    "text_net": ("default", "text_net", {k: v for k, v in PRESETS["default"]["settings"].items()
                                         if k != "image_options"}),
    "logreg": ("default", "logreg", {"image_options": PRESETS["default"]["settings"]["image_options"]}),
    "linear_svm": ("default", "linear_svm", {"image_options": PRESETS["default"]["settings"]["image_options"]}),
    "tfidf_logreg": ("default", "tfidf_logreg", {}),
    "lexicon_rule": ("default", "lexicon_rule", {}),
}


def train_zoo(out: str | Path = ZOO_DIR, names: list[str] | None = None, seed: int = 0, report=print) -> dict:
    """Trains and saves each zoo model (`names`, default all) under `out`; returns name → seconds."""
    unknown = sorted(set(names or []) - set(ZOO))
    if unknown:
        raise ValueError(f"unknown zoo model(s) {unknown}; choose from {list(ZOO)}")
    seconds, data = {}, {}
    for name in names or list(ZOO):
        preset, model_name, settings = ZOO[name]
        if preset not in data:
            data[preset] = preset_data(preset, seed=seed)
        train, valid = data[preset]
        started = time.perf_counter()
        run_training(build_model(model_name, settings), train, valid, seed=seed, out=Path(out) / name)
        seconds[name] = round(time.perf_counter() - started, 1)
        report(f"{name}: {seconds[name]} s")
    return seconds
