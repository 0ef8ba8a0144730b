"""Batch scoring of a CSV/TSV file on one machine, streaming.

The file is read record by record by the one table reader (`data.tables.read_chunks`: quoted fields may hold
delimiters and newlines; a row with the wrong number of fields is a bad row, not a failed file), scored `chunk_rows` rows at a time with
`score_frame`, and appended to a hidden temporary file next to the output, which is renamed to the output name
only when every chunk is written. A journal beside the temporary file records the finished chunks and a
fingerprint of the input, the options and the model, so `resume=True` continues an interrupted run from its
last finished chunk and ends with exactly the file an uninterrupted run writes.

`score_frame` is the per-chunk function; the Dask engine (`scoring.dask`) and the dashboard's uploads
(`scoring.uploads`) call it too.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data import DataError
from data.tables import Chunk, delimiter_for, is_url, read_chunks, shown_names, shown_text, sniff_input
from emotions import EMOTIONS, strongest
from features.text.tokenize import as_texts, is_missing
from models.base import EmotionModel

OUTPUT_COLUMNS = (["emotion"] + [f"prob_{e}" for e in EMOTIONS] + [f"intensity_{e}" for e in EMOTIONS] + ["error"])
DEFAULT_CHUNK_ROWS = 20_000
JOURNAL_VERSION = 1

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
    if is_url(value):
        return None, f"image {shown_text(str(value).strip())!r}: a URL; images are read from files, never fetched"
    path, root = (Path(base) / str(value).strip()).resolve(), Path(root).resolve()
    if not path.is_relative_to(root):
        return None, f"image {shown_text(str(value).strip())!r} resolves outside the images folder {root}"
    return str(path), None


def score_frame(model: EmotionModel, frame: pd.DataFrame, text_column: str | None, image_column: str | None,
                base: Path, images_root: Path, row_errors: list | None = None,
                unscorable: np.ndarray | None = None) -> pd.DataFrame:
    """The input columns plus the output columns, one row per input row, in the input's order.

    `text_column` may be None or absent from `frame` (image-only scoring); cells that are empty, missing or
    numbers are read as text ("" when missing). `row_errors` (per row: None or a message) are put first in the
    row's `error`; rows marked in `unscorable` are not scored at all (no probabilities)."""
    n = len(frame)
    if text_column and text_column in frame.columns:
        texts = as_texts(frame[text_column].tolist())
    else:
        texts = [""] * n
    images: list = [None] * n
    pre_errors: list = list(row_errors) if row_errors is not None else [None] * n
    if image_column and image_column in frame.columns:
        for i, value in enumerate(frame[image_column].tolist()):
            images[i], error = resolve_image(value, base, images_root)
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
    named "image" (whatever its case) that is not read because no image column was given."""
    if not image_column and "image" in model.modalities and _matching(columns, "image"):
        return [f"columns: {path.name} has a column 'image', which is not read; to score its images, give it as the "
                f"image column (--image-column image), their paths read from the file's folder or from --images-root "
                f"(a ZIP of them unpacked first)"]
    return text_only_notes(model, image_column)


# --- the temporary file and its journal -----------------------------------------------------------------------


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


def csv_text(frame: pd.DataFrame, separator: str, header: bool | list[str] = True,
             formulas_escaped: bool = True) -> str:
    """The rows as the CSV (or TSV) text every writer of scored rows writes, lines ending in `\n`, text cells
    escaped (`escape_formulas`) unless `formulas_escaped` is false. `header`: whether to write one, or the names
    to write (`scored_header`).

    Python 3.11's csv writer quotes a cell holding a line break only if the break is in the line terminator,
    so a cell holding a carriage return would be written bare and every reader would split the row there; a
    frame with such a cell is written with every text cell quoted, and the cell keeps its carriage return."""
    cells = _text_cells(frame)  # escaping only prefixes a cell, so the carriage returns are found before it
    out = _escaped(frame, cells) if formulas_escaped else frame
    bare_return = any(text.str.contains("\r", regex=False).any() for text in cells.values())
    return out.to_csv(sep=separator, index=False, header=header, lineterminator="\n",
                      quoting=csv.QUOTE_NONNUMERIC if bare_return else csv.QUOTE_MINIMAL)


def scored_header(given: list[str]) -> list[str]:
    """A scored file's header: the input's column names as its header line has them (blank or repeated names
    stay so; pandas would write `Unnamed: 2` and `name.1`), then the output columns."""
    return [*given, *OUTPUT_COLUMNS]


def check_output(input_path: Path, output_path: Path) -> None:
    """Refuses an output that is the input, that exists and is not a regular file (a folder, a device), whose
    path goes through a file, that is a symbolic link (the finished file is renamed over the link, not written to
    what it points to: `--output /dev/stdout` with stdout sent to a file replaced the system's /dev/stdout link),
    or that is `-` (standard output, which is not written: the output appears only when complete)."""
    if str(output_path) == "-":
        raise DataError("-: standard output is not written (the scored file appears only when complete); give a file "
                        "path")
    if output_path.is_symlink():
        raise DataError(f"{output_path}: a symbolic link (to {os.readlink(output_path)}); the scored file would "
                        f"replace the link, not write to what it points to: give a file path")
    folder = next(p for p in output_path.absolute().parents if p.exists())
    if not folder.is_dir():
        raise DataError(f"{output_path}: {folder} is a file, not a folder; choose an output path in a folder")
    if output_path.exists():
        if not output_path.is_file():
            raise DataError(f"{output_path}: the output exists and is not a regular file; choose a file path")
        if input_path.exists() and output_path.samefile(input_path):
            raise DataError(f"{output_path}: the output is the input file; choose another output path")
    elif output_path.resolve() == input_path.resolve():
        raise DataError(f"{output_path}: the output is the input file; choose another output path")


class OutputLock:
    """One writer per output: the writer holds an exclusive `flock` on `<output>.lock`, which also says its pid and
    host for people to read. The kernel frees the lock when the process ends, however it ends (SIGKILL, `docker
    stop`), so a lock file left behind is taken over even when its pid now belongs to another process (a
    container's PID 1) or its host name changed (a new pod); a second run while the first holds it refuses with
    one line that names the lock file. On a file system without locks (`flock` fails) the pid is checked instead:
    a lock whose pid is gone on this host is taken over. Taking it creates the output's folder; a folder that
    cannot be written is refused with one line. Folders it created are removed again when the run leaves them
    empty (a refused input), so that a failed run leaves nothing behind."""

    def __init__(self, output_path: Path):
        self.output = output_path
        self.path = output_path.with_name(output_path.name + ".lock")
        self.descriptor: int | None = None
        self.created: list[Path] = []  # folders this lock created, the deepest first

    def __enter__(self):
        import fcntl

        me = f"{os.getpid()} {socket.gethostname()}"
        self.created = [p for p in [self.path.parent.absolute(), *self.path.parent.absolute().parents]
                        if not p.exists()]
        for _ in range(5):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
            except OSError as exc:  # no new file in an existing folder: a read-only one, or one such as /proc
                if exc.errno == errno.ELOOP:  # never truncated and written through: a link planted beside the output
                    raise DataError(f"{self.path}: a symbolic link, where this run keeps the output's lock; remove "
                                    f"it and run again") from None
                why = "it takes no new files" if exc.errno == errno.ENOENT else exc.strerror
                raise DataError(f"{self.path.parent}: cannot write the output there ({why}); choose a folder you can "
                                f"write to") from None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # a live process holds it
                holder = os.read(descriptor, 200).decode(errors="replace").strip()
                os.close(descriptor)
                raise DataError(self._refusal(holder)) from None
            except OSError:  # no locks on this file system: the pid in the file is all there is to go by
                holder = os.read(descriptor, 200).decode(errors="replace").strip()
                if holder != me and self._alive(holder):
                    os.close(descriptor)
                    raise DataError(self._refusal(holder)) from None
            try:  # the file is still the one at the path (the last holder unlinks it before letting go)
                current = os.stat(self.path).st_ino == os.fstat(descriptor).st_ino
            except FileNotFoundError:
                current = False
            if not current:
                os.close(descriptor)
                continue
            try:  # for people to read; the flock is the lock, so a full disk does not stop the run here
                os.ftruncate(descriptor, 0)
                os.write(descriptor, me.encode())
            except OSError:
                pass
            self.descriptor = descriptor
            return self
        raise DataError(f"{self.path}: cannot take the output's lock (other runs keep replacing it); try again")

    def _refusal(self, holder: str) -> str:
        parts = holder.split()
        if len(parts) == 2 and parts[0].isdigit():
            pid, host = parts
            who, check = f"pid {pid} on host {host}", f"`ps -p {pid}` on {host} shows no scoring run"
        else:
            who, check = "its lock file is unreadable", "no other scoring run is going on"
        return (f"{self.output}: another run ({who}) is writing this output, and holds {self.path}; wait for it to "
                f"end or choose another output path. The lock is freed when that run ends; if {check}, the lock is "
                f"stale: remove {self.path} and run again")

    @staticmethod
    def _alive(holder: str) -> bool:
        parts = holder.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] != socket.gethostname():
            return bool(holder)  # another host's run, or unreadable: assume it is alive
        try:
            os.kill(int(parts[0]), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def __exit__(self, *exc):
        # Unlink before letting go: a run waiting on this file then finds it is no longer the one at the path.
        self.path.unlink(missing_ok=True)
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
        for folder in self.created:
            try:
                folder.rmdir()
            except OSError:  # it holds the output, or what --resume needs
                break


def temporary_paths(output_path: Path) -> tuple[Path, Path]:
    """(partial output, journal) for an output file: hidden siblings, found again by `--resume`."""
    return (output_path.with_name(f".{output_path.name}.part"),
            output_path.with_name(f".{output_path.name}.journal.json"))


def open_partial(path: Path, resume: bool):
    """The partial output (`temporary_paths`), opened to continue it (`resume`) or created anew, never through a
    symbolic link: a link planted at its fixed name beside the output had the scored rows written into the file it
    points to, and then renamed to the output's name."""
    if not resume:
        path.unlink(missing_ok=True)  # a link, or a file left by another run: removed, not written through
    try:  # "xb": created, never an existing file; the opener adds O_NOFOLLOW
        return open(path, "r+b" if resume else "xb", opener=lambda name, flags: os.open(name, flags | os.O_NOFOLLOW,
                                                                                        0o666))
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
        raise DataError(f"{path}: a symbolic link, where this run keeps the partial output; remove it and run "
                        f"again") from None


def parts_folder(output_path: Path) -> Path:
    """The hidden sibling folder where the Dask engine keeps an output's finished partitions and its journal."""
    return output_path.with_name(f".{output_path.name}.dask-parts")


# A write that fails for want of room: the disk or the quota is full, or the file is over the size limit.
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _size(paths: list[Path]) -> int:
    """Bytes held by files and folders (one level deep, as the parts folder is)."""
    total = 0
    for path in paths:
        for item in ([] if path.is_symlink() else [path] if path.is_file() else path.iterdir() if path.is_dir() else []):
            total += item.stat().st_size if item.is_file() else 0
    return total


def disk_full_message(exc: OSError, output_path: Path, kept: list[Path], rows: int) -> str:
    """One line for a write that failed for want of room: which output, and what is left behind (`kept`: the
    partial output and its journal, or the Dask parts folder, holding `rows` scored rows) and what to do."""
    where = f"{exc.strerror or os.strerror(exc.errno)} in {output_path.absolute().parent}"
    if not kept:
        return f"{output_path}: cannot be written ({where}); nothing of this run was kept: free some space and run again"
    names = " and ".join(str(p) for p in kept)
    return (f"{output_path}: cannot be written ({where}); the {rows:,} rows scored so far are kept in {names} "
            f"({_size(kept) / 1e6:.1f} MB): free some space and rerun with --resume to continue, or remove "
            f"{'them' if len(kept) > 1 else 'it'}")


def clear_other_engine(output_path: Path, engine: str, resume: bool, summary: ScoreSummary) -> None:
    """Removes what an interrupted run of the other engine left for the same output (the local engine's partial
    file and journal, the Dask engine's parts folder), which this engine cannot resume, with a note; as each
    engine removes its own leftovers when not resuming. With `resume`, when only the other engine's are there,
    refuses instead, naming the engine that can resume them."""
    part, journal = temporary_paths(output_path)
    folder = parts_folder(output_path)
    mine, theirs, other = ([journal], [folder], "dask") if engine == "local" else ([folder], [journal], "local")
    theirs = [p for p in theirs if p.exists()]
    if engine == "dask" and part.exists():  # a local run's partial file, or a Dask run's join killed halfway
        theirs.append(part)
    if not theirs:
        return
    names = " and ".join(str(p) for p in theirs)
    if resume and not any(p.exists() for p in mine) and (engine == "local" or journal.exists()):
        raise DataError(f"cannot resume: the interrupted run of {output_path} was an --engine {other} run ({names}); "
                        f"resume it with --engine {other} --resume, or run without --resume to remove what it left "
                        f"and start over")
    size = _size(theirs)
    for path in theirs:  # a link planted at one of these names is removed, never followed
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink(missing_ok=True)
    summary.notes.append(f"removed {names} ({size / 1e6:.1f} MB), left by an interrupted run of this output that "
                         f"--engine {engine} cannot resume")


def journal_key(model: EmotionModel, input_path: Path, fmt, text_column: str | None, image_column: str | None,
                images_root: Path, output_path: Path, formulas_escaped: bool, **partitioning) -> dict:
    """What a resumed run must share with the interrupted one: the input and how it is read, the columns, the
    images root, how the input is split (`partitioning`: chunk rows or Dask block size), the output format, the
    model and the journal's version."""
    return {
        "input": str(input_path.resolve()), "input_sha256": fmt.fingerprint, "input_size": fmt.size,
        "encoding": fmt.encoding, "delimiter": fmt.delimiter, "text_column": text_column or "text",
        "image_column": image_column, "images_root": str(images_root.resolve()), **partitioning,
        "output_delimiter": separator_for(output_path), "model": model_identity(model), "version": JOURNAL_VERSION,
        "formulas_escaped": formulas_escaped,
    }


def read_journal(journal_path: Path, key: dict) -> dict:
    """The journal of an interrupted run (`{"key": ..., ...}`), refused with one line when it is unreadable or
    its key differs from `key` (naming what differs)."""
    try:
        journal = json.loads(journal_path.read_text())
    except (OSError, json.JSONDecodeError):
        raise DataError(f"{journal_path}: the resume journal is unreadable; run again without --resume") from None
    changed = sorted(k for k in key if journal.get("key", {}).get(k) != key[k])
    if changed:
        raise DataError(f"cannot resume: {', '.join(changed)} differ(s) from the interrupted run "
                        f"(journal {journal_path}); run again without --resume to start over")
    return journal


def model_identity(model: EmotionModel) -> str:
    return hashlib.sha256(json.dumps(model.config, sort_keys=True, default=str).encode()).hexdigest()


def _write_journal(path: Path, journal: dict) -> None:
    # a new file of a random name, never one a link planted at a fixed name could point elsewhere
    descriptor, staging = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(journal, indent=1))
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


class _Progress:
    """Rows done, rate and time left on the terminal (stderr); silent when stderr is not a terminal."""

    def __init__(self, enabled: bool, size: int):
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=None, unit=" rows", unit_scale=True, dynamic_ncols=True, file=sys.stderr,
                            desc="scoring")
        self.size = size

    def update(self, summary: ScoreSummary, rows: int, bytes_read: int) -> None:
        if self.bar is None:
            return
        if bytes_read:  # estimate the total from the bytes per row so far
            self.bar.total = max(summary.rows, round(summary.rows * self.size / bytes_read))
        self.bar.update(rows)
        self.bar.set_postfix_str(f"{summary.failed:,} failed", refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Finishing:
    """Ctrl-C and SIGTERM noted, not raised, from `start()` (just before the output is renamed into place) until the
    context is left: the clean-up after it (the journal, the lock; for the Dask engine the parts and the
    LocalCluster: seconds under load) would otherwise end the run as interrupted, "OUTPUT was not written" with
    exit status 130 or 143, beside the complete output. Both engines use it."""

    KINDS = ("SIGINT", "SIGTERM")
    NOTE = "a stop signal came while the run was finishing"

    def __init__(self):
        self.signals: list = []
        self.before: dict = {}

    def __enter__(self):
        return self

    def start(self) -> None:
        import signal
        import threading

        if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
            return
        for name in self.KINDS:
            kind = getattr(signal, name)
            if signal.getsignal(kind) is signal.SIG_IGN:  # ignored (`nohup`, a parent's choice): left so
                continue
            self.before[kind] = signal.signal(kind, lambda signum, frame: self.signals.append(signum))

    def __exit__(self, *exc):
        import signal

        for kind, handler in self.before.items():
            signal.signal(kind, handler)
        self.before = {}


def score_file(model: EmotionModel, input_path: str | Path, output_path: str | Path, text_column: str | None = None,
               image_column: str | None = None, images_root: str | Path | None = None,
               chunk_rows: int = DEFAULT_CHUNK_ROWS, on_chunk=None, encoding: str | None = None,
               delimiter: str | None = None, resume: bool = False, progress: bool = False,
               jobs: int = 1, formulas_escaped: bool = True) -> ScoreSummary:
    """Scores a CSV/TSV file into `output_path` (CSV or TSV by its extension); see the module docstring.

    `jobs` > 1 scores chunks in this process and `jobs - 1` forked worker processes side by side (each worker
    gets the model once, at the fork; at most `jobs` chunks are in flight, so memory stays bounded); the
    output is the same.

    `formulas_escaped`: text cells that a spreadsheet would run as formulas get a leading `'` (`escape_formulas`).

    Raises `DataError` when the file cannot be read at all (the message names the file and the byte offset or
    line), when the output is the input or not a regular file, when another run is writing the same output, or
    when the disk is full (naming the output and what is kept). On an interruption the partial output and its
    journal stay for `resume=True`. What an interrupted Dask run left for the output is removed (see
    `clear_other_engine`)."""
    input_path, output_path = Path(input_path), Path(output_path)
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    check_output(input_path, output_path)
    fmt = sniff_input(input_path, encoding, delimiter)
    base = input_path.parent
    root = Path(images_root) if images_root else base
    summary = ScoreSummary()
    if fmt.note:
        summary.notes.append(f"encoding: {fmt.note}")
    finishing = Finishing()  # left last: after the lock is released
    with finishing, OutputLock(output_path):
        part, journal_path = temporary_paths(output_path)
        clear_other_engine(output_path, "local", resume, summary)
        key = journal_key(model, input_path, fmt, text_column, image_column, root, output_path, formulas_escaped,
                          chunk_rows=chunk_rows)
        done_chunks, part_bytes = 0, 0
        if resume:
            done_chunks, part_bytes = _resume_point(journal_path, part, key, summary)
        else:
            journal_path.unlink(missing_ok=True)
        journal = {"key": key, "chunks_done": done_chunks, "part_bytes": part_bytes, **summary.counts()}
        out_separator = key["output_delimiter"]
        bar = _Progress(progress, fmt.size)
        finished = False
        try:
            with open_partial(part, resume=bool(done_chunks)) as out:
                out.truncate(part_bytes)  # drop whatever an interrupted chunk had half-written
                out.seek(part_bytes)
                chunks = read_chunks(input_path, fmt, chunk_rows)
                header = next(chunks)
                text_column, image_column = check_columns(header.names, input_path, text_column, image_column)
                summary.notes.extend(column_notes(model, header.names, input_path, image_column))
                settings = (text_column, image_column, base, root, out_separator, formulas_escaped,
                            scored_header(header.given))
                for index, data, counts, bytes_read in _rendered(model, chunks, done_chunks, settings, jobs):
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                    summary.add(counts)
                    written = {**journal, "chunks_done": index + 1, "part_bytes": out.tell(), **summary.counts()}
                    _write_journal(journal_path, written)
                    journal = written  # what the journal file says, once it says it
                    bar.update(summary, counts["rows"], bytes_read)
                    if on_chunk:
                        on_chunk(summary)
            if summary.rows == 0:
                raise DataError(f"{input_path}: no rows to score")
            finishing.start()  # from here the run ends with its output written, a Ctrl-C or SIGTERM or not
            os.replace(part, output_path)
            journal_path.unlink(missing_ok=True)
            finished = True
        except DataError:
            part.unlink(missing_ok=True)
            journal_path.unlink(missing_ok=True)
            raise
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                raise
            kept = journal["chunks_done"] > 0
            if kept:  # give back the room a half-written chunk takes; --resume would drop it anyway
                os.truncate(part, journal["part_bytes"])
            raise DataError(disk_full_message(exc, output_path, [part, journal_path] if kept else [],
                                              journal["rows"])) from None
        finally:
            bar.close()
            if not finished and journal.get("chunks_done", 0) == 0:
                part.unlink(missing_ok=True)
                journal_path.unlink(missing_ok=True)
    if finishing.signals:
        summary.notes.append(f"{finishing.NOTE}; the output was written whole")
    return summary


def render(model: EmotionModel, frame: pd.DataFrame, settings: tuple, header: bool, row_errors: list | None = None,
           unscorable: np.ndarray | None = None) -> tuple[str, dict]:
    """Rows scored and formatted as both engines write them: (CSV text, `row_counts`). `settings`: (text
    column, image column, base folder, images root, output separator, formulas escaped, the header written)."""
    text_column, image_column, base, root, separator, formulas_escaped, written = settings
    scored = score_frame(model, frame, text_column, image_column, Path(base), Path(root), row_errors, unscorable)
    return csv_text(scored, separator, header=written if header else False, formulas_escaped=formulas_escaped), \
        row_counts(scored)


def _render(model: EmotionModel, chunk: Chunk, index: int, settings: tuple) -> tuple[bytes, dict]:
    """A chunk scored and formatted: (CSV bytes, `row_counts`); the header goes with chunk 0."""
    data, counts = render(model, chunk.frame, settings, index == 0, chunk.row_errors, chunk.unscorable)
    return data.encode("utf-8"), counts


_WORKER_MODEL: EmotionModel | None = None


def _worker_start(model: EmotionModel, parent: int) -> None:
    global _WORKER_MODEL
    import signal

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it keeps what is done
    # and SIGTERM ends a worker (the parent's handler, inherited at the fork, would raise in the worker's task)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:  # Linux: die with the parent, so a killed run leaves no orphan workers behind
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    torch.set_num_threads(1)  # the processes are the parallelism; more threads would only fight over cores
    _WORKER_MODEL = model


def _worker_render(chunk: Chunk, index: int, settings: tuple) -> tuple[bytes, dict]:
    return _render(_WORKER_MODEL, chunk, index, settings)


def _rendered(model: EmotionModel, chunks, skip: int, settings: tuple, jobs: int):
    """(index, CSV bytes, `row_counts`, input bytes read) per chunk after the first `skip`, in input order."""
    import itertools

    todo = ((index, chunk) for index, chunk in enumerate(chunks) if index >= skip)
    head = list(itertools.islice(todo, 2))
    todo = itertools.chain(head, todo)
    if jobs <= 1 or len(head) < 2:  # with one chunk to score, a worker would only add its start-up (0.2 s)
        for index, chunk in todo:
            yield (index, *_render(model, chunk, index, settings), chunk.bytes_read)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # This process scores every `jobs`-th chunk itself and `jobs - 1` forked workers score the others: one
    # process fewer holding the libraries and the model. fork: the workers inherit the loaded model (and the
    # memory-mapped word vectors) instead of unpickling it.
    import torch

    context = multiprocessing.get_context("fork")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the workers: the processes share the cores, threads would oversubscribe
    with ProcessPoolExecutor(jobs - 1, mp_context=context, initializer=_worker_start,
                             initargs=(model, os.getpid())) as pool:
        pending: deque = deque()
        try:
            for index, chunk in todo:
                if len(pending) < jobs - 1:
                    pending.append((index, pool.submit(_worker_render, chunk, index, settings), chunk.bytes_read))
                    continue
                mine = _render(model, chunk, index, settings)
                while pending:  # the workers' chunks come before this one
                    earlier, future, bytes_read = pending.popleft()
                    yield (earlier, *future.result(), bytes_read)
                yield (index, *mine, chunk.bytes_read)
            while pending:
                index, future, bytes_read = pending.popleft()
                yield (index, *future.result(), bytes_read)
        finally:
            for _, future, _ in pending:
                future.cancel()
            torch.set_num_threads(threads)


def _resume_point(journal_path: Path, part: Path, key: dict, summary: ScoreSummary) -> tuple[int, int]:
    """(chunks done, bytes of the partial output to keep) of an interrupted run; (0, 0) if there is none."""
    if not journal_path.is_file() or not part.is_file():
        summary.notes.append("resume: no interrupted run of this output; starting from the beginning")
        return 0, 0
    journal = read_journal(journal_path, key)
    if part.stat().st_size < journal["part_bytes"]:
        raise DataError(f"{part}: shorter than its journal says; run again without --resume to start over")
    summary.add(journal)  # its counts so far (`warned` is not in a journal of an earlier version)
    summary.resumed_rows = journal["rows"]
    return int(journal["chunks_done"]), int(journal["part_bytes"])


__all__ = ["OUTPUT_COLUMNS", "ScoreSummary", "score_frame", "score_file", "resolve_image", "check_columns",
           "column_notes", "text_only_notes", "temporary_paths", "DEFAULT_CHUNK_ROWS", "escape_formulas", "csv_text", "scored_header", "check_output", "OutputLock", "parts_folder",
           "journal_key", "read_journal", "render", "clear_other_engine", "disk_full_message", "DISK_FULL"]
