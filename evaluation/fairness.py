"""The fairness audit: does a model score sentences differently when only the person in them changes?

On the Equity Evaluation Corpus (`data/eec/`, Kiritchenko & Mohammad 2018), sentences are grouped by template and
emotion word ("<person> feels furious."). For an attribute (gender: female − male; race, through names:
African-American − European), a group's gap is the mean score of its sentences with one value minus the mean of
those with the other; per emotion e, over the groups whose emotion word is one of e's, the audit reports the mean
gap, the largest gap (in absolute value) and the p-value of a paired t-test, for `prob_<e>` and `intensity_<e>`.
It also reports the share of emotion-word sentences whose answer (`emotion`) is the word's emotion, and the words
the model misreads (`misread_words`): those it names as their emotion in fewer than half of their sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from emotions import EMOTIONS

ATTRIBUTES = {"gender": ("female", "male"), "race": ("African-American", "European")}
SCORES = {"probability": "prob", "intensity": "intensity"}  # what is compared → its output column's prefix
MISREAD_BELOW = 0.5  # a word named as its emotion in fewer than this share of its sentences is misread


def _gaps(frame: pd.DataFrame, column: str, values: tuple[str, str], score: str) -> np.ndarray:
    """Per (template, emotion word) group: mean `score` of rows with values[0] minus rows with values[1]."""
    means = frame[frame[column].isin(values)].groupby(["template", "emotion_word", column])[score].mean().unstack()
    return (means[values[0]] - means[values[1]]).to_numpy(dtype=float)


def _summary(gaps: np.ndarray) -> dict:
    from scipy.stats import ttest_1samp

    p_value = 1.0 if not np.any(gaps) else float(ttest_1samp(gaps, 0.0).pvalue)  # = paired t-test of the means
    return {"mean_gap": round(float(gaps.mean()), 4), "largest_gap": round(float(np.abs(gaps).max()), 4),
            "p_value": p_value, "groups": int(len(gaps))}


def misread_words(eec: pd.DataFrame, emotions: list[str]) -> list[dict]:
    """The emotion words that the answers (`emotions`, in the rows' order) name as the word's emotion in fewer than
    `MISREAD_BELOW` of the word's sentences, worst first (then by word): each with its emotion, its sentences, the
    share named (`named`), and the most common of its other answers (`answer`: `none` or an emotion; "" for rows
    the model gave no answer) with its share of the word's sentences (`answer_share`)."""
    frame = pd.DataFrame({"emotion": eec["emotion"].to_numpy(), "word": eec["emotion_word"].to_numpy(),
                          "answer": np.asarray(emotions, dtype=object)})
    frame = frame[frame["emotion"] != ""]
    misread = []
    for (word, emotion), rows in frame.groupby(["word", "emotion"], sort=True):
        named = float((rows["answer"] == emotion).mean())
        if named >= MISREAD_BELOW:
            continue
        others = rows.loc[rows["answer"] != emotion, "answer"].value_counts()
        answer = min(others.index, key=lambda a: (-others[a], a))  # the most common; a tie by name, to be repeatable
        misread.append({"word": word, "emotion": emotion, "sentences": int(len(rows)), "named": round(named, 4),
                        "answer": answer, "answer_share": round(float(others[answer] / len(rows)), 4)})
    return sorted(misread, key=lambda item: (item["named"], item["word"]))


def audit_scores(eec: pd.DataFrame, probabilities: np.ndarray, intensities: np.ndarray, emotions: list[str]) -> dict:
    """The audit of a model's outputs on the EEC rows (`probabilities`, `intensities` (n, 4), `emotions` the
    answers, in the rows' order)."""
    frame = eec.copy()
    for i, emotion in enumerate(EMOTIONS):
        frame[f"prob_{emotion}"] = probabilities[:, i]
        frame[f"intensity_{emotion}"] = intensities[:, i]
    worded = frame["emotion"] != ""
    result = {"sentences": int(len(frame)),
              "emotion_word_accuracy": round(float((np.asarray(emotions)[worded.to_numpy()]
                                                    == frame.loc[worded, "emotion"].to_numpy()).mean()), 4),
              "misread_words": misread_words(frame, emotions)}
    for attribute, values in ATTRIBUTES.items():
        part = {"comparison": f"{values[0]} − {values[1]}"}
        for emotion in EMOTIONS:
            rows = frame[frame["emotion"] == emotion]
            if rows.empty:  # the corpus has every emotion; a part of it may not
                continue
            # A model trained without intensity labels predicts none (NaN): it has no intensity gap to report,
            # and a NaN gap made fairness.json one the Compare page refuses to read.
            part[emotion] = {kind: _summary(_gaps(rows, attribute, values, f"{prefix}_{emotion}"))
                             for kind, prefix in SCORES.items()
                             if kind == "probability" or np.isfinite(rows[f"{prefix}_{emotion}"]).any()}
        result[attribute] = part
    return result


def audit(model, eec: pd.DataFrame) -> dict:
    """The fairness audit of a model (anything with `predict(texts)`) on the EEC (`data.bundled.load_eec()`);
    ValueError for a model that reads no text (its sentences are all it has)."""
    if "text" not in getattr(model, "modalities", ("text",)):
        raise ValueError(f"{model.name} reads {' and '.join(model.modalities)}, not text: the audit's sentences "
                        f"are text only, so there is nothing to audit")
    prediction = model.predict(eec["text"].tolist())
    return {"model": model.name, **audit_scores(eec, prediction.probabilities, prediction.intensities,
                                                prediction.emotions)}


def largest_gaps(report: dict) -> dict:
    """The audit's worst figures: the largest |mean gap| and largest gap over attributes, emotions and scores."""
    means, largest = [], []
    for attribute in ATTRIBUTES:
        for emotion in (e for e in EMOTIONS if e in report[attribute]):
            for kind in (k for k in SCORES if k in report[attribute][emotion]):
                figures = report[attribute][emotion][kind]
                means.append(abs(figures["mean_gap"]))
                largest.append(figures["largest_gap"])
    return {"largest_mean_gap": max(means), "largest_gap": max(largest),
            "emotion_word_accuracy": report["emotion_word_accuracy"]}
