"""The fairness audit's emotion-word accuracy, split by whether the NRC lexicons file the word under its EEC emotion.

    python bench/eec_words.py [--model-dir DIR ...]

The Equity Evaluation Corpus (`data/eec/`) gives each of its 40 emotion words one of the four emotions; the
bundled NRC lexicons (EmoLex and Affect Intensity) associate 30 of them with that emotion and 10 not (most are not
in them at all: "vexing", "displeasing", "shocking", "serious", "discouraged", ...). Per model (default: the default
model), the share of emotion-word sentences whose answer (`emotion`) is the word's emotion, on each part, and the
words of each part. The last line is the default's (or the first model's) accuracy on the words outside.
"""

from __future__ import annotations

import argparse

import _path  # noqa: F401
import numpy as np

from data.bundled import load_eec
from emotions import EMOTIONS
from lexicons import load_lexicon
from models.registry import DEFAULT_MODEL_DIR, load_model


def filed_words() -> set[tuple[str, str]]:
    """(word, emotion) pairs the bundled EmoLex or Affect Intensity lexicon gives a score above 0."""
    return {(word, emotion) for name in ("emolex", "affect_intensity")
            for word, emotion, score in load_lexicon(name) if float(score) > 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", action="append", help="a saved model (repeatable)")
    args = parser.parse_args()
    eec = load_eec()
    eec = eec[eec["emotion"].isin(EMOTIONS)].reset_index(drop=True)
    filed = filed_words()
    inside = np.array([(w, e) in filed for w, e in zip(eec["emotion_word"], eec["emotion"])])
    for label, part in (("filed under their emotion", inside), ("not filed so", ~inside)):
        print(f"{label}: {', '.join(sorted(set(eec.loc[part, 'emotion_word'])))}")
    print(f"\n{'model':<30} {'filed':>7} {'not filed':>10} {'all':>7}")
    outside = []
    for name, model_dir in ([(d, d) for d in args.model_dir] if args.model_dir else [("default", DEFAULT_MODEL_DIR)]):
        named = np.asarray(load_model(model_dir).predict(eec["text"].tolist()).emotions) == eec["emotion"].to_numpy()
        outside.append(named[~inside].mean())
        print(f"{name:<30} {named[inside].mean():>7.3f} {named[~inside].mean():>10.3f} {named.mean():>7.3f}")
    print(f"emotion_word_accuracy_not_filed={outside[0]:.3f}")


if __name__ == "__main__":
    main()
