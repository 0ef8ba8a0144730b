"""Training in the background while a page watches: a thread runs `run_training`, collects each epoch's
record for live curves, and stops a network after the current epoch when asked (a model without epochs trains
in one call that cannot be interrupted, so it cannot be stopped: `can_stop`); the run is saved as `run_training`
saves it, so it appears wherever saved runs are listed."""

from __future__ import annotations

import os
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data import DataError
from data.labelled import LabelledData, hold_out
from models.registry import build_model, is_network
from models.store import check_replaceable
from training.run import run_training, training_notes


@dataclass
class TrainingJob:
    """One training run in a background thread. Read `log`, `status` and `error` from any thread."""

    model_name: str
    out: Path
    log: list = field(default_factory=list)  # per-epoch records: epoch, train_loss, valid_macro_f1, ...
    status: str = "starting"  # starting → training (then evaluating and saving) → finished | stopped | failed
    can_stop: bool = True  # a network stops between epochs; a scikit-learn fit cannot be interrupted
    error: str = ""
    metrics: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)  # `training.run.training_notes` of the saved model
    epochs: int | None = None  # a network's most epochs (per network), for a page that shows the progress
    members: int = 1  # networks trained one after another
    settings: dict = field(default_factory=dict)  # the settings given (others are the model's defaults)
    seed: int = 0
    rows: int = 0  # training rows
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _stopped_early: bool = field(default=False, repr=False)  # training ended at a Stop, not at its own end
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        """Ends a network's training after the current epoch; the best epoch so far is kept, scored and saved.
        Does nothing for a model that cannot stop (`can_stop`); once training has ended, the run is finished as
        it would have been (status "finished", `stop_requested` true)."""
        if self.can_stop:
            self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def _should_stop(self) -> bool:
        """Asked by the training loop between epochs: only a Stop seen here ends training early."""
        if self._stop.is_set():
            self._stopped_early = True
        return self._stopped_early

    def wait(self, timeout: float | None = None) -> bool:
        """True once the thread has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def describe(self) -> str:
        """What is being trained, for a page that did not start it: model, the settings given, seed and rows."""
        settings = ", ".join(f"{name} {value}" for name, value in self.settings.items())
        return (f"`{self.model_name}`" + (f" ({settings})" if settings else "")
                + f", seed {self.seed}, on {self.rows:,} rows")

    def curves(self) -> pd.DataFrame:
        """(epoch, train_loss, valid_macro_f1, member) so far; member: which network of an ensemble."""
        return pd.DataFrame(list(self.log), columns=["epoch", "train_loss", "valid_macro_f1", "member"])

    def _run(self, model, train: LabelledData, valid: LabelledData | None, seed: int, bundled_eval: bool) -> None:
        try:
            self.status = "training"

            # list.append is atomic: the page may read the log while this thread writes it.
            self.metrics = run_training(model, train, valid, seed, self.out, bundled_eval=bundled_eval,
                                        on_epoch=self.log.append, should_stop=self._should_stop)
            self.notes = training_notes(model.config)
            self.status = "stopped" if self._stopped_early else "finished"
        except Exception as exc:  # the page shows it; the thread must not die silently
            # the project's own refusals are sentences for the user; anything else keeps its exception's name
            self.error = str(exc) if isinstance(exc, (ValueError, DataError)) else f"{type(exc).__name__}: {exc}"
            self.status = "failed"
            traceback.print_exc()
        finally:
            self.seconds = time.monotonic() - self.started


class TrainingBusy(RuntimeError):
    """A training cannot start now: another runs in this process (the dashboard's server trains one model at a
    time), its run folder exists, or the runs folder is over its quota."""


RUNS_QUOTA_ENV_VAR = "TWEET_EMOTION_RUNS_QUOTA_MB"
DEFAULT_RUNS_QUOTA_MB = 2_000  # the runs folder, in MB of 2**20 bytes; a saved run is 0.02-5 MB


def _check_quota(folder: Path) -> None:
    quota = float(os.environ.get(RUNS_QUOTA_ENV_VAR) or DEFAULT_RUNS_QUOTA_MB)
    used = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20 if folder.is_dir() else 0.0
    if used >= quota:
        raise TrainingBusy(f"the runs folder holds {used:,.0f} MB, at its quota of {quota:,.0f} MB; delete old runs "
                           f"(or raise {RUNS_QUOTA_ENV_VAR})")


def check_run_name(name: str) -> None:
    """A run's name is one folder's name: letters, digits, '-', '_' and '.', at most 100; else DataError."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", name):
        raise DataError(f"run name {name!r}: use letters, digits, '-', '_' and '.', beginning with a letter or a digit "
                        f"(at most 100)")


def fresh_run_name(folder: Path, model_name: str, taken: set[str] = frozenset()) -> str:
    """`model_name-YYYYmmdd-HHMMSS`, with `-2`, `-3`, … if that run is in `folder` or `taken` (the one training)."""
    base = name = f"{model_name}-{time.strftime('%Y%m%d-%H%M%S')}"
    number = 1
    while name in taken or (folder / name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


_RUNNING: list[TrainingJob] = []  # the job this process is training, if any
_RUNNING_LOCK = threading.Lock()


def running_job() -> TrainingJob | None:
    """The training this process runs now, whichever page started it: a page reloaded, or another browser tab,
    shows it (and can stop it) rather than learning of it only when its own Train is refused."""
    with _RUNNING_LOCK:
        return next((job for job in _RUNNING if job.running), None)


def start_training(model_name: str, train: LabelledData, valid: LabelledData | None, out: str | Path,
                   seed: int = 0, settings: dict | None = None, bundled_eval: bool = True) -> TrainingJob:
    """Starts training `model_name` (a name in the registry) in a daemon thread and returns its job.
    Without `valid`, a tenth of `train` is held out for it (`data.labelled.hold_out`). `settings` go to the
    model; an unknown model or setting, training data the model cannot learn from (`EmotionModel.check_trainable`)
    or too little of to hold a tenth out, or an output folder it cannot be saved to (`models.store.
    check_replaceable`) raises ValueError or DataError here, before the thread starts. One training at a time per process: while one runs, another raises `TrainingBusy` (every session of a
    dashboard shares its server's two cores), as do a run folder that exists already and a runs folder at its
    quota (`TWEET_EMOTION_RUNS_QUOTA_MB`, default 2,000)."""
    model = build_model(model_name, settings)
    model.check_trainable(train)  # every row, before a tenth is held out: a row is refused whatever the seed
    if valid is None:  # a tenth of the training rows, as `cli.py train` keeps without --valid
        train, valid = hold_out(train, seed)
    given = model.settings.to_dict()
    job = TrainingJob(model_name, Path(out), can_stop=is_network(model_name), epochs=given.get("epochs"),
                      members=given.get("members", 1), settings=dict(settings or {}), seed=seed,
                      rows=len(train))
    with _RUNNING_LOCK:
        busy = [other for other in _RUNNING if other.running]
        if busy:
            raise TrainingBusy(f"another training ({busy[0].model_name}, run {busy[0].out.name}) is running on this "
                               f"server; try again when it has finished")
        if job.out.exists():
            raise TrainingBusy(f"a run named {job.out.name!r} exists already; choose another name")
        check_replaceable(job.out)  # a folder it cannot be saved to: before the training, not after it
        _check_quota(job.out.parent)
        job._thread = threading.Thread(target=job._run, args=(model, train, valid, seed, bundled_eval),
                                       name=f"train-{job.out.name}", daemon=True)
        job._thread.start()
        _RUNNING[:] = [job]
    return job
