"""What a table's cell holds: missing or not (`is_missing`), a text that shows nothing (`is_blank`), a column
of cells read as texts (`as_texts`), as every reader of texts takes them (training, scoring, the dashboard), and
the file an image cell names (`image_path`)."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Collection, Mapping
from pathlib import Path

import pandas as pd

from data.tables import shown_text

# Characters that show nothing, as the body of a regular expression's class: a text of only these and white space
# has nothing to score (zero-width spaces and joiners, a soft hyphen, direction marks and isolates, invisible
# operators, the byte-order mark); the tokenizer drops them inside a word.
INVISIBLE_CLASS = "\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE_CLASS}]")


def is_blank(text: str) -> bool:
    """Whether a text shows nothing: empty, white space, or zero-width characters only."""
    return not text.strip() or (not text.isascii() and not _INVISIBLE_RE.sub("", text).strip())


def is_missing(value) -> bool:
    """Whether a cell is missing: None, or a missing-value scalar of numpy or pandas (NaN of any float type,
    `pd.NA`, `NaT`). pandas' string columns hold `pd.NA`, which `str` made the tweet "<NA>"."""
    if value is None:
        return True
    if isinstance(value, (str, bytes)):
        return False
    if isinstance(value, float):
        return math.isnan(value)
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def check_one_column(values, what: str) -> None:
    """Refuses what would be read as a column of `what`s (texts, images) but is not one: a single string (read as
    one item per character) or a table (read as its column names, or a dict's keys)."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"expected a list of {what}s, got a single string; wrap it in a list")
    if isinstance(values, (pd.DataFrame, Mapping)):
        raise TypeError(f"expected a list of {what}s, got a {type(values).__name__}; pass one column, e.g. "
                        f"frame['{what}']")


def as_texts(values) -> list[str]:
    """Cells of a text column as strings: a missing cell (`is_missing`) becomes "", bytes are read as UTF-8 (an
    invalid byte as U+FFFD), a number is `str` of it. A cell that holds several values (a list, a row of a table's
    `.values`, an `(index, text)` pair of `Series.items()`) is a TypeError: its printed form was scored as a tweet."""
    check_one_column(values, "text")
    if not hasattr(values, "__iter__"):  # None, a number: "'NoneType' object is not iterable" said no more
        raise TypeError(f"expected a list of texts, got {type(values).__name__}")
    return [value if type(value) is str else _cell_text(value, i) for i, value in enumerate(values)]


def _cell_text(value, position: int) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Collection):  # before is_missing, which an array would answer element by element
        raise TypeError(f"text #{position}: expected a text, got a {type(value).__name__} of several values "
                        f"({shown_text(repr(value))}); give one column of texts")
    return "" if is_missing(value) else str(value)


def image_path(base: Path, cell: str) -> Path:
    """The file an image cell names, relative to `base`: as written if it is there; else, if that is there, a
    path written on Windows ("photos\\a.jpg") read with "/", and a name whose accents are composed otherwise than
    on disk ("café.png" typed whole, its accent apart as macOS writes names into a ZIP, or the other way)."""
    path = Path(base) / cell
    if path.exists() or (cell.isascii() and "\\" not in cell):
        return path
    tried = [cell.replace("\\", "/")] if "\\" in cell and os.sep == "/" else []
    for form in ("NFC", "NFD"):
        tried += [unicodedata.normalize(form, name) for name in (cell, *tried[:1])]
    return next((Path(base) / name for name in tried if name != cell and (Path(base) / name).exists()), path)
