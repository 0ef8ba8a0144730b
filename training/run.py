"""One training run end to end: fit, score on validation and the bundled test sets, save the run directory."""

from __future__ import annotations

from pathlib import Path

from data.labelled import LabelledData
from data.registry import evaluation_sets
from models.base import EmotionModel


def run_training(model: EmotionModel, train: LabelledData, valid: LabelledData | None, seed: int,
                 out: str | Path, bundled_eval: bool = True, on_epoch=None, should_stop=None) -> dict:
    """Fits the model, fills `model.metrics` ({data set: evaluation}) and saves it to `out`."""
    model.fit(train, valid, seed=seed, on_epoch=on_epoch, should_stop=should_stop)
    metrics = {}
    if valid is not None:
        metrics["valid"] = model.evaluate(valid)
    if bundled_eval:
        for name, data in evaluation_sets(modalities=model.modalities).items():
            metrics[name] = model.evaluate(data)
    model.metrics = metrics
    model.save(out)
    return metrics
