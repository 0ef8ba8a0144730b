import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli
from data.bundled import load_wassa

ROOT = Path(__file__).resolve().parent.parent
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
    assert {p.name for p in run.iterdir()} == {"config.json", "metrics.json", "training_log.json", "state.pkl.gz"}
    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics) == {"valid"} and metrics["valid"]["n"] == 347


def test_evaluate_prints_one_json_object(run, files, capsys):
    assert cli.main(["evaluate", "--model-dir", str(run), "--data", str(files / "dev.tsv")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"macro_f1", "accuracy", "per_emotion", "confusion_matrix", "pearson", "pearson_mean"} <= set(result)
    assert len(result["confusion_matrix"]) == 4 and set(result["pearson"]) == {"anger", "fear", "joy", "sadness"}


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


def test_score_refuses_a_missing_column_and_leaves_no_file(run, files, capsys):
    source = files / "wrong.csv"
    source.write_text("tweet\nhello\n")
    out = files / "never.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out)]) == 2
    assert "no text column 'text'; columns are ['tweet']" in capsys.readouterr().err
    assert not out.exists() and not list(files.glob(".never.csv.*"))


def test_score_refuses_images_outside_the_root(run, files):
    source = files / "imgs.csv"
    source.write_text("text,image\nhi,../../etc/passwd\n")
    out = files / "imgs_out.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out),
                     "--image-column", "image"]) == 0
    scored = pd.read_csv(out, keep_default_na=False)
    assert "resolves outside the images folder" in scored.error[0]
    assert scored.emotion[0] != ""  # the text was still scored


def test_score_exits_non_zero_when_every_row_fails(run, files, capsys):
    source = files / "empty_texts.csv"
    source.write_text("text\n\"\"\n\"  \"\n")
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(files / "e.csv")]) == 1
    assert "scored 0 of 2 rows, 2 failed" in capsys.readouterr().err


def test_compare_lists_runs_best_first(run, files, capsys):
    assert cli.main(["train", "--model", "lexicon_rule", "--train", str(files / "train.csv"), "--valid",
                     str(files / "dev.tsv"), "--out", str(files / "runs" / "rule"), "--no-bundled-eval"]) == 0
    capsys.readouterr()
    assert cli.main(["compare", "--runs", str(files / "runs")]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split()
    scores = [float(line.split()[header.index("valid_macro_f1")]) for line in lines[1:]]
    assert sorted(line.split()[1] for line in lines[1:]) == ["lexicon_rule", "tfidf_logreg"]
    assert scores == sorted(scores, reverse=True)


def test_bad_training_file_is_named(files, capsys):
    bad = files / "bad.csv"
    bad.write_text("text,label\nhi,happy\n")
    assert cli.main(["train", "--model", "logreg", "--train", str(bad), "--out", str(files / "x")]) == 2
    assert "unknown label(s) ['happy']" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "evaluate", "score", "compare"])
def test_every_command_explains_its_options(command):
    result = subprocess.run([sys.executable, "cli.py", command, "--help"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and "--" in result.stdout and "show this help message" in result.stdout
