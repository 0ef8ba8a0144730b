"""Throughput of the full default text feature set: transform ≥ 100,000 tweets in one process.

Usage: python bench/text_features.py [--rows 100000] [--repeats 3]
The last line is `tweets_per_s=N` (the best of the repeats).
"""

import argparse
import os
import platform
import time

import _path  # noqa: F401

from data.bundled import load_wassa
from features import make_text_features


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="tweets to transform (default: 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the best counts (default: 3)")
    args = parser.parse_args()

    train = load_wassa("train")
    features = make_text_features().fit(train.text, train.label)
    pool = load_wassa("test").text.tolist() + load_wassa("dev").text.tolist() + train.text.tolist()
    tweets = (pool * (args.rows // len(pool) + 1))[: args.rows]
    features.transform(tweets[:1000])  # load the word vectors before timing

    best = float("inf")
    for repeat in range(args.repeats):
        start = time.perf_counter()
        matrix = features.transform(tweets)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        print(f"pass {repeat + 1}: {len(tweets)} tweets × {matrix.shape[1]} features in {elapsed:.2f} s")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"tweets_per_s={len(tweets) / best:.0f}")


if __name__ == "__main__":
    main()
