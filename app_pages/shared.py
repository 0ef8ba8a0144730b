"""What every page shares: the runs folder, and models loaded once per process."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from models.registry import DEFAULT_MODEL_DIR, load_model

ROOT = Path(__file__).resolve().parents[1]
RUNS_DIR = ROOT / "runs"  # where the Train page saves runs; git-ignored


@st.cache_resource(show_spinner="Loading the model…")
def cached_model(directory: str | None = None):
    """A saved model (default: the shipped one), loaded once per process and directory."""
    return load_model(directory or DEFAULT_MODEL_DIR)


def model_choices() -> dict[str, Path]:
    """Label → directory of every saved model: the shipped default first, then the runs."""
    from models.runs import find_runs

    choices = {"default (shipped)": DEFAULT_MODEL_DIR}
    for directory in find_runs(RUNS_DIR):
        choices[f"runs/{directory.relative_to(RUNS_DIR)}"] = directory
    return choices
