"""The one registry of named data: the collections a model can be trained on (`SOURCES`, each declaring what it
supervises), named mixes of them (`TRAINING_SETS`, as (train, valid)), and what every run is scored on
(`EVALUATION_SETS`), each with what it holds.

The bundled data has no tweet with an image, so the fusion is trained on text-only tweets and image-only faces
(FER2013), and checked on three kinds of input: tweets alone, faces alone, and test tweets each paired with a
test face of the same label.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from data.bundled import (
    load_everyday,
    load_fer,
    load_goemotions,
    load_semeval_ec_dev,
    load_semeval_ei_reg_dev,
    load_wassa,
    load_wassa_relabels,
)
from data.labelled import LabelledData, hold_out
from emotions import EMOTIONS, answers, one_hot

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


def _judged(frame, source: str) -> LabelledData:
    """Rows with human presence judgements: the four emotions' 0/1 columns, all zeros meaning none of them."""
    presence = frame[list(EMOTIONS)].to_numpy(dtype=float)
    return LabelledData(frame.text.tolist(), [None] * len(frame), presence, np.full(presence.shape, np.nan),
                        multi_label=True, source=source)


def wassa_relabelled(split: str) -> LabelledData:
    """WASSA-2017 tweets of a split with their query-word label and gold intensity, and, for the tweets SemEval-2018
    E-c re-annotated (97 %), the human judgement of which emotions are present."""
    frame = load_wassa(split)
    data = _tweets(frame, f"wassa2017/{split}+relabels")
    relabels = load_wassa_relabels()
    relabels = relabels[relabels.wassa_split == split].astype({"wassa_id": str}).set_index("wassa_id")
    data.presence = relabels.reindex(frame.id.astype(str))[list(EMOTIONS)].to_numpy(dtype=float)  # NaN: not judged
    return data


def goemotions(split: str) -> LabelledData:
    """GoEmotions comments (Reddit) with human judgements of the four emotions; a comment with none of them
    (neutral, or only disgust or surprise) is a row with no emotion."""
    return _judged(load_goemotions(split), f"goemotions/{split}")


def goemotions_single(split: str) -> LabelledData:
    """The GoEmotions comments with exactly one label that is one of the four, or only `neutral` (rows with no
    label): a 4-way choice and a "none" outcome, as the team's shared generalisation check measures them."""
    frame = load_goemotions(split)
    labels = frame.drop(columns=["id", "text"])
    keep = (labels.sum(axis=1) == 1) & (labels[list(EMOTIONS) + ["neutral"]].sum(axis=1) == 1)
    data = _judged(frame[keep.to_numpy()], f"goemotions/{split} single-label")
    data.multi_label = False
    return data


def semeval_ec_dev() -> LabelledData:
    """SemEval-2018 E-c dev tweets: which of the four emotions are present (all zeros: none)."""
    return _judged(load_semeval_ec_dev(), "semeval2018/ec_dev")


def semeval_ei_reg_dev() -> LabelledData:
    """SemEval-2018 EI-reg dev: a tweet and the gold intensity of one emotion per row (a tweet may have several)."""
    return _tweets(load_semeval_ei_reg_dev(), "semeval2018/ei_reg_dev")


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


# --- training sources and sets ------------------------------------------------------------------------------


def _answers(data: LabelledData) -> np.ndarray:
    """Per row, the answer its labels give (see `emotions.answers`)."""
    return answers(data.association_targets())


def balanced(data: LabelledData, power: float = 0.5) -> LabelledData:
    """The rows reweighted so that no answer dominates (GoEmotions is 40 % joy): weight ∝ count^-power, mean 1."""
    answers = _answers(data)
    counts = np.bincount(answers, minlength=len(EMOTIONS) + 1).astype(float)
    weight = counts[answers] ** -power
    return data.with_weight(data.weight * weight / weight.mean())


def _wassa(judged: bool, labelled: bool, agreed: bool = False):
    train, valid = (wassa_relabelled(s) if judged else wassa(s) for s in ("train", "dev"))
    if not labelled:  # the human judgements alone, without the query word and the intensity of its emotion
        train, valid = (d.subset(np.flatnonzero(np.isfinite(d.presence).all(axis=1))) for d in (train, valid))
        for d in (train, valid):
            d.exclusive[:] = False
            d.intensity[:] = np.nan
    if agreed:  # validation keeps every query word: early stopping reads WASSA-2017 dev as before
        train = where_readers_agree(train)
    return train, valid


def where_readers_agree(data: LabelledData) -> LabelledData:
    """The rows whose readers judged their query word's emotion absent lose the query word (`exclusive`): they
    supervise what readers found present, and their gold intensity, only. Rows no reader judged keep it."""
    query = data.labels.argmax(axis=1)
    disowned = np.nan_to_num(data.presence, nan=1.0)[np.arange(len(data)), query] == 0
    out = data.renamed(data.source.replace("wassa2017/", "wassa_agreed/").replace("+relabels", ""))
    out.exclusive = data.exclusive & ~disowned
    return out


@dataclass(frozen=True)
class Source:
    description: str
    supervises: str  # what its labels say, for the README and the Train page
    load: Callable[[int], tuple[LabelledData, LabelledData]]  # seed → (train, valid)
    terms: str = ""  # the data's terms, in short (data/SOURCES.md has them whole), for model cards


_NRC_TERMS = "NRC research use; commercial use needs NRC's permission; do not redistribute"
_FER_TERMS = "FER2013 (Goodfellow et al. 2013, Kaggle): research and non-commercial use; image copyright unclear"


SOURCES: dict[str, Source] = {
    "wassa": Source("WASSA-2017 tweets: train 3,613, validation = dev 347",
                    "the query word each tweet was collected with (one of four) and its intensity",
                    lambda seed: _wassa(judged=False, labelled=True), _NRC_TERMS),
    "relabels": Source("SemEval-2018 E-c's human judgements of the WASSA-2017 train and dev tweets (3,834)",
                       "which emotions a reader finds present, all zeros for none",
                       lambda seed: _wassa(judged=True, labelled=False), _NRC_TERMS),
    "wassa_agreed": Source("WASSA-2017 tweets with their human judgements, as wassa+relabels, but a tweet whose "
                           "readers judged its query word's emotion absent (1,301 of the 3,613) loses the query word",
                           "the query word where readers agree with it, which emotions readers find present, and "
                           "the gold intensity", lambda seed: _wassa(judged=True, labelled=True, agreed=True),
                           _NRC_TERMS),
    "goemotions": Source("GoEmotions Reddit comments: 43,410 train, 10% held out for validation; balanced so that "
                         "joy does not dominate", "which emotions a reader finds present, all zeros for none",
                         lambda seed: tuple(balanced(d) for d in hold_out(goemotions("train"), seed, by=_answers)),
                         "Apache-2.0 (Demszky et al. 2020)"),
    "fer": Source("FER2013 faces: all 20,137 training faces, 10% held out for validation (slow: minutes)",
                  "the emotion of the face (one of four)", lambda seed: hold_out(fer("train"), seed), _FER_TERMS),
    "fer_sample": Source("FER2013 faces: a balanced 2,000 of the training faces, 10% held out for validation",
                         "the emotion of the face (one of four)", lambda seed: hold_out(fer("train_sample"), seed),
                         _FER_TERMS),
}


def training_set(name: str, seed: int = 0, weights: dict | None = None) -> tuple[LabelledData, LabelledData]:
    """(train, valid) of sources joined by "+" or "," (e.g. "wassa+relabels+goemotions"). "wassa" and "relabels"
    together are one set of rows: each WASSA tweet with its query word, intensity and human judgement.
    `weights` scale each source's rows in the loss."""
    names = [part.strip() for part in re.split(r"[+,]", name) if part.strip()]  # "wassa, goemotions" too
    unknown = [part for part in names if part not in SOURCES]
    if unknown or not names:
        # a file of one's own is not a source: it is trained on alone (`cli.py train --train`, an upload)
        files = [part for part in unknown if Path(part).suffix.lower() in (".csv", ".tsv", ".tab", ".txt")
                 or "/" in part or Path(part).is_file()]
        hint = (f"; {files[0]} is a file: train on it with --train {files[0]} (or upload it on the Train page); a "
                f"labelled file of yours is trained on by itself, not mixed with the bundled sources") if files else ""
        close = [match for part in unknown for match in difflib.get_close_matches(part.lower(), SOURCES, n=1)]
        guess = f" (did you mean {', '.join(repr(match) for match in close)}?)" if close and not files else ""
        raise ValueError(f"unknown training source(s) {unknown or [name]}{guess}; choose from {list(SOURCES)}, "
                         f"joined with '+' or ',' (named sets: {list(TRAINING_SETS)}){hint}")
    if "wassa_agreed" in names and {"wassa", "relabels"} & set(names):
        raise ValueError("wassa_agreed already holds WASSA-2017's tweets with their judgements; train it without "
                         "wassa and relabels")
    weights = dict(weights or {})
    unknown = sorted(set(weights) - set(names))
    if unknown:
        raise ValueError(f"weights for source(s) {unknown} that are not among {names}")
    bad = {part: weight for part, weight in weights.items() if not 0 < weight < 1e6}  # NaN fails too
    if bad:
        raise ValueError(f"source weights must be positive numbers below 1,000,000 (to leave a source out, leave "
                         f"it out of the sources); got {bad}")
    parts = []
    for part in dict.fromkeys(names):
        if part == "relabels" and "wassa" in names:
            continue  # the same tweets: merged into the WASSA rows
        merged = part == "wassa" and "relabels" in names
        train, valid = _wassa(judged=True, labelled=True) if merged else SOURCES[part].load(seed)
        weight = weights.get(part, 1.0) * (weights.get("relabels", 1.0) if merged else 1.0)
        parts.append((train.with_weight(train.weight * weight), valid))
    return _concat(parts) if len(parts) > 1 else parts[0]


# Named mixes for the Train page, small ones first: it is for watching a network learn in seconds.
TRAINING_SETS: dict[str, str] = {
    "wassa": SOURCES["wassa"].description + " (text)",
    "fer_sample": SOURCES["fer_sample"].description + " (images)",
    "wassa+fer_sample": "both of the above (text-only and image-only rows; the fused network pairs them)",
    "wassa_agreed+goemotions": "WASSA-2017 with its human judgements, the query word only where readers agree, "
                               "and GoEmotions (text; about a minute)",
    "wassa+relabels+goemotions": "the same with every WASSA tweet's query word (text; about a minute)",
    "wassa+fer": "WASSA-2017 train + all FER2013 training faces: the WASSA specialist's data (slow: minutes)",
    "wassa_agreed+goemotions+fer": "WASSA-2017 (query words where readers agree), GoEmotions and all FER2013 "
                                   "training faces: the default model's data (slow: minutes)",
    "wassa+relabels+goemotions+fer": "the same with every WASSA tweet's query word: the previous default model's "
                                     "data (slow: minutes)",
}


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
    "goemotions_dev": EvaluationSet("GoEmotions dev comments with one label of the four, or only neutral (none): "
                                    "4-way macro-F1 and the F1 of saying none (text)", TEXT,
                                    lambda memo: goemotions_single("dev")),
    "ec_dev": EvaluationSet("SemEval-2018 E-c dev tweets: presence of each emotion (macro-F1 over the four at "
                            "probability 0.5; text)", TEXT, lambda memo: semeval_ec_dev()),
    "ei_reg_dev": EvaluationSet("SemEval-2018 EI-reg dev tweets: the rated emotion (4-way) and intensity Pearson "
                                "(text)", TEXT, lambda memo: semeval_ei_reg_dev()),
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


__all__ = ["SOURCES", "TRAINING_SETS", "EVALUATION_SETS", "RANKING", "training_set", "evaluation_sets",
           "evaluation_set", "wassa", "fer", "everyday", "paired", "without_hashtags", "goemotions"]
