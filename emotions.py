"""The four emotions, in the one order used everywhere (alphabetical), and the conversions every layer shares.

This module is the root of the import graph: it imports nothing of the project.
"""

from __future__ import annotations

import numpy as np

EMOTIONS: tuple[str, ...] = ("anger", "fear", "joy", "sadness")
EMOTION_INDEX: dict[str, int] = {emotion: i for i, emotion in enumerate(EMOTIONS)}
#: The answer when no emotion of the four is present.
NONE = "none"


def unknown_labels(labels) -> list[str]:
    """The distinct labels that are not one of EMOTIONS, sorted."""
    return sorted({str(label) for label in labels if label not in EMOTION_INDEX})


def one_hot(labels) -> np.ndarray:
    """Emotion names → an (n, 4) 0/1 matrix. Raises ValueError naming the labels that are not emotions."""
    labels = list(labels)
    unknown = unknown_labels(labels)
    if unknown:
        raise ValueError(f"unknown label(s) {unknown[:5]}; expected one of {list(EMOTIONS)}")
    matrix = np.zeros((len(labels), len(EMOTIONS)))
    matrix[np.arange(len(labels)), [EMOTION_INDEX[label] for label in labels]] = 1.0
    return matrix


def answers(targets: np.ndarray) -> np.ndarray:
    """Per row of an (n, 4) 0/1 matrix, the answer it gives: the index of its first emotion, or len(EMOTIONS)
    for a row with none of the four."""
    return np.where(targets.any(axis=1), targets.argmax(axis=1), len(EMOTIONS))


def strongest(probabilities: np.ndarray, threshold: float | None = None) -> list[str]:
    """The most probable emotion of each row of an (n, 4) matrix; "" where a row has no probabilities (NaN).
    With a `threshold` (the probabilities are then independent presence probabilities), a row whose strongest
    emotion is below it gets NONE: no emotion of the four is present."""
    probabilities = np.atleast_2d(probabilities)
    names = np.array([*EMOTIONS, "", NONE], dtype=object)
    filled = np.nan_to_num(probabilities, nan=-1.0)
    best = np.argmax(filled, axis=1)
    if threshold is not None:
        best[filled.max(axis=1) < threshold] = len(EMOTIONS) + 1
    best[~np.isfinite(probabilities).all(axis=1)] = len(EMOTIONS)
    return names[best].tolist()
