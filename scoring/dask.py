"""Batch scoring on a Dask cluster: `read_csv` → `map_partitions(score_frame)` → `to_csv`, written atomically.

The model travels to each worker once, inside a worker plugin registered with the client (workers that join
later get it too); every partition task looks it up there by a token, so no task carries the model. With no
scheduler address a `LocalCluster` of worker processes is started on this machine; with one, the workers must
be able to import this project and to read the input and write next to the output (a shared file system).

Limits, against the local engine: a row with more fields than the header fails the whole run (the local engine
marks the row and goes on); a file whose quoted fields hold newlines, or that is UTF-16/32, is read as one
partition, since Dask splits files at byte offsets; there is no `--resume`.
"""

from __future__ import annotations

import csv
import os
import shutil
import uuid
from pathlib import Path

import pandas as pd

from data import DataError
from data.tables import sniff_input
from models.base import EmotionModel
from scoring.local import (
    OutputLock,
    ScoreSummary,
    check_columns,
    check_output,
    count_failed,
    escape_formulas,
    score_frame,
    separator_for,
    temporary_paths,
)

_MODELS: dict[str, EmotionModel] = {}  # on each worker: token → model, filled by ModelPlugin.setup

try:
    from distributed import WorkerPlugin
except ImportError:  # the local engine does not need distributed
    WorkerPlugin = object


class ModelPlugin(WorkerPlugin):
    """Carries the model to each worker once."""

    def __init__(self, token: str, model: EmotionModel):
        self.token = token
        self.model = model
        self.name = f"emotion-model-{token}"

    def setup(self, worker=None):
        _MODELS[self.token] = self.model

    def teardown(self, worker=None):
        _MODELS.pop(self.token, None)


def _score_partition(frame: pd.DataFrame, token: str, text_column, image_column, base: str, root: str,
                     formulas_escaped: bool = True):
    model = _MODELS.get(token)
    if model is None:
        raise RuntimeError(f"model {token} is not on this worker; was the worker plugin registered?")
    scored = score_frame(model, frame, text_column, image_column, Path(base), Path(root))
    return escape_formulas(scored) if formulas_escaped else scored


def _splittable(path: Path, encoding: str, delimiter: str) -> bool:
    """Whether the file may be split at line ends: an ASCII-compatible encoding and no record spanning lines."""
    if encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        return False
    with open(path, "rb") as handle:
        if not any(b'"' in block for block in iter(lambda: handle.read(1 << 20), b"")):
            return True  # without quotes no field can hold a newline
    with open(path, encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        for count, _ in enumerate(reader, start=1):
            if reader.line_num != count:
                return False
    return True


def score_file_dask(model: EmotionModel, input_path: str | Path, output_path: str | Path, text_column: str = "text",
                    image_column: str | None = None, images_root: str | Path | None = None,
                    encoding: str | None = None, delimiter: str | None = None, scheduler: str | None = None,
                    n_workers: int | None = None, blocksize: str | int = "4MB", client=None,
                    formulas_escaped: bool = True) -> ScoreSummary:
    """Same output as `scoring.local.score_file` for a well-formed file (the same output checks and lock).
    `client` (a `distributed.Client`) overrides `scheduler` / `n_workers`."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    input_path, output_path = Path(input_path), Path(output_path)
    check_output(input_path, output_path)
    fmt = sniff_input(input_path, encoding, delimiter)
    base = input_path.parent.resolve()
    root = (Path(images_root) if images_root else input_path.parent).resolve()
    summary = ScoreSummary()
    if fmt.note:
        summary.notes.append(f"encoding: {fmt.note}")
    if not _splittable(input_path, fmt.encoding, fmt.delimiter):
        blocksize = None
        summary.notes.append("dask: quoted fields span lines (or the encoding is UTF-16/32), so the file is read "
                             "as one partition")
    read = dict(sep=fmt.delimiter, dtype=str, keep_default_na=False, encoding=fmt.encoding, quotechar='"')
    try:
        header = list(pd.read_csv(input_path, nrows=0, **read).columns)
    except pd.errors.EmptyDataError:
        raise DataError(f"{input_path}: the file is empty") from None
    check_columns(header, input_path, text_column, image_column)

    output_path.parent.mkdir(parents=True, exist_ok=True)
    with OutputLock(output_path):
        part, _ = temporary_paths(output_path)
        parts_dir = output_path.with_name(f".{output_path.name}.dask-parts")
        shutil.rmtree(parts_dir, ignore_errors=True)
        token = uuid.uuid4().hex
        cluster = None
        own_client = client is None
        try:
            if client is None:
                if scheduler:
                    client = Client(scheduler)
                else:
                    cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
                    client = Client(cluster)
            client.register_plugin(ModelPlugin(token, model))
            frame = dd.read_csv(str(input_path), blocksize=blocksize, **read)
            text = text_column if text_column in header else None
            meta = score_frame(model, frame._meta, text, image_column, base, root)
            scored = frame.map_partitions(_score_partition, token, text, image_column, str(base), str(root),
                                          formulas_escaped, meta=meta)
            writes = scored.to_csv(str(parts_dir / "*.csv"), name_function=lambda i: f"{i:06d}", index=False,
                                   sep=separator_for(output_path), lineterminator="\n",
                                   header_first_partition_only=True, compute=False)
            try:
                dask.compute(writes)
            except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
                raise DataError(f"{input_path}: the Dask reader could not parse it ({exc}); score it with "
                                f"--engine local, which marks bad rows and goes on") from None
            with open(part, "wb") as out:
                for piece in sorted(parts_dir.glob("*.csv")):
                    with open(piece, "rb") as handle:
                        shutil.copyfileobj(handle, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            # Counted from the written file rather than in the same graph: a second output in the graph would
            # mix expression and delayed collections, which Dask materialises (and may score twice).
            for chunk in pd.read_csv(part, sep=separator_for(output_path), usecols=["emotion"], dtype=str,
                                     keep_default_na=False, chunksize=500_000):
                summary.add(len(chunk), count_failed(chunk))
            if summary.rows == 0:
                raise DataError(f"{input_path}: no rows to score")
            os.replace(part, output_path)
        finally:
            part.unlink(missing_ok=True)
            shutil.rmtree(parts_dir, ignore_errors=True)
            if client is not None:
                try:
                    client.unregister_worker_plugin(f"emotion-model-{token}")
                except Exception:  # the cluster may already be gone; nothing is left to clean then
                    pass
            if own_client and client is not None:
                client.close()
            if cluster is not None:
                cluster.close()
    return summary
