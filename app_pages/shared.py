"""What every page shares: the runs folder, and models loaded once per process."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from models.registry import DEFAULT_MODEL_DIR, load_model

ROOT = Path(__file__).resolve().parents[1]
RUNS_DIR = ROOT / "runs"  # where the Train page saves runs; git-ignored
RUNS_ENV_VAR = "TWEET_EMOTION_RUNS"  # another runs folder (the tests point it at a temporary one)


def runs_dir() -> Path:
    """The runs folder: $TWEET_EMOTION_RUNS if set, else runs/ in the repository."""
    return Path(os.environ.get(RUNS_ENV_VAR) or RUNS_DIR)


@st.cache_resource(show_spinner="Loading the model…")
def cached_model(directory: str | None = None):
    """A saved model (default: the shipped one), loaded once per process and directory."""
    return load_model(directory or DEFAULT_MODEL_DIR)


def model_choices() -> dict[str, Path]:
    """Label → directory of every saved model: the shipped default first (when it is there), then the runs."""
    from models.runs import find_runs

    choices = {"default (shipped)": DEFAULT_MODEL_DIR} if (DEFAULT_MODEL_DIR / "config.json").is_file() else {}
    folder = runs_dir()
    for directory in find_runs(folder):
        choices[f"runs/{directory.relative_to(folder)}"] = directory
    return choices


def session_folder(name: str) -> Path:
    """A fresh temporary folder for this browser session (uploads, unpacked ZIPs). It is deleted with the
    session's state; `name` keeps one folder per purpose, replaced when asked for again."""
    folders = st.session_state.setdefault("_temporary_folders", {})
    if name in folders:
        folders[name].cleanup()
    folders[name] = tempfile.TemporaryDirectory(prefix=f"tweet-emotions-{name}-")
    return Path(folders[name].name)


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def read_table(data: bytes, name: str):
    """An uploaded CSV/TSV (see `models.uploads.read_table_upload`), read once per content."""
    from models.uploads import read_table_upload

    with tempfile.TemporaryDirectory() as folder:
        return read_table_upload(data, name, Path(folder))


def unpacked_images(data: bytes, name: str, purpose: str):
    """An uploaded ZIP of images, unpacked once per content into this session's folder for `purpose`."""
    import hashlib

    from models.uploads import unpack_images

    key = hashlib.sha256(data).hexdigest()
    cache = st.session_state.setdefault("_unpacked", {})
    if cache.get(purpose, (None,))[0] != key:
        cache[purpose] = (key, unpack_images(data, name, session_folder(purpose)))
    return cache[purpose][1]


def bundled_sample(name: str) -> bytes:
    """A file of data/samples/ (the Batch page's samples), read as package data."""
    from importlib import resources

    return resources.files("data").joinpath("samples", name).read_bytes()


def read_labelled(upload, zip_upload, purpose: str):
    """A labelled upload (and the ZIP of its images) as `LabelledData`; raises `DataError` with the reason."""
    from models.uploads import read_labelled_upload

    images = unpacked_images(zip_upload.getvalue(), zip_upload.name, purpose) if zip_upload else None
    with tempfile.TemporaryDirectory() as folder:
        return read_labelled_upload(upload.getvalue(), upload.name, Path(folder), images)


def model_or_stop(directory) -> object:
    """`cached_model`, or the reason it cannot load shown on the page (and the page stopped there)."""
    from models.base import ModelLoadError

    try:
        return cached_model(str(directory))
    except ModelLoadError as exc:
        st.error(f"Cannot load this model: {exc}")
        st.stop()
