"""One training run end to end: fit, score on validation and the bundled test sets, save the run directory."""

from __future__ import annotations

from pathlib import Path

from models.base import EmotionModel
from models.labelled_data import LabelledData


def run_training(model: EmotionModel, train: LabelledData, valid: LabelledData | None, seed: int,
                 out: str | Path, bundled_eval: bool = True, on_epoch=None, should_stop=None) -> dict:
    """Fits the model, fills `model.metrics` ({data set: evaluation}) and saves it to `out`."""
    model.fit(train, valid, seed=seed, on_epoch=on_epoch, should_stop=should_stop)
    metrics = {}
    if valid is not None:
        metrics["valid"] = model.evaluate(valid)
    if bundled_eval:
        from models.presets import evaluation_sets

        wanted = {"wassa_test": "text" in model.modalities, "fer_public_test": "image" in model.modalities,
                  "paired_test": set(model.modalities) == {"text", "image"}}
        for name, data in evaluation_sets(wanted).items():
            metrics[name] = model.evaluate(data)
    model.metrics = metrics
    model.save(out)
    return metrics
