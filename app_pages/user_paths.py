"""Messages about the files of an uploaded ZIP or a saved model, as the user knows them: by their path inside the
ZIP or the model picker's name for the folder, never by the server's paths (docs/security.md: no server paths on
users' screens).

The layers below name the files they read by their full path, which is what a user of `cli.py` on their own
machine needs; only the dashboard knows that the folder is a temporary one and which ZIP it holds."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd


def as_in_the_zip(message: str, folder: Path, zip_name: str) -> str:
    """`message` with every path under `folder` written as its path inside the ZIP (`/tmp/x/imgs/a.png` →
    `imgs/a.png`) and `folder` itself as `zip_name`. The folder is matched as given and resolved (the paths
    the layers below print are resolved), the longer first, so one is never left half replaced."""
    for path in _written_forms(folder):
        message = message.replace(path + os.sep, "").replace(path, zip_name)
    return message


def _written_forms(folder: Path) -> list[str]:
    """A folder's path as given and resolved, the longer first, so that one is never left half replaced."""
    return sorted({str(Path(folder)), str(Path(folder).resolve())}, key=len, reverse=True)


def errors_as_in_the_zip(scored: pd.DataFrame, folder: Path | None, zip_name: str | None) -> pd.DataFrame:
    """A scored table (the columns of `cli.py score`) whose `error` column names the ZIP's files by their path
    inside it; as it is when no ZIP was unpacked."""
    if folder is None:
        return scored
    out = scored.copy()
    out["error"] = [as_in_the_zip(message, folder, zip_name) for message in scored["error"]]
    return out


def as_in_the_picker(message: str, directory: Path) -> str:
    """`message` with a model folder's path on the server written as the picker names the folder (`runs/x`,
    `zoo/logreg`: `evaluation.runs.picker_label`), and the runs folder's as `runs`."""
    from evaluation.runs import picker_label, runs_dir

    for path in _written_forms(directory):
        message = message.replace(path, picker_label(directory))
    for path in _written_forms(runs_dir()):
        message = message.replace(path, "runs")
    return message
