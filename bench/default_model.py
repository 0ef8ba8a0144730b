"""Time to train the default model, and to load it and score one tweet in a fresh process.

    python bench/default_model.py [--repeat 3]

1. `python cli.py train --preset default --seed 0 --no-bundled-eval` into a temporary folder, as a subprocess:
   prints the training time the run records (`train_seconds`: featurising, with image features read from the
   cache, then fitting) and the whole command's wall time. The first run on a machine fills the image
   feature cache (minutes); run the script twice, or `python bench/image_quality.py` once, before reading it.
2. A fresh `python -c` that imports the project, loads the shipped default model and scores one tweet, timed
   from before the interpreter starts to its exit; and the same for `python cli.py score` on a one-row CSV.
   Each is the median of --repeat runs.
The last line is the fresh-process figure: `load_and_score_s=X`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCORE_ONE = ("import gc; from models.registry import load_model; "
             "print(load_model().predict(['I am so furious right now, this is an outrage']).emotions[0]); "
             "gc.freeze()")  # as cli.py does: no collection of torch's objects at exit


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "cli.py", "train", "--preset", "default", "--seed", "0",
                               "--no-bundled-eval", "--out", f"{tmp}/run"],
                              cwd=ROOT, check=True, capture_output=True, text=True)
        command_s = time.perf_counter() - started
        print(f"train_seconds={json.loads(done.stdout)['train_seconds']:.1f} train_command_s={command_s:.1f}")

        tweet = Path(tmp) / "one.csv"
        tweet.write_text('text\n"I am so furious right now, this is an outrage"\n')
        cli_s = statistics.median(
            wall([sys.executable, "cli.py", "score", "--input", str(tweet), "--output", f"{tmp}/out.csv", "--quiet"])
            for _ in range(args.repeat))
        print(f"cli_score_one_tweet_s={cli_s:.2f}")
    load_s = statistics.median(wall([sys.executable, "-c", SCORE_ONE]) for _ in range(args.repeat))
    print(f"load_and_score_s={load_s:.2f}")


if __name__ == "__main__":
    main()
