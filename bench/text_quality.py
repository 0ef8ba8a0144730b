"""WASSA-2017 test macro-F1 of a plain logistic regression on `make_text_features()`, with an ablation.

Fit on WASSA train (4-way `label`), scored on WASSA test. Each ablation row drops one feature group ("learned":
the lexicons learned from the training labels). As a check of how the features hold up on tweets unlike WASSA's (collected with emotion query hashtags), every
model is also scored on the test tweets with their hashtags removed.

Usage: python bench/text_quality.py
The last line is `wassa_test_macro_f1=X` (all groups, test tweets as they are).
"""

import argparse
import re

import _path  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from data.bundled import load_wassa
from features import TEXT_FEATURE_GROUPS, make_text_features

HASHTAG_RE = re.compile(r"#\w+")


def score(groups, train, test, test_without_hashtags, **options) -> tuple[float, float]:
    model = make_pipeline(make_text_features(groups=groups, **options), StandardScaler(),
                          LogisticRegression(max_iter=5000))
    model.fit(train.text, train.label)
    as_is = f1_score(test.label, model.predict(test.text), average="macro")
    stripped = f1_score(test.label, model.predict(test_without_hashtags), average="macro")
    return as_is, stripped


def main(argv=None) -> None:
    # no options: --help says what it does (it ran the whole benchmark)
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    train, test = load_wassa("train"), load_wassa("test")
    test_without_hashtags = [HASHTAG_RE.sub(" ", text) for text in test.text]
    print(f"{'features':<28} {'macro-F1':>9} {'no hashtags':>12}")
    full = score(TEXT_FEATURE_GROUPS, train, test, test_without_hashtags)
    print(f"{'all groups':<28} {full[0]:>9.3f} {full[1]:>12.3f}")
    for group in TEXT_FEATURE_GROUPS:
        kept = tuple(g for g in TEXT_FEATURE_GROUPS if g != group)
        result = score(kept, train, test, test_without_hashtags)
        print(f"{'without ' + group:<28} {result[0]:>9.3f} {result[1]:>12.3f}")
    print(f"wassa_test_macro_f1={full[0]:.4f}")


if __name__ == "__main__":
    main()
