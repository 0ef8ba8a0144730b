"""Every registered model trained the same way on the bundled data, scored on the bundled test sets.

    python bench/model_comparison.py [--preset wassa] [--models fused_net,logreg,...] [--seed 0] [--runs runs/compare]

Each model is trained on a preset's data (default: the `wassa` preset's, WASSA-2017 train tweets + FER2013
training faces; validation: WASSA-2017 dev + a 10% hold-out of the faces) with the preset's settings, reads what
its modalities allow, and is saved under --runs (so `python cli.py compare --runs runs/compare` and the dashboard's
Compare page list them). The table gives macro-F1 on WASSA-2017 test, on the same tweets without hashtags, on
the 64 hand-written everyday check tweets (data/everyday/), on FER2013 public test and on test tweets paired
with a face of the same label; the mean intensity Pearson on WASSA-2017 test; and the training time.
--text-options changes the text features of every model that uses them, --settings the preset's model settings
(ablations); each model takes those of the settings it has. Image features come from the feature cache (the first run fills it).
The last line is the fused network's WASSA-2017 test macro-F1: `fused_net_wassa_test_macro_f1=X`.
"""

from __future__ import annotations

import argparse
import json

import _path  # noqa: F401

from models.registry import MODELS, build_model
from training.presets import PRESETS, check_setting_names, merged_settings, preset_data
from training.run import run_training

COLUMNS = (("wassa_test", "macro_f1", "WASSA test"), ("wassa_test_no_hashtags", "macro_f1", "no hashtags"),
           ("everyday_check", "macro_f1", "everyday"), ("wassa_test", "pearson_mean", "Pearson"),
           ("fer_public_test", "macro_f1", "FER test"), ("paired_test", "macro_f1", "paired"))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated registry names")
    ap.add_argument("--preset", default="wassa", choices=list(PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", default="runs/compare", help="folder to save the runs in")
    ap.add_argument("--text-options", default="{}",
                    help='JSON merged into the text feature options, e.g. \'{"learn_intensity": false}\'')
    ap.add_argument("--settings", default="{}",
                    help='JSON merged into the preset\'s model settings, e.g. \'{"learned_dropout": 0}\'')
    args = ap.parse_args(argv)

    preset = PRESETS[args.preset]
    try:
        changes, text_options = json.loads(args.settings), json.loads(args.text_options)
        check_setting_names(changes, args.models.split(","))
    except ValueError as exc:  # bad JSON, or a setting no model here has (it was dropped without a word)
        raise SystemExit(f"error: --settings/--text-options: {exc}") from None
    settings = merged_settings(preset.get("settings", {}), {**changes, "text_options": text_options})
    train, valid = preset_data(args.preset, seed=args.seed)
    header = f"{'model':<14}" + "".join(f"{title:>13}" for _, _, title in COLUMNS) + f"{'train s':>10}"
    print(header)
    results = {}
    for name in args.models.split(","):
        names = MODELS[name].Settings.names()
        model = build_model(name, {key: value for key, value in settings.items() if key in names})
        metrics = run_training(model, train, valid, seed=args.seed, out=f"{args.runs}/{name}")
        results[name] = metrics
        cells = [metrics.get(data_set, {}).get(metric) for data_set, metric, _ in COLUMNS]
        print(f"{name:<14}" + "".join(f"{c:>13.3f}" if c is not None else f"{'–':>13}" for c in cells)
              + f"{model.config['train_seconds']:>10.1f}", flush=True)
    if "fused_net" in results:
        print(f"fused_net_wassa_test_macro_f1={results['fused_net']['wassa_test']['macro_f1']:.4f}")


if __name__ == "__main__":
    main()
