"""What a dashboard user uploads: tables to score or to learn from, and ZIPs of the images they name.

Everything here reads uploads as data only: tables are parsed as text, images are decoded by Pillow, and a
ZIP is unpacked entry by entry into a fresh folder after its names and sizes are checked. Nothing uploaded is
executed or unpickled. Every refusal raises `UploadError` with a message meant for the page.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
from PIL import Image, UnidentifiedImageError

from models.input_sniffing import sniff_input
from models.labelled_data import DataError, LabelledData, frame_to_labelled
from models.scoring import ScoreSummary, check_columns, read_chunks, resolve_image, score_frame

CHUNK_ROWS = 500  # rows scored between two updates of the page's progress bar


class UploadError(DataError):
    """An upload is refused: too big, empty, unreadable, or unsafe; the message says which and why."""


@dataclass(frozen=True)
class UploadLimits:
    """The dashboard's limits. `file_mb` must equal `server.maxUploadSize` in .streamlit/config.toml, which
    makes the browser refuse bigger files before they are sent; the others are checked here."""

    file_mb: int = 50
    rows: int = 20_000
    images: int = 1_000
    unzipped_mb: int = 200

    def describe(self) -> str:
        return (f"at most {self.file_mb} MB per file, {self.rows:,} rows, and {self.images:,} images "
                f"({self.unzipped_mb} MB unpacked) per ZIP")


LIMITS = UploadLimits()


def check_size(data: bytes, name: str, limits: UploadLimits = LIMITS) -> None:
    if not data:
        raise UploadError(f"{name}: the file is empty")
    if len(data) > limits.file_mb * 1_000_000:
        raise UploadError(f"{name}: {len(data) / 1e6:.1f} MB is over the limit of {limits.file_mb} MB per file")


def _save(data: bytes, name: str, folder: Path) -> Path:
    """The upload written under `folder` with a fixed name (the user's name is never used as a path)."""
    suffix = PurePosixPath(name).suffix.lower()
    path = Path(folder) / f"upload{suffix if suffix in ('.csv', '.tsv', '.tab', '.txt') else '.csv'}"
    path.write_bytes(data)
    return path


# --- tables to score ------------------------------------------------------------------------------------------


@dataclass
class UploadedTable:
    name: str
    columns: list[str]
    chunks: list  # `models.scoring.Chunk`s: frames of text cells, with per-row messages about malformed rows
    rows: int
    notes: list = field(default_factory=list)  # e.g. the encoding that was detected
    bad_rows: int = 0  # rows with too many or too few fields (kept, with their message in `error`)

    @property
    def frame(self) -> pd.DataFrame:
        return pd.concat([c.frame for c in self.chunks], ignore_index=True)


def read_table_upload(data: bytes, name: str, folder: Path, limits: UploadLimits = LIMITS) -> UploadedTable:
    """A CSV/TSV upload read as the CLI reads it: encoding and delimiter sniffed, malformed rows kept."""
    check_size(data, name, limits)
    path = _save(data, name, folder)
    try:
        fmt = sniff_input(path)
        chunks = read_chunks(path, fmt, CHUNK_ROWS)
        columns = next(chunks)
        chunks = list(chunks)
    except DataError as exc:  # its message names the temporary path; the user knows the file by its name
        raise UploadError(str(exc).replace(str(path), name)) from None
    rows = sum(len(c.frame) for c in chunks)
    if rows == 0:
        raise UploadError(f"{name}: a header line but no rows")
    if rows > limits.rows:
        raise UploadError(f"{name}: {rows:,} rows is over the limit of {limits.rows:,}; split the file, or score "
                          f"it with `python cli.py score`, which has no limit")
    bad = sum(sum(e is not None for e in c.row_errors) for c in chunks)
    notes = [f"encoding: {fmt.note}"] if fmt.note else []
    return UploadedTable(name, columns, chunks, rows, notes, bad)


def score_table(model, table: UploadedTable, text_column: str | None, image_column: str | None = None,
                images_root: Path | None = None, on_progress=None) -> tuple[pd.DataFrame, ScoreSummary]:
    """Every row of `table` scored (the columns of `cli.py score`), and a summary that counts failed rows.

    Image paths resolve inside `images_root` (the unpacked ZIP) or nowhere: without a ZIP, an image column is
    refused. on_progress(fraction) is called after each chunk."""
    try:
        check_columns(table.columns, Path(table.name), text_column, image_column)
    except DataError as exc:
        raise UploadError(str(exc)) from None
    if image_column and images_root is None:
        raise UploadError(f"the image column {image_column!r} names images: upload the ZIP that holds them")
    root = Path(images_root) if images_root else Path(".")
    summary, parts, done = ScoreSummary(notes=list(table.notes)), [], 0
    for chunk in table.chunks:
        scored = score_frame(model, chunk.frame, text_column, image_column, root, root, chunk.row_errors,
                             chunk.unscorable)
        summary.add(scored)
        parts.append(scored)
        done += len(scored)
        if on_progress:
            on_progress(done / table.rows)
    return pd.concat(parts, ignore_index=True), summary


# --- ZIPs of images -------------------------------------------------------------------------------------------


@dataclass
class UnpackedImages:
    folder: Path
    files: list[str]  # relative paths, as the table names them
    not_images: dict = field(default_factory=dict)  # relative path → why Pillow cannot read it


def unpack_images(data: bytes, name: str, folder: Path, limits: UploadLimits = LIMITS) -> UnpackedImages:
    """A ZIP unpacked into `folder` (which must be empty), after checking every entry: no absolute path or
    `..`, no more than `limits.images` files, no more than `limits.unzipped_mb` unpacked. Files that Pillow
    cannot open are listed in `not_images` (rows naming them get an error when scored)."""
    check_size(data, name, limits)
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError(f"{name}: not a ZIP file") from None
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        for entry in entries:
            parts = PurePosixPath(entry.filename.replace("\\", "/")).parts
            if entry.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise UploadError(f"{name}: the entry {entry.filename!r} leads outside the archive; "
                                  f"nothing was unpacked")
        if len(entries) > limits.images:
            raise UploadError(f"{name}: {len(entries):,} files is over the limit of {limits.images:,} images")
        total = sum(e.file_size for e in entries)
        if total > limits.unzipped_mb * 1_000_000:
            raise UploadError(f"{name}: unpacks to {total / 1e6:.0f} MB, over the limit of {limits.unzipped_mb} MB")
        folder = Path(folder)
        files = []
        for entry in entries:
            relative = PurePosixPath(entry.filename.replace("\\", "/"))
            target = folder.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            # zipfile reads at most the declared size of an entry, so the total checked above bounds the disk
            # used even when the archive lies about its sizes; entries are written as plain files (no links).
            try:
                with archive.open(entry) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
            except (RuntimeError, zipfile.BadZipFile, NotImplementedError) as exc:  # encrypted, corrupt, method
                raise UploadError(f"{name}: cannot unpack {entry.filename!r} ({exc})") from None
            files.append(relative.as_posix())
    return UnpackedImages(folder, files, {f: why for f in files if (why := _not_an_image(folder / f))})


def _not_an_image(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        return str(exc) or type(exc).__name__
    return None


# --- labelled data (to train on or to evaluate on) ------------------------------------------------------------


def read_labelled_upload(data: bytes, name: str, folder: Path, images: UnpackedImages | None = None,
                         limits: UploadLimits = LIMITS) -> LabelledData:
    """A labelled CSV/TSV upload (columns as in `models.labelled_data`). Its `image` paths must lie inside
    the unpacked ZIP `images`: without one, an image column is refused, so an upload cannot make the server
    read its own files."""
    table = read_table_upload(data, name, folder, limits)
    if table.bad_rows:
        first = next(e for c in table.chunks for e in c.row_errors if e)
        raise UploadError(f"{name}: {table.bad_rows} row(s) have the wrong number of fields (first: {first})")
    frame = table.frame
    if "image" in frame.columns and frame["image"].str.strip().astype(bool).any():
        if images is None:
            raise UploadError(f"{name}: the 'image' column names images: upload the ZIP that holds them")
        root = images.folder.resolve()
        resolved = [resolve_image(cell, root, root) for cell in frame["image"]]
        outside = [i + 1 for i, (_, error) in enumerate(resolved) if error]
        missing = [i + 1 for i, (path, _) in enumerate(resolved) if path and not Path(path).is_file()]
        if outside or missing:
            what = (f"lead outside the ZIP (rows {outside[:10]})" if outside
                    else f"are not in the ZIP (rows {missing[:10]})")
            raise UploadError(f"{name}: image paths {what}")
        base = root
    else:
        base = None
    try:
        return frame_to_labelled(frame, name, base=base)
    except DataError as exc:
        raise UploadError(str(exc)) from None


def label_counts(data: LabelledData) -> pd.Series:
    """Rows per emotion, in the fixed order (for the page's summary of what was uploaded)."""
    from features.emotions import EMOTIONS

    return pd.Series(data.labels.sum(axis=0).astype(int), index=list(EMOTIONS), name="rows")


__all__ = ["LIMITS", "UploadLimits", "UploadError", "UploadedTable", "UnpackedImages", "check_size",
           "read_table_upload", "score_table", "unpack_images", "read_labelled_upload", "label_counts"]
