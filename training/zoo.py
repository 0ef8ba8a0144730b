"""The model zoo shipped in `models/zoo/`: one model of each kind, trained by one command
(`python cli.py train-zoo`) on the default recipe's data (the WASSA specialist and the previous default on their
own presets' data), so that Compare can answer "which model should I trust" on a fresh clone. The default network
itself is `models/default/` (trained with the `default` preset)."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from models.registry import ZOO_DIR, build_model
from training.presets import PRESETS, preset_data
from training.run import run_training


def _preset(name: str) -> tuple[str, str, dict]:
    """A preset as it is: its data, model and settings."""
    return name, PRESETS[name]["model"], PRESETS[name]["settings"]


# name → (preset whose data it is trained on, model, settings). Boosted trees are left out: 5 minutes on
# WASSA-2017 alone, and on the default recipe's 60,805 rows, on one core as a worker has, still unfinished after
# 19 minutes at 5.0 GB (2026-11-27), beyond the zoo's 15 minutes and WORKER_BYTES.
ZOO = {
    "wassa_specialist": _preset("wassa"),
    "every_query_word": _preset("every_query_word"),
    "text_net": ("default", "text_net", {k: v for k, v in PRESETS["default"]["settings"].items()
                                         if k != "image_options"}),
    "logreg": ("default", "logreg", {"image_options": PRESETS["default"]["settings"]["image_options"]}),
    "linear_svm": ("default", "linear_svm", {"image_options": PRESETS["default"]["settings"]["image_options"]}),
    "tfidf_logreg": ("default", "tfidf_logreg", {}),
    "lexicon_rule": ("default", "lexicon_rule", {}),
}


# The zoo's models, longest to train first, so that with two at a time the last to end is a short one (each on
# one core beside another, 2026-11-27: the linear SVM 271 s, the WASSA specialist 208 s, the previous default
# 134 s, logistic regression 131 s, text_net 50 s, TF-IDF 10 s, the lexicon rule 3 s).
LONGEST_FIRST = ("linear_svm", "wassa_specialist", "every_query_word", "logreg", "text_net", "tfidf_logreg",
                 "lexicon_rule")


# In a worker process: the preset → (train, valid) it read last, for its next model if that is of the same preset.
_WORKER_DATA: dict = {}


def _train_one(name: str, out: Path, seed: int, data: dict | None = None) -> float:
    """Trains and saves one zoo model; seconds it took. `data`: preset → (train, valid) of the last preset read
    (in a worker, the worker's own; every call of a `train_zoo` has the same seed), replaced when another preset's
    model comes, so that no worker holds one preset's data while it trains on another's."""
    preset, model_name, settings = ZOO[name]
    data = _WORKER_DATA if data is None else data
    if preset not in data:
        data.clear()
        data[preset] = preset_data(preset, seed=seed)
    train, valid = data[preset]
    started = time.perf_counter()
    run_training(build_model(model_name, settings), train, valid, seed=seed, out=out / name)
    return round(time.perf_counter() - started, 1)


def _one_core(cores) -> None:
    """A worker process's start: pinned to a core of its own (taken from the queue `cores`), so that it fits one
    model at a time on one thread (`models.base.usable_cores` then says 1: the SVM's emotions and the WASSA
    specialist's networks are fitted one after another, to the same models) and two workers never fight over a
    core, as spinning BLAS or torch threads would."""
    core = cores.get()
    os.sched_setaffinity(0, {core})
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # libraries loaded later
        os.environ[variable] = "1"
    import torch
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)  # those already loaded
    torch.set_num_threads(1)


# Memory a worker may hold at its peak, with a margin: logistic regression and the previous default's network,
# each on the zoo's 60,805 rows, peaked at 2.2 GB (`/usr/bin/time -v python cli.py train-zoo --only NAME --jobs 1`,
# 2026-11-27).
WORKER_BYTES = 2_500_000_000


def _free_memory() -> int | None:
    """Bytes of memory free now; None where the system does not say."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _jobs_for_memory(cores: int, free: int | None) -> int:
    """One worker per core, as many as `free` bytes hold at `WORKER_BYTES` each (at least one)."""
    return cores if free is None else max(1, min(cores, free // WORKER_BYTES))


def train_zoo(out: str | Path = ZOO_DIR, names: list[str] | None = None, seed: int = 0, report=print,
              jobs: int | None = None) -> dict:
    """Trains and saves each zoo model (`names`, default all) under `out`, `jobs` at a time (default: one per core
    this process may use, as many as the free memory holds), each in a worker process on one core of its own;
    returns name → seconds. The same seed gives the same models whatever `jobs` is."""
    unknown = sorted(set(names or []) - set(ZOO))
    if unknown:
        raise ValueError(f"unknown zoo model(s) {unknown}; choose from {list(ZOO)}")
    names, out = list(names or ZOO), Path(out)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else [0]
    jobs = min(jobs or _jobs_for_memory(len(cores), _free_memory()), len(cores), len(names))
    seconds = {}
    if jobs == 1:
        data = {}
        for name in names:
            seconds[name] = _train_one(name, out, seed, data)
            report(f"{name}: {seconds[name]} s")
        return seconds
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no torch or BLAS threads forked half-made
    queue = context.Queue()
    for core in cores[:jobs]:
        queue.put(core)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_one_core, initargs=(queue,)) as pool:
        futures = {pool.submit(_train_one, name, out, seed): name
                   for name in sorted(names, key=LONGEST_FIRST.index)}
        for future in as_completed(futures):
            seconds[futures[future]] = future.result()
            report(f"{futures[future]}: {seconds[futures[future]]} s")
    return {name: seconds[name] for name in names}
