"""One table of tweets scored, whichever engine reads it: the columns its text and images are read from
(`check_columns`), the scored frame (`score_frame`: every input column, then `OUTPUT_COLUMNS`), how its rows are
counted (`ScoreSummary`) and the CSV text it is written as (`csv_text`; a cell a spreadsheet would run as a formula
is escaped). The local and Dask engines and the dashboard's uploads all score through it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data import DataError
from data.cells import as_texts, image_path, is_missing
from data.tables import delimiter_for, is_url, shown_names, shown_text
from emotions import EMOTIONS, strongest
from models.base import EmotionModel

OUTPUT_COLUMNS = (["emotion"] + [f"prob_{e}" for e in EMOTIONS] + [f"intensity_{e}" for e in EMOTIONS] + ["error"])


@dataclass
class ScoreSummary:
    rows: int = 0
    scored: int = 0  # rows with probabilities (possibly with a warning in `error`, e.g. an unreadable image)
    failed: int = 0  # rows without probabilities
    warned: int = 0  # rows with probabilities and a message in `error` (e.g. an image that was not read)
    resumed_rows: int = 0  # rows taken over from an interrupted run
    notes: list = field(default_factory=list)  # e.g. the encoding that was detected

    def add(self, counts: dict) -> None:
        """Adds the `row_counts` of scored rows (`warned` may be missing: a journal or part of an earlier version)."""
        self.rows += counts["rows"]
        self.failed += counts["failed"]
        self.scored += counts["rows"] - counts["failed"]
        self.warned += counts.get("warned", 0)

    def add_scored(self, scored_frame: pd.DataFrame) -> None:
        self.add(row_counts(scored_frame))

    def counts(self) -> dict:
        return {"rows": self.rows, "scored": self.scored, "failed": self.failed, "warned": self.warned}


def row_counts(scored_frame: pd.DataFrame) -> dict:
    """Scored rows counted as `ScoreSummary` adds them: rows; failed, those without probabilities (their `emotion`
    is empty); warned, those with probabilities and a message in `error`."""
    failed = (scored_frame["emotion"] == "").to_numpy()
    messages = (scored_frame["error"] != "").to_numpy()
    return {"rows": len(scored_frame), "failed": int(failed.sum()), "warned": int((messages & ~failed).sum())}


def separator_for(path: Path) -> str:
    """The output's delimiter, by its extension; an extension of a compressed or spreadsheet format is refused:
    the output is plain text, and a `.gz` name on it would mislead every reader."""
    if Path(path).suffix.lower() in (".gz", ".bz2", ".xz", ".zip", ".xlsx", ".xls", ".parquet"):
        raise DataError(f"{path}: the scored file is plain CSV or TSV text; name it .csv or .tsv (compress it "
                        f"afterwards if you need to)")
    return delimiter_for(path)


def resolve_image(value, base: Path, root: Path) -> tuple[str | None, str | None]:
    """(path, error) of an image cell: relative to `base`, and refused if it resolves outside `root`."""
    if is_missing(value) or not str(value).strip():
        return None, None
    if "\x00" in str(value):
        return None, f"image {shown_text(str(value))!r}: a path cannot hold a NUL byte"
    given = str(value).strip()  # as the messages name it
    if is_url(value):
        return None, f"image {shown_text(given)!r}: a URL; images are read from files, never fetched"
    try:
        path, root = image_path(base, given).resolve(), Path(root).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before Python 3.13), a name too long
        return None, f"image {shown_text(given)!r}: cannot resolve the path ({exc})"
    if not path.is_relative_to(root):
        return None, f"image {shown_text(given)!r} resolves outside the images folder {root}"
    return str(path), None


def score_frame(model: EmotionModel, frame: pd.DataFrame, text_column: str | None, image_column: str | None,
                base: Path, images_root: Path, row_errors: list | None = None,
                unscorable: np.ndarray | None = None, unreadable: dict | None = None) -> pd.DataFrame:
    """The input columns plus the output columns, one row per input row, in the input's order.

    `text_column` may be None or absent from `frame` (image-only scoring); cells that are empty, missing or
    numbers are read as text ("" when missing). `row_errors` (per row: None or a message) are put first in the
    row's `error`; rows marked in `unscorable` are not scored at all (no probabilities). `unreadable` maps an
    image's path under `images_root` ("faces/a.png") to why it cannot be read (a ZIP entry that was damaged, and
    not unpacked): its rows are scored without it, saying why."""
    n = len(frame)
    if text_column and text_column in frame.columns:
        texts = as_texts(frame[text_column].tolist())
    else:
        texts = [""] * n
    images: list = [None] * n
    pre_errors: list = list(row_errors) if row_errors is not None else [None] * n
    if image_column and image_column in frame.columns:
        # by their resolved paths, as `resolve_image` gives them: the root resolved once, not once a row
        unreadable = {str(Path(images_root).resolve().joinpath(name)): why for name, why in (unreadable or {}).items()}
        for i, value in enumerate(frame[image_column].tolist()):
            images[i], error = resolve_image(value, base, images_root)
            if images[i] in unreadable:
                images[i], error = None, f"{Path(images[i]).name}: {unreadable[images[i]]}"
            pre_errors[i] = _join(pre_errors[i], error)
    if unscorable is not None and unscorable.any():
        for i in np.flatnonzero(unscorable):
            texts[i], images[i] = "", None
    if n:
        prediction = model.predict(texts, images)
        probabilities, intensities, errors = prediction.probabilities, prediction.intensities, prediction.errors
        emotions = strongest(probabilities, model.none_threshold)
    else:
        probabilities = intensities = np.zeros((0, len(EMOTIONS)))
        errors, emotions = [], []
    if unscorable is not None and unscorable.any():
        probabilities, intensities = probabilities.copy(), intensities.copy()
        probabilities[unscorable] = np.nan
        intensities[unscorable] = np.nan
        errors = [None if bad else e for e, bad in zip(errors, unscorable)]
        emotions = ["" if bad else e for e, bad in zip(emotions, unscorable)]
    out = frame.copy()
    out["emotion"] = emotions
    for i, emotion in enumerate(EMOTIONS):
        out[f"prob_{emotion}"] = np.round(probabilities[:, i], 6)
    for i, emotion in enumerate(EMOTIONS):
        out[f"intensity_{emotion}"] = np.round(intensities[:, i], 6)
    out["error"] = [_join(pre, err) or "" for pre, err in zip(pre_errors, errors)]
    return out


def _join(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"{first}; {second}"
    return first or second


def _matching(columns: list, wanted: str) -> list:
    """The columns that are `wanted` once case and surrounding spaces are set aside."""
    return [c for c in columns if str(c).strip().lower() == wanted.strip().lower()]


def column_named(columns: list, wanted: str | None, path: Path, kind: str) -> str | None:
    """The column `wanted` names: itself, else the one column that is `wanted` once case and surrounding spaces
    are set aside (`Text`, " text "), as labelled files are read (`data.labelled.labelled_columns`); None if there
    is none. Two such columns ("Text" and "TEXT") are refused: which one is meant cannot be told."""
    if wanted is None or wanted in columns:
        return wanted
    matches = _matching(columns, wanted)
    if len(matches) > 1:
        raise DataError(f"{path}: columns {shown_names(matches)} could each be the {kind} column {wanted!r}; give "
                        f"its exact name")
    return matches[0] if matches else None


def check_columns(columns: list, path: Path, text_column: str | None,
                  image_column: str | None) -> tuple[str | None, str | None]:
    """(text column, image column) as the file names them (`column_named`). `text_column` None means `text` if the
    file has one: without it, and with an image column given, the text column is None (image-only scoring).
    `DataError` when a column named is missing (a text column named so is never skipped: a misspelt one would
    score every row on its image alone) or the file already has the output's columns."""
    image = column_named(columns, image_column, path, "image")
    if image_column and image is None:
        raise DataError(f"{path}: no image column {image_column!r}; columns are {shown_names(columns)}")
    text = column_named(columns, text_column or "text", path, "text")
    if text is None and (text_column or not image_column):
        raise DataError(f"{path}: no text column {text_column or 'text'!r}; columns are {shown_names(columns)}")
    if text is not None and text == image:
        raise DataError(f"{path}: column {text!r} is given as both the text and the image column; name each its own")
    clash = [c for c in OUTPUT_COLUMNS if c in columns]
    if clash:
        raise DataError(f"{path}: already has output column(s) {clash}; rename them before scoring")
    return text, image


def text_only_notes(model: EmotionModel, image_column: str | None) -> list[str]:
    """An image column given to a model that reads no images: said, as it is not read."""
    if image_column and "image" not in model.modalities:
        return [f"columns: {model.name} reads text only; the image column {image_column!r} is not read"]
    return []


def column_notes(model: EmotionModel, columns: list, path: Path, image_column: str | None) -> list[str]:
    """What the user should know about the columns before the rows are scored: `text_only_notes`, or a column
    named "image" (whatever its case) that is not read because no image column was given; `case_only_notes`."""
    if not image_column and "image" in model.modalities and _matching(columns, "image"):
        return [f"columns: {path.name} has a column 'image', which is not read; to score its images, give it as the "
                f"image column (--image-column image), their paths read from the file's folder or from --images-root "
                f"(a ZIP of them unpacked first)", *case_only_notes(columns, path.name)]
    return text_only_notes(model, image_column) + case_only_notes(columns, path.name)


def case_only_notes(columns: list, name: str) -> list[str]:
    """Columns whose names differ from an output column's only in case ("Emotion", a gold label beside the
    model's `emotion`): both are written, which a reader that ignores case would take for one."""
    alike = [c for c in columns if c not in OUTPUT_COLUMNS and _matching(OUTPUT_COLUMNS, str(c))]
    return [f"columns: {name} has {shown_names(alike)}, differing from the scored file's own column(s) of that name "
            f"only in case: both are written, the lower-case one the model's"] if alike else []


# OWASP's rule for CSV injection: a cell that starts with one of these is a formula to a spreadsheet.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


# A cell that is only a number (-3, +1.5e-3) is read as that number, not run: it is left as it is, so that a
# negative coordinate or score stays a number in the scored file.
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell that a spreadsheet would run as a formula prefixed with `'`."""
    return _escaped(frame, _text_cells(frame))


def _text_cells(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Each text column of the frame, as strings."""
    return {c: frame[c].astype(str) for c in frame.columns
            if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])}


def _escaped(frame: pd.DataFrame, cells: dict[str, pd.Series]) -> pd.DataFrame:
    out = frame.copy()
    for column, text in cells.items():
        risky = text.str.startswith(FORMULA_LEADS) & frame[column].notna()
        if risky.any():  # numbers looked for among the few cells that start so, not in every cell
            risky[risky] = ~text[risky].str.match(_NUMBER)
        if risky.any():
            out[column] = frame[column].where(~risky, "'" + text)
    return out


# Written first when the input began with a byte-order mark: Excel reads a UTF-8 file without one as its own
# code page ("café" as "cafÃ©").
BOM = "\ufeff"


def csv_text(frame: pd.DataFrame, separator: str, header: bool | list[str] = True,
             formulas_escaped: bool = True, bom: bool = False) -> str:
    """The rows as the CSV (or TSV) text every writer of scored rows writes, lines ending in `\n`, text cells and
    the header's names escaped (`escape_formulas`) unless `formulas_escaped` is false. `header`: whether to write
    one, or the names to write (`scored_header`); `bom`: a byte-order mark before the header (`BOM`), for an input
    that began with one.

    Python 3.11's csv writer quotes a cell holding a line break only if the break is in the line terminator,
    so a cell holding a carriage return would be written bare and every reader would split the row there; a
    frame with such a cell is written with every text cell quoted, and the cell keeps its carriage return."""
    cells = _text_cells(frame)  # escaping only prefixes a cell, so the carriage returns are found before it
    out = _escaped(frame, cells) if formulas_escaped else frame
    bare_return = any(text.str.contains("\r", regex=False).any() for text in cells.values())
    if formulas_escaped and header is not False:  # a column named "=HYPERLINK(...)" is a cell of the file too
        names = [str(name) for name in (frame.columns if header is True else header)]
        header = [f"'{name}" if name.startswith(FORMULA_LEADS) and not re.match(_NUMBER, name) else name
                  for name in names]
        bare_return = bare_return or any("\r" in name for name in names)
    text = out.to_csv(sep=separator, index=False, header=header, lineterminator="\n",
                      quoting=csv.QUOTE_NONNUMERIC if bare_return else csv.QUOTE_MINIMAL)
    return BOM + text if bom and header is not False else text


def scored_header(given: list[str]) -> list[str]:
    """A scored file's header: the input's column names as its header line has them (blank or repeated names
    stay so; pandas would write `Unnamed: 2` and `name.1`), then the output columns."""
    return [*given, *OUTPUT_COLUMNS]


def render(model: EmotionModel, frame: pd.DataFrame, settings: tuple, header: bool, row_errors: list | None = None,
           unscorable: np.ndarray | None = None) -> tuple[str, dict]:
    """Rows scored and formatted as both engines write them: (CSV text, `row_counts`). `settings`: (text
    column, image column, base folder, images root, output separator, formulas escaped, the header written, whether
    a byte-order mark goes before it)."""
    text_column, image_column, base, root, separator, formulas_escaped, written, bom = settings
    scored = score_frame(model, frame, text_column, image_column, Path(base), Path(root), row_errors, unscorable)
    return csv_text(scored, separator, header=written if header else False, formulas_escaped=formulas_escaped,
                    bom=bom), row_counts(scored)
