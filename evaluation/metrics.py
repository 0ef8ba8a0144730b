"""Metrics every model is judged by: macro-F1, accuracy, per-emotion P/R/F1, confusion matrix, intensity Pearson."""

from __future__ import annotations

import numpy as np
from scipy.special import logit
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from emotions import EMOTIONS, answers


def _named(truth: np.ndarray, guess: np.ndarray, multi_label: bool) -> list[int]:
    """The emotions (column or class numbers) that the gold labels or the predictions name at least once."""
    if multi_label:
        named = [i for i in range(len(EMOTIONS)) if truth[:, i].any() or guess[:, i].any()]
        return named or list(range(len(EMOTIONS)))
    return sorted(set(truth.tolist()) | set(guess.tolist())) or list(range(len(EMOTIONS)))


PRESENT_AT = 0.5  # the probability at which multi-label data counts an emotion as found


def evaluate_predictions(
    labels: np.ndarray,
    probabilities: np.ndarray,
    intensity_true: np.ndarray | None = None,
    intensity_pred: np.ndarray | None = None,
    multi_label: bool = False,
    threshold: float | None = None,
) -> dict:
    """labels: (n, 4) 0/1; probabilities: (n, 4). Single-label data is scored on the argmax of its rows that have
    a label; multi-label data on each emotion's probability ≥ 0.5 (its confusion matrix is then one 2×2 matrix
    per emotion). Rows with no label are rows with no emotion of the four: with a model's `threshold` for saying
    "none", `none_f1` is the F1 of saying it (GoEmotions' neutral comments, for one)."""
    labelled = labels.any(axis=1)
    none_rows = ~labelled
    all_probabilities = probabilities
    if multi_label:
        truth, guess = labels.astype(int), (probabilities >= PRESENT_AT).astype(int)
        matrix = {e: confusion_matrix(truth[:, i], guess[:, i], labels=[0, 1]).tolist() for i, e in enumerate(EMOTIONS)}
        accuracy = float(accuracy_score(truth, guess))  # exact-match ratio
    else:
        labels, probabilities = labels[labelled], probabilities[labelled]
        intensity_true = intensity_true[labelled] if intensity_true is not None else None
        intensity_pred = intensity_pred[labelled] if intensity_pred is not None else None
        truth, guess = labels.argmax(axis=1), probabilities.argmax(axis=1)
        matrix = confusion_matrix(truth, guess, labels=range(len(EMOTIONS))).tolist()
        accuracy = float(accuracy_score(truth, guess))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guess, labels=None if multi_label else list(range(len(EMOTIONS))), zero_division=0
    )
    result = {
        "n": int(len(labels)),
        # over the emotions the data or the model names: one in neither (a file of angry and sad tweets, a model
        # that never said joy) is no error, not an F1 of 0
        "macro_f1": float(f1_score(truth, guess, average="macro", zero_division=0,
                                   labels=_named(truth, guess, multi_label))),
        "accuracy": accuracy,
        "per_emotion": {
            e: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                "support": int(support[i])}
            for i, e in enumerate(EMOTIONS)
        },
        "confusion_matrix": matrix,
        # what the matrix holds: one 2×2 per emotion for multi-label data, else one 4×4 over the emotions
        "confusion_matrix_order": "per emotion, rows: true absent, present; columns: predicted absent, present"
        if multi_label else "rows: true, columns: predicted, in the order " + ", ".join(EMOTIONS),
    }
    if none_rows.any():  # counted also for a 4-way model, which cannot say none: `n` leaves them out
        result["none_rows"] = int(none_rows.sum())
        if threshold is not None:
            said_none = all_probabilities.max(axis=1) < threshold
            result["none_f1"] = float(f1_score(none_rows, said_none, zero_division=0))
    if intensity_true is not None and intensity_pred is not None and np.isfinite(intensity_true).any():
        pearson, unanswered = {}, []
        from scipy.stats import pearsonr  # here, not at the top: scipy.stats alone takes 0.4 s to import

        for i, emotion in enumerate(EMOTIONS):
            known = np.isfinite(intensity_true[:, i]) & np.isfinite(intensity_pred[:, i])
            # undefined (NaN, which is no JSON number) when either side is constant: a file that rates every
            # tweet 1, or a model that gives one intensity
            rated = known.sum() >= 3 and np.ptp(intensity_true[known, i]) > 0
            if rated and np.ptp(intensity_pred[known, i]) > 0:
                pearson[emotion] = float(pearsonr(intensity_true[known, i], intensity_pred[known, i])[0])
            elif rated or (np.isfinite(intensity_true[:, i]).sum() >= 3
                           and not np.isfinite(intensity_pred[:, i]).any()):
                unanswered.append(emotion)
        # A model that gives no intensity for an emotion the data rates (too few gold intensities of it in its
        # training), or one intensity for every row, has no mean: one over the other emotions would not compare
        # with other models' means (a model with a constant fear intensity scored above one whose fear was weak).
        if pearson:
            result["pearson"] = pearson
            if not unanswered:
                result["pearson_mean"] = float(np.mean(list(pearson.values())))
    return result


def messages_note(result: dict) -> str:
    """What `evaluate` left out, for a result with `rows_with_messages`: the first message follows it."""
    not_scored = result["rows_not_scored"]
    left_out = (f"{not_scored} of them not scored (the figures leave those out)" if not_scored else
                "all of them scored (each a note on a row read all the same)")
    return f"{result['rows_with_messages']} row(s) have a message, {left_out}; first:"


def choose_none_threshold(presence: np.ndarray, probabilities: np.ndarray) -> float | None:
    """The presence probability below which a model says "none": the one that best separates, on rows judged
    to have at most one emotion of the four, those with none from those with one and tells which (macro-F1 over
    the five answers). None when the rows hold no such judgement."""
    judged = np.isfinite(presence).all(axis=1) & (np.nan_to_num(presence).sum(axis=1) <= 1)
    truth = answers(presence[judged])
    if not (truth == len(EMOTIONS)).any():
        return None
    best, strongest = probabilities[judged].max(axis=1), probabilities[judged].argmax(axis=1)
    grid = np.round(np.arange(0.05, 0.951, 0.025), 3)
    scores = [f1_score(truth, np.where(best < t, len(EMOTIONS), strongest), average="macro",
                       labels=list(range(len(EMOTIONS) + 1)), zero_division=0) for t in grid]
    return float(grid[int(np.argmax(scores))])


def choose_presence_offsets(presence: np.ndarray, probabilities: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Per emotion, the logit threshold (−4 to 4 by 0.05) that maximises presence F1 on the rows judged for all four
    emotions, each group of rows (`groups`, one label per row: a collection, or a kind of label) weighing the same.
    Subtracted from a model's logits it moves each emotion's 0.5 to that threshold. Zeros where no row is judged."""
    judged = np.isfinite(presence).all(axis=1) & np.isfinite(probabilities).all(axis=1)
    if not judged.any():
        return np.zeros(len(EMOTIONS))
    presence, groups = presence[judged], np.asarray(groups)[judged]
    logits = logit(np.clip(probabilities[judged], 1e-12, 1 - 1e-12))
    _, index, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weight = 1.0 / counts[index]
    grid = np.round(np.linspace(-4.0, 4.0, 161), 2)
    return np.array([grid[int(np.argmax([f1_score(presence[:, j], logits[:, j] >= t, sample_weight=weight,
                                                  zero_division=0) for t in grid]))] for j in range(len(EMOTIONS))])
