"""The contract every model keeps: fit, predict, evaluate, save and load through one interface.

A model is built from its typed settings (`models.settings`); `fit` fills `config` (what `config.json` holds:
the settings and how the model was trained); `save` and `restore` go through `models.store`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from data import DataError
from data.cells import as_texts, check_one_column, is_blank, is_missing
from data.labelled import LabelledData, hold_out
from emotions import EMOTIONS, NONE, answers, strongest
from features.text.tokenize import has_words
from models import store
from models.settings import FeatureSettings, ModelSettings


def usable_cores() -> int:
    """The CPU cores this process may run on: its affinity where the system keeps one (`python cli.py train-zoo`
    gives each of its worker processes one core), else every core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# A text longer than this is scored on its first MAX_TEXT_CHARS characters, and its row says so: a tweet has at
# most 280, and a cell this long is mostly a file split wrongly, whose whole would cost memory and time for nothing.
MAX_TEXT_CHARS = 100_000


def cut_long_texts(texts: list[str]) -> tuple[list[str], dict[int, int]]:
    """The texts as a model reads them, each over `MAX_TEXT_CHARS` cut to its first that many characters, and
    row → length of those cut (for the note each row gets)."""
    long_rows = {i: len(text) for i, text in enumerate(texts) if len(text) > MAX_TEXT_CHARS}
    return [text[:MAX_TEXT_CHARS] if i in long_rows else text for i, text in enumerate(texts)], long_rows
# The fewest gold intensities of an emotion a model learns its intensity from; with fewer it gives none for that
# emotion (NaN: an empty cell, "no intensity" on the Predict page, `no_intensity` on the card). A few rows (stray
# cells in a file of labels) are too few to learn a strength from, and what the model then said would read as a
# learned intensity. One rule for every model that learns its intensity (the baselines' ridge regressions, the
# network's strength head): the same training data gives the same intensity columns, or leaves the same ones empty.
# The lexicon rule learns none: its intensity is Affect Intensity's score, whatever the training data.
MIN_GOLD_INTENSITIES = 10


@dataclass
class Prediction:
    """What a model says of each row. For a model trained on presence judgements (`outputs: presence`),
    `probabilities` are independent: the probability that each emotion is present (two can be high), and
    `emotions` is the strongest present one or "none" below the model's threshold; `intensities` are near 0 for
    an absent emotion. For a 4-way model (`outputs: choice`) they are a choice among the four (they sum to 1)."""

    probabilities: np.ndarray  # (n, 4); NaN rows where the row could not be scored
    intensities: np.ndarray  # (n, 4) in [0, 1]; NaN where the model gives none
    errors: list  # per row: None or a message
    none_threshold: float | None = None  # below it no emotion is present (presence models only)
    notes: list | None = None  # per row: None or a caution about a row scored all the same, added to its message
    text_read: np.ndarray | None = None  # per row: whether its text had a word to read (`has_words`), when known

    @property
    def emotions(self) -> list[str]:
        return strongest(self.probabilities, self.none_threshold)


class EmotionModel:
    """Subclasses set `name`, `modalities`, `description` and `Settings`, and implement `_fit`, `_predict`,
    `_save` and `_restore`."""

    name: str = ""
    modalities: tuple[str, ...] = ("text",)
    description: str = ""
    Settings: type[ModelSettings] = ModelSettings
    needs_validation: bool = False  # fit holds out 10% of the training rows when no validation data is given
    reads_presence: bool = True  # False: the model gives a 4-way choice whatever its training data
    # False: names and pronouns are read as words like any other (no `features.text.persons` filter); the card says so
    skips_person_words: bool = True
    learns_from_labels: bool = True  # False: nothing but a fallback is learned (the card's WASSA-2017 limit says so)
    rule_lexicons: tuple[str, ...] = ()  # a rule's: the bundled lexicons it reads, plain hits only (the explanations)

    def __init__(self, settings: ModelSettings | dict | None = None, **values):
        """`settings`: this model's `Settings`, or a dict of them; `values` override single settings. An unknown
        setting raises ValueError naming the valid ones."""
        if isinstance(settings, ModelSettings) and not values:
            if not isinstance(settings, self.Settings):
                raise ValueError(f"{self.name} takes {self.Settings.__name__}, not {type(settings).__name__}")
            self.settings = settings
        else:
            given = settings.to_dict() if isinstance(settings, ModelSettings) else dict(settings or {})
            self.settings = self.Settings.from_dict({**given, **values}, self.name)
        self.log: list[dict] = []
        self.metrics: dict = {}
        self.fairness: dict = {}  # the fairness audit (`evaluation.fairness`), when the training run made one
        self.config: dict = {}

    # --- training -----------------------------------------------------------------------------------------

    def check_trainable(self, train: LabelledData) -> LabelledData:
        """The rows of `train` this model reads, or a refusal before any work (the Train page asks it before it
        starts a training): no row it reads (ValueError), a text with no word and no image, or every row saying one
        thing (DataError). A text model leaves out a row with an image and no word, as it leaves out an image row."""
        rows = self._usable_rows(train)
        if "text" in self.modalities:  # a text with no word is no text (`has_words`), as scoring reads it
            wordless = np.array([bool(train.has_text[i]) and not has_words(train.texts[i]) for i in rows], dtype=bool)
            self._refuse_wordless_rows(train, rows[wordless & ~train.has_image[rows]])
            if "image" not in self.modalities:  # with an image, such a row is an image row, left out as the others
                rows = rows[~wordless]
        if not len(rows):
            what = " or ".join(f"{m}s" for m in self.modalities)
            raise ValueError(f"{self.name} reads {what}, and the training data ({train.source or 'given'}) has "
                             f"none: choose data with {what}")
        readable = train.subset(rows)
        named = {(*EMOTIONS, NONE)[a] for a in np.unique(answers(readable.association_targets()))}
        if len(named) < 2:  # nothing to tell apart: a classifier refuses it, a network learns to say one thing
            raise DataError(f"{readable.source}: every training row says {named.pop()}; a model needs at least two "
                            f"answers to learn from (two emotions, or an emotion and rows with none)")
        return readable

    def fit(self, train: LabelledData, valid: LabelledData | None = None, seed: int = 0, on_epoch=None,
            should_stop=None) -> "EmotionModel":
        readable = self.check_trainable(train)
        rows_not_read = len(train) - len(readable)  # a text model's faces: said after training
        train = readable
        # A text model given tweets with images learns from their text alone: said after training
        # (`training.run.training_notes`).
        images_not_read = int(train.has_image.sum()) if "image" not in self.modalities else 0
        # An emotion with no example is not refused (a user may care for three) but said: the card names it and
        # the command line warns.
        unseen = [e for e, seen in zip(EMOTIONS, train.labels.any(axis=0)) if not seen]
        # A modality the training data lacks cannot be learned: the model reads only what it was trained on.
        present = {"text": train.has_text.any(), "image": train.has_image.any()}
        self.modalities = tuple(m for m in self.modalities if present[m])
        if valid is not None:
            given, source, valid = len(valid), valid.source, valid.subset(self._usable_rows(valid))
            if given and not len(valid):  # it was put aside for a tenth of the training rows, and said after training
                what = " or ".join(f"{m}s" for m in self.modalities)
                raise DataError(f"{source}: {self.name} reads {what}, and none of the {given:,} validation rows "
                                f"has one: give validation rows with {what}, or train without a validation file")
            valid.check_names_an_emotion(  # `evaluate` would refuse it after the fit
                which="validation row", advice="add rows with one, or train without a validation file")
        if (valid is None or not len(valid)) and self.needs_validation:
            train, valid = hold_out(train, seed)
        started = time.perf_counter()
        self.config = {"outputs": "presence" if train.has_presence and self.reads_presence else "choice"}
        if unseen:
            self.config["emotions_unseen"] = unseen
        if images_not_read:
            self.config["images_not_read"] = images_not_read
        if rows_not_read:
            self.config["rows_not_read"] = rows_not_read
        self._fit(train, valid, seed, on_epoch=on_epoch, should_stop=should_stop)
        if self.presence:
            from evaluation.metrics import choose_none_threshold  # training and evaluation only: scikit-learn

            checked = valid if valid is not None and valid.has_presence else train
            prediction = self.predict(checked.texts, checked.images)
            if self._calibrate(checked, prediction.probabilities):
                prediction = self.predict(checked.texts, checked.images)
            threshold = choose_none_threshold(checked.presence, prediction.probabilities)
            if threshold is None:  # no row with none of the four to choose it on: "present" means p >= 0.5
                threshold = 0.5
                self.config["none_threshold_note"] = ("0.5, not chosen: no validation row had none of the four "
                                                      "emotions to choose it on")
            self.config["none_threshold"] = threshold
        missing = self.emotions_without_intensity()
        if missing:
            self.config["no_intensity"] = missing
        self.config |= {
            "model": self.name,
            "modalities": list(self.modalities),
            "settings": self.settings.to_dict(),
            "emotions": list(EMOTIONS),
            "seed": int(seed),
            "train_rows": len(train),
            "train_source": train.source,
            "train_fingerprint": train.fingerprint(),
            "train_seconds": round(time.perf_counter() - started, 2),
            "versions": store.package_versions(),
        }
        return self

    def emotions_without_intensity(self) -> list[str]:
        """The emotions this fitted model gives no intensity for (NaN in every row: fewer than
        MIN_GOLD_INTENSITIES to learn one from); `no_intensity` in its config, which the card reads. A model that
        learns no intensity (the lexicon rule) gives one for every emotion."""
        return []

    @staticmethod
    def _refuse_wordless_rows(data: LabelledData, bad: np.ndarray) -> None:
        """A DataError naming the training rows `bad`: a text with no word once links and @mentions are left out
        (`has_words`: scoring reads such a text as none) and no image, a row that would be learned from nothing."""
        if len(bad):
            raise DataError(f"{data.rows_named(bad, 'text')}: no word, hashtag, emoji or emoticon once links and "
                            f"@mentions are left out, and no image (first: {data.texts[bad[0]][:60]!r}); remove "
                            f"{'it' if len(bad) == 1 else 'them'}: nothing was trained")

    def _usable_rows(self, data: LabelledData) -> np.ndarray:
        usable = np.zeros(len(data), dtype=bool)
        if "text" in self.modalities:
            usable |= data.has_text
        if "image" in self.modalities:
            usable |= data.has_image
        return np.flatnonzero(usable)

    @property
    def presence(self) -> bool:
        """Whether the probabilities are independent presence probabilities (see `Prediction`)."""
        return self.config.get("outputs") == "presence"

    @property
    def none_threshold(self) -> float | None:
        return self.config.get("none_threshold") if self.presence else None

    # --- prediction ---------------------------------------------------------------------------------------

    def predict(self, texts: list, images: list | None = None) -> Prediction:
        """Scores rows of optional text and optional image. A row the model cannot read gets NaN
        probabilities and an error message; the other rows are scored all the same."""
        texts = as_texts(texts)
        check_one_column(images, "image")
        # A missing cell (NaN, pd.NA: a pandas column with empty cells) or a blank path is no image, as in a scored file.
        images = [None if is_missing(image) or (isinstance(image, str) and not image.strip()) else image
                  for image in images] if images is not None else [None] * len(texts)
        if len(images) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(images)} images")
        texts, long_rows = cut_long_texts(texts)
        if not texts:  # no row: TF-IDF's transformer refused an empty matrix
            return Prediction(np.zeros((0, len(EMOTIONS))), np.zeros((0, len(EMOTIONS))), [], self.none_threshold)
        prediction = self._predict(texts, images)
        prediction.none_threshold = self.none_threshold
        # marked first: an error there means the image could not be read, and a note is none
        prediction = self._unreadable_rows_marked(prediction, texts, images)
        for i, length in long_rows.items():
            note = f"text of {length:,} characters: read on its first {MAX_TEXT_CHARS:,}"
            prediction.errors[i] = note if prediction.errors[i] is None else f"{prediction.errors[i]}; {note}"
        return prediction

    def _unreadable_rows_marked(self, prediction: Prediction, texts: list[str], images: list) -> Prediction:
        """Rows with nothing this model reads get NaN and a message saying why; a row read with a caution
        (`Prediction.notes`: an image unlike every training image) keeps its scores and gets the caution."""
        text_read = prediction.text_read  # the featurizer's own finding, not asked of every text again
        for i, (text, image) in enumerate(zip(texts, images)):
            worded = bool(text_read[i]) if text_read is not None else has_words(text)
            readable = ("text" in self.modalities and worded) or (
                "image" in self.modalities and image is not None and prediction.errors[i] is None)
            if not readable:
                if prediction.errors[i] is None and "text" in self.modalities and not is_blank(text):
                    prediction.errors[i] = ("nothing to score: the text has no word, hashtag, emoji or emoticon once "
                                            "links and @mentions are left out" +
                                            (", and the row has no image" if "image" in self.modalities else ""))
                elif prediction.errors[i] is None:
                    wanted = " or ".join(self.modalities)
                    prediction.errors[i] = f"nothing to score: this model reads {wanted}, and the row has none" + (
                        " (its image is not read)" if image is not None and "image" not in self.modalities else "")
                prediction.probabilities[i] = np.nan
                prediction.intensities[i] = np.nan
            elif prediction.notes and prediction.notes[i]:
                note = prediction.notes[i]
                prediction.errors[i] = note if prediction.errors[i] is None else f"{prediction.errors[i]}; {note}"
        return prediction

    def evaluate(self, data: LabelledData) -> dict:
        from evaluation.metrics import evaluate_predictions

        if not isinstance(data, LabelledData):
            raise TypeError(f"evaluate takes labelled rows, not a {type(data).__name__}: read a file with "
                            f"data.labelled.read_labelled(path), or a table with data.labelled.frame_to_labelled("
                            f"frame, name)")
        prediction = self.predict(data.texts, data.images)
        scored = np.flatnonzero(np.isfinite(prediction.probabilities).all(axis=1))
        if not len(scored):
            first = next((f"; {data.where(i)}: {e}" for i, e in enumerate(prediction.errors) if e), "")
            raise DataError(f"{data.source}: {self.name} reads {' and '.join(self.modalities)}, and none of the "
                            f"{len(data):,} rows could be scored{first}")
        data.check_names_an_emotion(scored, "row" if len(scored) == len(data) else "row that could be scored")
        result = evaluate_predictions(data.labels[scored], prediction.probabilities[scored],
                                      data.intensity[scored], prediction.intensities[scored],
                                      multi_label=data.multi_label, threshold=self.none_threshold)
        result["rows_not_scored"] = int(len(data) - len(scored))
        # Rows not scored, and rows scored on their text alone because their image could not be read, are named:
        # a figure over fewer rows than the file holds must say which were left out and why.
        messages = [f"{data.where(i)}: {error}" for i, error in enumerate(prediction.errors) if error]
        result["rows_with_messages"] = len(messages)
        result["first_messages"] = messages[:10]
        return result

    # --- persistence --------------------------------------------------------------------------------------

    def save(self, directory: str | Path, check=None) -> Path:
        """Writes the model directory atomically (see `models.store`); `check(written)`, if given, must pass before
        anything in `directory` is replaced."""
        from models.card import model_card

        return store.save_directory(directory, self._save,
                                    lambda: dict(self.config, feature_names=self.feature_names()), self.metrics,
                                    self.log, self.fairness,
                                    card=lambda config: model_card(config, self.metrics, self.fairness), check=check)

    @classmethod
    def check_folder(cls, directory: Path, config: dict) -> "EmotionModel":
        """A model of this class built from the settings of `config` (the folder's config.json), once every file of
        the folder passes `models.store.check_files` within this model's `file_limits`; else ModelLoadError."""
        try:
            model = cls(config.get("settings", {}))
        except (ValueError, TypeError) as exc:
            raise store.ModelLoadError(f"{directory}: its settings do not fit this version ({exc}); "
                                       f"{store.RETRAIN}") from None
        try:
            limits = model.file_limits(config)
        except ValueError as exc:  # a file's limit that config.json cannot give
            raise store.ModelLoadError(f"{directory}/config.json: {exc}") from None
        store.check_files(directory, config, limits)
        return model

    @classmethod
    def restore(cls, directory: Path, config: dict) -> "EmotionModel":
        model = cls.check_folder(directory, config)
        model.config = {k: v for k, v in config.items() if k not in ("feature_names", "files", "format")}
        model.modalities = tuple(config.get("modalities", cls.modalities))
        model._restore(directory)
        model.metrics = store.read_json(directory / "metrics.json", {})
        model.log = store.read_json(directory / "training_log.json", [])
        model.fairness = store.read_json(directory / store.FAIRNESS_FILE, {})
        return model

    # --- for subclasses -----------------------------------------------------------------------------------

    def file_limits(self, config: dict) -> dict[str, tuple[int, str]]:
        """Name -> (the most bytes the file of a saved folder of this model may hold, what sets it), checked before it
        is hashed or read (`models.store.file_limits`); a file not named here is refused. `config`: the folder's
        config.json; ValueError when it cannot say a file's limit."""
        return store.file_limits()

    def feature_names(self) -> list[str]:
        """The model's input columns."""
        return []

    def _calibrate(self, checked: LabelledData, probabilities: np.ndarray) -> bool:
        """After training, a presence model may shift its outputs using the validation rows (`checked`) and their
        probabilities; True if it did. Only the network does (`presence_calibration`)."""
        return False

    def _fit(self, train: LabelledData, valid: LabelledData | None, seed: int, on_epoch=None, should_stop=None):
        raise NotImplementedError

    def _predict(self, texts: list[str], images: list) -> Prediction:
        raise NotImplementedError

    def _save(self, directory: Path) -> None:
        """Writes the fitted state into `directory` as data (see `models.store`); may add to `config`."""
        raise NotImplementedError

    def _restore(self, directory: Path) -> None:
        """Reads what `_save` wrote (its files' checksums are already checked)."""
        raise NotImplementedError


class FeatureModel(EmotionModel):
    """A model that reads the feature blocks of a fitted `Featurizer` (the network and the feature baselines).
    Subclasses implement `predict_blocks(blocks) -> (probabilities, intensities)`."""

    Settings = FeatureSettings

    def _featurizer(self):
        from features.featurizer import Featurizer

        # `modalities` is what the training data had of the model's own (see EmotionModel.fit).
        return Featurizer(use_text="text" in self.modalities, use_image="image" in self.modalities,
                          text_options=self.settings.text_options, image_options=self.settings.image_options)

    def predict_blocks(self, blocks) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def predict_featurized(self, texts: list[str], images: list, blocks) -> Prediction:
        """`predict` for rows already featurised by this model's featurizer (explanations reuse the blocks)."""
        return self._unreadable_rows_marked(self._prediction(blocks), texts, images)

    def _predict(self, texts: list[str], images: list) -> Prediction:
        return self._prediction(self.featurizer_.transform(texts, images))

    def _prediction(self, blocks) -> Prediction:
        """The prediction of featurised rows, with what the featurizer found: each row's cautions and whether its
        text had a word (the mask's text column, when the featurizer reads text)."""
        return Prediction(*self.predict_blocks(blocks), list(blocks.errors), self.none_threshold, blocks.notes,
                          blocks.mask[:, 0] > 0 if self.featurizer_.use_text else None)

    def feature_names(self) -> list[str]:
        return self.featurizer_.feature_names()
