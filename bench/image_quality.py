"""FER2013 four-class macro-F1 of a LogisticRegression on the image features.

    python bench/image_quality.py [--train full|sample] [--C 0.01] [--flip] [--cache PATH]

Fits StandardScaler + LogisticRegression on FER2013 training faces (data/fer2013/, all 20,137 with
--train full, the balanced 2,000-face sample with --train sample) and scores FER2013's public test faces (the
2,383 that are not training faces, as `data.bundled.load_fer` gives them).
Features come from make_image_features with its defaults except crop_fraction=1.0 (the faces are already
tight 48x48 crops; the 0.875 evaluation crop would cut the chin and brows). The first run featurises every
face (minutes on 2 cores); later runs read the feature cache. Last line: ``fer_public_test_macro_f1=X``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.bundled import load_fer  # noqa: E402
from emotions import EMOTIONS  # noqa: E402
from features.image.extractor import make_image_features  # noqa: E402


def load_faces():
    """(images, labels) of each split, as every evaluation reads them (the public test without its 128 training
    faces: until the twenty-first session this script read all 2,511 itself)."""
    split = {"sample": "train_sample", "full": "train", "public_test": "public_test"}
    return {name: (images, np.asarray(labels)) for name, (images, labels) in
            ((name, load_fer(fer)) for name, fer in split.items())}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", choices=("full", "sample"), default="full")
    ap.add_argument("--C", type=float, default=0.01)
    ap.add_argument("--flip", action="store_true", help="add one flipped view per training face (n_augment=1)")
    ap.add_argument("--cache", default=None, help="SQLite feature cache (default: the user cache directory)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--columns", default=None,
                    help="ablation: keep only feature columns whose name matches this regex (e.g. '_head_mean_')")
    args = ap.parse_args(argv)

    faces = load_faces()
    feats = make_image_features(cache=args.cache, crop_fraction=1.0, n_threads=args.threads,
                                n_augment=1 if args.flip else 0, augment_ops=("flip",)).fit()
    t = time.perf_counter()
    train_images, y_train = faces[args.train]
    X_train, rows, _ = feats.transform_augmented([Image.fromarray(a, "L") for a in train_images])
    y_train = y_train[rows]
    cnn_train = feats.last_stats_["cnn_images"]
    test_images, y_test = faces["public_test"]
    X_test = feats.transform([Image.fromarray(a, "L") for a in test_images])
    cnn = cnn_train + feats.last_stats_["cnn_images"]
    print(f"featurise_s={time.perf_counter() - t:.1f} cnn_images={cnn} train_rows={len(y_train)} "
          f"test_rows={len(y_test)} features={X_train.shape[1]}")

    if args.columns:
        keep = np.array([bool(re.search(args.columns, n)) for n in feats.get_feature_names_out()])
        X_train, X_test = X_train[:, keep], X_test[:, keep]
        print(f"columns={args.columns!r} kept={int(keep.sum())}")

    t = time.perf_counter()
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=500))
    clf.fit(X_train, y_train)
    pred = clf.predict(X_test)
    print(f"fit_s={time.perf_counter() - t:.1f} train={args.train} C={args.C} flip={args.flip}")
    per_class = f1_score(y_test, pred, average=None, labels=list(EMOTIONS))
    print(" ".join(f"f1_{e}={v:.3f}" for e, v in zip(EMOTIONS, per_class)))
    print(f"fer_public_test_macro_f1={f1_score(y_test, pred, average='macro'):.4f}")


if __name__ == "__main__":
    main()
