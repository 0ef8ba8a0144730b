"""What the human-judged collections say about a negated emotion word ("I'm not angry"), and what models answer.

    python bench/negated_words.py [--model-dir DIR ...]

Per collection with human judgements (GoEmotions train, the WASSA-2017 train and dev tweets SemEval-2018 E-c
re-annotated, which the default recipe trains on; E-c dev, which no run trains on) and per emotion: how many
texts hold an EmoLex word of that emotion only inside a negation scope (as the tokenizer marks it, the scope the
`emolex_negated_freq_<e>` feature counts), how many hold one outside it, and the share of each that readers
judged to carry the emotion, beside the collection's base rate. Then, per saved model (default: the default
model), the share of the negated texts it finds the emotion present in (`prob_<e>` at or above its `none`
threshold; 0.5 for a 4-way model). The last line is GoEmotions' share of negated-anger comments judged angry.
"""

from __future__ import annotations

import argparse

import _path  # noqa: F401
import numpy as np

from data.registry import goemotions, semeval_ec_dev, wassa_relabelled
from emotions import EMOTIONS
from features.text.lookup import row_sum, token_scores
from features.text.tokenize import TweetTokenizer
from lexicons import lexicon_table
from models.registry import DEFAULT_MODEL_DIR, load_model


def collections() -> dict:
    """name → (texts, presence 0/1 per emotion) of the judged rows."""
    goemotions_train, ec_dev = goemotions("train"), semeval_ec_dev()
    wassa = [wassa_relabelled(split) for split in ("train", "dev")]
    sources = {"GoEmotions train": (goemotions_train.texts, goemotions_train.presence),
               "WASSA-2017 train+dev judged": ([t for part in wassa for t in part.texts],
                                               np.vstack([part.presence for part in wassa])),
               "SemEval-2018 E-c dev": (ec_dev.texts, ec_dev.presence)}
    out = {}
    for name, (texts, presence) in sources.items():
        judged = np.isfinite(presence).all(axis=1)
        out[name] = ([t for t, keep in zip(texts, judged) if keep], presence[judged].astype(int))
    return out


def emolex_hits(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(negated only, plain) per text and emotion: whether an EmoLex word of the emotion is inside a negation scope
    and none outside it, and whether one is outside it."""
    tokens = TweetTokenizer().fit_transform(texts)
    scores = token_scores(tokens.vocab, lexicon_table("emolex"))
    negated = row_sum(tokens.negated, (scores > 0).astype(float)) > 0
    plain = row_sum(tokens.plain, (scores > 0).astype(float)) > 0
    return negated & ~plain, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", action="append", help="a saved model (repeatable)")
    args = parser.parse_args()
    models = [(d, load_model(d)) for d in args.model_dir] if args.model_dir else [
        ("default", load_model(DEFAULT_MODEL_DIR))]
    header = f"{'collection':<28} {'emotion':<8} {'negated':>8} {'judged':>7} {'plain':>7} {'judged':>7} {'base':>6}"
    print(header + "".join(f" {d[-22:]:>22}" for d, _ in models))
    last = None
    for name, (texts, presence) in collections().items():
        negated, plain = emolex_hits(texts)
        answers = [model.predict(texts) for _, model in models]
        for e, emotion in enumerate(EMOTIONS):
            rows = negated[:, e]
            found = []
            for (_, model), prediction in zip(models, answers):
                threshold = model.none_threshold if model.none_threshold is not None else 0.5
                found.append(np.mean(prediction.probabilities[rows, e] >= threshold) if rows.any() else np.nan)
            share = presence[rows, e].mean() if rows.any() else np.nan
            print(f"{name:<28} {emotion:<8} {rows.sum():>8} {share:>7.2f} {plain[:, e].sum():>7} "
                  f"{presence[plain[:, e], e].mean():>7.2f} {presence[:, e].mean():>6.2f}"
                  + "".join(f" {f:>22.2f}" for f in found))
            if name.startswith("GoEmotions") and emotion == "anger":
                last = share
    print(f"goemotions_negated_anger_judged_angry={last:.3f}")


if __name__ == "__main__":
    main()
