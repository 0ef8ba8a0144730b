"""End-to-end batch scoring: `cli.py score` on a CSV of 1,000,000 text-only tweets, run as a subprocess.

Usage: python bench/batch_scoring.py [--rows 1000000] [--model-dir DIR] [--engine local|dask] [--workers N]
                                     [--jobs N] [--chunk-rows N] [--keep]
The input is the WASSA-2017 tweets (train, dev, test) repeated and shuffled, with an id column. The figure
is wall-clock time of the whole command (start-up, model load, read, featurise, predict, write) and the peak
resident memory of the process tree (the CLI and its worker processes), sampled every 100 ms: the sum of
RSS (shared pages counted once per process, so an upper bound) and the sum of PSS.
The last two lines are `rows_per_s=N` and `peak_rss_mb=M`.
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _path  # noqa: F401
import numpy as np
import pandas as pd
import psutil

from data.bundled import load_wassa

ROOT = Path(__file__).resolve().parent.parent


def make_input(path: Path, rows: int, seed: int = 0) -> None:
    pool = pd.concat([load_wassa(split)[["text"]] for split in ("train", "dev", "test")], ignore_index=True)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(pool), size=rows)
    frame = pd.DataFrame({"id": np.arange(rows), "text": pool.text.to_numpy()[index]})
    frame.to_csv(path, index=False)


def tree_memory(process: psutil.Process) -> tuple[int, int]:
    """(RSS, PSS) summed over the process and its children. The RSS sum counts pages that forked workers
    share with their parent once per process (an upper bound); PSS splits each shared page between them."""
    rss = pss = 0
    for p in [process] + process.children(recursive=True):
        try:
            info = p.memory_full_info()
            rss, pss = rss + info.rss, pss + info.pss
        except psutil.Error:
            pass
    return rss, pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="tweets to score (default: 1000000)")
    parser.add_argument("--model-dir", default=None, help="saved model (default: the shipped default model)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local", help="scoring engine (default: local)")
    parser.add_argument("--workers", type=int, default=None, help="dask: worker processes (default: CPU cores)")
    parser.add_argument("--chunk-rows", type=int, default=None, help="local: rows per chunk (default: the CLI's)")
    parser.add_argument("--jobs", type=int, default=None, help="local: worker processes (default: the CLI's)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files (printed)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="batch-scoring-"))
    source, output = folder / "tweets.csv", folder / "scored.csv"
    make_input(source, args.rows)
    print(f"input: {args.rows} rows, {source.stat().st_size / 1e6:.1f} MB")
    command = [sys.executable, str(ROOT / "cli.py"), "score", "--input", str(source), "--output", str(output),
               "--quiet", "--engine", args.engine]
    if args.model_dir:
        command += ["--model-dir", args.model_dir]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    if args.chunk_rows:
        command += ["--chunk-rows", str(args.chunk_rows)]
    print("command:", " ".join(command[1:]))
    print(f"load before: {os.getloadavg()[0]:.2f} (1-min average)")
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    peak = peak_pss = 0
    while child.poll() is None:
        rss, pss = tree_memory(watched)
        peak, peak_pss = max(peak, rss), max(peak_pss, pss)
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    stderr = child.stderr.read()
    print(stderr.strip()[-2000:])
    if child.returncode != 0:
        sys.exit(f"the command failed with status {child.returncode}")
    written = sum(len(c) for c in pd.read_csv(output, usecols=["emotion"], chunksize=200_000, keep_default_na=False))
    if written != args.rows:
        sys.exit(f"the output has {written} rows, not {args.rows}")
    print(f"load after: {os.getloadavg()[0]:.2f} (1-min average)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"elapsed: {elapsed:.1f} s")
    if args.keep:
        print(f"files kept in {folder}")
    else:
        source.unlink()
        output.unlink()
        folder.rmdir()
    print(f"peak_pss_mb={peak_pss / 1e6:.0f} (shared pages split between processes)")
    print(f"rows_per_s={args.rows / elapsed:.0f}")
    print(f"peak_rss_mb={peak / 1e6:.0f}")


if __name__ == "__main__":
    main()
