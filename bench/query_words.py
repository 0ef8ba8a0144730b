"""How far WASSA-2017's query-word labels can be met by a model that reads emotion as readers do.

    python bench/query_words.py [--model-dir DIR ...]

SemEval-2018 E-c re-annotated 97 % of the WASSA-2017 train and dev tweets (`data/semeval2018/SOURCES.md`). Per
split it prints how often readers found the query word's emotion present (agreed), found none of the four
(none judged), or found others but not it (disowned), and the best 4-way macro-F1 against the query words that a
model can reach while agreeing with readers wherever they found one of the four emotions: it names the query
word's emotion where readers found it, one they found where they found others, and, where they found none of
the four (a 4-way choice must still name one), the query word's, which makes the bound generous. Then, per saved
model (default: the default model, `every_query_word` and the WASSA specialist), its 4-way accuracy against the
query word on the judged WASSA-2017 dev tweets, agreed, none judged and disowned apart, and its macro-F1 on
them. For intensities it prints what exact ones set to 0 where readers judged the emotion absent would reach
(the product's intensity is near 0 for an absent emotion): there the target is not out of reach. The last line
is the bound on dev.
"""

from __future__ import annotations

import argparse

import _path  # noqa: F401
import numpy as np
from sklearn.metrics import f1_score

from data.registry import wassa_relabelled
from emotions import EMOTIONS
from models.registry import DEFAULT_MODEL_DIR, load_model
from models.store import ModelLoadError

ROOT = DEFAULT_MODEL_DIR.parent.parent
MODELS = ("models/default", "models/zoo/every_query_word", "models/zoo/wassa_specialist")  # of the repository


def judged(split: str):
    """The split's tweets readers judged, their query words (indices) and the judgements (0/1)."""
    data = wassa_relabelled(split)
    data = data.subset(np.flatnonzero(np.isfinite(data.presence).all(axis=1)))
    return data, data.labels.argmax(axis=1), data.presence.astype(int)


def gated_gold_pearson(data, query: np.ndarray, presence: np.ndarray) -> float:
    """Mean over the emotions of the Pearson correlation between the gold intensities and the same set to 0 where
    readers judged the query word's emotion absent: what intensities that are exact where readers find the emotion
    and 0 where they do not (as the product's are, near 0 for an absent emotion) would reach."""
    rows = np.arange(len(query))
    gold = data.intensity[rows, query]
    gated = gold * presence[rows, query]
    return float(np.mean([np.corrcoef(gated[query == e], gold[query == e])[0, 1] for e in range(len(EMOTIONS))]))


def reader_bound(query: np.ndarray, presence: np.ndarray) -> dict:
    """Shares of agreed / none judged / disowned tweets and the best macro-F1 against the query words of a model
    that agrees with readers wherever they found one of the four emotions (the query word where they found none)."""
    rows = np.arange(len(query))
    agreed = presence[rows, query] == 1
    none_judged = presence.sum(axis=1) == 0
    best = np.where(agreed | none_judged, query, presence.argmax(axis=1))
    return {"tweets": len(query), "agreed": agreed.mean(), "none_judged": none_judged.mean(),
            "disowned": (~agreed & ~none_judged).mean(),
            "best_macro_f1": f1_score(query, best, average="macro", labels=range(len(EMOTIONS)))}


def text_model(model_dir):
    """The saved model, which must read text (the judged tweets have no image); ValueError naming the folder."""
    try:
        model = load_model(model_dir)
    except ModelLoadError as exc:
        raise ValueError(str(exc)) from None
    if "text" not in model.modalities:
        raise ValueError(f"{model_dir}: {model.name} reads {' and '.join(model.modalities)}, not text: the judged "
                         f"tweets are text only")
    return model


def model_figures(model, data, query: np.ndarray, presence: np.ndarray) -> dict:
    chosen = model.predict(data.texts, [None] * len(data)).probabilities.argmax(axis=1)
    agreed = presence[np.arange(len(query)), query] == 1
    none_judged = presence.sum(axis=1) == 0
    right = chosen == query
    return {"agreed": right[agreed].mean(), "none_judged": right[none_judged].mean(),
            "disowned": right[~agreed & ~none_judged].mean(), "all": right.mean(),
            "macro_f1": f1_score(query, chosen, average="macro", labels=range(len(EMOTIONS)))}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", action="append", help="a saved model (repeatable)")
    args = parser.parse_args(argv)
    names = args.model_dir or MODELS
    try:  # each one first: a folder that cannot be read is one line, before any figure
        models = {name: text_model(name if args.model_dir else ROOT / name) for name in names}
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    print("split  tweets  agreed  none judged  disowned  best macro-F1 agreeing with readers")
    bounds = {}
    for split in ("train", "dev"):
        bound = bounds[split] = reader_bound(*judged(split)[1:])
        print(f"{split:<6} {bound['tweets']:>6}  {bound['agreed']:.3f}   {bound['none_judged']:.3f}        "
              f"{bound['disowned']:.3f}     {bound['best_macro_f1']:.3f}")
    print("intensity Pearson of exact intensities set to 0 where readers judged the emotion absent: "
          + ", ".join(f"{split} {gated_gold_pearson(*judged(split)):.3f}" for split in ("train", "dev")))
    data, query, presence = judged("dev")
    print("\nWASSA-2017 dev, judged tweets: 4-way accuracy against the query word")
    print(f"{'model':<30} agreed  none judged  disowned  all    macro-F1")
    for model_dir, model in models.items():
        result = model_figures(model, data, query, presence)
        print(f"{model_dir:<30} {result['agreed']:.3f}   {result['none_judged']:.3f}        "
              f"{result['disowned']:.3f}     {result['all']:.3f}  {result['macro_f1']:.3f}")
    print(f"best_macro_f1_agreeing_with_readers_dev={bounds['dev']['best_macro_f1']:.3f}")


if __name__ == "__main__":
    main()
