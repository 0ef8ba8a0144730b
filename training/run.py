"""One training run end to end: fit, score on validation and the bundled test sets, audit fairness, save the run
directory (with its model card)."""

from __future__ import annotations

import time
from pathlib import Path

from data.bundled import load_eec
from data.labelled import LabelledData
from data.registry import evaluation_sets
from evaluation.fairness import audit
from models.base import EmotionModel


def _fastest(call, argument, repeats: int = 3) -> float:
    """The shortest of `repeats` timings of call(argument), in seconds: one run of a few thousand tweets is noisy."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call(argument)
        timings.append(time.perf_counter() - started)
    return min(timings)


def run_training(model: EmotionModel, train: LabelledData, valid: LabelledData | None, seed: int,
                 out: str | Path, bundled_eval: bool = True, on_epoch=None, should_stop=None) -> dict:
    """Fits the model, fills `model.metrics` ({data set: evaluation}) and, with `bundled_eval`, `model.fairness`
    (the audit on the Equity Evaluation Corpus, for a model that reads text), and saves it to `out`."""
    model.fit(train, valid, seed=seed, on_epoch=on_epoch, should_stop=should_stop)
    metrics = {}
    if valid is not None:
        metrics["valid"] = model.evaluate(valid)
    if bundled_eval:
        for name, data in evaluation_sets(modalities=model.modalities).items():
            metrics[name] = model.evaluate(data)
            if name == "wassa_test":  # scoring speed, text only, after the validation rows warmed the model up
                model.config["tweets_per_s"] = round(len(data) / _fastest(model.predict, data.texts))
        if "text" in model.modalities:
            model.fairness = audit(model, load_eec())
    model.metrics = metrics
    model.save(out)
    return metrics
