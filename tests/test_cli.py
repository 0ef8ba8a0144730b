import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli
from data.bundled import load_wassa
from tests.malformed_runs import CASES, good_run, make_run
from tests.terminal import AS_FROM_A_TERMINAL

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ["emotion", "prob_anger", "prob_fear", "prob_joy", "prob_sadness", "intensity_anger", "intensity_fear",
          "intensity_joy", "intensity_sadness", "error"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    train = load_wassa("train").sample(400, random_state=0)
    train[["text", "label", "intensity"]].to_csv(folder / "train.csv", index=False)
    load_wassa("dev")[["text", "label", "intensity"]].to_csv(folder / "dev.tsv", sep="\t", index=False)
    return folder


@pytest.fixture(scope="module")
def run(files):
    out = files / "runs" / "tfidf"
    assert cli.main(["train", "--model", "tfidf_logreg", "--train", str(files / "train.csv"), "--valid",
                     str(files / "dev.tsv"), "--out", str(out), "--no-bundled-eval"]) == 0
    return out


def test_train_writes_a_complete_run_directory(run):
    assert {p.name for p in run.iterdir()} == {"config.json", "metrics.json", "training_log.json", "model.skops",
                                               "MODEL_CARD.md"}
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics) == {"valid"} and metrics["valid"]["n"] == 347


def test_train_without_valid_holds_out_a_tenth_and_reports_it(files):
    out = files / "held"
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--out", str(out),
                     "--no-bundled-eval"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["valid"]["n"] == 40 and json.loads((out / "config.json").read_text())["train_rows"] == 360


def test_train_says_what_it_replaces_and_what_it_validates_on(files, capsys):
    """A saved model at --out was replaced without a word (models/default too); --valid naming the --train file,
    or validation rows that could not be scored, were not said."""
    out = files / "replaced"
    (files / "valid_links.csv").write_text("text,label\nhttps://t.co/abc,joy\nso happy,joy\nso angry,anger\n")
    for valid in ("train.csv", "valid_links.csv"):
        assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--valid",
                         str(files / valid), "--out", str(out), "--no-bundled-eval"]) == 0
        err = capsys.readouterr().err
        if valid == "train.csv":
            assert "holds a saved model" not in err
            assert f"warning: --valid {files / 'train.csv'} holds the same rows as --train" in err
        else:
            assert f"note: {out} holds a saved model (lexicon_rule); it is replaced when this one is saved" in err
            assert ("warning: validation: 1 row(s) have a message, 1 of them not scored (the figures leave those out); "
                    f"first: {files / 'valid_links.csv'}, row 1: nothing to score: the text has no word") in err


def test_train_warns_of_an_emotion_with_no_example(files, capsys):
    rows = load_wassa("train").sample(400, random_state=1)
    rows[rows.label != "sadness"][["text", "label"]].to_csv(files / "no_sadness.csv", index=False)
    assert cli.main(["train", "--model", "logreg", "--train", str(files / "no_sadness.csv"), "--out",
                     str(files / "no_sadness"), "--no-bundled-eval"]) == 0
    assert "warning: the training data has no example of sadness: the model may never say it" in capsys.readouterr().err


def test_train_refuses_an_output_folder_that_is_not_a_model_before_training(files, tmp_path, capsys):
    """Saving replaces the folder whole: a folder holding the user's files would be lost."""
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "sub" / "notes.txt").write_text("keep me")
    (mine / "train.csv").write_bytes((files / "train.csv").read_bytes())
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(mine / "train.csv"), "--out", str(mine),
                     "--no-bundled-eval"]) == 2
    assert "mine: exists and is not a saved model folder (it holds sub, train.csv)" in capsys.readouterr().err
    assert (mine / "sub" / "notes.txt").read_text() == "keep me" and (mine / "train.csv").exists()


@pytest.mark.parametrize("where, message", [
    ("under_a_file", "train.csv is a file, not a folder; choose another output folder"),
    ("/proc/run", "/proc/run: cannot save there: /proc cannot be written (it takes no new folders)"),
])
def test_train_refuses_an_output_it_cannot_save_to_before_training(files, capsys, where, message):
    """Found only when saving, after the whole fit: "train.csv: File exists", or a hidden staging folder's path."""
    out = files / "train.csv" / "run" if where == "under_a_file" else Path(where)
    assert cli.main(["train", "--model", "text_net", "--epochs", "1", "--train", str(files / "train.csv"), "--out",
                     str(out), "--no-bundled-eval"]) == 2
    err = capsys.readouterr().err
    assert message in err and "epoch" not in err


def test_a_label_file_with_none_rows_trains_a_model_that_says_none(files, capsys):
    rows = load_wassa("train").sample(200, random_state=2)[["text", "label"]]
    plain = pd.DataFrame({"text": [f"the bus leaves at {h} from platform {h % 7}" for h in range(60)], "label": "none"})
    pd.concat([rows, plain]).to_csv(files / "with_none.csv", index=False)
    out = files / "with_none"
    assert cli.main(["train", "--model", "tfidf_logreg", "--train", str(files / "with_none.csv"), "--out", str(out),
                     "--no-bundled-eval"]) == 0
    assert json.loads((out / "config.json").read_text())["outputs"] == "presence"
    capsys.readouterr()
    assert cli.main(["evaluate", "--model-dir", str(out), "--data", str(files / "with_none.csv")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["none_rows"] == 60 and result["none_f1"] > 0.9


def test_evaluate_prints_one_json_object(run, files, capsys):
    assert cli.main(["evaluate", "--model-dir", str(run), "--data", str(files / "dev.tsv")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"macro_f1", "accuracy", "per_emotion", "confusion_matrix", "pearson", "pearson_mean"} <= set(result)
    assert len(result["confusion_matrix"]) == 4 and set(result["pearson"]) == {"anger", "fear", "joy", "sadness"}


def test_evaluate_names_the_rows_it_leaves_out_or_scores_without_their_image(files, capsys):
    (files / "notes.png").write_text("not an image")
    source = files / "with_images.csv"
    source.write_text("text,image,label\nso happy today,,joy\nso sad,notes.png,sadness\n,notes.png,anger\n")
    assert cli.main(["evaluate", "--data", str(source)]) == 0  # the default model reads images
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["n"] == 2 and result["rows_not_scored"] == 1 and result["rows_with_messages"] == 2
    assert result["first_messages"][0].startswith(f"{source}, row 2: notes.png: not a supported image")
    assert "2 row(s) have a message, 1 of them not scored" in captured.err
    assert f"first: {source}, row 2: notes.png" in captured.err


def test_a_valid_file_sharing_rows_with_train_is_warned_of_however_ordered_or_cut(files, capsys):
    """Only a byte-for-byte copy was said: a reversed copy, or 40 of its rows, gave validation figures of 0.99 and
    1.0 on training rows, unsaid."""
    train = pd.read_csv(files / "train.csv")
    train.iloc[::-1].to_csv(files / "reversed.csv", index=False)
    new = pd.DataFrame({"text": [f"a brand new tweet, so sad {i}" for i in range(10)], "label": "sadness"})
    pd.concat([train.iloc[:40].assign(label="joy"), new]).to_csv(files / "part.csv", index=False)  # relabelled
    for valid, said in (("reversed.csv", "holds the same rows as --train"),
                        ("part.csv", "has 40 of its 50 rows also in --train (the same text and image): the "
                                     "validation figures (and a network's early stopping) measure those training")):
        assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--valid",
                         str(files / valid), "--out", str(files / f"overlap_{valid}"), "--no-bundled-eval"]) == 0
        assert f"warning: --valid {files / valid} {said}" in capsys.readouterr().err


def test_a_row_refused_for_training_is_refused_whatever_the_seed_and_an_unreadable_valid_before_training(files,
                                                                                                        capsys):
    """A text of no word was refused when the seed put it among the training rows and scored as a validation
    row when it put it among the held-out tenth; a --valid file of faces for a text model was put aside for a
    tenth of --train, without a word, and refused after the training."""
    rows = [f"so happy {i},joy" if i % 2 else f"so sad {i},sadness" for i in range(200)]
    rows[5] = "@someone http://t.co/abc,joy"
    (files / "wordless.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    for seed in range(6):
        assert cli.main(["train", "--model", "logreg", "--train", str(files / "wordless.csv"), "--seed", str(seed),
                         "--out", str(files / f"wordless{seed}"), "--no-bundled-eval"]) == 2
        assert "column 'text', row(s) 6: no word" in capsys.readouterr().err
    (files / "a.png").write_bytes(b"")
    (files / "faces.csv").write_text("image,label\na.png,joy\na.png,sadness\n")
    assert cli.main(["train", "--model", "logreg", "--train", str(files / "train.csv"), "--valid",
                     str(files / "faces.csv"), "--out", str(files / "faces"), "--no-bundled-eval"]) == 2
    assert (f"{files / 'faces.csv'}: logreg reads texts, and none of the 2 validation rows has one: give validation "
            f"rows with texts, or train without a validation file") in capsys.readouterr().err


def test_validation_messages_name_the_file_and_its_own_row_not_the_held_out_tenths(files, capsys):
    """"row 10" was the tenth row of the held-out tenth (the file's row 100), and named no file."""
    rows = [f"so happy {i},joy" if i % 2 else f"so sad {i},sadness" for i in range(200)]
    rows = [f"{'so happy ' * 12_000},joy" if i % 20 == 19 else row for i, row in enumerate(rows)]  # read in part
    (files / "wordy.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    assert cli.main(["train", "--model", "logreg", "--train", str(files / "wordy.csv"), "--out",
                     str(files / "wordy"), "--no-bundled-eval", "--seed", "4"]) == 0
    metrics = json.loads((files / "wordy" / "metrics.json").read_text())
    for message in metrics["valid"]["first_messages"]:
        row = int(message.split(", row ")[1].split(":")[0])
        assert message.startswith(f"{files / 'wordy.csv'}, row ") and row % 20 == 0  # the file's rows 20, 40, ...


def test_evaluate_says_why_a_file_with_intensities_gets_no_pearson_mean(tmp_path, capsys):
    """A file whose intensities are all alike got no `pearson` and no `pearson_mean`: only keys missing, unsaid."""
    source = tmp_path / "rated.csv"
    source.write_text("text,label,intensity\nso angry,anger,0.9\nquite annoyed,anger,0.4\nfurious!!,anger,0.8\n"
                      "so happy,joy,0.7\n")
    assert cli.main(["evaluate", "--data", str(source)]) == 0
    out, err = capsys.readouterr()
    assert set(json.loads(out)["pearson"]) == {"anger"} and "pearson_mean" in json.loads(out)  # over what is rated
    assert "pearson_mean is given" not in err
    source.write_text("text,label,intensity\nso angry,anger,0.9\nquite annoyed,anger,0.9\nfurious!!,anger,0.9\n")
    assert cli.main(["evaluate", "--data", str(source)]) == 0
    out, err = capsys.readouterr()
    assert "pearson" not in json.loads(out)
    assert f"note: {source} has intensities, but no pearson_mean is given: an emotion it rates in fewer than 3" in err


def test_evaluate_refuses_a_file_whose_every_row_is_labelled_none(run, files, capsys):
    """Accuracy and macro-F1 are over rows labelled with an emotion: with none, scikit-learn failed on empty arrays
    with a message naming no file."""
    source = files / "all_none.csv"
    source.write_text("text,label\nthe bus leaves at nine,none\nthe sky,NONE\n")
    assert cli.main(["evaluate", "--model-dir", str(run), "--data", str(source)]) == 2
    assert f"error: {source}: every row is labelled none; evaluating needs rows labelled with one of anger, fear, " \
           f"joy or sadness" in capsys.readouterr().err
    # the same rows as 0/1 columns got a macro-F1 of 0 (with an accuracy of 1 for a model that said none to both)
    source.write_text("text,anger,fear,joy,sadness\nthe bus leaves at nine,0,0,0,0\nthe sky,0,0,0,0\n")
    assert cli.main(["evaluate", "--data", str(source)]) == 2
    assert f"error: {source}: every row has none of the four emotions (its emotion columns all 0); evaluating " \
           f"needs rows labelled with one of anger, fear, joy or sadness" in capsys.readouterr().err


@pytest.mark.parametrize("model", ["tfidf_logreg", "text_net"])
@pytest.mark.parametrize("rows, said", [
    ("text,label\nthe bus leaves at nine,none\nthe sky,none\n", "is labelled none"),
    # the same rows as 0/1 columns: a network stopped early on a validation F1 of 0 at every epoch
    ("text,anger,fear,joy,sadness\nthe bus leaves at nine,0,0,0,0\nthe sky,0,0,0,0\n",
     "has none of the four emotions (its emotion columns all 0)"),
])
def test_train_refuses_a_validation_file_labelled_none_before_training(files, capsys, rows, said, model):
    source = files / "valid_none.csv"
    source.write_text(rows)
    out = files / "never_trained"
    assert cli.main(["train", "--model", model, "--train", str(files / "train.csv"), "--valid", str(source),
                     "--out", str(out), "--no-bundled-eval"]) == 2
    err = capsys.readouterr().err
    assert f"error: {source}: every validation row {said}; evaluating needs rows labelled with one of" in err
    assert "epoch" not in err and not out.exists()


def _with_images(folder: Path, name: str, rows: int, bad_row: int | None = None) -> Path:
    """A labelled file of `rows` tweets, every emotion alike, each third with a real PNG; data row `bad_row`
    (1-based) names a file that is no image."""
    from PIL import Image

    Image.new("RGB", (40, 40), "red").save(folder / "face.png")
    (folder / "notes.png").write_text("not an image")
    emotions = ["anger", "fear", "joy", "sadness"]
    lines = ["text,image,label"]
    for i in range(rows):
        image = "notes.png" if i + 1 == bad_row else "face.png" if i % 3 == 0 else ""
        lines.append(f"tweet {i} so {emotions[i % 4]},{image},{emotions[i % 4]}")
    (folder / name).write_text("\n".join(lines) + "\n")
    return folder / name


@pytest.mark.parametrize("model", ["logreg", "fused_net"])
def test_a_validation_image_that_cannot_be_read_is_refused_before_training(tmp_path, capsys, model):
    """It trained to the end: the network stopped early on the row without its image, and `valid` scored it so."""
    train, valid = _with_images(tmp_path, "train.csv", 40), _with_images(tmp_path, "valid.csv", 12, bad_row=7)
    out = tmp_path / "never"
    assert cli.main(["train", "--model", model, "--train", str(train), "--valid", str(valid), "--out", str(out),
                     "--no-bundled-eval", *(["--epochs", "1"] if model == "fused_net" else [])]) == 2
    err = capsys.readouterr().err
    assert (f"error: {valid}: column 'image', row(s) 7: an image that cannot be read (first: notes.png: not a "
            f"supported image") in err and err.endswith("fix or remove it: nothing was trained\n")
    assert "epoch" not in err and not out.exists()


def test_an_image_that_cannot_be_read_is_named_by_its_row_in_the_file_wherever_the_hold_out_puts_it(tmp_path,
                                                                                                      capsys):
    """The row was named by its place among the rows left after the validation tenth was held out, or not at all."""
    train = _with_images(tmp_path, "train.csv", 40, bad_row=38)
    for seed in ("0", "1", "2"):
        assert cli.main(["train", "--model", "logreg", "--train", str(train), "--out", str(tmp_path / "never"),
                         "--no-bundled-eval", "--seed", seed]) == 2
        assert f"error: {train}: column 'image', row(s) 38: an image that cannot be read" in capsys.readouterr().err
    assert not (tmp_path / "never").exists()


def test_score_keeps_every_input_column_and_adds_the_outputs(run, files):
    source = files / "in.csv"
    pd.DataFrame({"id": [1, 2, 3], "text": ["so happy", "", "scared, \"quoted\"\nand multi-line"]}).to_csv(source, index=False)
    out = files / "out.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out)]) == 0
    scored = pd.read_csv(out, keep_default_na=False)
    assert list(scored.columns) == ["id", "text"] + OUTPUT
    assert scored.text[2] == "scared, \"quoted\"\nand multi-line"
    assert scored.error[1].startswith("nothing to score") and scored.emotion[1] == ""
    assert scored.error[0] == "" and scored.emotion[0] in ("anger", "fear", "joy", "sadness")
    assert abs(scored.loc[0, ["prob_anger", "prob_fear", "prob_joy", "prob_sadness"]].astype(float).sum() - 1) < 1e-5


@pytest.mark.parametrize("encoding, message", [
    ("rot13", "error: 'rot13' is not a text encoding; name the one the file is written in"),
    ("base64", "error: 'base64' is not a text encoding"),
    ("zlib", "error: 'zlib' is not a text encoding"),
    ("utf-16", "plain.csv: not valid utf-16 text (UTF-16 stream does not start with BOM); is that the encoding"),
])
def test_score_refuses_an_encoding_that_cannot_read_the_file_naming_it(run, files, capsys, encoding, message):
    """Codecs that are no text encoding, and decoders that refuse without a byte offset, were one line naming
    neither the file nor the encoding ("TypeError: descriptor 'translate' ...", "Incorrect padding")."""
    source = files / "plain.csv"
    source.write_text("text\nso happy\n")
    out = files / f"never_{encoding}.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out), "--encoding",
                     encoding]) == 2
    err = capsys.readouterr().err
    assert message in err and "rerun with --debug" not in err
    assert not out.exists() and not list(files.glob(f".{out.name}.*"))


def test_a_missing_column_message_quotes_a_huge_header_cut_short(run, files, capsys):
    """A file without line ends (or a JSON file) has a header line of megabytes: the message quoted it whole."""
    source = files / "one_line.csv"
    source.write_text("x" * 1_000_000 + "\ny\n")
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(files / "n.csv")]) == 2
    err = capsys.readouterr().err
    assert f"no text column 'text'; columns are ['{'x' * 60}'…]" in err and len(err) < 500
    many = files / "many.csv"
    many.write_text(",".join(f"c{i}" for i in range(80)) + "\n" + ",".join("v" * 80) + "\n")
    assert cli.main(["score", "--model-dir", str(run), "--input", str(many), "--output", str(files / "n.csv")]) == 2
    assert "columns are ['c0', 'c1', " in (err := capsys.readouterr().err) and "'c49'] and 30 more" in err


def test_score_refuses_a_missing_column_and_leaves_no_file(run, files, capsys):
    source = files / "wrong.csv"
    source.write_text("tweet\nhello\n")
    out = files / "never.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out)]) == 2
    assert "no text column 'text'; columns are ['tweet']" in capsys.readouterr().err
    assert not out.exists() and not list(files.glob(".never.csv.*"))


def test_compare_lists_runs_best_first(run, files, capsys):
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--valid",
                     str(files / "dev.tsv"), "--out", str(files / "runs" / "rule"), "--no-bundled-eval"]) == 0
    capsys.readouterr()
    assert cli.main(["compare", "--runs", str(files / "runs")]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert "ranked by valid_macro_f1, each run's figure on its own validation rows" in err  # no bundled figures
    header = lines[0].split()
    scores = [float(line.split()[header.index("valid_macro_f1")]) for line in lines[1:]]
    assert sorted(line.split()[1] for line in lines[1:]) == ["lexicon_rule", "tfidf_logreg"]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("case", CASES)
def test_compare_names_a_malformed_run_on_stderr_and_lists_the_others(case, tmp_path, capsys):
    good, bad = good_run(tmp_path / "runs"), make_run(tmp_path / "runs", case)
    assert cli.main(["compare", "--runs", str(tmp_path / "runs")]) == 0
    out, err = capsys.readouterr()
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    if CASES[case].part == "run":
        assert err == f"skipped {bad}: {CASES[case].note}\n" and listed == [str(good)]
    else:  # its audit or its card: not what `compare` prints
        assert err == "" and sorted(listed) == sorted([str(good), str(bad)])


def test_compare_skips_a_run_whose_metrics_were_edited_after_saving(tmp_path, capsys):
    """It was listed first, with its edited 0.99, although `score --model-dir` refuses the folder."""
    edited, good = good_run(tmp_path / "runs", "edited"), good_run(tmp_path / "runs")
    metrics = json.loads((edited / "metrics.json").read_text())
    metrics["wassa_test"]["macro_f1"] = 0.99
    (edited / "metrics.json").write_text(json.dumps(metrics))
    assert cli.main(["compare", "--runs", str(tmp_path / "runs"), "--with-default"]) == 0
    out, err = capsys.readouterr()
    assert err == f"skipped {edited}: metrics.json: checksum differs from config.json; refusing to read it\n"
    assert sorted(line.split()[0] for line in out.splitlines()[1:]) == sorted([str(good), "models/default"])


def test_compare_of_only_malformed_runs_says_why_each_is_skipped(tmp_path, capsys):
    bad = make_run(tmp_path, "metrics_an_array")
    assert cli.main(["compare", "--runs", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"skipped {bad}: metrics.json is an array, not an object\n"
                                       f"no readable saved runs under {tmp_path}\n")


def test_compare_says_the_runs_folder_is_missing(tmp_path, capsys):
    missing = tmp_path / "no_runs"
    assert cli.main(["compare", "--runs", str(missing), "--with-default"]) == 0
    out, err = capsys.readouterr()
    assert err == f"note: {missing}: no such folder; only the shipped default model is compared\n"
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["models/default"]  # as README names it
    assert cli.main(["compare", "--runs", str(missing)]) == 1
    assert capsys.readouterr().err == f"no saved runs under {missing} (no such folder)\n"


def test_compare_looks_where_the_train_page_saves_runs(tmp_path, capsys, monkeypatch):
    """`--runs` defaulted to runs/ of the current folder: run from elsewhere, or with $TWEET_EMOTION_RUNS set, it
    missed the dashboard's runs."""
    from evaluation.runs import RUNS_ENV_VAR

    good = good_run(tmp_path / "saved")
    monkeypatch.setenv(RUNS_ENV_VAR, str(tmp_path / "saved"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["compare"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == ["saved/good"]  # from here
    assert good == tmp_path / "saved" / "good"


def test_compare_shows_no_control_character_of_a_runs_own_words(tmp_path, capsys):
    """A model name holding an ANSI escape sequence recoloured the terminal."""
    from tests.malformed_runs import reseal

    run = good_run(tmp_path / "runs")
    config = json.loads((run / "config.json").read_text())
    config["model"] = "\x1b[31mRED\x1b[0m\x07"
    (run / "config.json").write_text(json.dumps(config))
    reseal(run)
    assert cli.main(["compare", "--runs", str(tmp_path / "runs")]) == 1  # no model of that name: skipped, said
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out + captured.err
    assert "its model cannot be loaded: unknown model '\\x1b[31mRED\\x1b[0m\\x07'" in captured.err


def test_no_message_writes_a_control_character_of_a_folder_or_cell_to_the_terminal(tmp_path, capsys):
    """A run folder named with an escape sequence (compare's "skipped" line), an image cell holding one
    (evaluate's warning, an error) reached the terminal raw: "\x1b[2J" cleared the screen."""
    (tmp_path / "runs" / "bad\x1b[2Jclear").mkdir(parents=True)
    (tmp_path / "runs" / "bad\x1b[2Jclear" / "config.json").write_text('{"a": 1}')
    assert cli.main(["compare", "--runs", str(tmp_path / "runs")]) == 1
    assert "skipped " + str(tmp_path / "runs" / "bad?[2Jclear") + ": config.json names no model" in \
        capsys.readouterr().err
    (tmp_path / "\x1b[31mx.png").write_text("not an image")
    (tmp_path / "in.csv").write_text("text,image,label\nso happy,\x1b[31mx.png,joy\nso sad,,sadness\n")
    assert cli.main(["evaluate", "--data", str(tmp_path / "in.csv")]) == 0
    assert "row 1: ?[31mx.png: not a supported image" in capsys.readouterr().err
    (tmp_path / "\x1b[31mx.png").unlink()
    assert cli.main(["evaluate", "--data", str(tmp_path / "in.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "?[31mx.png" in err and "\x1b" not in err


def test_compare_with_the_zoo_lists_every_model_the_dashboard_compares(tmp_path, capsys):
    """On a fresh clone (no runs/), the README's `compare` line lists what Compare shows: the default and the zoo."""
    missing = tmp_path / "no_runs"
    assert cli.main(["compare", "--runs", str(missing), "--with-default", "--with-zoo"]) == 0
    out, err = capsys.readouterr()
    assert err == f"note: {missing}: no such folder; only the shipped default model and the shipped zoo are compared\n"
    listed = [line.split()[0] for line in out.splitlines()[1:]]
    assert len(listed) == 8 and "models/default" in listed
    assert listed[0] == "models/default"  # best first, by the mean macro-F1 away from WASSA-2017
    assert listed[-1] == "models/zoo/wassa_specialist"  # the best on WASSA-2017 test, the worst away from it
    assert out.splitlines()[0].split()[:3] == ["run", "away_from_wassa", "model"]


def test_bad_training_file_is_named(files, capsys):
    bad = files / "bad.csv"
    bad.write_text("text,label\nhi,happy\n")
    assert cli.main(["train", "--model", "logreg", "--train", str(bad), "--out", str(files / "x")]) == 2
    assert "unknown label(s) ['happy']" in capsys.readouterr().err


COMMANDS = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_explains_its_options(command):
    result = subprocess.run([sys.executable, "cli.py", command, "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "show this help message" in result.stdout
    for action in COMMANDS[command]._actions:  # every option listed, each with a line that explains it
        assert action.help and any(flag in result.stdout for flag in action.option_strings), action.option_strings


def test_the_usage_summary_names_real_options_and_all_of_a_short_command():
    commands = COMMANDS
    summary = {block.split()[2]: set(re.findall(r"--[a-z-]+", block))
               for block in re.split(r"\n\s+(?=python cli\.py )", cli.__doc__) if block.startswith("python cli.py ")}
    assert set(summary) == set(commands)
    for name, command in commands.items():
        options = {flag for action in command._actions for flag in action.option_strings
                   if flag.startswith("--") and flag != "--help"}
        assert summary[name] <= options, name
        if name not in ("train", "score"):  # these two name their main options; `--help` gives them all
            assert summary[name] == options, name


@pytest.mark.parametrize("options, message", [
    (["--model", "logreg", "--epochs", "5"], "logreg has no setting(s) epochs; its settings: text_options, "
                                             "image_options, C"),
    (["--model", "text_net", "--dropout", "2"], "setting dropout=2.0: must lie in [0, 1)"),
    (["--model", "text_net", "--epochs", "0"], "setting epochs=0: must lie in [1, 10000]"),
])
def test_a_setting_the_model_does_not_take_is_one_line_not_a_silent_no_op(files, options, message, capsys):
    out = files / "never"
    assert cli.main(["train", "--train", str(files / "train.csv"), "--out", str(out), *options]) == 2
    assert capsys.readouterr().err == f"error: {message}\n" and not out.exists()


def test_train_help_shows_the_settings_defaults():
    result = subprocess.run([sys.executable, "cli.py", "train", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert "the preset's, else 128" in " ".join(result.stdout.split())  # NetworkSettings.hidden


def test_evaluate_reads_what_score_reads(run, files, capsys):
    """One table reader: a cp1252 file with a semicolon delimiter is evaluated as `score` would read it, and the
    encoding it detected is said, as `score` says it (train and evaluate said nothing of the guess)."""
    frame = load_wassa("dev").head(60)
    source = files / "cp1252.csv"
    source.write_bytes(frame[["text", "label"]].assign(text=frame.text + " – café").to_csv(
        sep=";", index=False).encode("cp1252", errors="replace"))
    assert cli.main(["evaluate", "--model-dir", str(run), "--data", str(source)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n"] == 60
    assert captured.err.startswith(f"note: {source}: encoding: cp1252 (detected: not UTF-8 from byte offset ")
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--valid", str(source),
                     "--out", str(files / "from_cp1252"), "--no-bundled-eval"]) == 0
    assert capsys.readouterr().err.startswith(f"note: {source}: encoding: cp1252 (detected: not UTF-8 from byte ")
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(files / "s.csv")]) == 0
    scored = pd.read_csv(files / "s.csv", keep_default_na=False)
    assert len(scored) == 60 and scored.text.str.endswith(" – café").all() and (scored.error == "").all()


def test_train_and_evaluate_take_the_encoding_and_delimiter_score_takes(run, files, capsys):
    """Detecting an encoding is a guess: `score` takes --encoding and --delimiter, and `train` and `evaluate`, whose
    message on a file whose encoding cannot be detected names --encoding, had neither."""
    from data.labelled import read_labelled

    frame = load_wassa("dev").sample(60, random_state=0)
    source = files / "cp1251.csv"
    source.write_bytes(frame[["text", "label"]].assign(text=frame.text + " привет").to_csv(
        sep=";", index=False).encode("cp1251", errors="replace"))
    assert read_labelled(source, encoding="cp1251", delimiter=";").texts[0].endswith(" привет")
    reading = ["--encoding", "cp1251", "--delimiter", "semicolon"]
    assert cli.main(["evaluate", "--model-dir", str(run), "--data", str(source), *reading]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n"] == 60 and "encoding" not in captured.err  # given, not guessed
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(source), "--valid", str(source), *reading,
                     "--out", str(files / "from_cp1251"), "--no-bundled-eval"]) == 0
    assert "encoding" not in capsys.readouterr().err
    assert cli.main(["train", "--model", "lexicon_rule", "--data", "wassa", *reading, "--out",
                     str(files / "never")]) == 2
    assert capsys.readouterr().err == ("error: --encoding and --delimiter say how a --train (and --valid) file is "
                                       "read; bundled sources need neither\n")


def test_train_on_bundled_sources_with_weights(files, capsys):
    out = files / "runs" / "judged"
    assert cli.main(["train", "--model", "tfidf_logreg", "--data", "wassa,relabels", "--weights", "relabels=0.5",
                     "--out", str(out), "--no-bundled-eval"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["outputs"] == "presence" and 0 < config["none_threshold"] < 1
    assert config["train_source"] == "wassa2017/train+relabels"
    capsys.readouterr()
    assert cli.main(["train", "--data", "wassa,reddit", "--out", str(files / "never")]) == 2
    assert "unknown training source(s) ['reddit']" in capsys.readouterr().err


def test_train_says_its_networks_train_side_by_side_and_prints_every_networks_epochs(files, capsys):
    out = files / "runs" / "two_networks"
    assert cli.main(["train", "--model", "text_net", "--members", "2", "--epochs", "2", "--train",
                     str(files / "train.csv"), "--out", str(out), "--no-bundled-eval"]) == 0
    err = capsys.readouterr().err
    if (os.cpu_count() or 1) > 1:
        assert "note: its 2 networks train 2 at a time, side by side; each one's epochs are printed when it ends" in err
    epochs = re.findall(r"network (\d)  epoch +(\d)", err)
    assert sorted(set(epochs)) == [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")] and len(epochs) == 4


@pytest.mark.parametrize("options", [["--data", "wassa", "--train", "TRAIN"], ["--preset", "wassa", "--train", "TRAIN"],
                                     ["--preset", "wassa", "--data", "wassa"]])
def test_train_takes_its_rows_from_one_place_not_silently_from_the_first(options, files, capsys):
    """`--data wassa --train my.csv` trained on the bundled data and ignored the file."""
    options = [str(files / "train.csv") if option == "TRAIN" else option for option in options]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", *options, "--model", "lexicon_rule", "--out", str(files / "never")])
    first, second = options[2], options[0]  # argparse names the later one first
    assert exit_.value.code == 2 and capsys.readouterr().err.splitlines()[-1].endswith(
        f"error: argument {first}: not allowed with argument {second}")
    assert not (files / "never").exists()


@pytest.mark.parametrize("options, message", [
    (["--train", "TRAIN", "--weights", "wassa=0.5"], "--weights weighs bundled sources: give it with --data or --preset "
                                                     "(every row of a --train file weighs 1)"),
    (["--data", "wassa", "--valid", "TRAIN"], "--valid goes with --train; --data validates on each bundled source's "
                                              "own validation rows"),
    (["--preset", "wassa", "--valid", "TRAIN"], "--valid goes with --train; --preset validates on each bundled "
                                                "source's own validation rows"),
])
def test_an_option_that_would_be_ignored_is_refused(options, message, files, capsys):
    options = [str(files / "train.csv") if option == "TRAIN" else option for option in options]
    assert cli.main(["train", *options, "--model", "lexicon_rule", "--out", str(files / "never")]) == 2
    assert capsys.readouterr().err == f"error: {message}\n" and not (files / "never").exists()


def test_a_preset_with_another_model_trains_it_with_its_own_settings_on_the_presets_data(files, monkeypatch, capsys):
    """`--preset default --model logreg` failed: logreg was handed the preset's network settings."""
    import data.registry
    from data.labelled import hold_out, read_labelled
    from models.registry import build_model
    from training.presets import PRESETS

    asked = []

    def small_training_set(name, seed=0, weights=None):  # the preset's real sources take minutes to load
        asked.append((name, weights))
        return hold_out(read_labelled(files / "train.csv"), seed)

    monkeypatch.setattr(data.registry, "training_set", small_training_set)
    out = files / "runs" / "preset_logreg"
    assert cli.main(["train", "--preset", "default", "--model", "logreg", "--weights", "goemotions=0.5", "--out",
                     str(out), "--no-bundled-eval"]) == 0
    assert asked == [(PRESETS["default"]["data"], {"goemotions": 0.5})]
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == "logreg" and config["settings"] == build_model("logreg").settings.to_dict()
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert notes == ["note: logreg is not the default preset's model (fused_net); it trains on the preset's data with "
                     "its own default settings and the options given here"]


def test_score_with_the_default_model_says_none_when_no_emotion_is_present(files):
    source = files / "plain.csv"
    pd.DataFrame({"text": ["I am so furious right now, this is an outrage #angry",
                           "The train leaves at 9:40 from platform 2."]}).to_csv(source, index=False)
    out = files / "plain_out.csv"
    assert cli.main(["score", "--input", str(source), "--output", str(out), "--quiet"]) == 0
    scored = pd.read_csv(out, keep_default_na=False)
    assert scored.emotion.tolist() == ["anger", "none"]
    assert scored.prob_anger[0] >= 0.5 and scored.intensity_joy[0] < scored.intensity_anger[0]


def test_train_zoo_trains_the_named_members_and_refuses_unknown_ones(tmp_path, capsys):
    assert cli.main(["train-zoo", "--only", "lexicon_rule", "--out", str(tmp_path / "zoo")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["seconds"]) == {"lexicon_rule"}
    saved = tmp_path / "zoo" / "lexicon_rule"
    assert {"MODEL_CARD.md", "fairness.json", "config.json"} <= {p.name for p in saved.iterdir()}
    assert json.loads((saved / "config.json").read_text())["tweets_per_s"] > 0
    assert cli.main(["train-zoo", "--only", "cnn", "--out", str(tmp_path / "zoo")]) == 2
    assert "unknown zoo model(s) ['cnn']" in capsys.readouterr().err


def test_scoring_opens_no_network_connection(tmp_path):
    """Every connection attempt fails in this run; scoring with the default model must not notice."""
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["so happy today", "this is scary"]}).to_csv(source, index=False)
    guard = ("import socket, runpy, sys\n"
             "def refuse(*args, **kwargs):\n"
             "    raise AssertionError(f'network connection attempted: {args}')\n"
             "socket.socket.connect = socket.socket.connect_ex = refuse\n"
             "socket.create_connection = socket.getaddrinfo = refuse\n"
             f"sys.argv = ['cli.py', 'score', '--input', {str(source)!r}, '--output', {str(tmp_path / 'o.csv')!r}]\n"
             "sys.exit(runpy.run_path('cli.py', run_name='__main__'))\n")
    result = subprocess.run([sys.executable, "-c", guard], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "o.csv")) == 2


def test_a_block_size_is_read_as_dask_reads_it():
    """A size Dask reads (4M, 64 KiB, 1e6) was refused by a pattern of the CLI's own."""
    assert [cli._byte_size(v) for v in ("4MB", "4M", "64 KiB", "1e6", "1000")] == [4_000_000, 4_000_000, 65_536,
                                                                                 1_000_000, 1000]


@pytest.mark.parametrize("options, message", [
    (["score", "--jobs", "0"], "argument --jobs: must be at least 1, got 0"),
    (["score", "--jobs", "-3"], "argument --jobs: must be at least 1, got -3"),
    (["score", "--jobs", "two"], "argument --jobs: not a whole number: 'two'"),
    (["score", "--workers", "0"], "argument --workers: must be at least 1, got 0"),
    # thousands of forked copies of the model: the machine ground to a halt, and SIGTERM waited on them
    (["score", "--jobs", "10000"], f"argument --jobs: at most {4 * (os.cpu_count() or 1)} on this machine (4 per CPU "
                                   f"core: more processes only compete for the cores), got 10000"),
    (["score", "--workers", "10000"], f"argument --workers: at most {4 * (os.cpu_count() or 1)} on this machine (4 "
                                      f"per CPU core: more processes only compete for the cores), got 10000"),
    (["score", "--chunk-rows", "-1"], "argument --chunk-rows: must be at least 1, got -1"),
    (["score", "--blocksize", "0"], "argument --blocksize: must be at least 1 byte, got '0'"),
    (["score", "--blocksize", "0.5B"], "argument --blocksize: must be at least 1 byte, got '0.5B'"),
    (["score", "--blocksize", "4 fish"], "argument --blocksize: not a size such as 4MB or 1000000: '4 fish'"),
    (["score", "--blocksize", ""], "argument --blocksize: must be at least 1 byte, got ''"),
    (["score", "--images-root", "/nonexistent"], "argument --images-root: no such folder: /nonexistent"),
    (["score", "--text-column", " "], "argument --text-column: a column's name, not an empty one"),
    (["train", "--seed", "-1"], "argument --seed: must be between 0 and 4294967295, got -1"),
    (["train", "--weights", "wassa"], "argument --weights: expected SOURCE=WEIGHT pairs joined by commas, e.g. "
                                      "relabels=0.5 or goemotions=0.3,wassa=1; got 'wassa'"),
    (["train", "--weights", "wassa=half"], "argument --weights: wassa=half: the weight is not a number, e.g. "
                                           "wassa=0.5"),
    (["train", "--weights", "wassa=1,wassa=2"], "argument --weights: wassa is given two weights; give each source one"),
    (["train-zoo", "--seed", str(2**32)], "argument --seed: must be between 0 and 4294967295, got 4294967296"),
    # An empty --only (an unset variable) trained the whole zoo, 10 minutes, where the user meant some of it.
    (["train-zoo", "--only", ""], "argument --only: expected names joined by commas, e.g. logreg,text_net; got ''"),
    (["train-zoo", "--only", " , "], "argument --only: expected names joined by commas, e.g. logreg,text_net; "
                                     "got ' , '"),
])
def test_the_parser_refuses_bad_option_values_with_one_line(options, message, files, capsys):
    command, *rest = options
    needed = {"score": ["--input", str(files / "train.csv"), "--output", str(files / "never.csv")],
              "train": ["--data", "wassa", "--out", str(files / "never")], "train-zoo": ["--out", str(files / "never")]}
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, *needed[command], *rest])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith(f"error: {message}") and "Traceback" not in err
    assert not (files / "never.csv").exists() and not (files / "never").exists()


def test_an_images_root_that_is_a_file_is_refused(files, capsys):
    with pytest.raises(SystemExit):
        cli.main(["score", "--input", str(files / "train.csv"), "--output", str(files / "never.csv"),
                  "--images-root", str(files / "train.csv")])
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"argument --images-root: not a folder: "
                                                           f"{files / 'train.csv'}")


def test_an_output_that_cannot_be_written_is_one_line_naming_it(files, capsys):
    (files / "a.csv").write_text("a file\n")
    inside_a_file = files / "a.csv" / "x.csv"
    assert cli.main(["score", "--input", str(files / "train.csv"), "--output", str(inside_a_file)]) == 2
    assert capsys.readouterr().err == (f"error: {inside_a_file}: {files / 'a.csv'} is a file, not a folder; choose an "
                                       f"output path in a folder\n")
    if Path("/proc/version").is_file():  # Linux: a folder that takes no new files, even for root
        assert cli.main(["score", "--input", str(files / "train.csv"), "--output", "/proc/version"]) == 2
        assert capsys.readouterr().err == ("error: /proc: cannot write the output there (it takes no new files); "
                                           "choose a folder you can write to\n")


def test_an_os_error_is_its_path_and_what_is_wrong(monkeypatch, capsys):
    def fails(args):
        raise NotADirectoryError(20, "Not a directory", Path("victimfile.txt"))

    monkeypatch.setattr(cli, "cmd_compare", fails)
    assert cli.main(["compare"]) == 2
    assert capsys.readouterr().err == "error: victimfile.txt: Not a directory\n"


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    """`cli.py compare | head -1`: no 'Broken pipe' message, the status a shell gives a process ended by SIGPIPE."""
    process = subprocess.Popen([sys.executable, "cli.py", "compare", "--runs", "models/zoo"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line is written
    assert process.wait(timeout=120) == 141
    assert process.stderr.read() == b""


@pytest.mark.parametrize("stop, status, word", [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated (SIGTERM)")])
def test_ctrl_c_or_sigterm_while_training_is_one_line_and_leaves_nothing_behind(tmp_path, stop, status, word):
    """Ctrl-C printed torch's 36-line traceback; SIGTERM (`docker stop`, `timeout`) ended the process where it was,
    with no clean-up (a staging folder being written stayed). Here the signal comes as a terminal or `kill` sends
    it, to the process group, after the first epoch: early stopping waits at least 8 more epochs, so training is
    still running."""
    import os
    import signal

    out = tmp_path / "runs" / "interrupted"
    process = subprocess.Popen([sys.executable, *AS_FROM_A_TERMINAL, "cli.py", "train", "--model", "text_net", "--data",
                                "wassa", "--out", str(out), "--no-bundled-eval"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        lines = []
        while not lines or "epoch" not in lines[-1]:
            lines.append(process.stderr.readline())
            assert lines[-1], "".join(lines)  # the process ended before its first epoch
        os.killpg(process.pid, getattr(signal, stop))
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == status and stdout == ""
    assert stderr == f"{word}; nothing was saved to {out}\n"
    assert not out.parent.exists() or list(out.parent.iterdir()) == []  # no hidden staging folder either


def test_ctrl_c_says_what_is_left_in_the_output_folder(run, tmp_path, monkeypatch, capsys):
    def interrupted(args):
        if args.out != run:  # the signal came after the new run was renamed into place
            args.out.mkdir()
            (args.out / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_train", interrupted)
    before = (run / "config.json").read_bytes()
    assert cli.main(["train", "--data", "wassa", "--out", str(run)]) == 130
    assert capsys.readouterr().err == f"interrupted; nothing was saved to {run}: it holds the model it held before\n"
    assert (run / "config.json").read_bytes() == before
    assert cli.main(["train", "--data", "wassa", "--out", str(tmp_path / "new")]) == 130
    assert capsys.readouterr().err == f"interrupted after the run was saved to {tmp_path / 'new'}\n"
    # the old model set aside, the new one not yet in: the hidden folder is named by the output folder's name,
    # also when the output is given as "." (whose name is empty)
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert cli._interrupted(Path("."), before, "terminated (SIGTERM)") == (
        "terminated (SIGTERM); nothing was saved to ., and the model that was there was set aside while being "
        "replaced (a hidden folder beside it, .here.*.old)")


def test_ctrl_c_while_the_model_loads_is_the_scoring_line(files, tmp_path, monkeypatch, capsys):
    """It printed the traceback of wherever the model's loading was (the first second or two) and died by SIGINT."""
    import models.registry

    def interrupted(folder=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(models.registry, "load_model", interrupted)
    out = tmp_path / "out.csv"
    assert cli.main(["score", "--input", str(files / "train.csv"), "--output", str(out), "--quiet"]) == 130
    assert capsys.readouterr().err == f"interrupted; {out} was not written\n"


def test_ctrl_c_in_any_command_is_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_compare", interrupted)
    assert cli.main(["compare"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_sigterm_while_scoring_is_one_line_and_exits_143(files, tmp_path, monkeypatch, capsys):
    """`docker stop`, Kubernetes and `timeout` send SIGTERM: it ended the process with no word, its lock left behind.
    Here it comes while the model loads; tests/scoring/test_local.py sends it to a running `score`."""
    import os
    import signal
    import time

    import models.registry

    def terminated(folder=None):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # the handler runs in this thread, at once
        raise AssertionError("SIGTERM was not handled")

    monkeypatch.setattr(models.registry, "load_model", terminated)
    before = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "out.csv"
    assert cli.main(["score", "--input", str(files / "train.csv"), "--output", str(out), "--quiet"]) == 143
    assert capsys.readouterr().err == f"terminated (SIGTERM); {out} was not written\n"
    assert signal.getsignal(signal.SIGTERM) is before  # `score` puts the handler back


def _digests(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_audit_prints_the_audit_and_with_save_stores_it_with_the_model(tmp_path, capsys):
    """`--save`: fairness.json and the card rewritten, their checksums in config.json, nothing else touched; the
    folder still loads and passes its checks. Without it, nothing is written."""
    import shutil

    from models.card import model_card, rewrite_card
    from models.registry import ZOO_DIR, load_model
    from models.store import read_card

    folder = Path(shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule"))
    older = json.loads((folder / "fairness.json").read_text())
    older.pop("misread_words", None)
    rewrite_card(folder, fairness=older)  # as audited before the audit named misread words
    before, config_before = _digests(folder), json.loads((folder / "config.json").read_text())
    assert cli.main(["audit", "--model-dir", str(folder)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert _digests(folder) == before and "misread_words" in printed

    assert cli.main(["audit", "--model-dir", str(folder), "--save"]) == 0
    out, err = capsys.readouterr()
    after = _digests(folder)
    assert {name for name in before if before[name] != after[name]} == {"fairness.json", "MODEL_CARD.md", "config.json"}
    assert set(after) == set(before) and f"saved → {folder}" in err
    assert json.loads(out) == printed == json.loads((folder / "fairness.json").read_text())
    assert {k: v for k, v in printed.items() if k != "misread_words"} == older  # every other figure as it was
    config = json.loads((folder / "config.json").read_text())
    assert {k: v for k, v in config.items() if k != "files"} == {k: v for k, v in config_before.items() if k != "files"}
    assert config["files"] == {**config_before["files"], "fairness.json": after["fairness.json"],
                               "MODEL_CARD.md": after["MODEL_CARD.md"]}
    model = load_model(folder)  # every checksum checked
    described = {k: v for k, v in config.items() if k not in ("files", "format")}
    assert read_card(folder) == model_card(described, model.metrics, printed)
    assert "| discouraged | fear | 0 % of 240 | joy (98 %) |" in read_card(folder)  # lexicon_rule's worst word


def test_audit_save_adds_the_audit_to_a_run_trained_without_one(run, tmp_path, capsys):
    import shutil

    from models.registry import load_model

    folder = Path(shutil.copytree(run, tmp_path / "run"))
    assert not (folder / "fairness.json").exists() and "Not audited" in (folder / "MODEL_CARD.md").read_text()
    assert cli.main(["audit", "--model-dir", str(folder), "--save"]) == 0
    capsys.readouterr()
    assert "fairness.json" in json.loads((folder / "config.json").read_text())["files"]
    assert load_model(folder).fairness["sentences"] == 8640
    assert "Not audited" not in (folder / "MODEL_CARD.md").read_text()


def test_audit_save_refuses_a_folder_that_fails_its_checksums_and_leaves_it_untouched(tmp_path, capsys):
    import shutil

    from models.registry import ZOO_DIR

    folder = Path(shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule"))
    (folder / "metrics.json").write_text("{}")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert cli.main(["audit", "--model-dir", str(folder), "--save"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "metrics.json: checksum differs from config.json" in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # no staging file left either


def test_audit_save_into_a_folder_it_cannot_write_names_the_folder(tmp_path, capsys, monkeypatch):
    """A read-only model folder: the error named a hidden staging file (`.fairness.json.new: Permission denied`).
    Its files are now replaced in a copy that takes its place: a folder made read-only is still left as it is.
    Beside it, a folder that cannot be written: named too."""
    import errno
    import shutil
    import tempfile

    from models.registry import ZOO_DIR

    folder = Path(shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule"))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    access = os.access  # root may write anywhere: the folder is read-only as `os.access` answers for anyone else
    monkeypatch.setattr(os, "access", lambda path, mode: access(path, mode) and Path(path) != folder)
    assert cli.main(["audit", "--model-dir", str(folder), "--save"]) == 2
    out, err = capsys.readouterr()
    assert err == f"error: {folder}: cannot write a file in this model folder (Permission denied)\n"
    assert "misread_words" in json.loads(out)  # the audit is printed first: a save that fails does not lose it
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    def read_only_beside(prefix, dir):  # as mkdtemp fails in a folder without write permission (root ignores it)
        raise PermissionError(errno.EACCES, "Permission denied", str(Path(dir) / f"{prefix}abc"))

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(tempfile, "mkdtemp", read_only_beside)
    assert cli.main(["audit", "--model-dir", str(folder), "--save"]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: cannot write beside this model folder (Permission denied)\n"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before and [*tmp_path.iterdir()] == [folder]



def test_convert_of_a_folder_already_in_the_current_format_says_so_without_asking_for_trust(capsys):
    """It said "converting unpickles models/default, ... add --trust", of a folder that holds no pickle."""
    assert cli.main(["convert", "--model-dir", str(ROOT / "models" / "default")]) == 2
    err = capsys.readouterr().err
    assert "already in the current format (format 2)" in err and "--trust" not in err


def test_a_file_or_a_source_name_given_to_the_other_commands_data_is_pointed_to_the_right_option(capsys):
    """`train --data FILE` ended with "(--data FILE)", which read as the fix; `evaluate --data wassa` said only
    "file not found"."""
    assert cli.main(["train", "--model", "lexicon_rule", "--data", "data/wassa2017/train.tsv", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --data data/wassa2017/train.tsv: unknown training source(s)")
    assert "is a file: train on it with --train data/wassa2017/train.tsv" in err
    assert cli.main(["evaluate", "--data", "wassa"]) == 2
    assert capsys.readouterr().err == ("error: wassa: file not found; --data takes a labelled CSV/TSV file (the bundled "
                                       "sets are files under data/, e.g. data/wassa2017/test.tsv)\n")


def test_a_warning_is_one_line_without_python_source(monkeypatch, capsys):
    """A warning from a library (a corrupt image cache, Dask's "Port 8787 is already in use") printed its source
    file, line number and code line under the message."""
    import warnings

    def warns(args):
        warnings.warn("Port 8787 is already in use.\nPerhaps you already have a cluster running?", UserWarning,
                      stacklevel=2)
        return 0

    monkeypatch.setattr(cli, "cmd_compare", warns)
    shown_as = warnings.formatwarning
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, category, filename, lineno, file=None, line=None: sys.stderr.write(
            warnings.formatwarning(message, category, filename, lineno, line))  # printed, as outside pytest
        assert cli.main(["compare"]) == 0
        assert capsys.readouterr().err == ("warning: Port 8787 is already in use. Perhaps you already have a cluster "
                                           "running?\n")
        assert cli.main(["--debug", "compare"]) == 0
        assert "UserWarning: Port 8787" in capsys.readouterr().err  # --debug: Python's own form
    assert warnings.formatwarning is shown_as  # left as it was
