"""What a dashboard user uploads: tables to score or to learn from, ZIPs of the images they name, single images.

Everything here reads uploads as data only: tables are parsed as text, images are decoded by Pillow, and a
ZIP is unpacked entry by entry into a fresh folder after its names and sizes are checked. Nothing uploaded is
executed or unpickled. Every refusal raises `UploadError` with a message meant for the page.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pandas as pd
from PIL import Image

from data import DataError
from data.labelled import LabelledData, read_labelled
from data.tables import Table, read_table
from emotions import EMOTIONS
from features.image.decode import DEFAULT_MAX_PIXELS, ImageDecodeError, decode_rgb, open_checked
from scoring.frame import (
    OUTPUT_COLUMNS,
    ScoreSummary,
    case_only_notes,
    check_columns,
    csv_text,
    score_frame,
    scored_header,
    separator_for,
    text_only_notes,
)

CHUNK_ROWS = 500  # rows scored between two updates of the page's progress bar


class UploadError(DataError):
    """An upload is refused: too big, empty, unreadable, or unsafe; the message says which and why."""


MB = 2**20  # a megabyte as Streamlit's upload limit counts it


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
    # The browser counts `maxUploadSize` in MB of 10**6 bytes (Streamlit's uploader; 2**20 on Windows only), the
    # server in MB of 2**20: the smaller is the limit, here too, so a file is refused alike wherever it was sent.
    if len(data) > limits.file_mb * 10**6:
        raise UploadError(f"{name}: {len(data) / 10**6:.1f} MB is over the limit of {limits.file_mb} MB "
                          f"({limits.file_mb * 10**6:,} bytes) per file")


def _save(data: bytes, name: str, folder: Path) -> Path:
    """The upload written under `folder` with a fixed name (the user's name is never used as a path)."""
    suffix = PurePosixPath(name).suffix.lower()
    path = Path(folder) / f"upload{suffix if suffix in ('.csv', '.tsv', '.tab', '.txt') else '.csv'}"
    path.write_bytes(data)
    return path


# --- tables to score ------------------------------------------------------------------------------------------


def read_table_upload(data: bytes, name: str, folder: Path, limits: UploadLimits = LIMITS) -> Table:
    """A CSV/TSV upload read as the CLI reads it: encoding and delimiter sniffed, malformed rows kept."""
    check_size(data, name, limits)
    try:
        return read_table(_save(data, name, folder), chunk_rows=CHUNK_ROWS, max_rows=limits.rows, name=name)
    except DataError as exc:
        raise UploadError(str(exc)) from None


def score_table(model, table: Table, text_column: str | None, image_column: str | None = None,
                images: UnpackedImages | None = None, on_progress=None) -> tuple[pd.DataFrame, ScoreSummary]:
    """Every row of `table` scored (the columns of `cli.py score`), and a summary that counts failed rows.

    Image paths resolve inside the unpacked ZIP (`images`) or nowhere: without a ZIP, an image column is refused.
    on_progress(fraction) is called after each chunk."""
    try:
        text_column, image_column = check_columns(table.columns, Path(table.name), text_column, image_column)
    except DataError as exc:
        raise UploadError(str(exc)) from None
    if image_column and images is None:
        raise UploadError(f"the image column {image_column!r} names images: upload the ZIP that holds them")
    root = Path(images.folder) if images else Path(".")
    notes = [*table.notes, *text_only_notes(model, image_column), *case_only_notes(table.columns, table.name)]
    summary, parts, done = ScoreSummary(notes=notes), [], 0
    for chunk in table.chunks:
        scored = score_frame(model, chunk.frame, text_column, image_column, root, root, chunk.row_errors,
                             chunk.unscorable, images and images.not_images)
        summary.add_scored(scored)
        parts.append(scored)
        done += len(scored)
        if on_progress:
            on_progress(done / table.rows)
    return pd.concat(parts, ignore_index=True), summary


def scored_file(scored: pd.DataFrame, table: Table) -> str:
    """The scored file the Batch page offers, as `cli.py score` writes it for the same upload: its delimiter by the
    upload's name, the header as the upload's, a byte-order mark if the upload had one."""
    return csv_text(scored, separator_for(Path(table.name)), scored_header(table.given_columns), bom=table.bom)


_LETTER = re.compile(r"[^\W\d_]")


def column_warnings(table: Table, text_column: str | None, image_column: str | None, has_zip: bool) -> list[str]:
    """What the Batch page warns of before scoring: a text column whose first rows hold no letter (ids, numbers:
    picked for its long cells, every row would be scored `none`), and an image column left unread for want of its
    ZIP (a row with only an image was then "nothing to score")."""
    warnings = []
    first = table.chunks[0].frame
    if text_column in first.columns and not first[text_column].head(100).astype(str).str.contains(_LETTER).any():
        warnings.append(f"The column '{text_column}' holds no letter in its first rows: is it the text column? "
                        f"Choose the one that holds the tweets.")
    named_image = next((c for c in table.columns if str(c).strip().lower() == "image"), None)
    if named_image and not image_column and not has_zip:
        warnings.append(f"The file has a column '{named_image}': upload the ZIP of its images to score them; without "
                        f"it, only the text of each row is read.")
    return warnings


# The output columns in the order the Batch page shows them first: the answer, any message, the probabilities.
SHOWN_FIRST = ["emotion", "error", *(f"prob_{e}" for e in EMOTIONS)]


def result_preview(scored: pd.DataFrame) -> pd.DataFrame:
    """Scored rows (`score_table`) as the Batch page shows them: `SHOWN_FIRST`, then the input columns, then the
    intensities. In the file's order (input columns first, as `cli.py score` writes them) a long tweet pushed
    `emotion` to the right edge and `error` out of sight; the download keeps the file's order."""
    outputs = [c for c in OUTPUT_COLUMNS if c in scored.columns]
    inputs = [c for c in scored.columns if c not in outputs]
    first = [c for c in SHOWN_FIRST if c in outputs]
    return scored[[*first, *inputs, *(c for c in outputs if c not in first)]]


def rows_with_messages(scored: pd.DataFrame, text_column: str | None = None) -> pd.DataFrame:
    """The scored rows whose `error` holds a message: (row, error, emotion[, the text column]), `row` counting the
    file's rows from 1 (header not counted). `emotion` is blank where the row could not be scored. A text column
    named as one of the others ("row") is shown as "row (text)"."""
    flagged = (scored["error"] != "").to_numpy()
    shown = pd.DataFrame({"row": flagged.nonzero()[0] + 1, "error": scored.loc[flagged, "error"].to_numpy(),
                          "emotion": scored.loc[flagged, "emotion"].to_numpy()})
    if text_column in scored.columns:
        label = f"{text_column} (text)" if text_column in shown.columns else text_column
        shown[label] = scored.loc[flagged, text_column].to_numpy()
    return shown


# --- ZIPs of images -------------------------------------------------------------------------------------------


@dataclass
class UnpackedImages:
    folder: Path
    files: list[str]  # relative paths, as the table names them
    not_images: dict = field(default_factory=dict)  # relative path → why Pillow cannot read it


def unpack_images(data: bytes, name: str, folder: Path, limits: UploadLimits = LIMITS) -> UnpackedImages:
    """A ZIP unpacked into `folder` (which must be empty), after checking every entry: no absolute path or
    `..`, no more than `limits.images` files, no more than `limits.unzipped_mb` unpacked. Files that Pillow
    cannot open are listed in `not_images` (rows naming them get an error when scored). What macOS adds to a ZIP
    (`_is_mac_metadata`) is left out."""
    check_size(data, name, limits)
    import io

    def check_count(count: int | None) -> None:
        if count is not None and count > ENTRIES_PER_IMAGE * limits.images:
            raise UploadError(f"{name}: {count:,} entries is over the limit of {limits.images:,} images")

    check_count(_declared_entries(data))  # before zipfile parses every entry (560,000 empty ones took 20 s)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UploadError(f"{name}: not a ZIP file") from None
    with archive:
        check_count(len(archive.infolist()))  # an end record where none was looked for (data before the archive)
        entries = [e for e in archive.infolist() if not e.is_dir() and not _is_mac_metadata(e.filename)]
        for entry in entries:
            parts = PurePosixPath(entry.filename.replace("\\", "/")).parts
            if entry.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise UploadError(f"{name}: the entry {entry.filename!r} leads outside the archive; "
                                  f"nothing was unpacked")
            if not parts or any(len(part.encode("utf-8", "surrogatepass")) > 255 for part in parts):
                raise UploadError(f"{name}: the entry {entry.filename[:80]!r} has no file name or a name part over "
                                  f"255 bytes; nothing was unpacked")
        names = [PurePosixPath(e.filename.replace("\\", "/")).as_posix() for e in entries]
        seen, folders = set(), {str(parent) for n in names for parent in PurePosixPath(n).parents}
        for entry_name in names:
            if entry_name in seen:
                raise UploadError(f"{name}: the entry {entry_name!r} is in it twice; nothing was unpacked")
            if entry_name in folders:
                raise UploadError(f"{name}: {entry_name!r} is both a file and a folder in it; nothing was unpacked")
            seen.add(entry_name)
        if len(entries) > limits.images:
            raise UploadError(f"{name}: {len(entries):,} files is over the limit of {limits.images:,} images")
        total = sum(e.file_size for e in entries)
        if total > limits.unzipped_mb * MB:
            raise UploadError(f"{name}: unpacks to {total / MB:.0f} MB, over the limit of {limits.unzipped_mb} MB")
        folder = Path(folder)
        files, unreadable = [], {}
        for entry in entries:
            relative = PurePosixPath(entry.filename.replace("\\", "/"))
            target = folder.joinpath(*relative.parts)
            # zipfile reads at most the declared size of an entry, so the total checked above bounds the disk
            # used even when the archive lies about its sizes; entries are written as plain files (no links).
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") as sink:
                    _copy_entry(archive, entry, sink)
            except _Unreadable as exc:  # this entry only: its rows get the error, as a file that is no image
                target.unlink(missing_ok=True)
                unreadable[relative.as_posix()] = str(exc)
            except OSError as exc:  # a full disk: its strerror only, the server's folder out of the message
                for child in folder.iterdir():  # nothing half-unpacked left behind
                    shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
                raise UploadError(f"{name}: cannot unpack {entry.filename[:80]!r} ({exc.strerror}); nothing was "
                                  f"unpacked") from None
            files.append(relative.as_posix())
    return UnpackedImages(folder, files, {f: why for f in files
                                          if (why := unreadable.get(f) or _not_an_image(folder / f))})


# Entries a ZIP may hold per image it may hold: each file, the copy of its attributes macOS adds, and folders.
ENTRIES_PER_IMAGE = 3


def _declared_entries(data: bytes) -> int | None:
    """The number of entries a ZIP's end record declares (or, past 65,534, its ZIP64 end record, as zipfile writes
    them; APPNOTE.TXT 4.3.14-4.3.16); None if no record is where it should be (zipfile then says what is wrong)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))  # the record (22 bytes) and a comment of at most 64 KB
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10:end + 12], "little")
    if count != 0xFFFF:
        return count
    locator = end - 20
    if locator < 0 or data[locator:locator + 4] != b"PK\x06\x07":
        return None
    record = int.from_bytes(data[locator + 8:locator + 16], "little")
    if data[record:record + 4] != b"PK\x06\x06":
        return None
    return int.from_bytes(data[record + 32:record + 40], "little")


class _Unreadable(Exception):
    """An entry of a ZIP that cannot be read, with why in the words its rows' `error` gives."""


def _copy_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, sink) -> None:
    """The entry's data written to `sink`; `_Unreadable` when the ZIP cannot give it (an error writing is the
    sink's own OSError)."""
    try:
        with archive.open(entry) as source:
            while chunk := source.read(1 << 20):
                sink.write(chunk)
            return
    except OSError as exc:
        if exc.errno is not None:  # the disk's, writing; bz2 says a damaged stream with an OSError of no errno
            raise
        why = exc
    except Exception as exc:  # zipfile's, zlib's or lzma's: encrypted, damaged, packed by an unknown method
        why = exc
    if entry.flag_bits & 0x1:
        raise _Unreadable("encrypted in the ZIP (a password is needed); zip it without one")
    if isinstance(why, NotImplementedError):
        raise _Unreadable(f"packed in the ZIP by a method this reader lacks ({why}); zip it with deflate")
    raise _Unreadable(f"damaged in the ZIP ({why})")


def _is_mac_metadata(entry_name: str) -> bool:
    """An entry macOS's Compress adds beside the files: `__MACOSX/…/._name` (each file's extended attributes, as
    many as the images, which put a ZIP of 600 over the limit of 1,000 files), `.DS_Store`."""
    parts = PurePosixPath(entry_name.replace("\\", "/")).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1] == ".DS_Store")


def _not_an_image(path: Path) -> str | None:
    """Why the file cannot be scored as an image, in the words its row's `error` will use (`open_checked`); None if
    its header reads and Pillow's check of the rest finds nothing wrong."""
    data = path.read_bytes()
    if not data:
        return "empty file (0 bytes)"  # as read_source says it in the row's `error`
    try:
        with open_checked(data, DEFAULT_MAX_PIXELS) as image:
            image.verify()
    except ImageDecodeError as exc:
        return str(exc)
    except (OSError, SyntaxError, ValueError) as exc:  # what Pillow's verify() finds past the header
        return f"cannot decode image: {exc or type(exc).__name__}"
    return None


# --- labelled data (to train on or to evaluate on) ------------------------------------------------------------


def read_labelled_upload(data: bytes, name: str, folder: Path, images: UnpackedImages | None = None,
                         limits: UploadLimits = LIMITS) -> LabelledData:
    """A labelled CSV/TSV upload (columns as in `data.labelled`). Its `image` paths must lie inside the unpacked
    ZIP `images`: without one, an image column is refused, so an upload cannot make the server read its own
    files."""
    check_size(data, name, limits)
    path = _save(data, name, folder)
    root = images.folder.resolve() if images is not None else None

    def in_the_zip(image: Path) -> str | None:  # said with every other problem of the file, at once
        if not image.resolve().is_relative_to(root):
            return "leads outside the ZIP"
        return None if image.is_file() else "not in the ZIP"

    try:
        labelled = read_labelled(path, max_rows=limits.rows, name=name, base=root or Path(folder),
                                 check_images=in_the_zip if root is not None else False)
    except DataError as exc:
        raise UploadError(str(exc)) from None
    if root is None and any(image is not None for image in labelled.images):
        raise UploadError(f"{name}: the 'image' column names images: upload the ZIP that holds them")
    return labelled


# --- single images (the Predict page) --------------------------------------------------------------------------

# Per image, below the dashboard's 50 MB per file: phone photos are 2-8 MB, and one image is decoded per click.
IMAGE_LIMITS = UploadLimits(file_mb=10)
DISPLAY_SIZE = 480  # an uploaded JPEG is decoded at no less than this (DCT scaling), enough to show it
# A picture to show is at most this many times as wide as it is tall: Streamlit scales a shown image down to its
# width (320 pixels, or 1,460 for a column's width), and a height that rounds to 0 pixels raises ValueError there.
SHOWN_ASPECT = 20
SHOWN_WIDTH = 1460  # Streamlit's widest: a wider strip is narrowed to this before it is padded


def read_image_upload(data: bytes, name: str, limits: UploadLimits = IMAGE_LIMITS,
                      max_pixels: int = DEFAULT_MAX_PIXELS):
    """Check an uploaded image the way the image features will read it, and return it decoded (RGB PIL image).
    Raises `UploadError` saying why it cannot be used: empty, too large, not a supported image, corrupt.
    The picture returned is for showing: a strip wider than `SHOWN_ASPECT` times its height is padded with white
    (`showable`); the model reads the uploaded bytes."""
    check_size(data, name, limits)
    try:
        return showable(decode_rgb(data, size=DISPLAY_SIZE, max_pixels=max_pixels, crop_fraction=1.0))
    except ImageDecodeError as exc:
        raise UploadError(f"{name}: {exc}") from None


def showable(image: Image.Image) -> Image.Image:
    """`image` as it can be shown at any width Streamlit gives it: an image more than `SHOWN_ASPECT` times as wide
    as it is tall (a 5000 × 1 strip) is narrowed to at most `SHOWN_WIDTH` pixels and centred on white that is
    `SHOWN_ASPECT` times as wide as it is tall; any other is returned as it is."""
    width, height = image.size
    if width <= SHOWN_ASPECT * height:
        return image
    shown = min(width, SHOWN_WIDTH)
    strip = image.resize((shown, max(1, round(height * shown / width))), Image.Resampling.BILINEAR)
    canvas = Image.new("RGB", (shown, -(-shown // SHOWN_ASPECT)), "white")
    canvas.paste(strip, (0, (canvas.height - strip.height) // 2))
    return canvas

