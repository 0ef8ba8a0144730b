"""Read a `word, emotion, score` lexicon: one of the bundled NRC files, or a user's own file.

Bundled files are read with `importlib.resources`, never relative to the working directory. A user's file
(another language, a licensed copy) has the same three tab-separated columns, with or without a header, and
may be gzip-compressed. Every problem raises `LexiconError` naming the file and, where it applies, the line.
"""

from __future__ import annotations

import gzip
import io
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from emotions import EMOTIONS

#: Bundled lexicon name → file inside this package (gzip-compressed TSV: word, emotion, score).
BUNDLED: dict[str, str] = {
    "emolex": "nrc_emolex_wordlevel_v0.92.tsv.gz",
    "affect_intensity": "nrc_affect_intensity_v0.5.tsv.gz",
    "hashtag_emotion": "nrc_hashtag_emotion_v0.2.tsv.gz",
}


class LexiconError(ValueError):
    """A lexicon file is missing or malformed; the message names the file and the line."""


def _read_text(source: str | Path) -> tuple[str, str]:
    """Return (display name, decoded text) of a bundled lexicon name or a file path."""
    if isinstance(source, str) and source in BUNDLED:
        ref = resources.files("lexicons").joinpath(BUNDLED[source])
        name = f"lexicons/{BUNDLED[source]}"
        try:
            raw = ref.read_bytes()
        except FileNotFoundError:
            raise LexiconError(f"{name}: bundled lexicon file is missing") from None
    else:
        path = Path(source)
        name = str(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise LexiconError(f"{name}: lexicon file not found (bundled names: {', '.join(BUNDLED)})") from None
        except IsADirectoryError:
            raise LexiconError(f"{name}: is a directory, not a lexicon file") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise LexiconError(f"{name}: corrupt gzip data ({exc})") from None
    try:
        return name, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(f"{name}, line {line}: not UTF-8 text") from None


def _load(source: str | Path) -> tuple[tuple[str, str, float], ...]:
    if isinstance(source, str) and source in BUNDLED:
        return _parse(source, None)
    path = Path(source)
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)  # an edited file is read again
    except OSError:
        stamp = None
    return _parse(path, stamp)


@lru_cache(maxsize=16)
def _parse(source: str | Path, stamp) -> tuple[tuple[str, str, float], ...]:
    name, text = _read_text(source)
    rows = []
    for number, line in enumerate(io.StringIO(text), start=1):
        line = line.rstrip("\r\n")
        if not line.strip() or line.startswith("# "):
            continue  # blank lines and "# comment" lines (a hashtag entry is "#word", with no space)
        fields = line.split("\t")
        if len(fields) != 3:
            raise LexiconError(f"{name}, line {number}: expected 3 tab-separated fields (word, emotion, score), got {len(fields)}")
        word, emotion, score_text = fields
        if number == 1 and (word, emotion, score_text) == ("word", "emotion", "score"):
            continue
        try:
            score = float(score_text)
        except ValueError:
            raise LexiconError(f"{name}, line {number}: score {score_text!r} is not a number") from None
        if not word or not emotion or not math.isfinite(score):
            raise LexiconError(f"{name}, line {number}: empty word or emotion, or a score that is not finite")
        rows.append((word, emotion.strip().lower(), score))
    if not rows:
        raise LexiconError(f"{name}: no entries")
    return tuple(rows)


def load_lexicon(source: str | Path) -> list[tuple[str, str, float]]:
    """All `(word, emotion, score)` rows of a bundled lexicon (`"emolex"`, ...) or of a lexicon file."""
    return list(_load(source))


class TermTable(dict):
    """term → scores for `EMOTIONS`. Saved (`features.state`) and pickled (to Dask workers) as one list of
    terms and one matrix: a model holds ~27,000 of these rows, and one array at a time is slow to read."""

    def arrays(self) -> tuple[list[str], np.ndarray]:
        """(terms, matrix): the table as one list and one (terms × emotions) matrix, as it is saved."""
        return list(self), np.vstack(list(self.values())) if self else np.zeros((0, len(EMOTIONS)))

    @classmethod
    def from_arrays(cls, terms: list[str], matrix: np.ndarray) -> "TermTable":
        return cls(zip(terms, matrix))

    def __reduce__(self):
        return _term_table, self.arrays()


def _term_table(terms: list, matrix: np.ndarray) -> TermTable:
    return TermTable.from_arrays(terms, matrix)


def lexicon_table(source: str | Path) -> TermTable:
    """word → scores for `EMOTIONS` (0 where the lexicon gives none); words with no non-zero score are left out."""
    table = TermTable()
    column = {emotion: i for i, emotion in enumerate(EMOTIONS)}
    for word, emotion, score in _load(source):
        if emotion in column and score != 0:
            table.setdefault(word.lower(), np.zeros(len(EMOTIONS)))[column[emotion]] = score
    return table


def valence_table() -> TermTable:
    """word → (positive, negative) valence in [0, 1] from the VADER sentiment lexicon (Hutto & Gilbert 2014; MIT),
    read from the pinned `vaderSentiment` package: its mean rating in [-4, 4] divided by 4, split by sign."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    table = TermTable()
    for line in text.splitlines():
        word, mean, *_ = line.split("\t")
        valence = float(mean) / 4.0
        if valence:
            table[word.lower()] = np.array([max(valence, 0.0), max(-valence, 0.0)])
    return table


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """The bundled list of first names (lower case; 1990 US Census, see SOURCES.md)."""
    raw = resources.files("lexicons").joinpath("first_names.txt.gz").read_bytes()
    return frozenset(line for line in gzip.decompress(raw).decode("utf-8").splitlines()
                     if line and not line.startswith("#"))

