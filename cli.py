"""Command line: train, evaluate, score, compare and audit emotion models, convert old model folders, train the zoo.

    python cli.py train [--model NAME] (--train PATH [--valid PATH] | --data SOURCES [--weights S=W,...]
                        | --preset NAME [--weights S=W,...]) --out DIR [--seed N]
    python cli.py evaluate [--model-dir DIR] --data PATH [--encoding NAME] [--delimiter comma|tab|semicolon]
    python cli.py score [--model-dir DIR] --input IN --output OUT [--text-column COLUMN] [--image-column COLUMN]
                        [--resume] [--quiet] [--engine local|dask [--scheduler ADDRESS]]
    python cli.py compare [--runs DIR] [--with-default] [--with-zoo]
    python cli.py convert --model-dir DIR --trust [--out DIR]
    python cli.py audit [--model-dir DIR] [--save]
    python cli.py train-zoo [--only NAMES] [--out models/zoo] [--seed N] [--jobs N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import os
import re
import sys
import time
from pathlib import Path

# The network settings the command line exposes; their defaults and types come from `NetworkSettings`.
NETWORK_OPTIONS = {"epochs": "maximum epochs", "hidden": "hidden units per branch", "embed": "branch embedding size",
                   "dropout": "dropout", "lr": "AdamW learning rate",
                   "members": "networks trained from seeds seed, seed + 1, ... and averaged"}


class HELP(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, unless its help already says it."""

    def _get_help_string(self, action):
        if "default" in (action.help or "") or action.default is None or action.default is argparse.SUPPRESS or action.default is False:
            return action.help
        return super()._get_help_string(action)


def _add_train(sub) -> None:
    from data.registry import SOURCES
    from models.network.config import NetworkSettings
    from models.registry import MODELS
    from training.presets import PRESETS

    p = _command(sub, "train", "train a model and save it as a run directory",
                 "Train a model and save it (weights, config.json, metrics.json, training log).")
    p.add_argument("--model", choices=list(MODELS), default=None,
                   help="model to train (default: the preset's model, else fused_net)")
    # One source of training rows: a second one given beside it would be silently ignored.
    data = p.add_mutually_exclusive_group()
    data.add_argument("--train", type=Path, default=None,
                      help="labelled CSV/TSV to train on (or --data, or --preset)")
    data.add_argument("--data", default=None,
                      help=f"bundled sources to train on, joined by commas: {', '.join(SOURCES)} (e.g. "
                           f"wassa_agreed,goemotions); validation: each source's own")
    data.add_argument("--preset", choices=list(PRESETS), default=None,
                      help="a named recipe: its model, settings and bundled sources (default: the default model's "
                           "recipe; wassa: the WASSA-2017 specialist; one of --train, --data and --preset is needed); "
                           "with another --model, that model with its own settings on the preset's sources")
    p.add_argument("--weights", type=_weights, default=None, metavar="SOURCE=WEIGHT,...",
                   help="with --data or --preset: a weight per source, e.g. goemotions=0.3,wassa=1 (default: 1 each)")
    p.add_argument("--valid", type=Path, default=None,
                   help="with --train: labelled CSV/TSV for early stopping and metrics (default: a 10%% hold-out of "
                        "--train)")
    p.add_argument("--out", type=Path, required=True,
                   help="run directory to write (a saved model there is replaced; any other existing folder is refused)")
    p.add_argument("--seed", type=_seed, default=0, help="seed: the same seed gives the same model")
    _add_reading(p, "--train and --valid")
    defaults = NetworkSettings.defaults()
    for name, what in NETWORK_OPTIONS.items():
        p.add_argument(f"--{name}", type=type(defaults[name]), default=None,
                       help=f"network: {what} (default: the preset's, else {defaults[name]})")
    p.add_argument("--no-bundled-eval", action="store_true",
                   help="skip scoring the run on the bundled evaluation sets (WASSA-2017 test, also without hashtags "
                        "and paired with faces; GoEmotions, SemEval-2018 E-c and EI-reg dev; the everyday tweets; "
                        "FER2013 public test), its speed and its fairness audit: its model card then has none of "
                        "those figures")


def _whole(value: str, low: int, high: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < low or (high is not None and number > high):
        wanted = f"at least {low}" if high is None else f"between {low} and {high}"
        raise argparse.ArgumentTypeError(f"must be {wanted}, got {number}")
    return number


def _positive(value: str) -> int:
    return _whole(value, 1)


# Processes a run may start on this machine per CPU core (--jobs, --workers): more only compete for the cores, each
# holding its chunk in memory (--jobs 10000 forked thousands of copies of the model, and SIGTERM waited on them).
PROCESSES_PER_CORE = 4


def _processes(value: str) -> int:
    number = _positive(value)
    most = PROCESSES_PER_CORE * (os.cpu_count() or 1)
    if number > most:
        raise argparse.ArgumentTypeError(f"at most {most} on this machine ({PROCESSES_PER_CORE} per CPU core: more "
                                         f"processes only compete for the cores), got {number}")
    return number


def _seed(value: str) -> int:
    return _whole(value, 0, 2**32 - 1)  # what NumPy and scikit-learn accept as a seed


def _names(value: str) -> list[str]:
    """Names joined by commas, each trimmed, each once; at least one (an empty `--only "$NAMES"` meant all of them)."""
    names = list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    if not names:
        raise argparse.ArgumentTypeError(f"expected names joined by commas, e.g. logreg,text_net; got {value!r}")
    return names


def _weights(value: str) -> dict[str, float]:
    """SOURCE=WEIGHT pairs joined by commas (the sources and the weights' range are checked with the data)."""
    weights = {}
    for item in value.split(","):
        source, equals, weight = (part.strip() for part in item.partition("="))
        if not equals or not source:
            raise argparse.ArgumentTypeError(f"expected SOURCE=WEIGHT pairs joined by commas, e.g. relabels=0.5 or "
                                             f"goemotions=0.3,wassa=1; got {item.strip()!r}")
        if source in weights:
            raise argparse.ArgumentTypeError(f"{source} is given two weights; give each source one")
        try:
            weights[source] = float(weight)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{source}={weight}: the weight is not a number, e.g. "
                                             f"{source}=0.5") from None
    return weights


def _folder(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{'not a folder' if path.exists() else 'no such folder'}: {value}")
    return path


def _column(value: str) -> str:
    """A column's name, as given (an empty one would be taken for no column at all)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("a column's name, not an empty one")
    return value


def _byte_size(value: str) -> int:
    """A size such as 4MB, 4M, 64 KiB or 1e6, read by Dask's own `parse_bytes` (checked here, so a typo is one line,
    not a traceback)."""
    from dask.utils import parse_bytes

    try:
        size = parse_bytes(value) if value.strip() else 0
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"not a size such as 4MB or 1000000: {value!r}") from None
    if size < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 byte, got {value!r}")
    return size


def _command(sub, name: str, help: str, description: str, model_dir: bool = False):
    p = sub.add_parser(name, formatter_class=HELP, help=help, description=description)
    if model_dir:
        p.add_argument("--model-dir", type=Path, default=None, help="saved model (default: the shipped default model)")
    return p


def _add_reading(p, which: str) -> None:
    """--encoding and --delimiter: how `which` file(s) are read (the one table reader, `data.tables`)."""
    p.add_argument("--encoding", default=None,
                   help=f"{which} text encoding (default: UTF-8 with or without BOM, whose stray bytes are read as "
                        "U+FFFD and their rows marked; UTF-16/32 with a BOM; else a detected single-byte encoding; "
                        "any other file is refused with the bad byte's offset)")
    p.add_argument("--delimiter", choices=["comma", "tab", "semicolon"], default=None,
                   help=f"{which} field delimiter (default: Excel's \"sep=;\" first line, else sniffed from the "
                        "header and the first rows, else by extension)")


def _delimiter(name: str | None) -> str | None:
    """The character a --delimiter name stands for."""
    from data.tables import DELIMITERS

    return {word: character for character, word in DELIMITERS.items()}.get(name)


def _add_evaluate(sub) -> None:
    p = _command(sub, "evaluate", "evaluate a saved model on labelled data",
                 "Print one JSON object: n (the rows judged), macro_f1, accuracy, per_emotion, confusion_matrix "
                 "and its order; none_rows and none_f1 for rows labelled none; pearson / pearson_mean when the data "
                 "has intensities; rows_not_scored, rows_with_messages and first_messages (README, \"Using it\", "
                 "says what each means).", model_dir=True)
    p.add_argument("--data", type=Path, required=True, help="labelled CSV/TSV")
    _add_reading(p, "--data")


def _add_score(sub) -> None:
    p = _command(sub, "score", "score a CSV/TSV of tweets",
                 "Write every input column plus emotion, prob_<emotion>, intensity_<emotion> and error. The output "
                 "appears only when every row is written.", model_dir=True)
    p.add_argument("--input", type=Path, required=True, help="table to score: comma-, tab- or semicolon-separated (see --delimiter)")
    p.add_argument("--output", type=Path, required=True, help="file to write (CSV or TSV by extension)")
    p.add_argument("--text-column", type=_column, default=None,
                   help="column holding the tweet text (default: text; a file without it is scored on its images "
                        "alone when --image-column is given)")
    p.add_argument("--image-column", type=_column, default=None,
                   help="column holding image paths, relative to the input file")
    p.add_argument("--images-root", type=_folder, default=None,
                   help="images must resolve inside this folder (default: the input file's folder)")
    p.add_argument("--chunk-rows", type=_positive, default=20_000,
                   help="rows read and scored at a time (memory grows with it; --resume needs the same value)")
    _add_reading(p, "input")
    p.add_argument("--jobs", type=_processes, default=None,
                   help="local: worker processes scoring chunks side by side (default: one per CPU core this "
                        "process may use; at most "
                        f"{PROCESSES_PER_CORE} per core)")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run of the same input, options and model into the same output "
                        "(local: the same --chunk-rows; dask: the same --blocksize)")
    p.add_argument("--quiet", action="store_true", help="no progress bar (it only shows on a terminal anyway)")
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local: stream in this process; dask: a Dask DataFrame on a cluster (default: local)")
    p.add_argument("--scheduler", default=None,
                   help="dask: address of an existing scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(default: start a LocalCluster on this machine)")
    p.add_argument("--workers", type=_processes, default=None,
                   help=f"dask LocalCluster: worker processes (default: one per CPU core; at most {PROCESSES_PER_CORE} "
                        f"per core)")
    p.add_argument("--blocksize", type=_byte_size, default=None,
                   help="dask: bytes of input per partition, e.g. 4MB, 64MiB (default: 4MB)")
    p.add_argument("--no-escape-formulas", action="store_true",
                   help="write text cells as they are, even those a spreadsheet would run as formulas (by default "
                        "a cell or column name starting with = + - @, a tab or a carriage return gets a leading ', "
                        "unless it is only a number)")


def _add_compare(sub) -> None:
    p = _command(sub, "compare", "table of every saved run's metrics, best first",
                 "Find every saved model under --runs and print its metrics, best first: by away_from_wassa, the mean "
                 "macro-F1 on GoEmotions dev, SemEval-2018 E-c dev and the everyday check (users' tweets are unlike "
                 "WASSA-2017's), then by WASSA-2017 test macro-F1. Exit status 1 when no readable run is found "
                 "(as grep's when nothing matches; a run that cannot be read is named and left out), 2 on an error.")
    p.add_argument("--runs", type=Path, default=None,
                   help="folder holding run directories (default: where the Train page saves them, runs/ in the "
                        "repository or $TWEET_EMOTION_RUNS)")
    p.add_argument("--with-default", action="store_true", help="include the shipped default model")
    p.add_argument("--with-zoo", action="store_true",
                   help="include the shipped zoo (models/zoo/), as the dashboard's Compare page does")


def _add_convert(sub) -> None:
    p = _command(sub, "convert", "convert a model folder saved in the old pickle format",
                 "Rewrite a model folder of the earlier format (state.pkl.gz, a pickle) in the data-only format. "
                 "Reading a pickle can run any code it holds: convert only folders you trust.")
    p.add_argument("--model-dir", type=Path, required=True, help="model folder of the earlier format")
    p.add_argument("--trust", action="store_true", help="required: you trust the folder (it is unpickled once)")
    p.add_argument("--out", type=Path, default=None, help="folder to write (default: convert in place)")


def _add_audit(sub) -> None:
    p = _command(sub, "audit", "fairness audit on the Equity Evaluation Corpus",
                 "Score the bundled Equity Evaluation Corpus and print one JSON object: for gender (female − male) "
                 "and race (African-American − European names), per emotion, the mean and largest gap in prob_<e> "
                 "and intensity_<e> between sentences that differ only in the person, with a paired t-test's "
                 "p-value; the share of emotion-word sentences whose emotion the model names; and the emotion words "
                 "it names as their emotion in fewer than half of their sentences (misread_words).", model_dir=True)
    p.add_argument("--save", action="store_true",
                   help="also store the audit with the model: fairness.json and MODEL_CARD.md rewritten and their "
                        "checksums in config.json (the weights are not touched; a folder that fails its checksums "
                        "is refused and left as it is)")


def _add_train_zoo(sub) -> None:
    from models.registry import ZOO_DIR
    from training.zoo import ZOO

    p = _command(sub, "train-zoo", "train the shipped model zoo (3 to 7 minutes on 2 cores)",
                 "Train one model of each kind on the default recipe's data (the WASSA specialist and the previous "
                 "default on their own presets' data) and "
                 "save each, with its metrics, fairness audit and model card, under --out.")
    p.add_argument("--out", type=Path, default=ZOO_DIR, help="folder of the zoo")
    p.add_argument("--only", type=_names, default=None, help=f"comma-separated names (default: all of {', '.join(ZOO)})")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the held-out splits and of every model: the same seed gives the same zoo")
    p.add_argument("--jobs", type=_positive, default=None,
                   help="models trained at a time, each in a process on one core of its own and up to 2.2 GB of "
                        "memory (default: one per core, as many as the free memory holds; the same models either way)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    top.add_argument("--debug", action="store_true", help="on an error, print the traceback too")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (_add_train, _add_evaluate, _add_score, _add_compare, _add_convert, _add_audit, _add_train_zoo):
        add(sub)
    return top


def cmd_train(args) -> int:
    before = _saved_config(args.out)
    try:
        return _train(args)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: one line, as `score` does, saying what is left in --out
        print(_interrupted(args.out, before, _interrupt_word(exc)), file=sys.stderr)
        return _interrupt_status(exc)


def _saved_config(out: Path) -> bytes | None:
    try:
        return (out / "config.json").read_bytes()
    except OSError:
        return None


def _interrupted(out: Path, before: bytes | None, word: str = "interrupted") -> str:
    """What an interrupted `train` left in `out` (`before`: its config.json then). Saving writes a hidden staging
    folder beside `out`, removed if interrupted, and renames it into place: `out` is as it was or the new run, but
    for a stop between setting the model there aside and renaming the new one in (`models.store.save_directory`).
    `word`: how the run was stopped (`_interrupt_word`)."""
    after = _saved_config(out)
    if after is not None and after != before:
        return f"{word} after the run was saved to {out}"
    if before is None:
        return f"{word}; nothing was saved to {out}"
    if after is None:  # between setting the model that was there aside and renaming the new one into place
        return f"{word}; nothing was saved to {out}, and the model that was there was set aside while being replaced (a hidden folder beside it, .{Path(os.path.abspath(out)).name}.*.old)"
    return f"{word}; nothing was saved to {out}: it holds the model it held before"


def _train(args) -> int:
    from data.labelled import hold_out, read_labelled
    from data.registry import training_set
    from models.registry import build_model
    from models.store import ModelLoadError, check_replaceable, read_config
    from training.presets import PRESETS
    from training.run import overlap_note, run_training, training_notes

    if not (args.preset or args.data or args.train):
        print("error: give --train PATH, --data SOURCES or --preset NAME", file=sys.stderr)
        return 2
    if args.weights and not (args.data or args.preset):
        print("error: --weights weighs bundled sources: give it with --data or --preset (every row of a --train "
              "file weighs 1)", file=sys.stderr)
        return 2
    if args.valid and not args.train:
        print(f"error: --valid goes with --train; --{'preset' if args.preset else 'data'} validates on each "
              f"bundled source's own validation rows", file=sys.stderr)
        return 2
    if (args.encoding or args.delimiter) and not args.train:
        print("error: --encoding and --delimiter say how a --train (and --valid) file is read; bundled sources "
              "need neither", file=sys.stderr)
        return 2
    check_replaceable(args.out)  # before minutes of training, not after
    if (Path(args.out) / "config.json").is_file():  # a saved model, replaced only once the new one is saved: said
        try:
            was = read_config(Path(args.out)).get("model", "?")
        except ModelLoadError:
            was = "?"
        print(f"note: {args.out} holds a saved model ({_CONTROL.sub('?', str(was))}); it is replaced when this one is "
              f"saved", file=sys.stderr)
    preset = PRESETS[args.preset] if args.preset else {}
    name, settings = args.model or preset.get("model", "fused_net"), {}
    if name == preset.get("model"):
        settings = dict(preset.get("settings", {}))
    elif preset:  # the preset's settings are its model's: another model would refuse them or read them otherwise
        print(f"note: {name} is not the {args.preset} preset's model ({preset['model']}); it trains on the preset's "
              f"data with its own default settings and the options given here", file=sys.stderr)
    settings.update({key: getattr(args, key) for key in NETWORK_OPTIONS if getattr(args, key) is not None})
    try:
        model = build_model(name, settings)
    except ValueError as exc:  # an unknown or unused setting, or one out of range: the message names the valid ones
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.train:
        reading = {"encoding": args.encoding, "delimiter": _delimiter(args.delimiter)}
        train = read_labelled(args.train, **reading)
        # Without --valid, every model keeps a tenth of --train for its validation metrics (a network also stops on it)
        valid = read_labelled(args.valid, **reading) if args.valid else None
        for note in train.notes + (valid.notes if valid else []):  # as `score` says it: a guess the user may check
            print(f"note: {note}", file=sys.stderr)
        if valid is not None and (shared := valid.rows_also_in(train)):
            print(f"warning: {overlap_note(shared, len(valid), f'--valid {args.valid}', '--train')}", file=sys.stderr)
        # on the whole file, not on the part the seed holds out: a row refused (a text of no word) is refused whatever
        # the seed
        model.check_trainable(train)
        train, valid = (train, valid) if valid is not None else hold_out(train, args.seed)
    else:
        try:  # a preset's sources, with their weights (as `training.presets.preset_data`) and the user's over them
            train, valid = training_set(preset.get("data", args.data), seed=args.seed,
                                        weights={**preset.get("weights", {}), **(args.weights or {})})
        except ValueError as exc:
            print(f"error: {f'--preset {args.preset}' if args.preset else f'--data {args.data}'}: {exc}",
                  file=sys.stderr)
            return 2

    def report(record):
        print(f"network {record['member']}  epoch {record['epoch']:3d}  loss {record['train_loss']:.4f}  valid F1 (early stopping) {record['valid_macro_f1']:.4f}",
              file=sys.stderr)

    side_by_side = getattr(model, "member_processes", lambda: 1)()
    if side_by_side > 1:
        print(f"note: its {model.settings.members} networks train {side_by_side} at a time, side by side; each one's "
              f"epochs are printed when it ends", file=sys.stderr)
    metrics = run_training(model, train, valid, seed=args.seed, out=args.out, bundled_eval=not args.no_bundled_eval,
                           on_epoch=report)
    for note in training_notes(model.config):
        print(f"warning: {note}", file=sys.stderr)
    if metrics.get("valid", {}).get("rows_with_messages"):  # as `evaluate` says it of a file
        from evaluation.metrics import messages_note

        print(f"warning: validation: {messages_note(metrics['valid'])} {metrics['valid']['first_messages'][0]}",
              file=sys.stderr)
    print(json.dumps({"run": str(args.out), "model": name, "train_seconds": model.config["train_seconds"],
                      "metrics": {k: {m: v[m] for m in ("macro_f1", "accuracy", "pearson_mean") if m in v}
                                  for k, v in metrics.items()}}, indent=2))
    return 0


def cmd_evaluate(args) -> int:
    import numpy as np

    from data.labelled import read_labelled
    from evaluation.metrics import messages_note
    from models.registry import load_model

    if not args.data.exists() and not args.data.suffix:  # `--data wassa`, as `train --data` names bundled sources
        print(f"error: {args.data}: file not found; --data takes a labelled CSV/TSV file (the bundled sets are files "
              f"under data/, e.g. data/wassa2017/test.tsv)", file=sys.stderr)
        return 2
    model = load_model(args.model_dir)
    data = read_labelled(args.data, encoding=args.encoding, delimiter=_delimiter(args.delimiter))
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    result = model.evaluate(data)
    if result["rows_with_messages"]:
        print(f"warning: {messages_note(result)} {result['first_messages'][0]}", file=sys.stderr)
    if np.isfinite(data.intensity).any() and "pearson_mean" not in result:  # a script would find only a key missing
        given = f" (only for {', '.join(result['pearson'])})" if "pearson" in result else ""
        print(f"note: {args.data} has intensities, but no pearson_mean is given{given}: an emotion it rates in fewer "
              f"than 3 rows, or all alike, has no correlation, and one {model.name} gives no intensity, or one and "
              f"the same, for leaves the mean out (README, \"Using it\")", file=sys.stderr)
    print(json.dumps(result, indent=2))
    return 0


class Terminated(KeyboardInterrupt):
    """SIGTERM (`docker stop`, Kubernetes, `timeout`) during any command, raised where Ctrl-C raises
    KeyboardInterrupt so that the same clean-up runs (a `score` output or a `train` staging folder is not left
    half-written); the exit status says which signal it was."""


def _terminated(signum, frame):
    raise Terminated()


def _interrupt_status(exc: KeyboardInterrupt) -> int:
    """What a shell reports for a process ended by the signal: 128 + 15 for SIGTERM, 128 + 2 for Ctrl-C."""
    return 143 if isinstance(exc, Terminated) else 130


def _interrupt_word(exc: KeyboardInterrupt) -> str:
    """How the one line that ends an interrupted command names what ended it."""
    return "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"


def cmd_score(args) -> int:
    try:  # the imports and the model's loading (a second or two) too: Ctrl-C there is the same one line
        from data.tables import TABLE_EXTENSIONS
        from models.registry import load_model

        delimiter = _delimiter(args.delimiter)
        model = load_model(args.model_dir)
        if args.engine == "dask":
            from scoring.dask import score_file_dask

            summary = score_file_dask(model, args.input, args.output, args.text_column, args.image_column,
                                      args.images_root, encoding=args.encoding, delimiter=delimiter,
                                      scheduler=args.scheduler, n_workers=args.workers,
                                      blocksize=args.blocksize or "4MB",
                                      formulas_escaped=not args.no_escape_formulas, resume=args.resume)
        else:
            from models.base import usable_cores
            from scoring.local import score_file

            summary = score_file(model, args.input, args.output, args.text_column, args.image_column,
                                 args.images_root, chunk_rows=args.chunk_rows, encoding=args.encoding,
                                 delimiter=delimiter, resume=args.resume, progress=not args.quiet,
                                 jobs=args.jobs or usable_cores(), formulas_escaped=not args.no_escape_formulas)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (`Terminated`): one line; the lock is released
        from scoring.output import kept_for_resume

        kept = kept_for_resume(args.output)
        print(f"{_interrupt_word(exc)}; {args.output} was not written{' (rerun with --resume to continue)' if kept else ''}",
              file=sys.stderr)
        return _interrupt_status(exc)
    except Exception as exc:  # a DataError says what it keeps (a full disk), or keeps nothing
        from data import DataError
        from scoring.output import kept_for_resume

        if not isinstance(exc, DataError) and (kept := kept_for_resume(args.output)):
            print(f"note: {args.output} was not written; what was scored before this error is kept in {kept} "
                  f"(rerun with --resume to go on from it, or without it to start over)", file=sys.stderr)
        raise
    for note in summary.notes:
        print(note, file=sys.stderr)
    if args.output.suffix.lower() not in TABLE_EXTENSIONS:  # .gz and the like were refused
        print(f"note: {args.output.name} is written as CSV (comma-separated), as any name not ending in .tsv, .tab or "
              f".txt", file=sys.stderr)
    resumed = f" ({summary.resumed_rows} from the interrupted run)" if summary.resumed_rows else ""
    warned = f" ({summary.warned} with a message in `error`)" if summary.warned else ""
    print(f"scored {summary.scored} of {summary.rows} rows{resumed}{warned}, {summary.failed} failed → "
          f"{args.output}", file=sys.stderr)
    return 1 if summary.scored == 0 else 0


# Control characters (ANSI escape sequences start with ESC), which a terminal would act on rather than show.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def cmd_compare(args) -> int:
    from data.registry import EVALUATION_SETS
    from emotions import EMOTIONS
    from evaluation.runs import AWAY_COLUMN, find_runs, runs_dir, runs_table
    from models.registry import DEFAULT_MODEL_DIR

    shipped = {"the shipped default model": DEFAULT_MODEL_DIR} if args.with_default else {}
    if args.with_zoo:
        from models.registry import ZOO_DIR

        shipped["the shipped zoo"] = ZOO_DIR
    here = Path.cwd()  # models/default, as the README names it, not the absolute path
    shipped = {what: folder.relative_to(here) if folder.is_relative_to(here) else folder
               for what, folder in shipped.items()}
    if args.runs is None:
        args.runs = runs_dir()
        args.runs = args.runs.relative_to(here) if args.runs.is_relative_to(here) else args.runs
    folders = [args.runs, *shipped.values()]
    missing = None if args.runs.is_dir() else "not a folder" if args.runs.exists() else "no such folder"
    if missing and shipped:
        print(f"note: {args.runs}: {missing}; only {' and '.join(shipped)} {'are' if len(shipped) > 1 else 'is'} "
              f"compared", file=sys.stderr)
    table, skipped = runs_table(find_runs(*folders))
    for run, why in skipped.items():  # one bad run is named and left out; the others are still compared
        print(f"skipped {run}: {why}", file=sys.stderr)
    if table.empty:
        print(f"no {'readable ' if skipped else ''}saved runs under {args.runs}{f' ({missing})' if missing else ''}",
              file=sys.stderr)
        return 1
    if AWAY_COLUMN not in table.columns and not any(f"{s}_macro_f1" in table.columns for s in EVALUATION_SETS):
        print("note: no run has figures on the bundled evaluation sets (trained with --no-bundled-eval): ranked by "
              "valid_macro_f1, each run's figure on its own validation rows, which compares runs validated on the "
              "same file only", file=sys.stderr)
    keep = [c for c in table.columns if c.split("_f1_")[-1] not in EMOTIONS]
    shown = table[keep].round(4)
    for column in shown.select_dtypes(exclude="number").columns:  # a run's own words (its model's name): shown,
        shown[column] = shown[column].map(lambda v: _CONTROL.sub("?", v) if isinstance(v, str) else v)  # not obeyed
    for column in ("seed", "tweets_per_s"):  # whole numbers, a run without one "–" (not "None", nor 67619.0 for all)
        if column in shown.columns:
            shown[column] = [f"{int(v)}" if isinstance(v, (int, float)) and math.isfinite(v) else "–"
                             for v in shown[column]]
    with __import__("pandas").option_context("display.width", 200, "display.max_columns", 30):
        print(shown.to_string(index=False, na_rep="–"))
    return 0


def cmd_convert(args) -> int:
    from models.convert import convert_legacy, legacy_config

    legacy_config(args.model_dir)  # a folder with nothing to convert is said so, before trust is asked for
    if not args.trust:
        print(f"error: converting unpickles {args.model_dir}, which can run any code it holds; if you trust "
              f"where it came from, add --trust", file=sys.stderr)
        return 2
    print(f"converted → {convert_legacy(args.model_dir, args.out)}", file=sys.stderr)
    return 0


def cmd_audit(args) -> int:
    from data.bundled import load_eec
    from evaluation.fairness import audit
    from models.card import rewrite_card
    from models.registry import DEFAULT_MODEL_DIR, load_model
    from models.store import ModelLoadError, model_files, read_config

    directory = args.model_dir or DEFAULT_MODEL_DIR
    audited = model_files(read_config(directory))  # the model the audit is of: another saved meanwhile is not
    model = load_model(directory)  # loading checks the folder's checksums
    if model_files(read_config(directory)) != audited:
        raise ModelLoadError(f"{directory}: another model was saved here while it was read; run the audit again")
    report = audit(model, load_eec())
    print(json.dumps(report, indent=2), flush=True)  # first: a save that fails does not lose the audit
    if args.save:  # checks them again, then replaces fairness.json and the card, and config.json last
        rewrite_card(directory, fairness=report, audited=audited)
        print(f"saved → {directory}: fairness.json, MODEL_CARD.md and their checksums in config.json",
              file=sys.stderr)
    return 0


def cmd_train_zoo(args) -> int:
    from training.zoo import train_zoo

    started = time.perf_counter()
    seconds = train_zoo(args.out, args.only, seed=args.seed, jobs=args.jobs,
                        report=lambda line: print(line, file=sys.stderr))
    print(json.dumps({"zoo": str(args.out), "seconds": seconds, "total_seconds": round(sum(seconds.values()), 1),
                      "wall_seconds": round(time.perf_counter() - started, 1)}))
    return 0


def main(argv=None) -> int:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        return _interruptible(argv)
    before = signal.signal(signal.SIGTERM, _terminated)
    try:
        return _interruptible(argv)
    finally:
        signal.signal(signal.SIGTERM, before)


def _interruptible(argv) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM where no command says more (`score` and `train` do)
        print(_interrupt_word(exc), file=sys.stderr)
        return _interrupt_status(exc)


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> str:
    """A warning as the CLI's other messages: one line, with no source file or code (--debug keeps Python's)."""
    return f"warning: {' '.join(str(message).split())}\n"


def _main(argv=None) -> int:
    import warnings

    args = parser().parse_args(argv)
    shown_as = warnings.formatwarning
    if not args.debug:
        warnings.formatwarning = _one_line_warning
    try:
        return _run(args)
    finally:
        warnings.formatwarning = shown_as  # `main` called from Python leaves it as it was


def _run(args) -> int:
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "score": cmd_score, "compare": cmd_compare,
                "convert": cmd_convert, "audit": cmd_audit, "train-zoo": cmd_train_zoo}
    with _inert_stderr():
        return _run_command(commands[args.command], args)


class _InertStream:
    """A text stream that writes the control characters a terminal would act on as "?" (ESC starts its
    commands: a run folder, an image cell or a column named with one cleared the screen in a message); line ends,
    tabs and carriage returns (a progress bar's) are written as they are."""

    UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(self.UNSAFE.sub("?", text))

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _inert_stderr():
    """Every message of a command (notes, warnings, errors, a library's warnings) through `_InertStream`."""
    given = sys.stderr
    sys.stderr = _InertStream(given)
    try:
        yield
    finally:
        sys.stderr = given


def _run_command(command, args) -> int:
    from models.store import ModelLoadError

    try:
        status = command(args)
        sys.stdout.flush()  # a reader that went away is found here, not at the interpreter's exit
        return status
    except BrokenPipeError:  # `cli.py evaluate ... | head -1`: stop quietly, as Unix tools do
        try:  # and spare the interpreter's exit a second failed flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # stdout is no file (a test's capture)
            pass
        return 128 + 13  # what a shell reports for a process ended by SIGPIPE
    except Exception as exc:  # every error is one line (and a non-zero exit); --debug adds the traceback
        if args.debug:
            import traceback

            traceback.print_exc()
        expected = isinstance(exc, (ModelLoadError, ValueError, OSError))  # DataError, LexiconError: ValueErrors
        message = " ".join(_message(exc).split()) or type(exc).__name__
        print(f"error: {message}" if expected else f"error: {type(exc).__name__}: {message} (rerun with --debug "
              f"for the traceback)", file=sys.stderr)
        return 2


def _message(exc: Exception) -> str:
    """An OSError as "path: what is wrong" (not "[Errno 20] Not a directory: PosixPath('out')"); others as they say."""
    if isinstance(exc, OSError) and exc.strerror and exc.filename is not None:
        where = f"{exc.filename} → {exc.filename2}" if exc.filename2 is not None else f"{exc.filename}"
        return f"{where}: {exc.strerror}"
    return str(exc)


if __name__ == "__main__":
    status = main()
    # Everything is written; spare the interpreter's teardown from collecting torch's and scikit-learn's objects
    # one by one (0.4 s of a one-tweet `score` run, measured with and without).
    gc.freeze()
    sys.exit(status)
