"""Cold start of the default model: fresh processes that load it and score one tweet, against the import floor.

    python bench/default_model.py [--repeat 7] [--train]

Each figure is the median wall time over --repeat fresh processes, timed from before the interpreter starts to
its exit, interleaved so that a busy spell hits all of them alike:
- `floor`: `python -c "import numpy, pandas"`, what any pandas script pays;
- `load_and_score`: the Python API, `load_model().predict([tweet])` on the shipped default model;
- `cli_score`: `python cli.py score` on a one-row CSV.
Then a `python -X importtime` summary of the API run: its slowest top-level imports, and whether torch,
scikit-learn or gensim were imported at all; and the time to load the model once its modules are imported.
With --train, also `cli.py train --preset default --seed 0` (the first run on a machine fills the image
feature cache: minutes).
The last line is `load_and_score_s=X`.
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
TWEET = "I am so furious right now, this is an outrage"
SCORE_ONE = f"from models.registry import load_model; print(load_model().predict([{TWEET!r}]).emotions[0])"
LOAD_ONLY = ("import time, models.registry, models.network.model, features.featurizer, features.state; "
             "t = time.perf_counter(); models.registry.load_model(); print(time.perf_counter() - t)")


def wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def import_summary() -> tuple[list[tuple[str, float]], list[str]]:
    """(slowest top-level imports with their cumulative seconds, heavy packages imported)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", SCORE_ONE], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    top, modules = [], set()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        modules.add(name.strip().split(".")[0])
        if not name.startswith("  "):  # nested imports are indented further
            top.append((name.strip(), int(cumulative) / 1e6))
    heavy = sorted(m for m in ("torch", "sklearn", "gensim", "skops") if m in modules)
    return sorted(top, key=lambda item: -item[1])[:8], heavy


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--train", action="store_true", help="also time training the default recipe")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        if args.train:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "cli.py", "train", "--preset", "default", "--seed", "0",
                                   "--no-bundled-eval", "--out", f"{tmp}/run"],
                                  cwd=ROOT, check=True, capture_output=True, text=True)
            print(f"train_seconds={json.loads(done.stdout)['train_seconds']:.1f} "
                  f"train_command_s={time.perf_counter() - started:.1f}")
        one = Path(tmp) / "one.csv"
        one.write_text(f'text\n"{TWEET}"\n')
        commands = {
            "floor": [sys.executable, "-c", "import numpy, pandas"],
            "load_and_score": [sys.executable, "-c", SCORE_ONE],
            "cli_score": [sys.executable, "cli.py", "score", "--input", str(one), "--output", f"{tmp}/out.csv",
                          "--quiet"],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(wall(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    top, heavy = import_summary()
    print("slowest top-level imports (cumulative s): " + ", ".join(f"{name} {s:.3f}" for name, s in top))
    print(f"heavy packages imported to score text: {heavy or 'none'}")
    loads = [float(subprocess.run([sys.executable, "-c", LOAD_ONLY], cwd=ROOT, check=True, capture_output=True,
                                  text=True).stdout) for _ in range(3)]
    print(f"model_load_after_imports_s={statistics.median(loads):.3f}")
    print(f"floor_s={median['floor']:.2f} cli_score_one_tweet_s={median['cli_score']:.2f} "
          f"above_floor_s={median['load_and_score'] - median['floor']:.2f}")
    print(f"load_and_score_s={median['load_and_score']:.2f}")


if __name__ == "__main__":
    main()
