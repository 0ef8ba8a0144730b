"""What post-hoc changes to a saved presence model would do, measured on the bundled dev and test sets.

    python bench/recipe_probes.py [--model-dir models/default] [--blend models/zoo/logreg] [--seed 0]

Nothing is retrained or saved; each probe recomputes the documented output columns from the model's own
probabilities and intensities, as `../shared/tools/dev_eval.py` reads them:
- offsets: per emotion, the logit threshold that maximises presence F1 on the validation rows of the default
  recipe that carry human judgements (`training.presets.preset_data`), with WASSA-2017's and GoEmotions' rows
  counting equally, subtracted from the logits at a strength from 0 (the model as saved) to 1; the `none`
  threshold is chosen again after it, as training chooses it;
- gate: `intensity_<e>` = strength × P(present)^γ (as saved, γ = 1; γ = 0 is the strength head alone), with the
  mean intensity of E-c dev emotions judged absent and present;
- blend (with --blend): the probabilities averaged with another saved model's, weight w on the other;
- strength trees (with --strength-trees): per emotion, gradient-boosted trees (scikit-learn's
  `HistGradientBoostingRegressor`) fitted on the gold intensities of the recipe's training rows, read from the
  default recipe's text features (learned lexicons cross-fitted, as training reads them), as the strength alone or
  averaged with the model's strength head, ungated (P^0) and gated (P^1).
Columns: GoEmotions dev 4-way macro-F1 and "none" F1, E-c dev presence F1 (`prob_e >= 0.5`), intensity Pearson on
EI-reg dev, WASSA-2017 dev (`wassa_dev_r`, the one to choose intensity settings on) and test (`wassa_r`), the
everyday check and WASSA-2017 dev and test macro-F1; `away` is the mean of GoEmotions, none, E-c, EI-reg and
everyday. The last line is the model's own row: `as_saved_away=X`.
"""

from __future__ import annotations

import argparse

import _path  # noqa: F401
import numpy as np
from scipy.special import expit, logit
from sklearn.metrics import f1_score

from data.registry import everyday, goemotions_single, semeval_ec_dev, semeval_ei_reg_dev, wassa
from emotions import EMOTIONS
from evaluation.metrics import choose_none_threshold, choose_presence_offsets
from models.registry import load_model
from training.presets import preset_data

SETS = {"goemo": lambda: goemotions_single("dev"), "ec": semeval_ec_dev, "ei": semeval_ei_reg_dev,
        "everyday": everyday, "wassa_dev": lambda: wassa("dev"), "wassa_test": lambda: wassa("test")}
AWAY = ("goemo", "none", "ec", "ei", "everyday")


def scored(model, data) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities, strength) of text rows: the strength is the intensity before the P(present) gate."""
    prediction = model.predict(data.texts, [None] * len(data))
    probabilities = np.clip(prediction.probabilities, 1e-7, 1 - 1e-7)
    return probabilities, prediction.intensities / probabilities


def pearson(data, intensities: np.ndarray) -> float:
    """Mean over emotions of the Pearson correlation with the gold intensity, on the rows labelled with it."""
    label = data.labels.argmax(axis=1)
    return float(np.mean([np.corrcoef(intensities[label == j, j], data.intensity[label == j, j])[0, 1]
                          for j in range(len(EMOTIONS))]))


def figures(sets: dict, outputs: dict, none_threshold: float, gamma: float = 1.0) -> dict:
    def four_way(name):
        data, (probabilities, _) = sets[name], outputs[name]
        rows = data.labels.any(axis=1)
        return f1_score(data.labels[rows].argmax(1), probabilities[rows].argmax(1), average="macro",
                        labels=range(len(EMOTIONS)))

    goemo, (probabilities, _) = sets["goemo"], outputs["goemo"]
    ec, (ec_probabilities, _) = sets["ec"], outputs["ec"]
    result = {"goemo": four_way("goemo"),
              "none": f1_score(~goemo.labels.any(axis=1), probabilities.max(axis=1) < none_threshold),
              "ec": np.mean([f1_score(ec.labels[:, j], ec_probabilities[:, j] >= 0.5) for j in range(len(EMOTIONS))])}
    for name, column in (("ei", "ei"), ("wassa_dev", "wassa_dev_r"), ("wassa_test", "wassa_r")):
        probabilities, strength = outputs[name]
        result[column] = pearson(sets[name], strength * probabilities ** gamma)
    result |= {name: four_way(name) for name in ("everyday", "wassa_dev", "wassa_test")}
    result["away"] = float(np.mean([result[k] for k in AWAY]))
    return result


def line(name: str, result: dict, extra: str = "") -> str:
    return f"{name:<18}" + " ".join(f"{k} {v:.3f}" for k, v in result.items()) + extra


def validation_offsets(model, seed: int) -> tuple[np.ndarray, object, np.ndarray]:
    """Per emotion, the F1-best logit threshold on the recipe's judged validation rows, each collection (the WASSA
    rows, which choose an emotion, and the others) weighing the same, as training chooses it for
    `presence_calibration`; and those rows with their logits."""
    _, valid = preset_data("default", seed)
    valid = valid.subset(np.flatnonzero(valid.has_text & np.isfinite(valid.presence).all(axis=1)))
    probabilities = scored(model, valid)[0]
    return choose_presence_offsets(valid.presence, probabilities, valid.exclusive), valid, logit(probabilities)


def tree_strength(sets: dict, seed: int) -> dict:
    """Per set, the intensities (n, 4) of per-emotion gradient-boosted trees fitted on the default recipe's
    training rows with a gold intensity (`preset_data("default", seed)`), on its text features."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    from features.featurizer import Featurizer
    from models.settings import FeatureSettings

    train, _ = preset_data("default", seed)
    train = train.subset(np.flatnonzero(train.has_text))
    featurizer = Featurizer(use_text=True, use_image=False, text_options=FeatureSettings().text_options)
    features = featurizer.fit_transform(train).stacked()
    inputs = {name: featurizer.transform(data.texts, [None] * len(data)).stacked() for name, data in sets.items()}
    strength = {name: np.zeros((len(data), len(EMOTIONS))) for name, data in sets.items()}
    for j in range(len(EMOTIONS)):
        rows = np.isfinite(train.intensity[:, j])
        trees = HistGradientBoostingRegressor(max_iter=300, learning_rate=0.03, max_leaf_nodes=15,
                                              min_samples_leaf=20, l2_regularization=1.0, random_state=seed)
        trees.fit(features[rows], train.intensity[rows, j])
        for name in sets:
            strength[name][:, j] = np.clip(trees.predict(inputs[name]), 0, 1)
    return strength


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default="models/default")
    ap.add_argument("--blend", help="another saved model whose probabilities to average in")
    ap.add_argument("--seed", type=int, default=0, help="the seed of the recipe's validation hold-out")
    ap.add_argument("--strength-trees", action="store_true",
                    help="also fit gradient-boosted trees to the gold intensities and probe them as the strength")
    args = ap.parse_args(argv)
    model = load_model(args.model_dir)
    if not model.presence:
        raise SystemExit(f"{args.model_dir} gives a 4-way choice, not presence probabilities: nothing to probe")
    sets = {name: load() for name, load in SETS.items()}
    outputs = {name: scored(model, data) for name, data in sets.items()}
    saved = figures(sets, outputs, model.none_threshold)

    offsets, valid, valid_logits = validation_offsets(model, args.seed)
    print("offsets (logit, anger fear joy sadness):", " ".join(f"{o:+.2f}" for o in offsets))
    for strength in (0.25, 0.5, 0.75, 1.0):
        shifted = {name: (expit(logit(p) - strength * offsets), s) for name, (p, s) in outputs.items()}
        threshold = choose_none_threshold(valid.presence, expit(valid_logits - strength * offsets))
        print(line(f"offsets x{strength}", figures(sets, shifted, threshold), f"  none at {threshold}"))

    for gamma in (0.0, 0.25, 0.5):
        result = figures(sets, outputs, model.none_threshold, gamma)
        probabilities, strength = outputs["ec"]
        gated = strength * probabilities ** gamma
        judged = sets["ec"].labels.astype(bool)
        print(line(f"gate P^{gamma}", {k: result[k] for k in ("ei", "wassa_dev_r", "wassa_r")},
                   f"  E-c intensity judged absent {gated[~judged].mean():.3f}, present {gated[judged].mean():.3f}"))

    if args.blend:
        other = load_model(args.blend)
        others = {name: scored(other, data)[0] for name, data in sets.items()}
        for w in (0.25, 0.4, 0.5):
            blended = {name: ((1 - w) * p + w * others[name], s) for name, (p, s) in outputs.items()}
            print(line(f"blend w={w}", figures(sets, blended, model.none_threshold)))

    if args.strength_trees:
        trees = tree_strength(sets, args.seed)
        judged = sets["ec"].labels.astype(bool)
        for label, mix in (("trees", lambda t, s: t), ("trees+head", lambda t, s: (t + s) / 2)):
            for gamma in (0.0, 1.0):
                mixed = {name: (p, mix(trees[name], s)) for name, (p, s) in outputs.items()}
                result = figures(sets, mixed, model.none_threshold, gamma)
                probabilities, strength = mixed["ec"]
                gated = strength * probabilities ** gamma
                print(line(f"{label} P^{gamma:g}", {k: result[k] for k in ("ei", "wassa_dev_r", "wassa_r")},
                           f"  E-c intensity judged absent {gated[~judged].mean():.3f}, present "
                           f"{gated[judged].mean():.3f}"))

    probabilities, strength = outputs["ec"]
    judged = sets["ec"].labels.astype(bool)
    print(line("as saved", saved, f"  E-c intensity judged absent {(strength * probabilities)[~judged].mean():.3f}, "
                                   f"present {(strength * probabilities)[judged].mean():.3f}"))
    print(f"as_saved_away={saved['away']:.3f}")


if __name__ == "__main__":
    main()
