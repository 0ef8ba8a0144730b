"""Batch scoring of a CSV/TSV file on one machine, streaming.

The file is read record by record by the one table reader (`data.tables.read_chunks`: quoted fields may hold
delimiters and newlines; a row with the wrong number of fields is a bad row, not a failed file), scored `chunk_rows` rows at a time with
`score_frame`, and appended to a hidden temporary file next to the output, which is renamed to the output name
only when every chunk is written. A journal beside the temporary file records the finished chunks and a
fingerprint of the input, the options and the model, so `resume=True` continues an interrupted run from its
last finished chunk and ends with exactly the file an uninterrupted run writes.

`scoring.frame.score_frame` scores each chunk; `scoring.output` holds the output file, its lock and journal.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from data import DataError
from data.tables import Chunk, read_chunks, sniff_input
from models.base import EmotionModel
from scoring.frame import ScoreSummary, check_columns, column_notes, render, scored_header
from scoring.output import (
    DISK_FULL,
    Finishing,
    OutputLock,
    check_output,
    clear_other_engine,
    disk_full_message,
    journal_key,
    open_partial,
    read_journal,
    temporary_paths,
    write_journal,
)

DEFAULT_CHUNK_ROWS = 20_000


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
            if journal_path.is_file() and part.is_file() and not part.is_symlink():  # said, as the Dask engine says it
                summary.notes.append(f"removed the rows of an interrupted run ({part.stat().st_size / 1e6:.1f} MB); "
                                     f"--resume would have continued it")
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
                            scored_header(header.given), fmt.bom)
                for index, data, counts, bytes_read in _rendered(model, chunks, done_chunks, settings, jobs):
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                    summary.add(counts)
                    written = {**journal, "chunks_done": index + 1, "part_bytes": out.tell(), **summary.counts()}
                    write_journal(journal_path, written)
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
