"""Saved runs: find every model directory under a folder and tabulate its metrics for comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from data.registry import RANKING
from emotions import EMOTIONS


def find_runs(*folders: str | Path) -> list[Path]:
    """Model directories (holding config.json) at or below the given folders, without duplicates."""
    seen, runs = set(), []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for config in sorted(folder.glob("**/config.json")):
            directory = config.parent.resolve()
            if directory not in seen and not directory.name.startswith("."):
                seen.add(directory)
                runs.append(config.parent)
    return runs


def _size_mb(directory: Path) -> float:
    return sum(f.stat().st_size for f in directory.iterdir() if f.is_file()) / 1e6


def metric_columns(data_set: str, result: dict) -> dict:
    """One evaluation (`evaluation.metrics.evaluate_predictions`) as the table's columns for that data set."""
    columns = {f"{data_set}_macro_f1": round(result["macro_f1"], 4), f"{data_set}_accuracy": round(result["accuracy"], 4)}
    for emotion in EMOTIONS:
        columns[f"{data_set}_f1_{emotion}"] = round(result["per_emotion"][emotion]["f1"], 4)
    if "pearson_mean" in result:
        columns[f"{data_set}_pearson_mean"] = round(result["pearson_mean"], 4)
    if "none_f1" in result:
        columns[f"{data_set}_none_f1"] = round(result["none_f1"], 4)
    return columns


def runs_table(runs: list[Path]) -> pd.DataFrame:
    """One row per run: model, data-set macro-F1, accuracy, per-emotion F1, intensity Pearson, training time,
    scoring speed (WASSA-2017 test tweets per second, measured when it was trained), size;
    best first (by the macro-F1 of the first data set in RANKING that the runs have)."""
    rows = []
    for directory in runs:
        try:
            config = json.loads((directory / "config.json").read_text())
            metrics = json.loads((directory / "metrics.json").read_text()) if (directory / "metrics.json").exists() else {}
        except (OSError, json.JSONDecodeError):
            continue
        row = {"run": str(directory), "model": config.get("model", "?"), "seed": config.get("seed"),
               "train_seconds": config.get("train_seconds"), "tweets_per_s": config.get("tweets_per_s"),
               "size_mb": round(_size_mb(directory), 2)}
        for data_set, result in metrics.items():
            if isinstance(result, dict) and "macro_f1" in result:
                row.update(metric_columns(data_set, result))
        rows.append(row)
    table = pd.DataFrame(rows)
    for data_set in RANKING:
        column = f"{data_set}_macro_f1"
        if column in table.columns:
            table = table.sort_values(column, ascending=False, na_position="last")
            break
    return table.reset_index(drop=True)
