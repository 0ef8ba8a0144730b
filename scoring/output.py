"""The output file of a batch run, for either engine: checked before anything is scored (`check_output`), locked
against a second run writing it (`OutputLock`), written under a hidden temporary name (a parts folder for Dask) that
becomes the output only when every row is written, with a journal for `--resume` (`journal_key`), one message when
the disk fills (`disk_full_message`), and the clean-up on the way out (`Finishing`).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path

from data import DataError
from models.base import EmotionModel
from models.store import NAME_MAX
from scoring.frame import ScoreSummary, separator_for

JOURNAL_VERSION = 1


def check_output(input_path: Path, output_path: Path) -> None:
    """Refuses an output that is the input, that exists and is not a regular file (a folder, a device), whose
    path goes through a file, that is a symbolic link (the finished file is renamed over the link, not written to
    what it points to: `--output /dev/stdout` with stdout sent to a file replaced the system's /dev/stdout link),
    or that is `-` (standard output, which is not written: the output appears only when complete), or whose name
    leaves no room for the hidden files beside it (`temporary_paths`: "File name too long" named one of those)."""
    if str(output_path) == "-":
        raise DataError("-: standard output is not written (the scored file appears only when complete); give a file "
                        "path")
    part, journal = temporary_paths(output_path)
    beside = [part.name, f"{journal.name}.12345678.tmp", parts_folder(output_path).name, f"{output_path.name}.lock"]
    longest = max(len(name.encode("utf-8", "surrogateescape")) for name in beside)  # the journal's staging name
    if longest > NAME_MAX:
        room = NAME_MAX - (longest - len(output_path.name.encode("utf-8", "surrogateescape")))
        raise DataError(f"{output_path.name[:40]}…: the output's name is too long (at most {room} bytes: the files "
                        f"kept beside it while it is written add to it)")
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
    """The hidden sibling folder where the Dask engine keeps an output's finished partitions and its journal
    (`PARTS_JOURNAL`)."""
    return output_path.with_name(f".{output_path.name}.dask-parts")


PARTS_JOURNAL = "journal.json"  # in `parts_folder`


def kept_for_resume(output_path: Path) -> Path | None:
    """What an interrupted or failed run of `output_path` left for `--resume`, if anything: the partial output or
    the Dask engine's parts folder, with the journal that records what they hold."""
    part, journal = temporary_paths(output_path)
    if part.exists() and journal.exists():
        return part
    parts = parts_folder(output_path)
    return parts if (parts / PARTS_JOURNAL).exists() else None


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
    model, the code that scores (`code_identity`) and the journal's version."""
    return {
        "input": str(input_path.resolve()), "input_sha256": fmt.fingerprint, "input_size": fmt.size,
        "encoding": fmt.encoding, "delimiter": fmt.delimiter, "text_column": text_column or "text",
        "image_column": image_column, "images_root": str(images_root.resolve()), **partitioning,
        "output_delimiter": separator_for(output_path), "model": model_identity(model), "code": code_identity(),
        "version": JOURNAL_VERSION,
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


# What a score depends on besides the model's folder: an update of any of these between an interrupted run and its
# resume (a `git pull`) gave one file of rows scored two ways.
_SCORING_CODE = ("emotions.py", "data/*.py", "features/**/*.py", "lexicons/*.*", "models/**/*.py", "scoring/*.py")


@functools.lru_cache(maxsize=1)
def code_identity() -> str:
    """SHA-256 over this checkout's scoring code and bundled lexicons (`_SCORING_CODE`; `model_identity` covers a
    model, its folder's files included)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for pattern in _SCORING_CODE:
        for file in sorted(root.glob(pattern)):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def model_identity(model: EmotionModel) -> str:
    return hashlib.sha256(json.dumps(model.config, sort_keys=True, default=str).encode()).hexdigest()


def write_journal(path: Path, journal: dict) -> None:
    # a new file of a random name, never one a link planted at a fixed name could point elsewhere
    descriptor, staging = tempfile.mkstemp(prefix=f"{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(json.dumps(journal, indent=1))
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


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

