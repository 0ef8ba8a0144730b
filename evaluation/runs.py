"""Saved runs: the runs folder (`runs_dir`), every saved model the pickers list (`model_choices`), and every model
directory under a folder found and its metrics tabulated for comparison."""

from __future__ import annotations

import json
import math
import os
import reprlib
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from data.registry import RANKING
from emotions import EMOTIONS
from models import store
from models.registry import DEFAULT_MODEL_DIR, ZOO_DIR
from models.store import json_type

RUNS_DIR = Path(__file__).resolve().parents[1] / "runs"  # where the Train page saves runs; git-ignored
RUNS_ENV_VAR = "TWEET_EMOTION_RUNS"  # another runs folder (the tests point it at a temporary one)
SEED_RANGE = (0, 2**32 - 1)  # what the CLI's --seed accepts (NumPy's and scikit-learn's seeds)
# Training seconds and tweets per second: anything a run could measure (1e12 s is 30,000 years), and small enough
# for the table's number columns (a 200-digit integer is no int64, and the dashboard's table could not show it).
MAX_MEASURE = 1e12
# A run whose config.json has no `format`: the pickled format, whose config.json records no checksum of its metrics
# (`models.store.check_files` refuses to load such a folder, with the same advice; no server path here).
OLD_FORMAT = ("config.json: saved in the old pickle format, which records no checksums and which this version "
              "refuses to load; if you trust where it came from, convert it once: "
              "python cli.py convert --model-dir DIR --trust")

_shown = reprlib.Repr()
_shown.maxstring, _shown.maxother, _shown.maxlong = 40, 40, 40


def runs_dir() -> Path:
    """The runs folder: $TWEET_EMOTION_RUNS if set, else runs/ in the repository (the Train page saves there, and
    the Compare page and `cli.py compare` look there)."""
    return Path(os.environ.get(RUNS_ENV_VAR) or RUNS_DIR)


def model_choices() -> dict[str, Path]:
    """Label → directory of every saved model: the shipped default first (when it is there), the shipped zoo,
    then the runs."""
    choices = {"default (shipped)": DEFAULT_MODEL_DIR} if (DEFAULT_MODEL_DIR / "config.json").is_file() else {}
    for directory in find_runs(ZOO_DIR):
        choices[f"zoo/{directory.name}"] = directory
    folder = runs_dir()
    for directory in find_runs(folder):
        choices[picker_label(directory)] = directory
    return choices


def picker_label(directory: str | Path) -> str:
    """The name `model_choices` gives a model folder (`default (shipped)`, `zoo/logreg`, `runs/team/m1`), also
    for one it does not list (a run not yet saved); else its parent's name and its own."""
    directory = Path(directory)
    for given in (directory, directory.resolve()):
        if given in (DEFAULT_MODEL_DIR, DEFAULT_MODEL_DIR.resolve()):
            return "default (shipped)"
        if given.parent in (ZOO_DIR, ZOO_DIR.resolve()):
            return f"zoo/{given.name}"
        for folder in (runs_dir(), runs_dir().resolve()):
            if given.is_relative_to(folder) and given != folder:
                return f"runs/{given.relative_to(folder).as_posix()}"
    return f"{directory.parent.name}/{directory.name}"


class RunError(ValueError):
    """A saved run whose files say something the comparison cannot use; the message names the file and what is
    wrong with it, in one line."""


class RunsTable(NamedTuple):
    table: pd.DataFrame  # one row per run that could be read
    skipped: dict[str, str]  # run → why it is not in the table


def find_runs(*folders: str | Path) -> list[Path]:
    """Model directories (holding config.json) at or below the given folders, without duplicates; a link to a model
    directory directly in a folder counts too (`**` follows no link, so a folder of links loops never)."""
    seen, runs = set(), []
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for config in sorted({*folder.glob("**/config.json"), *folder.glob("*/config.json")}):
            directory = config.parent.resolve()
            if directory not in seen and not directory.name.startswith("."):
                seen.add(directory)
                runs.append(config.parent)
    return runs


def read_json(path: Path) -> object:
    """A run's JSON file as Python values; `RunError` naming the file if it is not a readable regular file of the
    folder (`models.store.read_model_bytes`: no link, FIFO or device, at most its size limit) holding UTF-8 JSON.
    For config.json, which records the others' checksums: the others are read by `read_listed_json`."""
    try:
        data = store.read_model_bytes(path, store.MAX_TEXT_FILE_BYTES)
    except store.ModelLoadError as exc:
        raise _refused(path, exc) from None
    return _parsed(path.name, data)


def read_listed_json(directory: Path, name: str, config: dict) -> object | None:
    """A run's other JSON file (metrics.json, fairness.json) as `read_json` reads it, once its checksum matches the
    one `config` (the run's config.json) records for it (`models.store.read_listed_file`); None when the run has no
    such file. An edited file, or one config.json lists no checksum for, is a `RunError` naming it: loading the
    model (`score --model-dir`) refuses such a folder, and its figures are no more shown or ranked."""
    try:
        data = store.read_listed_file(Path(directory), name, config)
    except store.ModelLoadError as exc:
        raise _refused(Path(directory) / name, exc) from None
    return None if data is None else _parsed(name, data)


def _refused(path: Path, exc: store.ModelLoadError) -> RunError:
    """The store's refusal of a run's file as a `RunError` naming the file, without the server's path to it."""
    message, prefix = str(exc), f"{path}: "
    why = message[len(prefix):] if message.startswith(prefix) else message.split(": ", 1)[-1]
    return RunError(f"{path.name}: {why}")


def _parsed(name: str, data: bytes) -> object:
    """The bytes of a run's file `name` as JSON values; `RunError` naming it if they are not UTF-8 JSON."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RunError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise RunError(f"{name}: nested too deeply to be read") from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{name}: not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:  # an integer of more than 4,300 digits, for one
        raise RunError(f"{name}: not readable JSON ({' '.join(str(exc).split())[:100]})") from None


def shown(value) -> str:
    """A JSON value, shortened for a one-line message; strings, true, false and null as JSON spells them."""
    if isinstance(value, str):
        return json.dumps(value[:40] + ("…" if len(value) > 40 else ""), ensure_ascii=False)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    try:
        return _shown.repr(value)
    except ValueError:  # an int too long to print
        return "a very long number"


def number(value, where: str, low: float, high: float, nan: bool = False) -> int | float:
    """`value` if it is a JSON number in [low, high] (or NaN, when `nan`); `RunError` saying `where` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunError(f"{where} is {shown(value)}, not a number")
    if isinstance(value, float) and math.isnan(value):
        if nan:
            return value
        raise RunError(f"{where} is NaN, not a number in {_interval(low, high)}")
    if not low <= value <= high:  # compared as it is: float() of a huge int would overflow
        raise RunError(f"{where} is {shown(value)}, outside {_interval(low, high)}")
    return value


def _interval(low, high) -> str:
    return "[" + ", ".join(f"{x:,}" if isinstance(x, int) else f"{x:g}" for x in (low, high)) + "]"


def mapping(value, where: str) -> dict:
    """`value` if it is a JSON object; `RunError` saying `where` otherwise."""
    if not isinstance(value, dict):
        raise RunError(f"{where} is {json_type(value)}, not an object")
    return value


def metric_columns(data_set: str, result: dict) -> dict:
    """One evaluation (`evaluation.metrics.evaluate_predictions`) as the table's columns for that data set; a
    `RunError` naming the data set and the field if a figure the table shows is missing, not a number or out of
    its range (F1 and accuracy in [0, 1], Pearson's r in [-1, 1] or NaN)."""
    result = mapping(result, data_set)
    columns = {f"{data_set}_macro_f1": _figure(result, "macro_f1", data_set),
               f"{data_set}_accuracy": _figure(result, "accuracy", data_set)}
    per_emotion = mapping(field(result, "per_emotion", f"{data_set}.per_emotion"), f"{data_set}.per_emotion")
    for emotion in EMOTIONS:
        where = f"{data_set}.per_emotion.{emotion}"
        scores = mapping(field(per_emotion, emotion, where), where)
        columns[f"{data_set}_f1_{emotion}"] = _figure(scores, "f1", where)
    if "pearson_mean" in result:
        columns[f"{data_set}_pearson_mean"] = _figure(result, "pearson_mean", data_set, -1.0, 1.0, nan=True)
    if "none_f1" in result:
        columns[f"{data_set}_none_f1"] = _figure(result, "none_f1", data_set)
    return columns


def field(within: dict, name: str, where: str):
    """`within[name]`; `RunError` saying `where` (the field's full name) is missing if it is."""
    if name not in within:
        raise RunError(f"{where} is missing")
    return within[name]


def _figure(within: dict, name: str, where: str, low: float = 0.0, high: float = 1.0, nan: bool = False) -> float:
    """`within[name]`, checked by `number`; kept whole, so that a figure shown to 3 places is not rounded twice
    (the table is rounded to 4 places where it is shown)."""
    return number(field(within, name, f"{where}.{name}"), f"{where}.{name}", low, high, nan)


def run_row(directory: Path) -> dict:
    """One run's row of the table (see `runs_table`); `RunError` naming the file and the field if its
    config.json or metrics.json cannot be read or says something the table cannot show, if its metrics.json
    does not match the checksum config.json records (`read_listed_json`), or if it is of the old format, which
    records no checksums (`OLD_FORMAT`)."""
    config = mapping(read_json(directory / "config.json"), "config.json")
    if "model" not in config:  # another tool's config.json (a runs folder holding a checkout): listed as model "?"
        raise RunError("config.json names no model: not a saved model's folder")
    model = config["model"]
    if not isinstance(model, str) or not model.strip():
        raise RunError(f"config.json: model is {shown(model)}, not a model's name")
    if "format" not in config:
        raise RunError(OLD_FORMAT)
    metrics = read_listed_json(directory, "metrics.json", config)
    metrics = {} if metrics is None else mapping(metrics, "metrics.json")
    seed = config.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise RunError(f"config.json: seed is {shown(seed)}, not a whole number")
    row = {"run": str(directory), "model": model,
           "seed": None if seed is None else number(seed, "config.json: seed", *SEED_RANGE),
           "train_seconds": _optional(config, "train_seconds"), "tweets_per_s": _optional(config, "tweets_per_s"),
           "size_mb": round(_size_mb(directory), 2)}
    for data_set, result in metrics.items():
        if isinstance(result, dict) and "macro_f1" in result:  # an evaluation (nothing else is written there)
            try:
                row.update(metric_columns(data_set, result))
            except RunError as exc:
                raise RunError(f"metrics.json: {exc}") from None
    _check_loadable(directory, config)
    return row


def _check_loadable(directory: Path, config: dict) -> None:
    """RunError unless the run's model would load as far as its folder says: a model this version knows, a
    config.json it reads, and every file the loader checks matching its checksum (a run whose weights were cut
    short, or whose config names no model, was listed and ranked, and refused by every command that loads it)."""
    from models.registry import saved_model_class
    from models.store import ModelLoadError, check_config

    try:
        cls = saved_model_class(directory, config)
        check_config(directory, config, cls.modalities)
        cls.check_folder(directory, config)
    except ModelLoadError as exc:
        why = str(exc).replace(f"{directory}/", "").replace(f"{directory}: ", "")
        raise RunError(f"its model cannot be loaded: {why}") from None


def _optional(config: dict, name: str) -> int | float | None:
    """A measure of config.json in [0, MAX_MEASURE], or None when it has none."""
    value = config.get(name)
    return None if value is None else number(value, f"config.json: {name}", 0.0, MAX_MEASURE)


def _size_mb(directory: Path) -> float:
    try:
        return sum(f.stat().st_size for f in directory.iterdir() if f.is_file()) / 1e6
    except OSError as exc:
        raise RunError(f"{Path(exc.filename or directory).name}: {exc.strerror or type(exc).__name__}") from None


# Macro-F1 on the collections unlike WASSA-2017's (its test set is the in-collection figure).
AWAY_FROM_WASSA = ("goemotions_dev", "ec_dev", "everyday_check")
AWAY_COLUMN = "away_from_wassa"  # their mean, by which the table ranks the runs


def away_columns(table: pd.DataFrame) -> list[str]:
    """The macro-F1 columns of `AWAY_FROM_WASSA` that the comparison table has."""
    return [f"{name}_macro_f1" for name in AWAY_FROM_WASSA if f"{name}_macro_f1" in table.columns]


def away_mean(table: pd.DataFrame) -> pd.Series:
    """Per model, the mean of `away_columns`; NaN for a model missing one of them, which is neither ranked nor
    placed on the frontier (a mean of only some sets would not compare)."""
    return table[away_columns(table)].mean(axis=1, skipna=False)


# Each run's own validation rows: other data for every model (6,702 rows of the default recipe, 2,361 of the WASSA
# specialist's), so its figures compare no two models and the matrix leaves them out (the table keeps them).
NOT_SHARED = ("valid",)


def shared_first(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the figures of `NOT_SHARED` last: each run's own validation rows came first (metrics.json's
    order), and the first figures of the table were the ones that compare no two models."""
    own = [c for c in table.columns if c.startswith(tuple(f"{name}_" for name in NOT_SHARED))]
    return table[[c for c in table.columns if c not in own] + own]


def runs_table(runs: list[Path]) -> RunsTable:
    """One row per run: model, data-set macro-F1, accuracy, per-emotion F1, intensity Pearson, training time,
    scoring speed (WASSA-2017 test tweets per second, measured when it was trained), size, and `AWAY_COLUMN`
    when the runs have every set of `AWAY_FROM_WASSA`; best first: by `AWAY_COLUMN` (users score tweets unlike
    WASSA-2017's), then by the macro-F1 of the first data set in RANKING that the runs have. A run whose files
    cannot be read or say something the table cannot show is left out, and `skipped` says why (`run_row`)."""
    rows, skipped = [], {}
    for directory in runs:
        try:
            rows.append(run_row(directory))
        except RunError as exc:
            skipped[str(directory)] = str(exc)
    table = pd.DataFrame(rows)
    order = []
    if len(away_columns(table)) == len(AWAY_FROM_WASSA):
        table.insert(1, AWAY_COLUMN, away_mean(table))  # beside the name: in a narrow window, the rest scrolls
        order.append(AWAY_COLUMN)
    order += [f"{data_set}_macro_f1" for data_set in RANKING if f"{data_set}_macro_f1" in table.columns][:1]
    if order:
        table = table.sort_values(order, ascending=False, na_position="last", kind="stable")
    return RunsTable(shared_first(table).reset_index(drop=True), skipped)
