"""Saving and loading model directories: data only, nothing that runs code when it is read.

A saved model is a directory (`FORMAT` 2):
- `config.json`: model name, typed settings, label order, feature names, package versions, training-data
  fingerprint, seed, and the SHA-256 of every other file (`files`), checked before anything is read;
- `features.json` + `features.npz`: the fitted featurizer (`features.state`: lexicon tables, scaler statistics,
  seed-word centroids ...) as a JSON tree and arrays read with `allow_pickle=False`;
- `weights.safetensors`: the network's weights (networks);
- `model.skops`: the fitted scikit-learn parts of a baseline, read by `skops.io` with an explicit list of
  trusted types (anything else is refused);
- `metrics.json`, `training_log.json`, `fairness.json` (the fairness audit, `evaluation.fairness`) and
  `MODEL_CARD.md` (`models.card`).

A folder is data someone may have crafted: every file is opened by `open_model_file` (no symbolic link, FIFO or
device), JSON files and the card are size-capped, the archives' unpacked size is capped before unpacking
(`MAX_UNPACKED_BYTES`), what config.json says is checked (`check_config`), and every failure is one line
(`ModelLoadError`, naming the folder or file). docs/security.md lists each rule.

Folders of the earlier format hold a pickle (`state.pkl.gz`), which can run code when read: they are refused
with a message saying how to convert them (`python cli.py convert --model-dir DIR --trust`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import math
import os
import platform
import shutil
import stat
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import numpy as np

from data.checksums import sha256_file, sha256_of
from data.tables import shown_text
from emotions import EMOTIONS

FORMAT = 2
FEATURES_TREE, FEATURES_ARRAYS = "features.json", "features.npz"
WEIGHTS_FILE = "weights.safetensors"
SKOPS_FILE = "model.skops"
LEGACY_STATE = "state.pkl.gz"  # format 1: a pickle
EARLIEST_STATE = "state.joblib"  # before it: a joblib pickle and torch's, which `convert` does not read
FAIRNESS_FILE, CARD_FILE = "fairness.json", "MODEL_CARD.md"
LEGACY_FILES = (LEGACY_STATE, "weights.pt", "metrics.json", "training_log.json", FAIRNESS_FILE, CARD_FILE)
VERSIONED_PACKAGES = ("torch", "scikit-learn", "numpy", "scipy", "pandas", "gensim", "safetensors", "skops")
RETRAIN = "retrain it with this version (python cli.py train ...)"
# A model folder's JSON files and its card are read whole: at most this many bytes each. The largest shipped one is
# 1.5 MB (models/zoo/tfidf_logreg/config.json, its vocabulary as feature names).
MAX_TEXT_FILE_BYTES = 64 * 2**20
# What each of a model folder's archives (features.npz, model.skops) may unpack to, by the sizes its ZIP directory
# declares, checked before anything is unpacked. The largest shipped: features.npz 1.8 MB (models/default and
# every zoo model with features), model.skops 35 MB (models/zoo/tfidf_logreg).
MAX_UNPACKED_BYTES = 256 * 2**20
# The files read from a model folder besides config.json: each must be listed, with its checksum, in config.json.
# The loader reads all but the card, which `read_card` reads and checks when it is shown.
READ_FILES = (FEATURES_TREE, FEATURES_ARRAYS, WEIGHTS_FILE, SKOPS_FILE, "metrics.json", "training_log.json",
              FAIRNESS_FILE, CARD_FILE)
TEXT_LIMIT = "a model folder's JSON file or card may hold (models.store.MAX_TEXT_FILE_BYTES)"
ARCHIVE_LIMIT = "a model folder's archive may hold (models.store.MAX_UNPACKED_BYTES)"


def file_limits() -> dict[str, tuple[int, str]]:
    """Name -> (the most bytes the file may hold, what sets it), checked before a file is hashed or read: a file of
    zeros packs small, and would be hashed, and model.skops read, whole. An archive never holds much more than it
    unpacks to. The network adds its weights' limit, from its net_config (`NetworkModel.file_limits`)."""
    texts = (FEATURES_TREE, "metrics.json", "training_log.json", FAIRNESS_FILE, CARD_FILE)
    return {**{name: (MAX_TEXT_FILE_BYTES, TEXT_LIMIT) for name in texts},
            **{name: (MAX_UNPACKED_BYTES, ARCHIVE_LIMIT) for name in (FEATURES_ARRAYS, SKOPS_FILE)}}


OUTPUTS = ("presence", "choice")  # what a model's probabilities are (`models.base.Prediction`)


class ModelLoadError(RuntimeError):
    """A saved model cannot be loaded: missing files, a checksum mismatch, or feature names that differ.
    Its message is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).splitlines()))


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def open_model_file(path: Path):
    """A model folder's file, opened for reading in binary, if it is a regular file of the folder: a symbolic link
    is refused (it could show any file of this machine, /etc/passwd as a model card), and so is a FIFO or a
    device (reading could hang or never end)."""
    path = Path(path)
    if path.is_symlink():
        raise ModelLoadError(f"{path}: a symbolic link; a model folder's files must be its own, not links to "
                             f"other files (refusing to read it)")
    try:  # O_NOFOLLOW: also when a link replaced the file since; O_NONBLOCK: opening a FIFO does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ModelLoadError(f"{path}: a symbolic link; refusing to read it") from None
        raise ModelLoadError(f"{path}: cannot read it ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a folder in its own words
        os.close(fd)
        raise ModelLoadError(f"{path}: not a regular file; refusing to read it")
    return os.fdopen(fd, "rb")


def read_model_bytes(path: Path, limit: int, why: str = TEXT_LIMIT) -> bytes:
    """The bytes of a model folder's file (`open_model_file`), refused before reading when it holds more than
    `limit` (`why`: what sets the limit)."""
    with open_model_file(path) as handle:
        check_size(path, os.fstat(handle.fileno()).st_size, limit, why)
        try:
            data = handle.read(limit + 1)  # it may have grown since
        except OSError as exc:  # a disk error
            raise ModelLoadError(f"{path}: cannot read it ({exc.strerror})") from None
    check_size(path, len(data), limit, why)
    return data


def check_size(path: Path, size: int, limit: int, why: str) -> None:
    if size > limit:
        raise ModelLoadError(f"{path}: {size:,} bytes, more than the {limit:,} {why}; refusing to read it")


def _read_json_file(path: Path):
    data = read_model_bytes(path, MAX_TEXT_FILE_BYTES)
    try:  # UTF-8, as the project writes it and the comparison reads it (json.loads takes UTF-16 bytes too)
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # also UnicodeDecodeError; RecursionError: nesting too deep
        raise ModelLoadError(f"{path}: not valid JSON ({exc})") from None


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, default=_json_default))


def read_config(directory: Path) -> dict:
    config_path = Path(directory) / "config.json"
    if not config_path.is_file() and not config_path.is_symlink():
        if not os.path.exists(directory):  # a link to nothing too: it is no file
            raise ModelLoadError(f"{directory}: no such folder")
        if not Path(directory).is_dir():
            raise ModelLoadError(f"{directory}: a file, not a model folder")
        raise ModelLoadError(f"{directory}: not a saved model (no config.json)")
    config = _read_json_file(config_path)
    if not isinstance(config, dict):
        raise ModelLoadError(f"{config_path}: not a JSON object")
    return config


def unconvertible(directory: Path, config: dict) -> str | None:
    """Why a folder of no `format` cannot be converted, or None: a folder of the first format (`state.joblib`), or
    one whose config.json names a state (`state_sha256`) that is missing (a model whose state was all in its
    config.json, the lexicon rule's, had none)."""
    if (directory / LEGACY_STATE).is_file():
        return None
    if (directory / EARLIEST_STATE).exists():
        why = f"saved in the first format ({EARLIEST_STATE}), which `convert` does not read"
    elif "state_sha256" in config:
        why = f"saved in the old pickle format, but without its {LEGACY_STATE}"
    else:
        return None
    return f"{directory}: {why}; it cannot be loaded or converted: {RETRAIN}"


def convert_hint(directory: Path, config: dict) -> str:
    """What loading a folder of no `format` says: convert it once, or, if `convert` cannot, retrain it."""
    return unconvertible(directory, config) or (
        f"{directory}: saved in the old pickle format, which runs code when it is loaded; this version "
        f"refuses to load it. If you trust where it came from, convert it once: "
        f"python cli.py convert --model-dir {directory} --trust")


def shown_value(value) -> str:
    """A config.json value as an error message shows it: its repr, cut at 80 characters."""
    return shown_text(repr(value), 80)


def is_emotion_list(value) -> bool:
    """A list of distinct emotion names (config.json's `no_intensity`, a network's `untrained_intensity`)."""
    return (isinstance(value, list) and all(isinstance(e, str) and e in EMOTIONS for e in value)
            and len(set(value)) == len(value))


def check_config(directory: Path, config: dict, modalities: tuple[str, ...]) -> None:
    """What config.json says that scoring reads as it is, checked: `outputs` one of OUTPUTS (absent in folders
    saved before presence models: a 4-way choice), a presence model's `none_threshold` a number in [0, 1], its
    `presence_offsets` (if any) one finite number per emotion, the emotions this version's, `no_intensity` (if any)
    distinct emotions, and `modalities` some of those the model class reads."""
    def refuse(what: str):
        raise ModelLoadError(f"{directory}/config.json: cannot load the model: {what}")

    outputs = config.get("outputs", "choice")
    if outputs not in OUTPUTS:
        refuse(f"outputs is {shown_value(outputs)}, not one of {', '.join(OUTPUTS)}")
    threshold = config.get("none_threshold")
    if outputs == "presence" or threshold is not None:  # NaN is in no range: it would turn `none` off
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            refuse(f"none_threshold is {shown_value(threshold)}, not a number in [0, 1]")
    offsets = config.get("presence_offsets", [0.0] * len(EMOTIONS))  # the card shows them
    if (not isinstance(offsets, list) or len(offsets) != len(EMOTIONS)
            or not all(isinstance(o, (int, float)) and not isinstance(o, bool) and np.isfinite(o) for o in offsets)):
        refuse(f"presence_offsets is {shown_value(offsets)}, not {len(EMOTIONS)} numbers")
    if config.get("emotions", list(EMOTIONS)) != list(EMOTIONS):
        refuse(f"its emotions are {shown_value(config['emotions'])}; this version's are {', '.join(EMOTIONS)}")
    missing = config.get("no_intensity", [])  # the card and the training notes read it
    if not is_emotion_list(missing):
        refuse(f"no_intensity is {shown_value(missing)}, not a list of distinct emotions of {', '.join(EMOTIONS)}")
    saved = config.get("modalities", list(modalities))
    if (not isinstance(saved, list) or not saved or not all(isinstance(m, str) for m in saved)
            or len(set(saved)) != len(saved) or not set(saved) <= set(modalities)):
        refuse(f"modalities is {shown_value(saved)}; this model reads {' and '.join(modalities)}")


class OutputFolderError(ValueError):
    """A folder a model may not be saved to: saving replaces the folder whole."""


# A file name's longest, in bytes, on Linux, macOS and Windows file systems (scored files' hidden siblings too).
# A model folder is staged as ".NAME.XXXXXXXX" beside it, and set aside as that plus ".old" (`_move_into_place`):
# its own name may have 14 bytes less.
NAME_MAX = 255
MAX_FOLDER_NAME = NAME_MAX - len(".." + "x" * 8 + ".old")


def check_replaceable(directory: str | Path) -> None:
    """A model may be saved to a folder that does not exist, is empty, or holds a saved model and nothing else
    (`saved_model_files`); anything else is refused, so that saving never deletes a user's files. A symbolic link
    is refused too: saving would replace the link, not the folder it points to. So is a folder that cannot be made
    or written beside (its path goes through a file; a read-only folder, or one such as /proc): found by making and
    removing an empty folder where saving stages its files, before minutes of training, not after them; and a
    name too long to stage beside, and a mount point (a volume), which no rename replaces."""
    directory = Path(directory)
    if directory.is_symlink():
        raise OutputFolderError(f"{directory}: a symbolic link (to {os.readlink(directory)}); saving replaces the "
                                f"output folder whole: give the folder itself, or another output folder")
    parent = Path(os.path.abspath(directory)).parent
    existing = next(folder for folder in (parent, *parent.parents) if folder.exists())
    holder = next((folder for folder in (existing, *existing.parents)
                   if (folder / "config.json").is_file() and saved_model_files(folder)), None)
    if holder is not None:  # a folder in it is not the model's: it would no longer be a saved model's folder
        raise OutputFolderError(f"{directory}: inside the saved model folder {holder}; choose a folder outside it")
    if not existing.is_dir():
        raise OutputFolderError(f"{directory}: {existing} is a file, not a folder; choose another output folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".write-check.", dir=existing))
    except OSError as exc:
        why = "it takes no new folders" if exc.errno == errno.ENOENT else exc.strerror
        raise OutputFolderError(f"{directory}: cannot save there: {existing} cannot be written ({why}); choose a "
                                f"folder you can write to") from None
    name = len(os.path.basename(os.path.abspath(directory)).encode("utf-8", "surrogateescape"))
    if name > MAX_FOLDER_NAME:
        raise OutputFolderError(f"{directory}: a folder name of {name} bytes; saving writes beside it under a name "
                                f"{NAME_MAX - MAX_FOLDER_NAME} bytes longer, so it may have at most {MAX_FOLDER_NAME}: "
                                f"choose a shorter name")
    if not directory.exists():
        return
    if not directory.is_dir():
        raise OutputFolderError(f"{directory}: exists and is not a folder; choose another output folder")
    if os.path.ismount(directory):
        raise OutputFolderError(f"{directory}: a mount point, which saving cannot replace (it renames the folder "
                                f"whole): give a folder inside it")
    entries = sorted(path.name for path in directory.iterdir())
    if not entries:
        return
    known = saved_model_files(directory) | {"config.json"}
    others = [name for name in entries
              if name not in known or (directory / name).is_dir() and not (directory / name).is_symlink()]
    if others or len(known) == 1:
        others = others or entries
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise OutputFolderError(f"{directory}: exists and is not a saved model folder (it holds {shown}); saving "
                                f"would replace it whole. Choose a new output folder, or remove this one yourself")


def model_files(config: dict) -> dict:
    """The checksums of a saved model's own files (weights, features, figures), from its config.json: what the card
    and the fairness audit are written about, without them."""
    files = config.get("files") if isinstance(config.get("files"), dict) else {}
    return {name: digest for name, digest in files.items() if name not in (CARD_FILE, FAIRNESS_FILE)}


def saved_model_files(directory: Path) -> set[str]:
    """The files besides config.json that a saved model's config.json says its folder holds (empty when it is no
    saved model's): those named in `files` (current format), or the earlier format's (a pickle, converted in place,
    whose config.json has `state_sha256`). A config.json of something else may well have a `files` key too: only
    names a saved model has count."""
    try:
        config = read_config(directory)
    except ModelLoadError:
        return set()
    files = config.get("files")
    if "format" in config:
        names = set(files) if isinstance(files, dict) else set()
        return names if names <= set(READ_FILES) else set()
    return set(LEGACY_FILES) if "state_sha256" in config else set()


def save_directory(directory: str | Path, write_files, make_config, metrics: dict, log: list,
                   fairness: dict | None = None, card=None, check=None) -> Path:
    """Writes a model directory atomically: into a temporary sibling, renamed into place at the end (replacing a
    saved model there, which is renamed aside first and deleted last: a save stopped at any point leaves the old
    model or the new one whole; any other folder is refused, see `check_replaceable`).
    `write_files(staging)` writes the model's own files; `make_config()` is called after it (writing them may
    add to the config); `card(config)` gives MODEL_CARD.md; the SHA-256 of every file but config.json goes into
    the config. `check(staging)`, if given, is called on the written folder before it replaces anything: if it
    raises, nothing is replaced."""
    check_replaceable(directory)
    # `.` and `..` name no folder of their parent: the staging folder would be made inside the one it replaces
    target = Path(os.path.abspath(directory))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_files(staging)
        write_json(staging / "metrics.json", metrics)
        write_json(staging / "training_log.json", log)
        if fairness:
            write_json(staging / FAIRNESS_FILE, fairness)
        config = make_config()
        if card is not None:
            (staging / CARD_FILE).write_text(card(config), encoding="utf-8")
        config["format"] = FORMAT
        config["files"] = {path.name: sha256_file(path) for path in sorted(staging.iterdir())}
        write_json(staging / "config.json", config)
        _usual_modes(staging)
        if check is not None:
            check(staging)
        with folder_lock(target):  # not while `audit --save` copies the folder: it would mix the two models' files
            _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Path(directory)


def _move_into_place(staging: Path, target: Path) -> None:
    """`staging` renamed to `target`. A folder already there is swapped with it in one step where the system can
    (`_exchange`), then removed: the path names the old folder or the new one at every moment, even if the
    process is killed outright. Elsewhere it is set aside whole in one rename and removed only once the new one
    is in its place: a stop at any point leaves the old folder or the new one whole (a kill between the two
    renames leaves it set aside, as a hidden `.NAME.*.old`). The callers remove `staging` if this raises."""
    if not target.exists():
        try:
            os.replace(staging, target)
            return
        except OSError as exc:  # another save of the same new folder moved in meanwhile: replaced as a saved model
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # the old folder, now under the staging name
        return
    retired = staging.with_name(staging.name + ".old")
    try:  # both renames in it: a Ctrl-C or SIGTERM is raised once a call returns, also just after the first one
        os.rename(target, retired)
        os.replace(staging, target)
    except BaseException:
        if staging.exists():  # not moved in: the old folder goes back, if it was set aside
            if os.path.lexists(retired) and not os.path.lexists(target):
                os.rename(retired, target)
        else:  # moved in, then a Ctrl-C or SIGTERM before this block was left: the old one is not needed
            shutil.rmtree(retired, ignore_errors=True)
        raise
    shutil.rmtree(retired, ignore_errors=True)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2  # <fcntl.h>, <linux/fs.h>


def _exchange(first: Path, second: Path) -> bool:
    """Swaps two paths atomically (Linux's `renameat2` with RENAME_EXCHANGE, glibc 2.28 on); False where the
    system, its C library or the file system has no such call, for the caller to do it in two renames."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if call(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # no such call, or not on this file system
        return False
    raise OSError(number, os.strerror(number), str(second))


def rewrite_folder(directory: str | Path, update) -> None:
    """Changes some files of a saved model folder as one step: every entry of the folder is linked (copied where a
    link cannot be made) into a new hidden sibling, `update(copy)` replaces files there (`replace_file`), and the
    copy takes the folder's place as a save does (`_move_into_place`). `audit --save` replaced fairness.json, the
    card and config.json in the folder one after the other: stopped between them, it left a folder whose
    checksums failed, a model that no longer loaded. Now a stop leaves the folder as it was or as updated. A link
    to a model folder is followed: the folder it names is replaced beside itself and the link kept (renamed aside,
    the link itself was replaced by the new folder and the one it named left as it was)."""
    target = Path(os.path.realpath(directory))
    if not os.access(target, os.W_OK):  # a folder made read-only stays so, as when its files were replaced in it
        raise OSError(errno.EACCES, f"cannot write a file in this model folder ({os.strerror(errno.EACCES)})",
                      str(directory))
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write beside this model folder ({exc.strerror})",
                      str(target.parent)) from None
    try:
        for entry in target.iterdir():
            if entry.is_symlink():  # as it is (never read through: `open_model_file`)
                os.symlink(os.readlink(entry), staging / entry.name)
            elif entry.is_dir():
                shutil.copytree(entry, staging / entry.name, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry, staging / entry.name)
        update(staging)
        shutil.copymode(target, staging)  # mkdtemp's 0700, made the folder's own
        _keep_owner(target, os.fspath(staging))
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _keep_owner(original: Path, replacement) -> None:
    """The replacement (a path, or a file descriptor) owned as the original is, where this process may say so
    (root: a service rewriting a user's model folder left it root's, which its user could no longer change)."""
    status = os.stat(original)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and (status.st_uid, status.st_gid) != (0, 0):
        try:
            os.chown(replacement, status.st_uid, status.st_gid)
        except OSError:  # a file system without owners (FAT, some network mounts): as it comes
            pass


def _link_or_copy(source, destination) -> None:
    """A hard link (no bytes copied: the weights are most of a folder), or a copy where the file system has none."""
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _usual_modes(folder: Path) -> None:
    """The folder and its files readable as any folder and file the user writes (0777 and 0666 less the umask):
    `mkdtemp` makes the staging folder 0700 and safetensors writes its file 0600, so a model saved by one user
    could not be loaded by another (a shared runs folder, a dashboard run as a service user)."""
    mask = _umask()
    os.chmod(folder, 0o777 & ~mask)
    for path in folder.iterdir():
        os.chmod(path, 0o666 & ~mask)


def _umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux), else set and put back."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1], 8) for line in status if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def check_files(directory: Path, config: dict, limits: dict[str, tuple[int, str]] | None = None) -> None:
    """A directory of the current format whose files match their checksums in config.json, each within its size
    limit (`limits`, default `file_limits()`), checked before it is hashed; a listed file without a limit is
    refused."""
    limits = file_limits() if limits is None else limits
    if "format" not in config:
        raise ModelLoadError(convert_hint(directory, config))
    if os.path.lexists(directory / LEGACY_STATE):  # never read here; but converting it would unpickle it
        raise ModelLoadError(f"{directory / LEGACY_STATE}: a pickle, which can run code when it is read, in a folder "
                             f"of format {str(config['format'])[:20]!r}, which never holds one; refusing to load the "
                             f"folder. Do not convert it: it is not of the old format")
    if config["format"] != FORMAT:
        raise ModelLoadError(f"{directory}: model format {str(config['format'])[:20]!r}; this version reads format "
                             f"{FORMAT}; {RETRAIN}")
    files = config.get("files")
    if not isinstance(files, dict):
        raise ModelLoadError(f"{directory}/config.json: no 'files' checksums")
    for name, digest in files.items():
        if name == CARD_FILE:  # a document about the model, never read to load it: `read_card` checks it when shown
            continue
        path = directory / name
        if Path(name).name != name or not os.path.lexists(path):  # a folder or FIFO: open_model_file says so
            raise ModelLoadError(f"{directory}: missing {name[:80]}")
        if name not in limits:  # it would be hashed whole, however large: a listed file of zeros
            raise ModelLoadError(f"{path}: config.json lists it, but a model folder of this kind holds no such file; "
                                 f"refusing to read it")
        with open_model_file(path) as handle:
            check_size(path, os.fstat(handle.fileno()).st_size, *limits[name])
            if sha256_of(handle) != digest:
                raise ModelLoadError(f"{path}: checksum differs from config.json; refusing to load it")
    unlisted = [name for name in READ_FILES
                if name not in files and name != CARD_FILE and os.path.lexists(directory / name)]
    if unlisted:
        raise ModelLoadError(f"{directory / unlisted[0]}: config.json lists no checksum for it; refusing to read it")


def read_listed_file(directory: Path, name: str, config: dict, edited_hint: str = "") -> bytes | None:
    """The bytes of one of a model folder's text files (`read_model_bytes`, capped at MAX_TEXT_FILE_BYTES) once
    they match the checksum its config.json records for it; None when the folder has no such file and config.json
    lists none. A file that is there but that config.json lists no checksum for (a folder of the old format lists
    none) is refused, as `check_files` refuses it: the card, the metrics and the fairness audit are shown without
    loading the model (the Compare page, `cli.py compare`), and an edited one is no more shown than loaded."""
    path = directory / name
    files = config.get("files")
    digest = files.get(name) if isinstance(files, dict) else None
    if digest is None:
        if os.path.lexists(path):
            raise ModelLoadError(f"{path}: config.json lists no checksum for it; refusing to read it")
        return None
    data = read_model_bytes(path, MAX_TEXT_FILE_BYTES)
    if hashlib.sha256(data).hexdigest() != digest:
        raise ModelLoadError(f"{path}: checksum differs from config.json; refusing to read it{edited_hint}")
    return data


def read_card(directory: str | Path) -> str | None:
    """The text of a saved model's MODEL_CARD.md once its checksum matches config.json's; None when the folder has
    no card. Anything else (a link, an edited card, one config.json does not list, bytes that are not UTF-8) is
    ModelLoadError. An edited card is only withheld: the model still loads, and `cli.py audit --save` writes its
    card again."""
    directory = Path(directory)
    data = read_listed_file(directory, CARD_FILE, read_config(directory),
                            edited_hint=" (edited since the model was saved? `python cli.py audit --save` on the "
                                        "model's folder writes it again)")
    if data is None:
        return None
    path = directory / CARD_FILE
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelLoadError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def write_featurizer(directory: Path, featurizer) -> None:
    from features.state import encode

    tree, arrays = encode(featurizer)
    write_json(directory / FEATURES_TREE, tree)
    np.savez_compressed(directory / FEATURES_ARRAYS, **arrays)


def read_featurizer(directory: Path):
    """The fitted featurizer of `features.json` and `features.npz`, checked (`Featurizer.check_fitted`)."""
    from features.featurizer import Featurizer
    from features.state import StateError, decode

    tree = _read_json_file(directory / FEATURES_TREE)
    try:
        with open_model_file(directory / FEATURES_ARRAYS) as handle:
            _check_archive(directory / FEATURES_ARRAYS, handle, arrays=True)
            with np.load(handle, allow_pickle=False) as arrays:
                featurizer = decode(tree, arrays)
        if not isinstance(featurizer, Featurizer):
            raise StateError(f"it holds a {type(featurizer).__name__}, not a Featurizer")
        featurizer.check_fitted()
        return featurizer
    except ModelLoadError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile) as exc:  # StateError; ValueError: also a pickled array
        raise ModelLoadError(f"{directory}: cannot read the saved features ({exc})") from None
    except Exception as exc:  # a file of the right shape holding the wrong things: whatever the classes raise
        raise ModelLoadError(f"{directory}: cannot read the saved features ({type(exc).__name__}: {exc})") from None


def _check_archive(path: Path, handle, arrays: bool) -> None:
    """Refuses a ZIP archive of a model folder that would unpack to more than MAX_UNPACKED_BYTES (a small file of
    compressed zeros can unpack to gigabytes), from the sizes it declares; the unpacking stops at those sizes. With
    `arrays` (a .npz), each member must be a .npy file of one array, not of Python objects, whose header's shape
    and type take exactly the bytes the member declares (numpy allocates what the header says before reading).
    Leaves `handle` at its start."""
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        if total > MAX_UNPACKED_BYTES:
            raise ModelLoadError(f"{path}: would unpack to {total:,} bytes, more than the {MAX_UNPACKED_BYTES:,} a "
                                 f"model folder's archive may (models.store.MAX_UNPACKED_BYTES); refusing to unpack it")
        for member in members if arrays else ():
            with archive.open(member) as stream:
                version = np.lib.format.read_magic(stream)
                readers = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
                if version not in readers:
                    raise ValueError(f"{path.name}: {member.filename} is a .npy file of version {version}")
                shape, _, dtype = readers[version](stream)
                if dtype.hasobject:
                    raise ValueError(f"{path.name}: {member.filename} holds Python objects, which numpy would "
                                     f"unpickle")
                size = stream.tell() + math.prod(shape) * dtype.itemsize
                if size != member.file_size:
                    raise ValueError(f"{path.name}: {member.filename} declares an array of shape {shape} "
                                     f"({size:,} bytes) but holds {member.file_size:,}")
    handle.seek(0)


def write_weights(directory: Path, weights: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    save_file({name: np.ascontiguousarray(value) for name, value in weights.items()}, str(directory / WEIGHTS_FILE))


def read_weights(directory: Path, limit: tuple[int, str]) -> dict[str, np.ndarray]:
    """The arrays of `weights.safetensors`, if it holds at most `limit` bytes ((bytes, what sets it))."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    data = read_model_bytes(directory / WEIGHTS_FILE, *limit)
    try:
        return load(data)
    except (OSError, SafetensorError) as exc:
        raise ModelLoadError(f"{directory / WEIGHTS_FILE}: cannot read the weights ({exc})") from None


def write_sklearn(directory: Path, value) -> None:
    import zipfile

    import skops.io

    skops.io.dump(value, directory / SKOPS_FILE, compression=zipfile.ZIP_DEFLATED)


def read_sklearn(directory: Path, trusted: frozenset[str]):
    """The scikit-learn objects of `model.skops`, if every type it names is in `trusted`; else ModelLoadError."""
    import skops.io

    path = directory / SKOPS_FILE
    data = read_model_bytes(path, MAX_UNPACKED_BYTES, ARCHIVE_LIMIT)
    try:
        _check_archive(path, io.BytesIO(data), arrays=False)
        untrusted = skops.io.get_untrusted_types(data=data)
        refused = sorted(set(untrusted) - trusted)
        if refused:
            raise ModelLoadError(f"{path}: names types this project never saves ({', '.join(refused[:5])}); "
                                 f"refusing to load it")
        return skops.io.loads(data, trusted=untrusted)
    except ModelLoadError:
        raise
    except Exception as exc:  # skops raises many kinds on a damaged file
        raise ModelLoadError(f"{path}: cannot read it ({type(exc).__name__}: {exc})") from None


def read_json(path: Path, default):
    """A model folder's JSON file (`open_model_file`), which must hold a value of `default`'s type (an object for
    {}, an array for []); `default` when there is no such file."""
    if not os.path.lexists(path):
        return default
    value = _read_json_file(path)
    if not isinstance(value, type(default)):
        raise ModelLoadError(f"{path}: holds {json_type(value)} where {json_type(default)} belongs")
    return value


def json_type(value) -> str:
    """What a JSON value is, in JSON's words."""
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true or false", type(None): "null",
             int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


LOCK_ATTEMPTS = 20


@contextmanager
def folder_lock(directory: Path):
    """An exclusive `flock` on the model folder itself (no lock file left in it), waited for; the kernel frees it
    however the holder ends. On a file system without locks, none."""
    import fcntl

    for attempt in range(LOCK_ATTEMPTS):
        try:
            descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:  # no such folder: reading its config.json says so, in the words of a model folder
            yield
            return
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # no locks on this file system
            pass
        # the holder put a new folder in its place (`rewrite_folder`, a save): lock that one; the last try keeps
        # what it holds (a file system whose stat and fstat disagree would otherwise be asked forever)
        if _same_file(descriptor, directory) or attempt == LOCK_ATTEMPTS - 1:
            break
        os.close(descriptor)
    try:
        yield
    finally:
        os.close(descriptor)  # lets go of the lock


def folder_identity(directory: Path) -> tuple[int, int] | None:
    """Which folder the path names now (None: none): a save replaces a model folder by renaming a new one into its
    place (`_move_into_place`)."""
    try:
        status = os.stat(directory)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _same_file(descriptor: int, path: Path) -> bool:
    held = os.fstat(descriptor)
    return folder_identity(path) in (None, (held.st_dev, held.st_ino))  # gone: reading its config.json says so


def replace_file(path: Path, write) -> None:
    """`write(staging)` into a new hidden sibling, then renamed over `path`: a reader sees the old file or the new
    one. The sibling is made by `mkstemp` (a new file of a name no one chose): a fixed name could be a link a
    folder was handed over with, which writing follows, to any file of the user's."""
    try:
        descriptor, staging = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as exc:  # named by the folder, not by a random name of a file that was never made
        raise OSError(exc.errno, f"cannot write a file in this model folder ({exc.strerror})",
                      str(path.parent)) from None
    staging = Path(staging)
    try:  # mkstemp's file is the owner's alone: the new one keeps the permissions of the one it replaces
        os.fchmod(descriptor, stat.S_IMODE(os.stat(path).st_mode) if path.exists() else 0o644)
        if path.exists():
            _keep_owner(path, descriptor)
    finally:
        os.close(descriptor)
    try:
        write(staging)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
