"""Saved runs with one malformed file, as an exploratory test made them: a copy of the shipped `zoo/text_net` with
one file edited. The Compare page and `cli.py compare` leave such a run out (or only its audit, or its card) and
say why; the tests of both, and of `evaluation.comparison`, go through these cases.

Most cases are crafted folders: the edited file's new checksum recorded in config.json (`reseal`), as anyone
handing over a folder can, so that what is checked after the checksum is reached. The cases marked
`reseal=False` are edited as a user would edit them, config.json untouched: their checksum is what refuses them."""

import json
import shutil
from pathlib import Path
from typing import Callable, NamedTuple

from data.checksums import sha256_file

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "models" / "zoo" / "text_net"


class Case(NamedTuple):
    edit: Callable[[Path], None]  # changes the copied run folder
    part: str  # what is left out: "run" (its row in the table), "fairness" (its audit) or "card" (its model card)
    note: str  # what the note that names the run says is wrong
    reseal: bool = True  # config.json records the edited files' new checksums


def reseal(directory: Path) -> None:
    """config.json's checksums made those of the folder's files as they now are (a regular file's only: a folder
    at a file's name keeps the old one); a config.json that is no object with `files` is left as it is."""
    path = directory / "config.json"
    try:
        config = json.loads(path.read_text())
    except (ValueError, RecursionError):  # not JSON, nested too deeply
        return
    if not isinstance(config, dict) or not isinstance(config.get("files"), dict):
        return
    for name in config["files"]:
        if (directory / name).is_file():
            config["files"][name] = sha256_file(directory / name)
    path.write_text(json.dumps(config))


def _json(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def edit(directory: Path) -> None:
        content = json.loads((directory / name).read_text())
        change(content)
        (directory / name).write_text(json.dumps(content))
    return edit


def _write(name: str, content: str | bytes) -> Callable[[Path], None]:
    def edit(directory: Path) -> None:
        path = directory / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    return edit


DEEP = "[" * 100_000 + "]" * 100_000

# The exploratory test's cases first, then a few more of the same kinds.
CASES = {
    "metrics_an_array": Case(_write("metrics.json", "[1, 2, 3]"), "run", "metrics.json is an array, not an object"),
    "metrics_without_per_emotion": Case(_json("metrics.json", lambda m: m["wassa_test"].pop("per_emotion")), "run",
                                        "metrics.json: wassa_test.per_emotion is missing"),
    "macro_f1_a_string": Case(_json("metrics.json", lambda m: m["wassa_test"].update(macro_f1="high")), "run",
                              'metrics.json: wassa_test.macro_f1 is "high", not a number'),
    "config_an_array": Case(_write("config.json", "[]"), "run", "config.json is an array, not an object"),
    "config_nested_deep": Case(_write("config.json", DEEP), "run", "config.json: nested too deeply to be read"),
    "fairness_nested_deep": Case(_write("fairness.json", DEEP), "fairness",
                                 "fairness.json: nested too deeply to be read"),
    "fairness_gender_a_number": Case(_write("fairness.json", '{"gender": 1}'), "fairness",
                                     "fairness.json: emotion_word_accuracy is missing"),
    "card_not_utf8": Case(_write("MODEL_CARD.md", b"# Card \xff\xfe bad utf8\n"), "card",
                          "MODEL_CARD.md: not UTF-8 text (byte 7)"),
    "seed_2_to_the_200": Case(_json("config.json", lambda c: c.update(seed=2**200)), "run",
                              "config.json: seed is 160693804425899027...2993782792835301376, outside "
                              "[0, 4,294,967,295]"),
    # more of the same kinds
    "metrics_not_json": Case(_write("metrics.json", "{not json"), "run",
                             "metrics.json: not JSON (Expecting property name enclosed in double quotes, line 1 "
                             "column 2)"),
    "metrics_not_utf8": Case(_write("metrics.json", b'{"a": "\xff"}'), "run", "metrics.json: not UTF-8 text (byte 7)"),
    "metrics_a_folder": Case(lambda d: ((d / "metrics.json").unlink(), (d / "metrics.json").mkdir()), "run",
                             "metrics.json: not a regular file; refusing to read it"),
    "accuracy_infinite": Case(_json("metrics.json", lambda m: m["valid"].update(accuracy=float("inf"))), "run",
                              "metrics.json: valid.accuracy is inf, outside [0, 1]"),
    "f1_above_one": Case(_json("metrics.json", lambda m: m["valid"]["per_emotion"]["joy"].update(f1=1.5)), "run",
                         "metrics.json: valid.per_emotion.joy.f1 is 1.5, outside [0, 1]"),
    "pearson_true": Case(_json("metrics.json", lambda m: m["valid"].update(pearson_mean=True)), "run",
                         "metrics.json: valid.pearson_mean is true, not a number"),
    "model_an_object": Case(_json("config.json", lambda c: c.update(model={"a": 1})), "run",
                            "config.json: model is {'a': 1}, not a model's name"),
    "config_of_another_tool": Case(_write("config.json", '{"name": "my-app", "version": 2}'), "run",
                                   "config.json names no model: not a saved model's folder"),
    "train_seconds_a_string": Case(_json("config.json", lambda c: c.update(train_seconds="x")), "run",
                                   'config.json: train_seconds is "x", not a number'),
    "tweets_per_s_an_array": Case(_json("config.json", lambda c: c.update(tweets_per_s=[1])), "run",
                                  "config.json: tweets_per_s is [1], not a number"),
    "seed_a_fraction": Case(_json("config.json", lambda c: c.update(seed=0.5)), "run",
                            "config.json: seed is 0.5, not a whole number"),
    "fairness_p_value_a_string": Case(
        _json("fairness.json", lambda f: f["race"]["joy"]["intensity"].update(p_value="small")), "fairness",
        'fairness.json: race.joy.intensity.p_value is "small", not a number'),
    "fairness_unknown_score": Case(_json("fairness.json", lambda f: f["gender"]["fear"].update(loudness={})),
                                   "fairness", 'fairness.json: gender.fear: "loudness" not a score the audit compares '
                                               '(probability, intensity)'),
    # edited after saving, config.json untouched: refused by the checksum config.json records, as loading does
    "macro_f1_raised": Case(_json("metrics.json", lambda m: m["wassa_test"].update(macro_f1=0.99)), "run",
                            "metrics.json: checksum differs from config.json; refusing to read it", reseal=False),
    "fairness_gap_lowered": Case(_json("fairness.json", lambda f: f["race"]["joy"]["intensity"].update(mean_gap=0.0)),
                                 "run", "its model cannot be loaded: fairness.json: checksum differs from config.json; "
                                        "refusing to load it", reseal=False),
    "metrics_unlisted": Case(_json("config.json", lambda c: c["files"].pop("metrics.json")), "run",
                             "metrics.json: config.json lists no checksum for it; refusing to read it"),
    "fairness_unlisted": Case(_json("config.json", lambda c: c["files"].pop("fairness.json")), "run",
                              "its model cannot be loaded: fairness.json: config.json lists no checksum for it; "
                              "refusing to read it"),
    "old_format": Case(_json("config.json", lambda c: [c.pop("format"), c.pop("files")]), "run",
                       "config.json: saved in the old pickle format, which records no checksums and which this "
                       "version refuses to load; if you trust where it came from, convert it once: python cli.py "
                       "convert --model-dir DIR --trust"),
}

EXPLORATORY = list(CASES)[:9]  # the cases the exploratory test found


def make_run(folder: Path, name: str) -> Path:
    """The malformed run `name` of CASES, as folder/name."""
    directory = folder / name
    shutil.copytree(SOURCE, directory)
    CASES[name].edit(directory)
    if CASES[name].reseal:
        reseal(directory)
    return directory


def good_run(folder: Path, name: str = "good") -> Path:
    """A copy of the shipped run the cases are made from, unchanged."""
    return Path(shutil.copytree(SOURCE, folder / name))
