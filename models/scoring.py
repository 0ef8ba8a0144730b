"""Batch scoring of a CSV/TSV file: read in chunks, score each chunk, append to a temporary file that is
renamed to the output name only when every chunk is written. A bad row gets its `error`; the rest go on."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from features.emotions import EMOTIONS
from models.base import EmotionModel
from models.labelled_data import DataError

OUTPUT_COLUMNS = (["emotion"] + [f"prob_{e}" for e in EMOTIONS] + [f"intensity_{e}" for e in EMOTIONS] + ["error"])


@dataclass
class ScoreSummary:
    rows: int = 0
    scored: int = 0
    failed: int = 0


def separator_for(path: Path) -> str:
    return "\t" if path.suffix.lower() in (".tsv", ".txt") else ","


def resolve_image(value, base: Path, root: Path) -> tuple[str | None, str | None]:
    """(path, error) of an image cell: relative to `base`, and refused if it resolves outside `root`."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return None, None
    path = (base / str(value).strip()).resolve()
    if not path.is_relative_to(root.resolve()):
        return None, f"image {value!r} resolves outside the images folder {root}"
    return str(path), None


def score_frame(model: EmotionModel, frame: pd.DataFrame, text_column: str | None, image_column: str | None,
                base: Path, images_root: Path) -> pd.DataFrame:
    """The input columns plus the output columns, one row per input row."""
    n = len(frame)
    texts = frame[text_column].tolist() if text_column else [""] * n
    texts = ["" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t) for t in texts]
    images: list = [None] * n
    pre_errors: list = [None] * n
    if image_column:
        for i, value in enumerate(frame[image_column].tolist()):
            images[i], pre_errors[i] = resolve_image(value, base, images_root)
    prediction = model.predict(texts, images)
    out = frame.copy()
    probabilities, intensities = prediction.probabilities, prediction.intensities
    out["emotion"] = prediction.emotions
    for i, emotion in enumerate(EMOTIONS):
        out[f"prob_{emotion}"] = np.round(probabilities[:, i], 6)
    for i, emotion in enumerate(EMOTIONS):
        out[f"intensity_{emotion}"] = np.round(intensities[:, i], 6)
    errors = [pre or err for pre, err in zip(pre_errors, prediction.errors)]
    out["error"] = [e or "" for e in errors]
    return out


def score_file(model: EmotionModel, input_path: str | Path, output_path: str | Path, text_column: str = "text",
               image_column: str | None = None, images_root: str | Path | None = None,
               chunk_rows: int = 20_000, on_chunk=None) -> ScoreSummary:
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise DataError(f"{input_path}: file not found")
    base = input_path.parent
    root = Path(images_root) if images_root else base
    separator = separator_for(input_path)
    summary = ScoreSummary()
    output_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output_path.name}.", suffix=".part", dir=output_path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            try:
                reader = pd.read_csv(input_path, sep=separator, dtype=str, keep_default_na=False,
                                     encoding="utf-8-sig", chunksize=chunk_rows)
                first = True
                for chunk in reader:
                    if first:
                        _check_columns(chunk, input_path, text_column, image_column)
                    scored = score_frame(model, chunk, text_column if text_column in chunk.columns else None,
                                         image_column, base, root)
                    scored.to_csv(out, sep=separator_for(output_path), index=False, header=first)
                    first = False
                    failed = int((scored["emotion"] == "").sum())  # an image error beside scored text is a warning
                    summary.rows += len(scored)
                    summary.failed += failed
                    summary.scored += len(scored) - failed
                    if on_chunk:
                        on_chunk(summary)
            except pd.errors.EmptyDataError:
                raise DataError(f"{input_path}: the file is empty") from None
            except pd.errors.ParserError as exc:
                raise DataError(f"{input_path}: malformed CSV ({exc})") from None
            except UnicodeDecodeError as exc:
                raise DataError(f"{input_path}: not UTF-8 text (byte offset {exc.start})") from None
        if summary.rows == 0:
            raise DataError(f"{input_path}: no rows to score")
        os.replace(temporary, output_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


def _check_columns(chunk: pd.DataFrame, path: Path, text_column: str | None, image_column: str | None) -> None:
    columns = list(chunk.columns)
    if image_column and image_column not in columns:
        raise DataError(f"{path}: no image column {image_column!r}; columns are {columns}")
    if text_column not in columns and not image_column:
        raise DataError(f"{path}: no text column {text_column!r}; columns are {columns}")
    clash = [c for c in OUTPUT_COLUMNS if c in columns]
    if clash:
        raise DataError(f"{path}: already has output column(s) {clash}; rename them before scoring")
