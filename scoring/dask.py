"""Batch scoring on a Dask cluster: `read_csv` → `map_partitions(score_frame)` → `to_csv`, written atomically.

The model travels to each worker once, inside a worker plugin registered with the client (workers that join
later get it too); every partition task looks it up there by a token, so no task carries the model. With no
scheduler address a `LocalCluster` of worker processes is started on this machine; with one, the workers must
be able to import this project and to read the input and write next to the output (a shared file system).

Each partition is written to its own file in a hidden parts folder beside the output (`.<output>.dask-parts/`),
atomically, with its row counts; the parts are joined into the output only when all are written. A journal in
that folder records the input's fingerprint, the options and the model, so `resume=True` scores only the
partitions an interrupted run had not finished; without it a left-over parts folder is removed first.

Limits, against the local engine: a row with more or fewer fields than the header, a quote left open or closed
with text after it, and a UTF-8 file with stray bytes fail the whole run before it starts (the local engine marks
such a row and goes on); a file whose quoted fields hold newlines, or that is UTF-16/32, is read as one partition,
since Dask splits files at byte offsets.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from data import DataError
from data.tables import (
    MAX_LINES_PER_RECORD,
    Header,
    KeptLines,
    closes_then_runs_on,
    ends_quoted,
    pandas_header,
    record_text,
    sniff_input,
)
from models.base import EmotionModel
from scoring.frame import ScoreSummary, check_columns, column_notes, render, scored_header
from scoring.output import (
    DISK_FULL,
    PARTS_JOURNAL,
    Finishing,
    OutputLock,
    check_output,
    clear_other_engine,
    code_identity,
    disk_full_message,
    journal_key,
    open_partial,
    parts_folder,
    read_journal,
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


def _write_partition(frame: pd.DataFrame, token: str, settings: tuple, target: str, header: bool) -> dict:
    """Scores one partition into `target` (written under another name, then renamed, so a part that exists is
    whole) and its row counts into `target` with `.json`; returns the counts."""
    model = _MODELS.get(token)
    if model is None:
        raise RuntimeError(f"model {token} is not on this worker; was the worker plugin registered?")
    data, counts = render(model, frame, settings, header)
    target = Path(target)
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with open(staging, "w", encoding="utf-8", newline="") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        target.with_suffix(".json").write_text(json.dumps(counts))
    except OSError as exc:  # a full disk: said once by the client, not as a failed task in every worker's log
        if exc.errno not in DISK_FULL:
            raise
        staging.unlink(missing_ok=True)
        return {"disk_full": [exc.errno, exc.strerror]}
    os.replace(staging, target)
    return counts


class _Scan(NamedTuple):
    header: Header  # as pandas names the columns, and as the header line gives them
    splittable: bool  # an ASCII-compatible encoding and no record spanning lines: partitions may start at any line
    spaces: bool  # some line holds only spaces or tabs


# The largest file the Dask engine reads as one partition (when it cannot split it at line ends): 32 MB of
# tweets is about 200,000 rows, and one partition of 100,000 took 1.2 GB.
ONE_PARTITION_LIMIT = 32 * 2**20


WELL_FORMED_ONLY = ("the Dask engine scores only well-formed files: mend the row, or score the file with --engine "
                    "local, which marks such rows and goes on")


def _scan(path: Path, encoding: str, delimiter: str, sep_line: bool = False) -> _Scan:
    """The file read through once with the csv module, as the local engine reads it. Refuses what pandas would
    read otherwise or with a message that names neither file nor line: a row with more fields than the header
    (the first row's extra fields become an index), a quote left open (to the end of the file, or over
    `MAX_LINES_PER_RECORD` lines), and a file with
    both empty lines and lines of only spaces (the local engine skips the first and scores the second)."""
    one_line_each, spaces, line = True, False, 1
    tail = collections.deque(maxlen=MAX_LINES_PER_RECORD)
    with open(path, encoding=encoding, newline="") as handle:
        lines = KeptLines(handle, tail, MAX_LINES_PER_RECORD)
        reader = csv.reader(lines, delimiter=delimiter)
        if sep_line:  # Excel's "sep=;" line, skipped by both engines
            next(reader)
            lines.new_record()
        skipped = 0  # blank lines before the header, skipped by both engines
        for names in reader:
            if lines.new_record():
                raise DataError(f"{path}: a quote opened in the header is not closed within "
                                f"{MAX_LINES_PER_RECORD} lines")
            if names:
                break
            skipped += 1
        else:
            raise DataError(f"{path}: the file is empty")
        width, last, empty = len(names), reader.line_num, skipped > 0
        for count, record in enumerate(reader, start=2 + skipped + sep_line):
            line, last = last + 1, reader.line_num
            one_line_each = one_line_each and last == count
            if lines.new_record():
                raise DataError(f"{path}, line {line:,}: a quote opened here is not closed within "
                                f"{MAX_LINES_PER_RECORD} lines (double it: \"\"); {WELL_FORMED_ONLY}")
            if line < last and closes_then_runs_on(record_text(tail, line, last), delimiter):
                raise DataError(f"{path}, line {line:,}: a quote opened here closes on line {last:,} with text after "
                                f"it, so lines {line:,}-{last:,} would be read as one field of one row: a stray quote "
                                f"(double it: \"\")? {WELL_FORMED_ONLY}")
            if record and len(record) != width:  # pandas would read a long row into the wrong columns and
                # fill a short one silently; the local engine marks both
                raise DataError(f"{path}, line {line}: {len(record)} fields where the header has {width}; "
                                f"{WELL_FORMED_ONLY}")
            empty = empty or not record
            spaces = spaces or (len(record) == 1 and record[0] != "" and not record[0].strip())
    if ends_quoted(record_text(tail, line, last), delimiter):
        raise DataError(f"{path}, line {line:,}: a quote opened here is never closed (double it: \"\"); "
                        f"{WELL_FORMED_ONLY}")
    if spaces and empty:
        raise DataError(f"{path}: has both empty lines and lines of only spaces or tabs, which the Dask reader "
                        f"cannot tell apart; score it with --engine local")
    splittable = one_line_each and not encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32"))
    return _Scan(Header(pandas_header(names), names), splittable, spaces)


def score_file_dask(model: EmotionModel, input_path: str | Path, output_path: str | Path,
                    text_column: str | None = None,
                    image_column: str | None = None, images_root: str | Path | None = None,
                    encoding: str | None = None, delimiter: str | None = None, scheduler: str | None = None,
                    n_workers: int | None = None, blocksize: str | int = "4MB", client=None,
                    formulas_escaped: bool = True, resume: bool = False) -> ScoreSummary:
    """Same output as `scoring.local.score_file` for a well-formed file (the same output checks and lock).
    `client` (a `distributed.Client`) overrides `scheduler` / `n_workers`. On an interruption the finished
    partitions stay for `resume=True`."""
    from concurrent.futures import CancelledError

    import dask
    import dask.dataframe as dd
    from dask.utils import parse_bytes
    from distributed.comm.core import CommClosedError

    input_path, output_path = Path(input_path), Path(output_path)
    blocksize = parse_bytes(blocksize) if blocksize is not None else None  # None: one partition
    check_output(input_path, output_path)
    fmt = sniff_input(input_path, encoding, delimiter)
    base = input_path.parent.resolve()
    root = (Path(images_root) if images_root else input_path.parent).resolve()
    summary = ScoreSummary()
    if fmt.note:
        summary.notes.append(f"encoding: {fmt.note}")
    if fmt.errors != "strict":
        raise DataError(f"{input_path}: {fmt.note.split(':')[0]}; {WELL_FORMED_ONLY}")
    scan = _scan(input_path, fmt.encoding, fmt.delimiter, fmt.sep_line)
    header = scan.header.names
    text, image_column = check_columns(header, input_path, text_column, image_column)
    summary.notes.extend(column_notes(model, header, input_path, image_column))
    # pandas skips a line of only spaces as blank: keep it a row, as the local engine does (_scan refused a file
    # that also has empty lines, which would then become rows)
    read = dict(sep=fmt.delimiter, dtype=str, keep_default_na=False, encoding=fmt.encoding, quotechar='"',
                skip_blank_lines=not scan.spaces)
    if not scan.splittable:
        if input_path.stat().st_size > ONE_PARTITION_LIMIT:
            raise DataError(f"{input_path}: quoted fields span lines (or the encoding is UTF-16/32), so Dask would "
                            f"read the whole file as one partition and hold it in memory (about 0.4 GB per 100,000 "
                            f"rows); score it with --engine local, which streams it in chunks")
        blocksize = None
        summary.notes.append("dask: quoted fields span lines (or the encoding is UTF-16/32), so the file is read "
                             "as one partition")
    if fmt.sep_line:  # Excel's "sep=;" line; dask skips it in the first partition only, as wanted, and samples
        # no more than a partition (its default sample, 256 KB, warns with a smaller one)
        read.update(skiprows=1, sample=min(blocksize or 256_000, 256_000))
    key = journal_key(model, input_path, fmt, text_column, image_column, root, output_path, formulas_escaped,
                      blocksize=blocksize)
    separator = key["output_delimiter"]

    finishing = Finishing()  # left last: after the lock is released
    with finishing, OutputLock(output_path):
        part, _ = temporary_paths(output_path)
        parts_dir = parts_folder(output_path)
        clear_other_engine(output_path, "dask", resume, summary)
        done = _resume_point(parts_dir, key, summary) if resume else _start_over(parts_dir, summary)
        token = uuid.uuid4().hex
        opened = None
        futures: list = []
        discard_parts = quiet = False  # quiet: the run ends on an interruption or a full disk
        try:
            (parts_dir / PARTS_JOURNAL).write_text(json.dumps({"key": key}, indent=1))
            with _ctrl_c_left_to_this_process(client is None and not scheduler):
                client, cluster = opened = _connect(client, scheduler, n_workers)
            _check_workers(client, scheduler)
            client.register_plugin(ModelPlugin(token, model))
            try:  # read_csv parses a sample of the file at once (an unclosed quote fails there), the rest below
                partitions = dd.read_csv(str(input_path), blocksize=blocksize, **read).to_delayed()
                targets = [parts_dir / f"{index:06d}.csv" for index in range(len(partitions))]
                settings = (text, image_column, str(base), str(root), separator, formulas_escaped,
                            scored_header(scan.header.given), fmt.bom)
                write = dask.delayed(_write_partition, pure=False)
                # absolute: a worker of a cluster started elsewhere writes relative paths under its own folder
                tasks = [write(partitions[i], token, settings, os.path.abspath(targets[i]), i == 0)
                         for i in range(len(targets)) if targets[i].name not in done]
                futures = client.compute(tasks)  # kept, to cancel them if interrupted
                full = [c["disk_full"] for c in client.gather(futures) if "disk_full" in c]
                if full:
                    raise OSError(*full[0])
            except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
                raise DataError(f"{input_path}: the Dask reader could not parse it ({exc}); score it with "
                                f"--engine local, which marks bad rows and goes on") from None
            with open_partial(part, resume=False) as out:  # never written through a link planted there
                for target in targets:
                    with open(target, "rb") as handle:
                        shutil.copyfileobj(handle, out, 1 << 20)
                    counts = json.loads(target.with_suffix(".json").read_text())
                    summary.add(counts)
                    if target.name in done:
                        summary.resumed_rows += counts["rows"]
                out.flush()
                os.fsync(out.fileno())
            if summary.rows == 0:
                raise DataError(f"{input_path}: no rows to score")
            finishing.start()  # from here the run ends with its output written, a Ctrl-C or SIGTERM or not
            os.replace(part, output_path)
            discard_parts = True
        except DataError:
            discard_parts = True  # nothing to resume: the input or the scheduler is at fault
            raise
        except (CancelledError, CommClosedError) as exc:  # the scheduler went away mid-run (both before OSError:
            # CommClosedError is one); the finished parts stay for --resume
            quiet = True
            raise _SchedulerLost(f"lost the Dask scheduler{f' at {scheduler}' if scheduler else ''} in the middle "
                                 f"of the run ({type(exc).__name__}); the finished parts are kept: run again with "
                                 f"--resume once it is back") from None
        except OSError as exc:  # a full disk, on a worker writing a part or here joining them
            if exc.errno not in DISK_FULL:
                raise
            quiet = True  # the workers' warnings about the tasks cancelled with the cluster: not worth a line
            part.unlink(missing_ok=True)
            finished = [p for p in parts_dir.glob("*.csv") if p.with_suffix(".json").is_file()]
            rows = sum(json.loads(p.with_suffix(".json").read_text())["rows"] for p in finished)
            raise DataError(disk_full_message(exc, output_path, [parts_dir] if finished else [], rows)) from None
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the finished parts stay for --resume
            quiet = True
            raise

        finally:
            part.unlink(missing_ok=True)
            if discard_parts or not any(parts_dir.glob("*.csv")):
                shutil.rmtree(parts_dir, ignore_errors=True)
            if opened:
                _disconnect(*opened, token, futures, quiet=quiet)
    if finishing.signals:
        summary.notes.append(f"{finishing.NOTE} (closing the Dask cluster); the output was written whole")
    return summary


# How long a client waits to reach a scheduler, and for a scheduler with no worker to get one, before saying so.
CONNECT_SECONDS, WORKER_WAIT_SECONDS = 10, 60


def _connect(client, scheduler: str | None, n_workers: int | None):
    """(client, cluster): the given client (cluster False: not ours to close), one to `scheduler` (cluster
    None), or one to a new LocalCluster."""
    from distributed import Client, LocalCluster

    if client is not None:
        return client, False
    if scheduler is not None:
        if not scheduler.strip():
            raise DataError("--scheduler is empty: give the scheduler's address (tcp://HOST:PORT), or leave it out "
                            "to use this machine's cores")
        import dask
        from dask.utils import parse_timedelta

        # at most CONNECT_SECONDS: distributed's own 30 s seemed a hang; a shorter one configured is kept
        wait = min(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect")), CONNECT_SECONDS)
        try:
            return Client(scheduler, timeout=wait), None
        except (OSError, ValueError, TypeError) as exc:  # unreachable; or no address (distributed's ValueError)
            raise DataError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); give its address as "
                            f"tcp://HOST:PORT and start it, or leave out --scheduler to use this machine's "
                            f"cores") from None
    # No dashboard; the scheduler's HTTP server (its health checks) on a free port of this machine: on 8787, its
    # default, it warned "Port 8787 is already in use" whenever another cluster ran here.
    cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    return Client(cluster), cluster


class _SchedulerLost(ConnectionError):
    """The scheduler went away mid-run: an error whose finished parts are kept (a `DataError` discards them)."""


def _check_workers(client, scheduler: str | None) -> None:
    """The cluster has a worker (one with none waited silently for ever), and each runs this checkout's scoring
    code (`code_identity`): workers of another checkout, or of an older one, wrote their rows into the same file
    as this one's, and a `--resume` joined the two (rows rounded to 3 decimals after rows rounded to 6)."""
    from distributed import TimeoutError as DaskTimeout

    where = f" at {scheduler}" if scheduler else ""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except (DaskTimeout, TimeoutError):
        raise DataError(f"the Dask scheduler{where} has no worker after {WORKER_WAIT_SECONDS} s; start some "
                        f"(dask worker {scheduler or 'ADDRESS'}, from this checkout)") from None
    try:
        theirs = client.run(code_identity)
    except OSError:  # the connection's: said as any run's
        raise
    except Exception as exc:  # a worker that cannot import this project: distributed passes on its error, its
        # ModuleNotFoundError or an Exception naming it
        raise DataError(f"the Dask workers{where} cannot run this project's code ({type(exc).__name__}: {exc}); "
                        f"start the scheduler and the workers from this checkout, with it on PYTHONPATH") from None
    other = sorted(worker for worker, identity in theirs.items() if identity != code_identity())
    if other:
        raise DataError(f"the Dask workers {', '.join(other[:3])}{' and more' if len(other) > 3 else ''} run other "
                        f"scoring code than this checkout (another checkout, or one not updated): their rows would "
                        f"differ from this one's; start them from this checkout")


@contextlib.contextmanager
def _ctrl_c_left_to_this_process(starting_processes: bool):
    """While a LocalCluster starts its worker processes, Ctrl-C is ignored, and so stays ignored in them (an ignored
    signal survives their exec; Python then leaves it so): a terminal sends Ctrl-C to every process of the group,
    and each worker would print its own traceback. This process handles it, as the local engine's does; one
    pressed in these few seconds is lost."""
    import signal
    import threading

    if not starting_processes or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def _quiet_logs() -> dict:
    """Silences distributed's warnings about the tasks an interruption cancels, and asyncio's about the futures it
    leaves unread: noise after the one line that says what happened. Returns the levels they had."""
    import logging

    loggers = [logging.getLogger(name) for name in ("distributed", "asyncio", "tornado")]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    return levels


def _quiet_worker_logs() -> None:
    _quiet_logs()


def _disconnect(client, cluster, token: str, futures=(), quiet: bool = False) -> None:
    """Unregisters the model's plugin and closes what this run opened. `quiet` (an interrupted run): cancels the
    run's tasks and silences the logs of this process (and of the workers, when the cluster is this run's)
    first, so that the interruption is one line."""
    levels = _quiet_logs() if quiet else {}
    if quiet:
        try:
            if cluster is not None and cluster is not False:  # this run's LocalCluster: its workers log here
                client.run(_quiet_worker_logs)
            client.cancel(futures)
        except Exception:  # the cluster may already be gone
            pass
    try:
        client.unregister_worker_plugin(f"emotion-model-{token}")
    except Exception:  # the cluster may already be gone; nothing is left to clean then
        pass
    if cluster is not False:  # this call opened the client
        client.close()
        if cluster is not None:
            cluster.close()
    if quiet:
        import gc

        gc.collect()  # asyncio reports an unread future when it is collected: here, while its logger is quiet
    for logger, level in levels.items():
        logger.setLevel(level)


def _start_over(parts_dir: Path, summary: ScoreSummary) -> set:
    if parts_dir.is_symlink() or (parts_dir.exists() and not parts_dir.is_dir()):  # a link, a file, a FIFO: no
        parts_dir.unlink()  # run of this engine left it; removed, never followed
    elif parts_dir.exists():
        _check_own(parts_dir)
        size = sum(p.stat().st_size for p in parts_dir.iterdir() if p.is_file())
        shutil.rmtree(parts_dir)
        summary.notes.append(f"removed the parts of an interrupted run ({size / 1e6:.1f} MB); --resume would "
                             f"have continued it")
    parts_dir.mkdir()
    return set()


def _check_own(parts_dir: Path) -> None:
    """A parts folder another user made (in a shared folder such as /tmp) is refused: its journal and parts would be
    written through whatever that user put at their names."""
    owner, me = parts_dir.stat().st_uid, getattr(os, "getuid", lambda: None)()
    if me is not None and owner != me:
        raise DataError(f"{parts_dir}: made by another user (uid {owner}), where this run keeps its finished "
                        f"partitions; remove it, or write the output in a folder of your own")


def _resume_point(parts_dir: Path, key: dict, summary: ScoreSummary) -> set:
    """Names of the part files an interrupted run finished, once its journal matches this run."""
    if parts_dir.is_symlink():  # its parts and journal are another folder's: never read or written through
        raise DataError(f"{parts_dir}: a symbolic link, where this run keeps its finished partitions; remove it and "
                        f"run again")
    if parts_dir.is_dir():
        _check_own(parts_dir)
    journal = parts_dir / PARTS_JOURNAL
    if not journal.is_file():
        summary.notes.append("resume: no interrupted run of this output; starting from the beginning")
        return _start_over(parts_dir, summary)
    read_journal(journal, key)
    return {p.name for p in parts_dir.glob("*.csv") if p.with_suffix(".json").is_file()}
