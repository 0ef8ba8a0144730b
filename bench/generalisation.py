"""How well each training recipe carries over to data it was not tuned on: a generalisation matrix and
leave-one-collection-out runs.

    python bench/generalisation.py [--recipes default,wassa,text_net,...] [--seed 0] [--text-only]
                                   [--no-leave-out] [--runs runs/generalisation] [--settings JSON]

A recipe is a preset of training/presets.py (its model, data, weights and settings) or a registered model trained
on the `default` preset's data with the preset's settings it has (as bench/model_comparison.py does); the default
list is both presets and every model but image_net. Each run is saved under --runs/<recipe>. The matrix gives
macro-F1 on WASSA-2017 test (and intensity Pearson, and without hashtags), then the other sets:
GoEmotions dev 4-way macro-F1 and the F1 of saying none, SemEval-2018 E-c dev presence macro-F1, EI-reg dev
intensity Pearson and the everyday check tweets, with their mean ("other mean"; – unless all five are
measured), and the training time.
Leave-one-collection-out trains the default preset's model without one text collection (WASSA-2017 with its
relabels, or GoEmotions; the other weights as in the preset) and compares that collection's own evaluation set
with the full default recipe's, plus E-c and EI-reg dev, which no run trains on. --text-only drops the FER2013
faces from every recipe's data (faster). --settings (JSON) is merged into every recipe's settings, its
"text_options" into the text feature options, so that a change to the recipe is judged by its left-out figures
too. Everything is written to --runs/generalisation.json.
The last line is the default recipe's mean over the non-WASSA sets: `default_mean_other_sets=X`.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import _path  # noqa: F401

from data.registry import training_set
from models.registry import MODELS, build_model
from training.presets import PRESETS, check_setting_names, merged_settings
from training.run import run_training

WASSA_COLUMNS = (("wassa_test.macro_f1", "WASSA test"), ("wassa_test.pearson_mean", "Pearson"),
                 ("wassa_test_no_hashtags.macro_f1", "no hashtags"))
OTHER_COLUMNS = (("goemotions_dev.macro_f1", "GoEmo 4-way"), ("goemotions_dev.none_f1", "GoEmo none"),
                 ("ec_dev.macro_f1", "E-c dev"), ("ei_reg_dev.pearson_mean", "EI-reg r"),
                 ("everyday_check.macro_f1", "everyday"))
# Each left-out collection: the sources it removes from the data and the metrics of its own evaluation set.
COLLECTIONS = {"wassa": (("wassa", "relabels", "wassa_agreed"), ("wassa_test.macro_f1",)),
               "goemotions": (("goemotions",), ("goemotions_dev.macro_f1", "goemotions_dev.none_f1"))}
NEVER_TRAINED_ON = ("ec_dev.macro_f1", "ei_reg_dev.pearson_mean")


def metric(metrics: dict, key: str):
    data_set, name = key.split(".")
    return metrics.get(data_set, {}).get(name)


def cell(value, width: int = 12) -> str:
    return f"{value:>{width}.3f}" if value is not None else f"{'–':>{width}}"


def recipe(name: str, drop: tuple = (), changes: dict | None = None) -> tuple[str, str, dict, dict]:
    """(model, data, weights, settings) of a preset or of a model on the default preset, without sources `drop`,
    with `changes` merged into the settings (and their "text_options" into the text feature options)."""
    preset = PRESETS[name] if name in PRESETS else {**PRESETS["default"], "model": name}
    if preset["model"] not in MODELS:
        raise SystemExit(f"unknown recipe {name!r}; choose a preset ({', '.join(PRESETS)}) or a model "
                         f"({', '.join(MODELS)})")
    names = MODELS[preset["model"]].Settings.names()
    settings = merged_settings(preset.get("settings", {}), changes or {})
    settings = {key: value for key, value in settings.items() if key in names}
    sources = [part for part in preset["data"].split("+") if part not in drop]
    weights = {key: value for key, value in preset.get("weights", {}).items() if key in sources}
    return preset["model"], "+".join(sources), weights, settings


def train(name: str, drop: tuple, seed: int, out: Path, cache: dict, changes: dict | None = None) -> tuple[dict, float]:
    """Train one recipe (its data loaded once per mix) and return its metrics and training seconds."""
    model_name, data, weights, settings = recipe(name, drop, changes)
    key = (data, json.dumps(weights, sort_keys=True))
    if key not in cache:
        cache[key] = training_set(data, seed, weights)
    model = build_model(model_name, settings)
    metrics = run_training(model, *cache[key], seed=seed, out=out)
    return metrics, model.config["train_seconds"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recipes", default=",".join([*PRESETS, *(m for m in MODELS if m != "image_net")]),
                    help="comma-separated preset or model names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--text-only", action="store_true", help="drop the FER2013 faces from every recipe's data")
    ap.add_argument("--leave-out", action=argparse.BooleanOptionalAction, default=True,
                    help="also train the default recipe without each text collection (default: on)")
    ap.add_argument("--runs", default="runs/generalisation", help="folder to save the runs and the JSON in")
    ap.add_argument("--settings", default="{}",
                    help='JSON merged into every recipe\'s settings, e.g. \'{"text_options": {"include_mean_vector": false}}\'')
    args = ap.parse_args(argv)

    runs, fer = Path(args.runs), ("fer",) if args.text_only else ()
    recipes = list(dict.fromkeys(args.recipes.split(",")))
    try:  # bad JSON, or a setting no recipe's model has (each took only its own: a typo measured nothing)
        args.settings = json.loads(args.settings)
        check_setting_names(args.settings, [PRESETS[r]["model"] if r in PRESETS else r for r in recipes])
    except ValueError as exc:
        raise SystemExit(f"error: --settings: {exc}") from None
    columns = WASSA_COLUMNS + OTHER_COLUMNS
    print(f"{'recipe':<14}" + "".join(f"{title:>12}" for _, title in columns) + f"{'other mean':>12}{'train s':>10}")
    cache, matrix, full = {}, {}, {}
    for name in recipes + (["default"] if args.leave_out and "default" not in recipes else []):
        metrics, seconds = train(name, fer, args.seed, runs / name, cache, args.settings)
        full[name] = metrics
        row = {key: metric(metrics, key) for key, _ in columns}
        others = [row[key] for key, _ in OTHER_COLUMNS]  # a mean only over all five, so rows compare
        row.update(mean_other_sets=None if None in others else sum(others) / len(others), train_seconds=seconds)
        matrix[name] = row
        print(f"{name:<14}" + "".join(cell(row[key]) for key, _ in columns) + cell(row["mean_other_sets"])
              + f"{seconds:>10.1f}", flush=True)

    leave_one_out = []
    if args.leave_out:
        print(f"\n{'left out':<12}{'metric':<34}{'full':>8}{'left out':>10}{'gap':>8}")
        for collection, (sources, own) in COLLECTIONS.items():
            metrics, seconds = train("default", fer + sources, args.seed, runs / f"without_{collection}", cache,
                                     args.settings)
            for key in own + NEVER_TRAINED_ON:
                with_it, without = metric(full["default"], key), metric(metrics, key)
                gap = with_it - without if None not in (with_it, without) else None
                leave_one_out.append({"left_out": collection, "metric": key, "own_set": key in own, "full": with_it,
                                      "left_out_value": without, "gap": gap, "train_seconds": seconds})
                print(f"{collection:<12}{key + ('' if key in own else ' (never)'):<34}{cell(with_it, 8)}"
                      f"{cell(without, 10)}{cell(gap, 8)}", flush=True)

    runs.mkdir(parents=True, exist_ok=True)
    report = {"matrix": matrix, "leave_one_out": leave_one_out, "seed": args.seed, "text_only": args.text_only,
              "settings": args.settings,
              "machine": {"platform": platform.platform(), "processor": platform.processor(),
                          "python": platform.python_version()}}
    (runs / "generalisation.json").write_text(json.dumps(report, indent=2) + "\n")
    headline = matrix.get("default", {}).get("mean_other_sets")
    print(f"default_mean_other_sets={headline:.4f}" if headline is not None else "default_mean_other_sets=nan")


if __name__ == "__main__":
    main()
