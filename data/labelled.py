"""Labelled rows for training and evaluation: read from a CSV/TSV file, or built from the bundled data sets.

A labelled file has a `text` column and/or an `image` column (a path, relative to the file), and either a
`label` column (one emotion's name, or none: then every row is a judgement of presence) or the four emotion
columns as 0/1 (multi-label), optionally `intensity` (the intensity of the labelled emotion; with the four
emotion columns, `intensity_<emotion>` columns instead) or `intensity_<emotion>` columns. Column names are read trimmed and in any case ("Text", " label"); any other
column is left unread. Rows with an image and no text are allowed. Every problem raises `DataError` naming the
file and, where it applies, the column or the rows.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data import DataError
from data.cells import as_texts, image_path, is_blank
from data.tables import is_url, read_table, shown_names, shown_text
from emotions import EMOTIONS, NONE, answers, one_hot

ImageCheck = Callable[[Path], "str | None"]  # an image path → what is wrong with it, or None


@dataclass
class LabelledData:
    """Labelled rows, and what each row supervises.

    `labels` is what the rows are scored against: one emotion per row (single-label), or 0/1 per emotion
    (`multi_label`: presence, an all-zero row meaning no emotion of the four). For training, each row says what
    it knows: `exclusive` rows have one emotion they were collected or chosen for (WASSA's query word, a FER
    face), learned as a 4-way choice; `presence` holds human judgements of which emotions are present (1), absent
    (0) or not judged (NaN); `intensity` the gold intensities (NaN where not given); `weight` each row's share of
    the loss (a collection's weight, balanced within it); `origin` the collection each row came from (one of the
    parts of `source`), so that a subset names only the collections it still holds."""

    texts: list[str]  # "" where a row has no text
    images: list  # None where a row has no image; else a path, bytes or a PIL image
    labels: np.ndarray  # (n, 4) 0/1
    intensity: np.ndarray  # (n, 4), NaN where not given
    multi_label: bool = False
    source: str = ""
    has_text: np.ndarray = field(default=None)  # (n,) bool
    presence: np.ndarray = field(default=None)  # (n, 4): 1 present, 0 absent, NaN not judged
    exclusive: np.ndarray = field(default=None)  # (n,) bool: the row's label is one emotion to choose
    weight: np.ndarray = field(default=None)  # (n,) float
    origin: np.ndarray = field(default=None)  # (n,) str: the row's collection, as `source` names it
    row: np.ndarray = field(default=None)  # (n,) int: the row's position in its collection (its file), from 0
    # what reading the file found that its user should know (the encoding it detected), each naming the file;
    # for the reader's caller to say, not kept by subsets
    notes: list = field(default_factory=list)

    ROW_FIELDS = ("labels", "intensity", "has_text", "presence", "exclusive", "weight", "origin", "row")

    def __post_init__(self):
        n = len(self.texts)
        if self.has_text is None:
            self.has_text = np.array([not is_blank(text) for text in self.texts], dtype=bool)
        if self.presence is None:
            self.presence = self.labels.astype(float) if self.multi_label else np.full((n, len(EMOTIONS)), np.nan)
        if self.exclusive is None:
            self.exclusive = np.full(n, not self.multi_label)
        if self.weight is None:
            self.weight = np.ones(n)
        if self.origin is None:
            self.origin = np.full(n, self.source, dtype=object)
        if self.row is None:
            self.row = np.arange(n)

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def has_image(self) -> np.ndarray:
        return np.array([image is not None for image in self.images])

    @property
    def label_names(self) -> list[str]:
        """The single label of each row (the first positive emotion for multi-label rows)."""
        return [EMOTIONS[i] for i in self.labels.argmax(axis=1)]

    @property
    def has_presence(self) -> bool:
        """Whether any row has a human judgement of which emotions are present."""
        return bool(np.isfinite(self.presence).any())

    def where(self, position: int) -> str:
        """The row at `position` of this data as a message names it: its collection (the file it was read from)
        and its 1-based data row there, which a subset (a held-out tenth, the rows a model reads) keeps."""
        return f"{self.origin[position]}, row {int(self.row[position]) + 1}"

    def rows_named(self, positions, column: str) -> str:
        """Where the rows at `positions` of this data are, as a message names them: their collection (the file
        they were read from), the `column` at fault and their 1-based data row numbers there, which a subset (a
        held-out tenth, the rows a model reads) keeps: "mine.csv: column 'image', row(s) 3, 7", one such part
        per collection, joined by "; "."""
        positions = np.asarray(positions, dtype=int)
        parts = {}
        for position in positions:
            parts.setdefault(self.origin[position], []).append(int(self.row[position]))
        return "; ".join(f"{origin}: column '{column}', row(s) {_rows(rows)}" for origin, rows in parts.items())

    def check_names_an_emotion(self, rows=None, which: str = "row", advice: str = "add some") -> None:
        """Refuses rows (`rows`, default all) of which not one has an emotion of the four: labelled none, or with
        the four emotion columns all 0. Accuracy, macro-F1 and the confusion matrix judge which of the four
        emotions a model names on rows that have one, and there are none (scikit-learn failed on the empty arrays
        of a `label` file, naming no file; the same rows as 0/1 columns got a macro-F1 of 0 for a model right on
        every row, and a network stopped early on that 0). `which` says which rows, in the message, and `advice`
        what to do."""
        labels = self.labels if rows is None else self.labels[rows]
        if len(labels) and not labels.any():
            said = "has none of the four emotions (its emotion columns all 0)" if self.multi_label else \
                f"is labelled {NONE}"
            raise DataError(f"{self.source}: every {which} {said}; evaluating needs rows labelled with "
                            f"one of {', '.join(EMOTIONS[:-1])} or {EMOTIONS[-1]} (accuracy and macro-F1 judge which "
                            f"emotion a model names): {advice}")

    def association_targets(self) -> np.ndarray:
        """(n, 4) 0/1 per row for learning which terms go with which emotion: the row's label where it is one
        emotion to choose, else the human judgement of presence (all zeros: none)."""
        judged = np.isfinite(self.presence).all(axis=1) & ~self.exclusive
        return np.where(judged[:, None], np.nan_to_num(self.presence), self.labels)

    def subset(self, index) -> "LabelledData":
        """The rows at `index`. Its `source` names the collections those rows come from: a model that reads text
        only, trained on tweets and faces, keeps the tweets, and its config and card must not list the faces."""
        index = np.asarray(index, dtype=int)
        every = list(dict.fromkeys(self.origin))
        kept = set(self.origin[index])
        source = self.source if kept == set(every) else "+".join(o for o in every if o in kept)
        return LabelledData(texts=[self.texts[i] for i in index], images=[self.images[i] for i in index],
                            multi_label=self.multi_label, source=source,
                            **{name: getattr(self, name)[index] for name in self.ROW_FIELDS})

    def renamed(self, source: str) -> "LabelledData":
        """The same rows under another name, each row's `origin` with it (for rows of one collection)."""
        out = self.subset(np.arange(len(self)))
        out.source, out.origin = source, np.full(len(self), source, dtype=object)
        return out

    def with_weight(self, weight) -> "LabelledData":
        """The same rows with other weights (a number or one per row)."""
        out = self.subset(np.arange(len(self)))
        out.weight = np.broadcast_to(np.asarray(weight, dtype=float), (len(self),)).copy()
        return out

    @staticmethod
    def concat(parts: list["LabelledData"], source: str) -> "LabelledData":
        return LabelledData(texts=[t for p in parts for t in p.texts], images=[i for p in parts for i in p.images],
                            multi_label=any(p.multi_label for p in parts), source=source,
                            **{name: np.concatenate([getattr(p, name) for p in parts])
                               for name in LabelledData.ROW_FIELDS})

    def rows_also_in(self, other: "LabelledData") -> int:
        """How many of these rows are rows of `other` too: the same text and image, whatever their order or labels
        (a validation file copied from the training one, reordered or in part)."""
        def key(text, image):
            return text, image if isinstance(image, str) or image is None else _image_digest(image)

        theirs = {key(text, image) for text, image in zip(other.texts, other.images)}
        return sum(key(text, image) in theirs for text, image in zip(self.texts, self.images))

    def fingerprint(self) -> str:
        """SHA-256 over the texts, image references and every row's targets (labels, judgements, intensities,
        weights): tells whether two runs saw the same data, and two uploads apart when only their intensities
        differ."""
        digest = hashlib.sha256()
        rows = zip(self.texts, self.images, self.labels, self.presence, self.intensity, self.exclusive, self.weight)
        for text, image, labels, presence, intensity, exclusive, weight in rows:
            reference = image if isinstance(image, str) else "" if image is None else _image_digest(image)
            digest.update(f"{text}\t{reference}\t{labels.tolist()}\t{presence.tolist()}\t{intensity.tolist()}\t"
                          f"{bool(exclusive)}\t{float(weight)}\n".encode())
        return digest.hexdigest()


def _image_digest(image) -> str:
    raw = image if isinstance(image, bytes) else image.tobytes()
    return hashlib.sha256(raw).hexdigest()


# The columns a labelled file is read by; any other column is kept out of the way (an id, a date, a note).
COLUMNS = ("text", "image", "label", "intensity", *EMOTIONS, *(f"intensity_{e}" for e in EMOTIONS))


def labelled_columns(names: list[str], source: str) -> list[str]:
    """The header as this module reads it: a column whose name, trimmed and in lower case, is one of `COLUMNS`
    ("Text", " label", "JOY") gets that name; the others keep theirs. Two columns that would both be read as one
    ("label" twice, "text" and "Text") are an error naming them: which one holds the labels is for the user to
    say, not for the reader to guess."""
    wanted = [name.strip().lower() if name.strip().lower() in COLUMNS else name for name in names]
    twice = {name: [i for i, other in enumerate(wanted) if other == name] for name in COLUMNS if wanted.count(name) > 1}
    if twice:
        name, where = next(iter(twice.items()))
        given = " and ".join(f"{i + 1} ({names[i].strip()!r})" for i in where)
        raise DataError(f"{source}: columns {given} are both read as '{name}'; keep one of them (or rename the other)")
    return wanted


def frame_to_labelled(frame: pd.DataFrame, source: str, base: Path | None = None,
                      check_images: bool | ImageCheck = False) -> LabelledData:
    """Labels, texts and images from a table with the columns described in the module docstring. With
    `check_images`, an image path that is no file (or, given a function, one it says is wrong) is one of the
    problems said (with every other) at once."""
    frame = frame.set_axis(labelled_columns([str(c) for c in frame.columns], source), axis=1)
    columns = set(frame.columns)
    found = shown_names(frame.columns)
    if "text" not in columns and "image" not in columns:
        raise DataError(f"{source}: needs a 'text' or an 'image' column; found {found}")
    n = len(frame)
    # as `predict` reads them: bytes that are not UTF-8 raised pandas' bare UnicodeDecodeError, naming no row
    texts = as_texts(frame["text"]) if "text" in columns else [""] * n
    images: list = [None] * n
    # What is wrong with rows, found all at once: a file is mended in one go, not one problem per run.
    problems = []
    if "image" in columns:
        # each cell as text: a frame handed over from Python may hold numbers (image ids), which Path refused; a
        # whole number that a gap made a float (1.0) is the id it was (1)
        whole = [str(int(v)) if isinstance(v, float) and v.is_integer() else v for v in frame["image"]]
        cells = pd.Series(as_texts(whole), index=frame.index, dtype=object)
        images = [None if not cell.strip() else str(image_path(base, cell) if base else Path(cell)) for cell in cells]
        problems += _image_problems(images, cells, base, check_images)
    empty = [i for i in range(n) if is_blank(texts[i]) and images[i] is None]
    if empty:
        where = "column 'text'" if "image" not in columns else "columns 'text' and 'image'"
        problems.append(f"{where}, row(s) {_rows(empty)}: empty (neither text nor image)")
    emotion_columns = [e for e in EMOTIONS if e in columns]
    if "label" in columns and emotion_columns:  # one of them would be silently left unread
        raise DataError(f"{source}: has both a 'label' column and emotion columns ({', '.join(emotion_columns)}); "
                        f"keep the 'label' column (one emotion per row) or the four 0/1 emotion columns, and rename "
                        f"or remove the other")
    presence = exclusive = None  # as LabelledData makes them from `labels`, unless a row is labelled none
    labels, labels_read = np.zeros((n, len(EMOTIONS))), True
    if "label" in columns:
        multi_label = False
        labels, none, label_problems = _single_labels(frame["label"])
        problems += label_problems
        labels_read = not label_problems
        if none.any():  # a row with no emotion of the four: every row then says which are present (its label alone)
            presence, exclusive = labels.copy(), ~none
    elif len(emotion_columns) == len(EMOTIONS):
        multi_label = True
        read = {e: _presence(frame[e]) for e in EMOTIONS}
        bad = [f"column '{e}' {problem}" for e, (_, problem) in read.items() if problem]
        if bad:  # every column named at once: a file is fixed in one go, not one column per run
            problems.append(f"the emotion columns must hold 0 or 1 (or true/false, yes/no; all zeros in a row: no "
                            f"emotion of the four): {'; '.join(bad)}")
            labels_read = False
        else:
            labels = np.column_stack([values for values, _ in read.values()])
    else:
        missing = [e for e in EMOTIONS if e not in columns]
        raise DataError(f"{source}: needs a 'label' column or the four emotion columns {list(EMOTIONS)} "
                        f"(missing: {missing}); found {found}")
    intensity = np.full((n, len(EMOTIONS)), np.nan)
    per_emotion = [f"intensity_{e}" for e in EMOTIONS if f"intensity_{e}" in columns]
    if per_emotion and {f"prob_{e}" for e in EMOTIONS} <= {str(c).strip().lower() for c in frame.columns}:
        raise DataError(f"{source}: looks like a file `score` wrote: its {', '.join(per_emotion)} column(s) are a "
                        f"model's intensities, not gold ones; remove the scored columns (emotion, prob_<emotion>, "
                        f"intensity_<emotion>, error) to evaluate or train on its labels")
    if "intensity" in columns and per_emotion:  # which would rate the label's emotion cannot be told
        raise DataError(f"{source}: has both an 'intensity' column and {', '.join(per_emotion)}; keep one: "
                        f"'intensity' rates the label's emotion, 'intensity_<emotion>' each emotion")
    if "intensity" in columns and multi_label:  # it would say the intensity of no emotion in particular
        raise DataError(f"{source}: an 'intensity' column rates the emotion of a 'label' column; with the four "
                        f"emotion columns give each emotion's as 'intensity_<emotion>' (intensity_joy, …)")
    given = {}
    for column in ("intensity", *(f"intensity_{e}" for e in EMOTIONS)):
        if column in columns:
            values, problem = _numbers(frame[column], column)
            if problem:
                problems.append(problem)
            else:
                given[column] = values
    outside = {column: np.flatnonzero((values < 0) | (values > 1)) for column, values in given.items()}
    outside = {column: rows for column, rows in outside.items() if rows.size}
    if outside:
        shown = "; ".join(f"column '{column}', row(s) {_rows(rows)} ({given[column][rows[0]]:g})"
                          for column, rows in outside.items())
        problems.append(f"intensities must lie in [0, 1]: {shown}"
                        f"{'; on a scale of 0 to 100? Divide them by 100' if _percentages(given, outside) else ''}")
    if "intensity" in given and labels_read:
        rated = labels.any(axis=1)
        on_none = np.flatnonzero(~rated & np.isfinite(given["intensity"]))
        if on_none.size:
            problems.append(f"column 'intensity', row(s) {_rows(on_none)}: an intensity on a row labelled {NONE}, "
                            f"which has no emotion to rate; leave it empty")
        else:
            intensity[rated, labels[rated].argmax(axis=1)] = given["intensity"][rated]
    if problems:
        raise DataError(f"{source}: " + "; also ".join(problems))
    for i, emotion in enumerate(EMOTIONS):
        if f"intensity_{emotion}" in given:
            intensity[:, i] = given[f"intensity_{emotion}"]
    return LabelledData(texts, images, labels, intensity, multi_label, source, presence=presence, exclusive=exclusive)


# Words people label emotions with, and the name this reader takes for each: said in the error, never read as it,
# since "love" or "other" may mean something else in someone's data.
_SYNONYMS = {
    **dict.fromkeys(("angry", "mad", "rage", "fury", "annoyed"), "anger"),
    **dict.fromkeys(("scared", "afraid", "fearful", "fright", "anxious", "anxiety"), "fear"),
    **dict.fromkeys(("happy", "happiness", "joyful", "joyous"), "joy"),
    **dict.fromkeys(("sad", "unhappy", "sorrow", "sadden"), "sadness"),
    **dict.fromkeys(("neutral", "no emotion", "no_emotion", "noemotion", "other", "others", "nothing"), NONE),
}


def _cell_text(cells: pd.Series) -> pd.Series:
    """A column's cells as trimmed text, a missing value (NaN, None, NA: a frame handed over from Python) as an
    empty cell: pandas 3's astype(str) keeps it missing, and a float where text belongs failed as a TypeError."""
    return cells.astype(object).fillna("").astype(str).str.strip()


def _single_labels(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A `label` column (an emotion's name, or none, in any case) → ((n, 4) 0/1, (n,) whether the row is none,
    what is wrong with its cells: empty or unknown labels, which are read as none)."""
    given = _cell_text(cells)
    raw = given.str.lower()
    empty = raw.isin(("", "nan")).to_numpy()
    problems = []  # both kinds at once: a file mended for one should not fail again on the other
    if empty.any():
        problems.append(f"column 'label', row(s) {_rows(np.flatnonzero(empty))}: empty; write one of "
                        f"{', '.join(EMOTIONS)}, or {NONE} for a text with no emotion of the four")
    known = raw.isin([*EMOTIONS, NONE]).to_numpy() | empty
    if not known.all():
        unknown = sorted(set(given[~known]))  # as the file writes them ('Sadnes'), each spelling once
        hints = [f"{_SYNONYMS[label.lower()]} for {label!r}" for label in unknown if label.lower() in _SYNONYMS]
        hint = (f"; did you mean {', '.join(hints[:5])}? Write them so in the file" if hints else
                "; labels are names, not numbers" if all(label.isdigit() for label in unknown) else "")
        problems.append(f"unknown label(s) {shown_names(unknown[:5])} in column 'label' (row(s) "
                        f"{_rows(np.flatnonzero(~known))}); expected one of {list(EMOTIONS)} or {NONE!r} (no emotion "
                        f"of the four){hint}")
    none = (raw == NONE).to_numpy() | ~known | empty  # an unknown or empty label: read as none, said in `problems`
    labels = np.zeros((len(raw), len(EMOTIONS)))
    labels[~none] = one_hot(raw[~none])
    return labels, none, problems


# How a spreadsheet or pandas may write a 0/1 column (pandas writes a bool column as True/False).
_PRESENCE_WORDS = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}


def _presence(cells: pd.Series) -> tuple[np.ndarray, str]:
    """A 0/1 emotion column: 0 and 1 as numbers ("1", "1.0", " 0") or words (true/false, yes/no, any case); and
    what is wrong with its other cells, empty ones too ("" when nothing): their rows and the first of them."""
    text = _cell_text(cells)
    values = pd.to_numeric(text, errors="coerce").fillna(text.str.lower().map(_PRESENCE_WORDS)).to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isin(values, (0, 1)))
    if not bad.size:
        return values, ""
    example = text.iloc[bad[0]]
    return values, f"row(s) {_rows(bad)} ({'empty' if example in ('', 'nan') else repr(shown_text(example, 20))}" + \
        (", …)" if len(set(text.iloc[bad])) > 1 else ")")


def _percentages(given: dict, outside: dict) -> bool:
    """Whether the columns with intensities above 1 look written on a 0-100 scale: most of their values above 1,
    none above 100 or below 0 (a column whose only values out of range are infinite has no such scale)."""
    known = [given[column][np.isfinite(given[column])] for column in outside]
    return all(values.size and values.min() >= 0 and values.max() <= 100 and (values > 1).mean() > 0.5 and (values > 1).sum() > 1
               for values in known)


def _numbers(cells: pd.Series, column: str) -> tuple[np.ndarray, str]:
    """A column of numbers, empty cells (or NaN, NA, none, null) NaN: not given; and what is wrong with its other
    cells ("" when nothing): one that is not a number (a decimal comma, a word) is named by its rows, not an
    intensity silently dropped."""
    text = _cell_text(cells)
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce").to_numpy(dtype=float)
    missing = text.str.lower().isin(("", "nan", "na", "n/a", "none", "null")).to_numpy()
    bad = np.flatnonzero(np.isnan(values) & ~missing)
    if bad.size:
        example = text.iloc[bad[0]]
        hint = "; write decimals with a point" if "," in example else \
            "; write a share without %: 0.8, not 80%" if example.endswith("%") else ""
        return values, f"column '{column}' must hold numbers (row(s) {_rows(bad)}: {shown_text(example, 20)!r}{hint})"
    return values, ""


def hold_out(data: LabelledData, seed: int, share: float = 0.1, by=None) -> tuple[LabelledData, LabelledData]:
    """A stratified (train, valid) split, for data without its own validation set; rows keep their order.
    Stratified by `by(data)` (default: each row's first labelled emotion, or none)."""
    from sklearn.model_selection import train_test_split

    strata = by(data) if by is not None else answers(data.labels)  # a row with no emotion is its own stratum
    try:
        keep, held = train_test_split(np.arange(len(data)), test_size=share, random_state=seed, stratify=strata)
    except ValueError:  # too few rows of some answer to put one on each side, or too few rows for every answer
        values, counts = np.unique(strata, return_counts=True)
        names = [(*EMOTIONS, NONE)[v] if by is None else str(v) for v in values]
        rarest = min(zip(counts, names))
        held = math.ceil(share * len(data))  # as train_test_split counts the rows it holds out
        if rarest[0] >= 2 and min(held, len(data) - held) < len(values):  # the rarest answer is not to blame
            raise DataError(f"{data.source}: too few rows to hold out a validation tenth with every emotion on both "
                            f"sides ({len(data)} rows, so {held} held out, for {len(values)} answers: "
                            f"{', '.join(names)}); give a validation file or at least "
                            f"{round((len(values) - 1) / share) + 1} rows") from None
        raise DataError(f"{data.source}: too few rows to hold out a validation tenth with every emotion on both "
                        f"sides ({len(data)} rows; {rarest[1]} has {rarest[0]}); give a validation file or more "
                        f"rows") from None
    return data.subset(np.sort(keep)), data.subset(np.sort(held))


def read_labelled(path: str | Path, max_rows: int | None = None, name: str | None = None,
                  base: Path | None = None, check_images: bool | ImageCheck = True, encoding: str | None = None,
                  delimiter: str | None = None) -> LabelledData:
    """A labelled CSV/TSV file, read by the one table reader (`data.tables.read_table`: any encoding it accepts,
    the delimiter sniffed; or the `encoding` and `delimiter` given). A row the reader marks (the wrong number of fields,
    a quote left open, a byte that is not UTF-8) is refused here: a label must not shift or be guessed.
    Image paths are relative to `base` (default: the file's folder); with `check_images`, a path that is no file
    is refused with its rows (a model would otherwise train on the row without its image, or on nothing); given a
    function (path → what is wrong with it, or None), what it finds wrong is."""
    path = Path(path)
    table = read_table(path, max_rows=max_rows, name=name, encoding=encoding, delimiter=delimiter)
    if table.bad_rows:  # said as refused: the reader's note is for `score`, which keeps such a row ("not scored")
        errors = [error for chunk in table.chunks for error in chunk.row_errors]
        first = next(i for i, error in enumerate(errors) if error)
        shape = re.sub(r"; (the missing ones read as empty|not scored)", "", errors[first])
        raise DataError(f"{table.name}: {table.bad_rows} row(s) cannot be read as written, so their labels cannot "
                        f"be trusted (first: row {first + 1}, {shape}); quote a field that holds the delimiter, give "
                        f"every row the header's fields, and save the file as UTF-8")
    frame = table.frame.set_axis(table.given_columns, axis=1)  # as the header has them: a repeat is seen as one
    base = path.parent if base is None else base
    data = frame_to_labelled(frame, table.name, base=base, check_images=check_images)
    data.notes = [f"{table.name}: {note}" for note in table.notes]  # a detected encoding: a guess to be checked
    return data


def _image_problems(images: list, cells: pd.Series, base: Path | None, check: bool | ImageCheck) -> list[str]:
    """What is wrong with the image column's paths, each kind with its rows: a NUL byte, a URL, and (with `check`)
    a path that is no file (`file_problem`), or what `check`, a function, finds wrong with it. A function's
    problems name the path as the file writes it: it checks paths the user knows otherwise (in an uploaded ZIP)."""
    problems = []
    nul = [i for i, image in enumerate(images) if image is not None and "\x00" in image]
    if nul:
        problems.append(f"column 'image', row(s) {_rows(nul)}: a path cannot hold a NUL byte")
    urls = [i for i, cell in enumerate(cells) if is_url(cell)]
    if urls:
        problems.append(f"column 'image', row(s) {_rows(urls)}: a URL (first: {shown_text(cells.iloc[urls[0]].strip())}"
                        f"); images are read from files, never fetched")
    if not check:
        return problems
    problem_of = file_problem if check is True else check
    kinds: dict[str, list[int]] = {}
    for i, image in enumerate(images):
        if image is not None and i not in nul and i not in urls and (kind := problem_of(Path(image))):
            kinds.setdefault(kind, []).append(i)
    for kind, rows in kinds.items():
        first = images[rows[0]] if check is True else cells.iloc[rows[0]].strip()
        problems.append(f"column 'image', row(s) {_rows(rows)}: {kind} (first: {shown_text(first, 300)})")
    if kinds and check is True and base is not None:
        problems[-1] += f"; image paths are read relative to {base.absolute()}"
    return problems


def file_problem(path: Path) -> str | None:
    """What keeps `path` from being read as an image file, or None: missing, a folder, not a regular file."""
    if path.is_file():
        return None
    return "a folder, not an image file" if path.is_dir() else \
        "not a regular file (a pipe or a device)" if path.exists() else "no such file"


def _rows(positions) -> str:
    """1-based data row numbers (the header is not counted), at most ten."""
    positions = list(positions)
    shown = ", ".join(str(p + 1) for p in positions[:10])
    return shown + (f" and {len(positions) - 10} more" if len(positions) > 10 else "")
