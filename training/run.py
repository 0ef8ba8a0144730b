"""One training run end to end: fit, score on validation and the bundled test sets, audit fairness, save the run
directory (with its model card)."""

from __future__ import annotations

import timeit
from functools import partial
from pathlib import Path

from data.bundled import load_eec
from data.labelled import LabelledData
from data.registry import evaluation_sets
from evaluation.fairness import audit
from models.base import MIN_GOLD_INTENSITIES, EmotionModel


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
            if name == "wassa_test":  # scoring speed, text only, after the validation rows warmed the model up:
                # the fastest of three runs (one run of a few thousand tweets is noisy)
                seconds = min(timeit.repeat(partial(model.predict, data.texts), number=1, repeat=3))
                model.config["tweets_per_s"] = round(len(data) / seconds)
        if "text" in model.modalities:
            model.fairness = audit(model, load_eec())
    model.metrics = metrics
    model.save(out)
    return metrics


def overlap_note(shared: int, rows: int, valid: str, train: str) -> str:
    """What a validation file that shares `shared` of its `rows` rows with the training file is warned of."""
    which = "holds the same rows as" if shared == rows else f"has {shared:,} of its {rows:,} rows also in"
    return (f"{valid} {which} {train} (the same text and image): the validation figures (and a network's early "
            f"stopping) measure {'those' if shared < rows else 'the'} training rows")


def training_notes(config: dict) -> list[str]:
    """What a trained model's user should know before using it (the command line and the Train page say it)."""
    notes = []
    if config.get("emotions_unseen"):
        notes.append(f"the training data has no example of {' or '.join(config['emotions_unseen'])}: the model may "
                     f"never say {'them' if len(config['emotions_unseen']) > 1 else 'it'} (its card says so too)")
    if isinstance(config.get("images_not_read"), int):
        notes.append(f"{config.get('model')} reads text only: the images of {config['images_not_read']:,} training "
                     f"row(s) were not read (a model that reads images, such as fused_net, learns from them)")
    if isinstance(config.get("rows_not_read"), int):
        reads = config.get("modalities", [])
        example = " (an image without text)" if reads == ["text"] else " (a text without an image)" if reads == [
            "image"] else ""
        notes.append(f"{config.get('model')} reads {' and '.join(reads)} only: {config['rows_not_read']:,} training "
                     f"row(s) with nothing of that{example} were left out")
    if config.get("none_threshold_note"):
        notes.append(f"none threshold {config['none_threshold_note']}")
    if config.get("no_intensity"):
        missing = config["no_intensity"]
        notes.append(f"no intensity for {' or '.join(missing)}: the rows it trained on had fewer than "
                     f"{MIN_GOLD_INTENSITIES} gold intensities of {'each' if len(missing) > 1 else 'it'} (without a "
                     f"validation file, a tenth of the rows is held out to validate on), so "
                     f"{'those' if len(missing) > 1 else 'that'} intensity_<e> "
                     f"column{'s stay' if len(missing) > 1 else ' stays'} empty (its card says so too)")
    return notes
