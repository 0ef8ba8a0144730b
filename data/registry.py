"""The one registry of named data sets: what a model can be trained on (`TRAINING_SETS`, as (train, valid)) and
what every run is scored on (`EVALUATION_SETS`), each with what it holds.

The bundled data has no tweet with an image, so the fusion is trained on text-only tweets (WASSA-2017) and
image-only faces (FER2013), and checked on three kinds of input: tweets alone, faces alone, and test tweets each
paired with a test face of the same label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from data.bundled import load_everyday, load_fer, load_wassa
from data.labelled import LabelledData, hold_out
from emotions import one_hot

# --- the bundled sets as labelled rows ---------------------------------------------------------------------------


def _tweets(frame, source: str) -> LabelledData:
    labels = one_hot(frame.label)
    given = frame.intensity.to_numpy(dtype=float)[:, None] if "intensity" in frame else np.nan
    intensity = np.where(labels > 0, given, np.nan)
    return LabelledData(frame.text.tolist(), [None] * len(frame), labels, intensity, source=source)


def wassa(split: str) -> LabelledData:
    """WASSA-2017 tweets of one split, with the intensity of their labelled emotion."""
    return _tweets(load_wassa(split), f"wassa2017/{split}")


def everyday() -> LabelledData:
    """The hand-written everyday check tweets (data/everyday/SOURCES.md): no intensities."""
    return _tweets(load_everyday(), "everyday/check")


def fer(split: str) -> LabelledData:
    from PIL import Image

    images, names = load_fer(split)
    faces = [Image.fromarray(image, mode="L") for image in images]
    labels = one_hot(names)
    return LabelledData([""] * len(faces), faces, labels, np.full(labels.shape, np.nan), source=f"fer2013/{split}")


_HASHTAG_RE = re.compile(r"#\w+")


def without_hashtags(data: LabelledData) -> LabelledData:
    """The same rows with every #hashtag removed: WASSA's tweets were collected with emotion hashtags, so this
    is a rough check of how a model holds up on tweets that were not."""
    texts = [_HASHTAG_RE.sub(" ", text) for text in data.texts]
    return LabelledData(texts, list(data.images), data.labels.copy(), data.intensity.copy(),
                        source=f"{data.source} without hashtags")


def paired(texts: LabelledData, images: LabelledData, seed: int = 0) -> LabelledData:
    """Each text row with an image row of the same label, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    text_label, image_label = texts.labels.argmax(axis=1), images.labels.argmax(axis=1)
    chosen = [rng.choice(np.flatnonzero(image_label == label)) for label in text_label]
    return LabelledData(list(texts.texts), [images.images[i] for i in chosen], texts.labels.copy(),
                        texts.intensity.copy(), source=f"{texts.source}+{images.source}")


def _concat(parts: list[tuple[LabelledData, LabelledData]]) -> tuple[LabelledData, LabelledData]:
    return tuple(LabelledData.concat([p[k] for p in parts], source="+".join(p[k].source for p in parts))
                 for k in (0, 1))


# --- training sets -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingSet:
    description: str
    load: Callable[[int], tuple[LabelledData, LabelledData]]  # seed → (train, valid)


# Small ones first: the Train page is for watching a network learn in seconds.
TRAINING_SETS: dict[str, TrainingSet] = {
    "wassa": TrainingSet("WASSA-2017 tweets: train 3,613, validation = dev 347 (text)",
                         lambda seed: (wassa("train"), wassa("dev"))),
    "fer_sample": TrainingSet("FER2013 faces: a balanced 2,000 of the training faces, 10% held out for validation "
                              "(images)", lambda seed: hold_out(fer("train_sample"), seed)),
    "wassa+fer_sample": TrainingSet("both of the above (text-only and image-only rows; the fused network pairs "
                                    "them)", lambda seed: _concat([(wassa("train"), wassa("dev")),
                                                                   hold_out(fer("train_sample"), seed)])),
    "wassa+fer": TrainingSet("WASSA-2017 train + all 20,137 FER2013 training faces; validation: WASSA-2017 dev + a "
                             "10% stratified hold-out of the faces (the default model's data; slow: minutes)",
                             lambda seed: _concat([(wassa("train"), wassa("dev")), hold_out(fer("train"), seed)])),
}


def training_set(name: str, seed: int = 0) -> tuple[LabelledData, LabelledData]:
    """(train, valid) of one of TRAINING_SETS."""
    if name not in TRAINING_SETS:
        raise ValueError(f"unknown training set {name!r}; choose from {list(TRAINING_SETS)}")
    return TRAINING_SETS[name].load(seed)


# --- evaluation sets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationSet:
    description: str
    modalities: frozenset  # what a model must read to be scored on it
    load: Callable[[dict], LabelledData]  # a per-call memo of shared parts → the set


def _memo(memo: dict, key: str, make):
    if key not in memo:
        memo[key] = make()
    return memo[key]


def _test_tweets(memo):
    return _memo(memo, "tweets", lambda: wassa("test"))


def _test_faces(memo):
    return _memo(memo, "faces", lambda: fer("public_test"))


TEXT, IMAGE = frozenset({"text"}), frozenset({"image"})
# In ranking order: saved runs are ranked by the macro-F1 of the first of these they have.
EVALUATION_SETS: dict[str, EvaluationSet] = {
    "wassa_test": EvaluationSet("WASSA-2017 test tweets (text)", TEXT, _test_tweets),
    "fer_public_test": EvaluationSet("FER2013 public-test faces (images)", IMAGE, _test_faces),
    "paired_test": EvaluationSet("WASSA-2017 test tweets, each with a FER2013 face of its label (text + image)",
                                 TEXT | IMAGE, lambda memo: paired(_test_tweets(memo), _test_faces(memo))),
    "wassa_test_no_hashtags": EvaluationSet("WASSA-2017 test tweets without their hashtags (text)", TEXT,
                                            lambda memo: without_hashtags(_test_tweets(memo))),
    "everyday_check": EvaluationSet("64 hand-written everyday tweets, unlike WASSA-2017's (text; a rough check)",
                                    TEXT, lambda memo: everyday()),
}
#: How saved runs are ranked: the first of these data sets their metrics have.
RANKING = (*EVALUATION_SETS, "valid")


def evaluation_sets(names=None, modalities=None) -> dict[str, LabelledData]:
    """The named evaluation sets (default: all), or those a model reading `modalities` is scored on (sets that
    need both text and images only for a model that reads both)."""
    if names is None:
        names = [name for name, spec in EVALUATION_SETS.items()
                 if modalities is None or spec.modalities <= set(modalities)]
    unknown = [name for name in names if name not in EVALUATION_SETS]
    if unknown:
        raise ValueError(f"unknown evaluation set(s) {unknown}; choose from {list(EVALUATION_SETS)}")
    memo: dict = {}
    return {name: EVALUATION_SETS[name].load(memo) for name in names}


def evaluation_set(name: str) -> LabelledData:
    return evaluation_sets([name])[name]


__all__ = ["TRAINING_SETS", "EVALUATION_SETS", "RANKING", "training_set", "evaluation_sets",
           "evaluation_set", "wassa", "fer", "everyday", "paired", "without_hashtags"]
