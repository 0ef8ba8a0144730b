"""Comparing saved models: one table of every run's metrics, and two models side by side on one data set
(confusion matrices, per-emotion precision and recall, the examples on which they disagree)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from data.labelled import LabelledData
from emotions import EMOTIONS, NONE
from evaluation.fairness import ATTRIBUTES, MISREAD_BELOW, SCORES, largest_gaps
from evaluation.metrics import PRESENT_AT, evaluate_predictions
from evaluation.runs import (
    NOT_SHARED,
    RunError,
    RunsTable,
    away_columns,
    away_mean,
    field,
    mapping,
    metric_columns,
    number,
    read_json,
    read_listed_json,
    runs_table,
    shared_first,
    shown,
)
from models.base import Prediction
from models.store import FAIRNESS_FILE, json_type


def comparison_table(choices: dict[str, Path], extra: dict[str, dict] | None = None,
                     extra_name: str = "upload") -> RunsTable:
    """One row per saved model (`choices`: name → directory), as `evaluation.runs.runs_table` lays it out, named
    by `choices`' keys, and the models left out because their files cannot be read (name → why); `extra` (name →
    evaluation on another data set) adds that data set's columns (`with_evaluations`)."""
    table, skipped = runs_table(list(choices.values()))
    names = {str(directory): name for name, directory in choices.items()}
    skipped = {names[run]: why for run, why in skipped.items()}
    if table.empty:
        return RunsTable(table, skipped)
    table.insert(0, "name", table.pop("run").map(names))
    return RunsTable(with_evaluations(table, extra or {}, extra_name), skipped)


def with_evaluations(table: pd.DataFrame, extra: dict[str, dict], extra_name: str = "upload") -> pd.DataFrame:
    """The comparison table with the columns of one more data set: `extra` is name → evaluation of that model
    (`evaluation.metrics.evaluate_predictions`)."""
    table = table.copy()
    for name, result in extra.items():
        for column, value in metric_columns(extra_name, result).items():
            table.loc[table["name"] == name, column] = value
    return shared_first(table)


class FairnessReports(NamedTuple):
    reports: dict[str, dict]  # name → its audit
    skipped: dict[str, str]  # name → why its fairness.json is not shown


def fairness_reports(choices: dict[str, Path]) -> FairnessReports:
    """name → fairness audit (`fairness.json`) of every saved model that has one, and name → why of those whose
    audit cannot be read or is not laid out as `evaluation.fairness.audit_scores` writes it (`fairness_report`)."""
    reports, skipped = {}, {}
    for name, directory in choices.items():
        try:
            report = fairness_report(directory)
        except RunError as exc:
            skipped[name] = str(exc)
            continue
        if report is not None:
            reports[name] = report
    return FairnessReports(reports, skipped)


def fairness_report(directory: Path) -> dict | None:
    """A model's fairness audit, None when it has none; `RunError` naming the file if it does not match the checksum
    its config.json records (`evaluation.runs.read_listed_json`), or naming the field if a figure that the
    summary and the charts show is missing, of the wrong type or out of its range (gaps between two
    probabilities lie in [-1, 1], the largest gap and the p-value in [0, 1]), or if its misread words (which the
    card lists; an older audit has none) are not laid out as the audit writes them."""
    config = mapping(read_json(Path(directory) / "config.json"), "config.json")
    report = read_listed_json(directory, FAIRNESS_FILE, config)
    if report is None:
        return None
    report = mapping(report, FAIRNESS_FILE)
    where = f"{FAIRNESS_FILE}: "
    number(field(report, "emotion_word_accuracy", f"{where}emotion_word_accuracy"), f"{where}emotion_word_accuracy",
           0.0, 1.0)
    if "misread_words" in report:  # an audit saved before it reported them has none
        _check_misread_words(report["misread_words"], f"{where}misread_words")
    emotions = 0
    for attribute in ATTRIBUTES:
        part = mapping(field(report, attribute, f"{where}{attribute}"), f"{where}{attribute}")
        comparison = field(part, "comparison", f"{where}{attribute}.comparison")
        if not isinstance(comparison, str):
            raise RunError(f"{where}{attribute}.comparison is {json_type(comparison)}, not a string")
        for emotion in (e for e in EMOTIONS if e in part):
            scores = mapping(part[emotion], f"{where}{attribute}.{emotion}")
            unknown = [shown(score) for score in scores if score not in SCORES]
            if unknown:
                raise RunError(f"{where}{attribute}.{emotion}: {', '.join(unknown)} not a score the audit compares "
                               f"({', '.join(SCORES)})")
            field(scores, "probability", f"{where}{attribute}.{emotion}.probability")
            for score in (s for s in SCORES if s in scores):  # no intensity: a model trained without its labels
                name = f"{where}{attribute}.{emotion}.{score}"
                summary = mapping(field(scores, score, name), name)
                for figure, low, high in (("mean_gap", -1.0, 1.0), ("largest_gap", 0.0, 1.0), ("p_value", 0.0, 1.0)):
                    number(field(summary, figure, f"{name}.{figure}"), f"{name}.{figure}", low, high,
                           nan=figure == "p_value")
            emotions += 1
    if not emotions:
        raise RunError(f"{where}no emotion's gaps under {' or '.join(ATTRIBUTES)}")
    return report


def _check_misread_words(words, where: str) -> None:
    """`misread_words` as `evaluation.fairness.misread_words` writes it: an array of objects, each a word of one of
    the four emotions, named as it in fewer than `MISREAD_BELOW` of its sentences, with its most common other answer
    and that answer's share; `RunError` naming the field otherwise."""
    if not isinstance(words, list):
        raise RunError(f"{where} is {json_type(words)}, not an array")
    for i, item in enumerate(words):
        at = f"{where}[{i}]"
        item = mapping(item, at)
        word = field(item, "word", f"{at}.word")
        if not isinstance(word, str) or not word.strip():
            raise RunError(f"{at}.word is {shown(word)}, not a word")
        emotion = field(item, "emotion", f"{at}.emotion")
        if emotion not in EMOTIONS:
            raise RunError(f"{at}.emotion is {shown(emotion)}, not one of {', '.join(EMOTIONS)}")
        sentences = number(field(item, "sentences", f"{at}.sentences"), f"{at}.sentences", 1, 10**9)
        if not isinstance(sentences, int):
            raise RunError(f"{at}.sentences is {shown(sentences)}, not a whole number")
        named = number(field(item, "named", f"{at}.named"), f"{at}.named", 0.0, 1.0)
        if named >= MISREAD_BELOW:
            raise RunError(f"{at}.named is {shown(named)}, not below {MISREAD_BELOW}: not a misread word")
        answer = field(item, "answer", f"{at}.answer")
        if answer not in (*EMOTIONS, NONE, "") or answer == emotion:
            raise RunError(f"{at}.answer is {shown(answer)}, not {NONE} or an emotion other than {emotion}")
        share = number(field(item, "answer_share", f"{at}.answer_share"), f"{at}.answer_share", 0.0, 1.0)
        if named + share > 1.0 + 1e-3:  # both rounded to 4 places
            raise RunError(f"{at}: named {shown(named)} and answer_share {shown(share)} add up to more than 1")


def fairness_long(reports: dict[str, dict]) -> pd.DataFrame:
    """(name, attribute, comparison, emotion, score, mean_gap, largest_gap, p_value) rows of the audits."""
    rows = [{"name": name, "attribute": attribute, "comparison": report[attribute]["comparison"], "emotion": emotion,
             "score": score, **{k: figures[k] for k in ("mean_gap", "largest_gap", "p_value")}}
            for name, report in reports.items() for attribute in ATTRIBUTES for emotion in EMOTIONS
            for score, figures in report[attribute].get(emotion, {}).items()]
    return pd.DataFrame(rows, columns=["name", "attribute", "comparison", "emotion", "score", "mean_gap",
                                       "largest_gap", "p_value"])


def fairness_summary(reports: dict[str, dict]) -> pd.DataFrame:
    """One row per audited model: its worst gaps and its emotion-word accuracy (`evaluation.fairness.largest_gaps`),
    and the emotion words it misreads, worst first: "" when it misreads none, missing (NaN) for an audit made
    before they were reported (which says nothing of them)."""
    return pd.DataFrame([{"name": name, **largest_gaps(report),
                          "misread_words": ", ".join(item["word"] for item in report["misread_words"])
                          if "misread_words" in report else None}
                         for name, report in reports.items()],
                        columns=["name", "largest_mean_gap", "largest_gap", "emotion_word_accuracy", "misread_words"])


def speed_and_quality(table: pd.DataFrame) -> pd.DataFrame:
    """(name, tweets_per_s, size_mb, wassa_test, away) of the models that have a measured speed and every set away
    from WASSA-2017: `away` is their mean (`away_mean`), as the models are ranked and placed on the frontier."""
    if "tweets_per_s" not in table.columns or not away_columns(table):
        return pd.DataFrame(columns=["name", "tweets_per_s", "size_mb", "wassa_test", "away"])
    frame = table[["name", "tweets_per_s", "size_mb"]].assign(
        wassa_test=table.get("wassa_test_macro_f1"), away=away_mean(table))
    return frame.dropna(subset=["tweets_per_s", "away"]).reset_index(drop=True)


def wassa_frontier(table: pd.DataFrame) -> pd.DataFrame:
    """(name, wassa_test, away, on_frontier) of the models scored on WASSA-2017 test and on every set away from it
    (`away`, their mean, as `rankings` has it: a model missing one of them is not placed, as it is not ranked):
    WASSA-2017's query words against what readers find elsewhere, the two pulling apart (README, "The frontier").
    `on_frontier`: no other model is at least as good on both and better on one."""
    columns = away_columns(table)
    if "wassa_test_macro_f1" not in table.columns or not columns:
        return pd.DataFrame(columns=["name", "wassa_test", "away", "on_frontier"])
    frame = pd.DataFrame({"name": table["name"], "wassa_test": table["wassa_test_macro_f1"],
                          "away": away_mean(table)}).dropna().reset_index(drop=True)
    points = frame[["wassa_test", "away"]].to_numpy(dtype=float)
    beaten = [bool(((points >= point).all(axis=1) & (points > point).any(axis=1)).any()) for point in points]
    return frame.assign(on_frontier=[not b for b in beaten])


class Pick(NamedTuple):
    """One answer of `which_model`: the model, the figure that makes it the answer, the runner-up's, and notes."""
    question: str
    name: str
    figure: float
    runner_up: str | None
    runner_up_figure: float | None
    notes: tuple[tuple[str, str, float], ...]  # (what, name, figure): what else the reader should weigh
    tied: tuple[str, ...] = ()  # the other models with the very same figures: none of them is better


# The questions of `which_model`: key → (question, column of the table or of `rankings` (`away`: `away_mean`),
# higher is better).
QUESTIONS = {
    "wassa": ("best on tweets like WASSA-2017's", "wassa_test_macro_f1", True),
    "away": ("best on other collections", "away", True),
    "fastest": ("fastest", "tweets_per_s", True),
    "fairest": ("fairest", "largest_mean_gap", False),
    "upload": ("best on your data", "upload_macro_f1", True),
}


def _ranked_by(key: str) -> list[str]:
    """The columns that rank the models on a question of `QUESTIONS`: its own, and for the fairest, ties broken by
    the smaller largest gap."""
    return [QUESTIONS[key][1], "largest_gap"] if key == "fairest" else [QUESTIONS[key][1]]


def which_model(table: pd.DataFrame, reports: dict[str, dict], ranks: Rankings | None = None) -> dict[str, Pick]:
    """key → the model that answers that question of `QUESTIONS`, from the comparison table and the fairness
    audits (name → `fairness.json`), with the runner-up; a question no model has the figure for is left out.
    `wassa`: highest WASSA-2017 test macro-F1, noting its mean away from WASSA; `away`: highest mean macro-F1 over
    `AWAY_FROM_WASSA` (`away_mean`: a model missing one of them is not ranked), noting the best on each
    of those sets; `fastest`: most tweets per second, noting its `away`; `fairest`: smallest largest |mean gap|
    of the audit (ties: smaller largest gap), noting its emotion-word accuracy and the least fair model (when it
    is neither the fairest, one tied with it, nor the runner-up); `upload`: highest macro-F1 on the
    user's labelled data, when there is one. `ranks`: `rankings(table, reports)`, when the caller has it already
    (the Compare page shows `standings` too)."""
    frame, by_question = ranks if ranks is not None else rankings(table, reports)
    away = away_columns(table)
    picks = {}
    for key, ranked in by_question.items():
        question, column, _ = QUESTIONS[key]
        best = ranked.iloc[0]
        by = _ranked_by(key)
        tied = ranked[(ranked[by] == best[by]).all(axis=1)]["name"].iloc[1:]
        ranked = ranked.drop(tied.index)  # the runner-up is the first one behind the best and those tied with it
        second = ranked.iloc[1] if len(ranked) > 1 else None
        notes = []
        if key in ("wassa", "fastest") and "away" in frame.columns and pd.notna(best.get("away")):
            notes.append(("away from WASSA-2017", best["name"], float(best["away"])))
        if key == "away":
            for column_away in away:
                figures = pd.to_numeric(table[column_away], errors="coerce").dropna()
                if len(figures):
                    top = table.loc[figures.idxmax()]
                    notes.append((column_away.removesuffix("_macro_f1"), top["name"], float(top[column_away])))
        if key == "fairest":
            notes.append(("largest gap", best["name"], float(best["largest_gap"])))
            notes.append(("emotion-word accuracy", best["name"], float(best["emotion_word_accuracy"])))
            # The fairest leads the next by a few thousandths; the model to avoid differs by far more.
            if len(ranked) > 2:  # behind the runner-up (those tied with the fairest are dropped from `ranked`)
                notes.append(("least fair", ranked.iloc[-1]["name"], float(ranked.iloc[-1][column])))
        picks[key] = Pick(question, best["name"], float(best[column]),
                          None if second is None else second["name"],
                          None if second is None else float(second[column]), tuple(notes), tuple(tied))
    return picks


class Rankings(NamedTuple):
    figures: pd.DataFrame  # the figures of every question of `QUESTIONS` by model, one row each
    by_question: dict[str, pd.DataFrame]  # key → the models that have that question's figure, best first


def rankings(table: pd.DataFrame, reports: dict[str, dict]) -> Rankings:
    """The models ranked on each question of `QUESTIONS`, as `which_model` and `standings` read them (a page that
    shows both computes them once and hands them to each)."""
    frame = table[["name"]].copy()
    for column in ("wassa_test_macro_f1", "tweets_per_s", "upload_macro_f1"):
        if column in table.columns:
            frame[column] = pd.to_numeric(table[column], errors="coerce")
    if away_columns(table):
        frame["away"] = away_mean(table)
    fairness = fairness_summary(reports).set_index("name")
    frame = frame.join(fairness[["largest_mean_gap", "largest_gap", "emotion_word_accuracy"]], on="name")
    by_question = {}
    for key, (_, column, higher) in QUESTIONS.items():
        if column not in frame.columns or frame[column].isna().all():
            continue
        by = _ranked_by(key)
        by_question[key] = frame.dropna(subset=[column]).sort_values(
            by, ascending=[not higher] + [True] * (len(by) - 1), kind="stable").reset_index(drop=True)
    return Rankings(frame, by_question)


def standings(table: pd.DataFrame, reports: dict[str, dict],
              ranks: Rankings | None = None) -> dict[str, list[tuple[str, int, int, float]]]:
    """name → (key of `QUESTIONS`, place, out of how many, figure) for each question that the model has the figure
    for, ranked as `which_model` ranks them: where each model stands, beside its card. Models tied on the figures
    that rank them share the place of the first of them (1, 1, 1, 4), as `which_model` names them tied.
    `ranks`: `rankings(table, reports)`, when the caller has it already."""
    _, by_question = ranks if ranks is not None else rankings(table, reports)
    places = {name: [] for name in table["name"]}
    for key, ranked in by_question.items():
        column = QUESTIONS[key][1]
        by = _ranked_by(key)
        first = ranked.groupby(by, sort=False, dropna=False).cumcount()  # how many tied with it come before it
        for row, (name, figure) in enumerate(zip(ranked["name"], ranked[column])):
            places[name].append((key, row + 1 - int(first.iloc[row]), len(ranked), float(figure)))
    return places


# The figures of the generalisation matrix: per data set, macro-F1 (4-way, or presence for E-c), the F1 of
# saying "none", and the intensity Pearson.
MATRIX_MEASURES = ("macro_f1", "none_f1", "pearson_mean")




def generalisation_long(table: pd.DataFrame, measures=MATRIX_MEASURES, leave_out=NOT_SHARED) -> pd.DataFrame:
    """(name, data_set, measure, value) rows of a comparison table: every saved model × every data set that all
    of them are scored on (not those of `leave_out`), for a heat map."""
    frames = []
    for measure in measures:
        columns = [c for c in table.columns
                   if c.endswith(f"_{measure}") and c.removesuffix(f"_{measure}") not in leave_out]
        long = table.melt(id_vars="name", value_vars=columns, var_name="data_set", value_name="value")
        long["data_set"] = long["data_set"].str.removesuffix(f"_{measure}")
        frames.append(long.assign(measure=measure))
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["name", "data_set", "value"])
    return long.dropna(subset=["value"]).reset_index(drop=True)[["name", "data_set", "measure", "value"]]


@dataclass
class PairComparison:
    names: tuple[str, str]
    rows: int  # rows both models scored (the comparison uses only these)
    judged: int  # of those, the rows with an emotion of the four
    results: dict  # name → evaluation on those rows, as `EmotionModel.evaluate` gives it; empty when none is judged
    disagreements: pd.DataFrame
    multi_label: bool = False  # each emotion judged present or absent (presence at 0.5), not one of four chosen

    def confusion_long(self) -> pd.DataFrame:
        """(model, true, predicted, count) for a 4×4 heatmap per model; single-label data only (multi-label data
        has one 2×2 matrix per emotion, which precision and recall say)."""
        if self.multi_label:
            raise ValueError("multi-label data has no 4-way confusion matrix")
        rows = [{"model": name, "true": EMOTIONS[t], "predicted": EMOTIONS[p], "count": count}
                for name in self.names
                for t, row in enumerate(self.results[name]["confusion_matrix"])
                for p, count in enumerate(row)]
        return pd.DataFrame(rows)

    def precision_recall(self) -> pd.DataFrame:
        """(model, emotion, precision, recall, f1, support), one row per model and emotion."""
        return pd.DataFrame([{"model": name, "emotion": emotion, **self.results[name]["per_emotion"][emotion]}
                             for name in self.names for emotion in EMOTIONS])


def compare_pair(data: LabelledData, predictions: dict[str, Prediction]) -> PairComparison:
    """Two models' predictions on `data`, compared on the rows both could score, each judged as `evaluate` judges
    it (and the heat map shows it): single-label data on the most probable emotion of the four of each row with an
    emotion (4×4 matrices), multi-label data on each emotion's presence at 0.5 over every row. The disagreements
    are the rows whose answers differ, as judged: on single-label data the answers of `Prediction.emotions`
    (`none` included), each with its probability (for `none`, the highest of the four); on multi-label data the
    emotions found (probability ≥ `PRESENT_AT`), each with its probability, or `none`. Beside them the label (every
    emotion of a multi-label row; `none` for a row with none of the four). With no row with an emotion, `results`
    is empty: the rows both scored may all be labelled none, or there may be none (a text model and an image model
    on faces)."""
    (name_a, a), (name_b, b) = predictions.items()
    both = np.isfinite(a.probabilities).all(axis=1) & np.isfinite(b.probabilities).all(axis=1)
    rows = np.flatnonzero(both)
    judged = int(data.labels[rows].any(axis=1).sum())
    results = {name: evaluate_predictions(data.labels[rows], p.probabilities[rows], multi_label=data.multi_label)
               for name, p in predictions.items()} if judged else {}
    if data.multi_label:  # the emotions each model finds, as judged: a row's strongest alike hid the others
        found_a, found_b = a.probabilities >= PRESENT_AT, b.probabilities >= PRESENT_AT
        differ = rows[(found_a[rows] != found_b[rows]).any(axis=1)]
    else:  # what each model answers, as `emotion` in a scored file: `none` below a presence model's threshold
        said_a, said_b = np.array(a.emotions, dtype=object), np.array(b.emotions, dtype=object)
        differ = rows[said_a[rows] != said_b[rows]]
    columns = {"row": differ + 1}
    if any(data.texts[i] for i in rows):  # faces alone have no text column
        columns["text"] = [data.texts[i] for i in differ]
    if any(isinstance(data.images[i], (str, Path)) for i in rows):  # files; a bundled face has no name but its row
        columns["image"] = [_image_name(data.images[i]) for i in differ]
    columns["label"] = [_label(data.labels[i], data.multi_label) for i in differ]
    for name, prediction in ((name_a, a), (name_b, b)):
        columns[name] = [_found(prediction.probabilities[i]) if data.multi_label
                         else _answer(prediction.emotions[i], prediction.probabilities[i]) for i in differ]
    return PairComparison((name_a, name_b), len(rows), judged, results, pd.DataFrame(columns), data.multi_label)


def _label(labels: np.ndarray, multi_label: bool) -> str:
    """A row's label as the disagreements show it: its emotion, every emotion of a multi-label row, or `none`."""
    if not labels.any():
        return NONE
    return ", ".join(e for e, on in zip(EMOTIONS, labels) if on) if multi_label else EMOTIONS[int(labels.argmax())]


def _answer(said: str, probabilities: np.ndarray) -> str:
    """A model's answer with its probability: "fear (0.70)"; `none` with the highest of the four, which is below the
    model's threshold: "none (highest: joy 0.69)"."""
    if said == NONE:
        top = int(probabilities.argmax())
        return f"{NONE} (highest: {EMOTIONS[top]} {probabilities[top]:.2f})"
    return f"{said} ({probabilities[EMOTIONS.index(said)]:.2f})"


def _found(probabilities: np.ndarray) -> str:
    """The emotions a model finds in a multi-label row, strongest first: "joy (0.81), sadness (0.62)"; `none` with
    the highest of the four when it finds none: "none (highest: joy 0.41)"."""
    found = [i for i in np.argsort(-probabilities, kind="stable") if probabilities[i] >= PRESENT_AT]
    if not found:
        return _answer(NONE, probabilities)
    return ", ".join(f"{EMOTIONS[i]} ({probabilities[i]:.2f})" for i in found)


def _image_name(image) -> str:
    if image is None:
        return ""
    return Path(image).name if isinstance(image, (str, Path)) else "(in memory)"
