"""How many gold intensities of an emotion a model needs before its intensity means something.

    python bench/intensity_rows.py [--emotion fear] [--keep 0,10,30,100,all] [--seeds 0,1,2] [--epochs 40]

Trains `text_net` (and, from 10 rows on, logistic regression, whose intensity is a ridge regression) on the
WASSA-2017 train tweets with only k of the chosen emotion's gold intensities kept (drawn with the seed; the other
emotions keep all theirs), validation on WASSA-2017 dev, and prints that emotion's intensity Pearson on the
WASSA-2017 test tweets labelled with it. The network's strength head is forced to give one here even below
`models.base.MIN_GOLD_INTENSITIES` (10), the fewest the product learns an intensity from, to show what it would
give. The last line is the network's mean Pearson at k = MIN_GOLD_INTENSITIES.
"""

from __future__ import annotations

import argparse

import _path  # noqa: F401
import numpy as np

from data.registry import wassa
from emotions import EMOTIONS
from models.base import MIN_GOLD_INTENSITIES
from models.registry import build_model


def keep_intensities(train, emotion: int, keep: int | None, seed: int):
    """`train` with only `keep` (None: all) of `emotion`'s gold intensities, drawn with `seed`."""
    intensity = train.intensity.copy()
    rows = np.flatnonzero(np.isfinite(intensity[:, emotion]))
    if keep is not None:
        dropped = np.random.default_rng(seed).permutation(rows)[keep:]
        intensity[dropped, emotion] = np.nan
    out = train.subset(np.arange(len(train)))
    out.intensity = intensity
    return out


def test_pearson(model, test, emotion: int) -> float:
    rows = np.flatnonzero(test.labels[:, emotion] == 1)
    predicted = model.predict([test.texts[i] for i in rows]).intensities[:, emotion]
    return float(np.corrcoef(predicted, test.intensity[rows, emotion])[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emotion", default="fear", choices=EMOTIONS)
    parser.add_argument("--keep", default="0,10,30,100,all")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()
    emotion = EMOTIONS.index(args.emotion)
    train, valid, test = wassa("train"), wassa("dev"), wassa("test")
    print(f"{args.emotion} intensity Pearson on WASSA-2017 test, by gold intensities kept (k)")
    print(f"{'k':>5}  {'text_net per seed':<28} {'logreg per seed':<28}")
    at_minimum = []
    for keep in args.keep.split(","):
        k = None if keep == "all" else int(keep)
        nets, ridges = [], []
        for seed in (int(s) for s in args.seeds.split(",")):
            data = keep_intensities(train, emotion, k, seed)
            net = build_model("text_net", epochs=args.epochs).fit(data, valid, seed=seed)
            net.config["untrained_intensity"] = []  # what the head gives even from fewer than the product's minimum
            nets.append(test_pearson(net, test, emotion))
            if k is None or k >= MIN_GOLD_INTENSITIES:
                ridges.append(test_pearson(build_model("logreg").fit(data, valid, seed=seed), test, emotion))
        if k == MIN_GOLD_INTENSITIES:
            at_minimum = nets
        shown = "all" if k is None else str(k)
        print(f"{shown:>5}  {' '.join(f'{r:+.2f}' for r in nets):<28} {' '.join(f'{r:+.2f}' for r in ridges) or '–':<28}")
    if at_minimum:
        print(f"text_net_pearson_at_minimum={np.mean(at_minimum):.3f}")


if __name__ == "__main__":
    main()
