import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.bundled import load_wassa
from data.labelled import LabelledData, frame_to_labelled
from emotions import EMOTIONS
from evaluation.comparison import (
    compare_pair,
    comparison_table,
    fairness_long,
    fairness_reports,
    fairness_summary,
    generalisation_long,
    standings,
    which_model,
)
from evaluation.metrics import evaluate_predictions
from evaluation.runs import RunError, find_runs, read_json, runs_table
from models.base import Prediction
from models.registry import DEFAULT_MODEL_DIR, ZOO_DIR, build_model
from tests.malformed_runs import CASES, SOURCE, good_run, make_run, reseal
from training.run import run_training

NAN = [np.nan] * 4


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    train = frame_to_labelled(load_wassa("train").sample(300, random_state=0), "train")
    valid = frame_to_labelled(load_wassa("dev"), "dev")
    choices = {}
    for name in ("tfidf_logreg", "lexicon_rule"):
        run_training(build_model(name), train, valid, seed=0, out=folder / name, bundled_eval=False)
        choices[f"runs/{name}"] = folder / name
    return choices, valid


def test_table_names_every_run_and_adds_an_evaluated_data_set(runs):
    choices, valid = runs
    from models.registry import load_model

    upload = {"runs/lexicon_rule": load_model(choices["runs/lexicon_rule"]).evaluate(valid.subset(range(40)))}
    table, skipped = comparison_table(choices, upload)
    assert skipped == {}
    assert sorted(table["name"]) == ["runs/lexicon_rule", "runs/tfidf_logreg"]
    assert table["valid_macro_f1"].is_monotonic_decreasing  # best first
    wanted = {"model", "train_seconds", "size_mb", "valid_accuracy", "valid_f1_joy", "valid_pearson_mean"}
    assert wanted <= set(table.columns)
    by_name = table.set_index("name")
    assert by_name.loc["runs/lexicon_rule", "upload_macro_f1"] == upload["runs/lexicon_rule"]["macro_f1"]
    assert np.isnan(by_name.loc["runs/tfidf_logreg", "upload_macro_f1"])
    long = generalisation_long(table, leave_out=())
    f1 = long[long.measure == "macro_f1"]
    assert len(f1) == 3 and set(f1["data_set"]) == {"valid", "upload"}
    pearson = long[long.measure == "pearson_mean"]
    assert set(pearson["name"]) == {"runs/lexicon_rule", "runs/tfidf_logreg"} and "valid_f1_joy" not in set(long.data_set)
    # Each run's own validation rows are other data for every run: the matrix compares models on shared data only.
    shared = generalisation_long(table)
    assert shared[["name", "data_set", "measure"]].values.tolist() == [["runs/lexicon_rule", "upload", "macro_f1"],
                                                                        ["runs/lexicon_rule", "upload", "pearson_mean"]]


def test_each_runs_own_validation_figures_come_last(runs):
    """They came first (metrics.json's order): a newcomer sorting by the first macro-F1 compared each model on its
    own validation rows. With the shipped models and an evaluation of one's own (`upload_…`), they stay last."""
    choices, valid = runs
    from models.registry import load_model

    upload = {"runs/lexicon_rule": load_model(choices["runs/lexicon_rule"]).evaluate(valid.subset(range(40)))}
    table, _ = comparison_table({"default (shipped)": DEFAULT_MODEL_DIR, **choices}, upload)
    columns = list(table.columns)
    own = [c for c in columns if c.startswith("valid_")]
    assert own and columns[-len(own):] == own
    assert columns.index("wassa_test_macro_f1") < columns.index("upload_macro_f1") < columns.index(own[0])


def test_table_of_no_runs_is_empty(tmp_path):
    table, skipped = comparison_table({})
    assert table.empty and skipped == {}


def test_every_shipped_model_is_read_whole():
    """What the checks of a run's files accept: everything the repository ships."""
    choices = {str(directory): directory for directory in find_runs(DEFAULT_MODEL_DIR, ZOO_DIR)}
    table, skipped = comparison_table(choices)
    reports, unread = fairness_reports(choices)
    assert len(table) == len(choices) >= 8 and skipped == {}
    assert len(reports) == len(choices) and unread == {}


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_run_is_left_out_and_named_and_the_others_still_compared(case, tmp_path):
    choices = {"runs/good": good_run(tmp_path), f"runs/{case}": make_run(tmp_path, case)}
    part, note = CASES[case].part, CASES[case].note
    table, skipped = comparison_table(choices)
    assert skipped == ({f"runs/{case}": note} if part == "run" else {})
    assert sorted(table["name"]) == sorted(["runs/good"] if part == "run" else ["runs/good", f"runs/{case}"])
    shipped = json.loads((SOURCE / "metrics.json").read_text())["wassa_test"]["macro_f1"]  # the run copied
    assert table.set_index("name").loc["runs/good", "wassa_test_macro_f1"] == pytest.approx(shipped, abs=5e-5)
    assert set(generalisation_long(table)["name"]) == set(table["name"])
    readable = {name: directory for name, directory in choices.items() if name not in skipped}
    reports, unread = fairness_reports(readable)
    assert unread == ({f"runs/{case}": note} if part == "fairness" else {})
    assert sorted(reports) == sorted(name for name in readable if name not in unread)
    assert sorted(fairness_summary(reports)["name"]) == sorted(reports)
    assert set(fairness_long(reports)["name"]) == set(reports)


def test_a_run_whose_metrics_were_edited_after_saving_is_skipped_and_an_untouched_copy_listed(tmp_path):
    """`score --model-dir` refused the folder (its checksum), while the comparison ranked it first with 0.99."""
    good = good_run(tmp_path)
    edited = good_run(tmp_path, "edited")
    metrics = json.loads((edited / "metrics.json").read_text())
    metrics["wassa_test"]["macro_f1"] = 0.99
    (edited / "metrics.json").write_text(json.dumps(metrics))
    table, skipped = runs_table(find_runs(tmp_path))
    assert skipped == {str(edited): "metrics.json: checksum differs from config.json; refusing to read it"}
    assert list(table["run"]) == [str(good)]


def test_a_link_to_a_run_in_the_runs_folder_is_found_once(tmp_path):
    """A run linked into the runs folder was neither listed nor named (`**` follows no link)."""
    good = good_run(tmp_path / "elsewhere")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "linked").symlink_to(good, target_is_directory=True)
    (tmp_path / "runs" / "again").symlink_to(tmp_path / "runs", target_is_directory=True)  # a loop: not followed
    assert find_runs(tmp_path / "runs") == [tmp_path / "runs" / "linked"]
    assert find_runs(tmp_path / "runs", tmp_path / "elsewhere") == [tmp_path / "runs" / "linked"]  # the same run


def test_a_run_whose_model_cannot_be_loaded_is_not_listed(tmp_path):
    """Runs whose weights were cut short, whose config named no model of this version or held a threshold that is no
    number were listed and ranked, and refused by every command that loads them."""
    from tests.malformed_runs import reseal

    cut, unknown, threshold = (good_run(tmp_path, name) for name in ("cut", "unknown", "threshold"))
    with open(cut / "weights.safetensors", "r+b") as handle:
        handle.truncate(1000)
    for run, key, value in ((unknown, "model", "nosuch"), (threshold, "none_threshold", "abc")):
        config = json.loads((run / "config.json").read_text())
        config[key] = value
        (run / "config.json").write_text(json.dumps(config))
        reseal(run)
    table, skipped = runs_table([cut, unknown, threshold, good_run(tmp_path)])
    assert table["run"].tolist() == [str(tmp_path / "good")]
    assert skipped == {
        str(cut): "its model cannot be loaded: weights.safetensors: checksum differs from config.json; refusing to "
                  "load it",
        str(unknown): "its model cannot be loaded: unknown model 'nosuch'; valid names: fused_net, text_net, "
                      "image_net, logreg, linear_svm, boosted_trees, tfidf_logreg, lexicon_rule",
        str(threshold): "its model cannot be loaded: config.json: cannot load the model: none_threshold is 'abc', "
                        "not a number in [0, 1]"}


def test_a_run_file_that_is_no_regular_file_is_refused_without_reading_it(tmp_path):
    os.mkfifo(tmp_path / "metrics.json")  # opening it would wait for a writer forever
    with pytest.raises(RunError, match="^metrics.json: not a regular file; refusing to read it$"):
        read_json(tmp_path / "metrics.json")


def test_pair_is_compared_on_rows_both_scored():
    labels = np.eye(4)[[0, 1, 2, 3, 0]]
    data = LabelledData(["a", "b", "c", "d", "e"], [None] * 5, labels, np.full((5, 4), np.nan))
    a = Prediction(np.array([[.7, .1, .1, .1], [.1, .7, .1, .1], [.1, .1, .7, .1], [.1, .1, .1, .7], NAN]),
                   np.zeros((5, 4)), [None] * 4 + ["unreadable"])
    b = Prediction(np.array([[.7, .1, .1, .1], [.6, .2, .1, .1], [.1, .1, .7, .1], [.1, .1, .8, .0], [.9, 0, 0, .1]]),
                   np.zeros((5, 4)), [None] * 5)
    pair = compare_pair(data, {"A": a, "B": b})
    assert pair.rows == 4
    assert pair.results["A"]["accuracy"] == 1.0 and pair.results["B"]["accuracy"] == 0.5
    assert pair.disagreements.to_dict("list") == {  # no image column: no row has an image
        "row": [2, 4], "text": ["b", "d"], "label": ["fear", "sadness"],
        "A": ["fear (0.70)", "sadness (0.70)"], "B": ["anger (0.60)", "joy (0.80)"]}
    confusion = pair.confusion_long()
    assert len(confusion) == 32 and confusion["count"].sum() == 8
    assert confusion.query("model == 'B' and true == 'fear' and predicted == 'anger'")["count"].item() == 1
    recall = pair.precision_recall().set_index(["model", "emotion"])["recall"]
    assert recall["A"].tolist() == [1.0] * 4 and recall["B"].tolist() == [1.0, 0.0, 1.0, 0.0]


def test_disagreements_name_none_for_rows_and_answers_with_no_emotion():
    """A multi-label row of zeros is labelled `none`, not `anger` (argmax of zeros), and a presence model's answer
    below its threshold is `none`, as in a scored file, with the highest of its four probabilities (its top
    probability beside `none` read as confidence in none)."""
    labels = np.array([[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])
    data = LabelledData(["meh", "yay", "ok"], [None] * 3, labels, np.full((3, 4), np.nan), multi_label=True)
    a = Prediction(np.array([[.1, .2, .1, .3], [.1, .1, .9, .1], [.1, .1, .1, .2]]), np.zeros((3, 4)), [None] * 3,
                   none_threshold=0.5)
    b = Prediction(np.array([[.1, .1, .1, .6], [.1, .1, .9, .1], [.1, .1, .1, .3]]), np.zeros((3, 4)), [None] * 3,
                   none_threshold=0.5)
    pair = compare_pair(data, {"A": a, "B": b})
    assert pair.disagreements[["row", "label", "A", "B"]].to_dict("list") == {
        "row": [1], "label": ["none"], "A": ["none (highest: sadness 0.30)"], "B": ["sadness (0.60)"]}


def test_multi_label_rows_are_judged_as_evaluate_judges_them():
    """E-c's rows were judged 4-way on their first label (anger winning every tie): the side-by-side gave the
    default model 0.654 where the heat map, its card and README give presence F1 0.725."""
    labels = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]])
    data = LabelledData(["a", "b", "c", "d"], [None] * 4, labels, np.full((4, 4), np.nan), multi_label=True)
    a = Prediction(np.array([[.8, .1, .7, .1], [.1, .2, .1, .3], [.1, .9, .1, .1], [.1, .1, .6, .7]]),
                   np.zeros((4, 4)), [None] * 4, none_threshold=0.5)
    b = Prediction(np.array([[.1, .1, .9, .1], [.6, .2, .1, .3], [.1, .9, .1, .1], [.1, .1, .9, .2]]),
                   np.zeros((4, 4)), [None] * 4, none_threshold=0.5)
    pair = compare_pair(data, {"A": a, "B": b})
    for name, prediction in (("A", a), ("B", b)):
        expected = evaluate_predictions(labels, prediction.probabilities, multi_label=True)
        assert pair.results[name]["macro_f1"] == expected["macro_f1"]
    assert pair.multi_label and pair.results["A"]["macro_f1"] == 1.0 and pair.results["B"]["macro_f1"] < 1.0
    assert pair.disagreements["label"].tolist() == ["anger, joy", "none", "joy, sadness"]
    assert pair.disagreements["A"].tolist() == ["anger (0.80), joy (0.70)", "none (highest: sadness 0.30)",
                                                "sadness (0.70), joy (0.60)"]
    assert pair.disagreements["B"].tolist() == ["joy (0.90)", "anger (0.60)", "joy (0.90)"]
    with pytest.raises(ValueError, match="multi-label data has no 4-way confusion matrix"):
        pair.confusion_long()


def test_multi_label_disagreements_are_the_emotions_found_not_the_strongest():
    """Two models that found sadness alike and differed on anger (0.8 against 0.1) were not listed: only each
    model's strongest emotion was compared, though every emotion's presence is judged."""
    data = LabelledData(["a"], [None], np.array([[1, 0, 0, 1]]), np.full((1, 4), np.nan), multi_label=True)
    a = Prediction(np.array([[.8, .1, .1, .9]]), np.zeros((1, 4)), [None], none_threshold=0.5)
    b = Prediction(np.array([[.1, .1, .1, .9]]), np.zeros((1, 4)), [None], none_threshold=0.5)
    assert a.emotions == b.emotions == ["sadness"]
    pair = compare_pair(data, {"A": a, "B": b})
    assert pair.disagreements[["label", "A", "B"]].to_dict("list") == {
        "label": ["anger, sadness"], "A": ["sadness (0.90), anger (0.80)"], "B": ["sadness (0.90)"]}


def test_faces_disagree_without_an_empty_text_column_or_a_nameless_image_column():
    """On FER2013's faces the disagreements had a text column of blanks and "(in memory)" for every image."""
    faces = [np.zeros((48, 48), dtype=np.uint8)] * 2
    data = LabelledData(["", ""], faces, np.eye(4)[[0, 1]], np.full((2, 4), np.nan))
    a = Prediction(np.eye(4)[[0, 1]] * 0.9, np.zeros((2, 4)), [None] * 2)
    b = Prediction(np.eye(4)[[0, 2]] * 0.9, np.zeros((2, 4)), [None] * 2)
    assert list(compare_pair(data, {"A": a, "B": b}).disagreements.columns) == ["row", "label", "A", "B"]


def test_two_models_with_no_row_to_judge_in_common_are_compared_without_matrices():
    """No row both scored (a text model and an image model on faces), or none of them with an emotion of the four
    (an upload labelled none throughout): scikit-learn's "Found empty input array" broke the Compare page."""
    labels = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    data = LabelledData(["meh", "ok", "so so"], [None] * 3, labels, np.full((3, 4), np.nan))
    said = Prediction(np.array([[.1, .2, .1, .3], [.1, .1, .9, .1], [.1, .1, .1, .2]]), np.zeros((3, 4)), [None] * 3,
                      none_threshold=0.5)
    unread = Prediction(np.full((3, 4), np.nan), np.full((3, 4), np.nan), ["nothing to score"] * 3)
    pair = compare_pair(data, {"A": said, "B": unread})
    assert (pair.rows, pair.judged, pair.results, len(pair.disagreements)) == (0, 0, {}, 0)
    other = Prediction(np.array([[.1, .2, .1, .3], [.1, .1, .1, .1], [.1, .1, .1, .2]]), np.zeros((3, 4)), [None] * 3,
                       none_threshold=0.5)
    pair = compare_pair(data, {"A": said, "B": other})
    assert (pair.rows, pair.judged, pair.results) == (3, 0, {})
    assert pair.disagreements[["row", "label", "A", "B"]].to_dict("list") == {
        "row": [2], "label": ["none"], "A": ["joy (0.90)"], "B": ["none (highest: anger 0.10)"]}


def audit_with(mean_gap: float, largest_gap: float, accuracy: float = 0.9) -> dict:
    """A fairness audit whose one figure anywhere is `mean_gap` (and `largest_gap`)."""
    figures = {"mean_gap": mean_gap, "largest_gap": largest_gap, "p_value": 0.5}
    return {"emotion_word_accuracy": accuracy,
            **{attribute: {"comparison": "a − b", **{e: {"probability": figures, "intensity": figures}
                                                      for e in ("anger", "fear", "joy", "sadness")}}
               for attribute in ("gender", "race")}}


def test_which_model_answers_each_question_with_its_figure_and_the_runner_up():
    table = pd.DataFrame({
        "name": ["specialist", "broad", "quick", "images"],
        "wassa_test_macro_f1": [0.83, 0.64, 0.56, np.nan],
        "goemotions_dev_macro_f1": [0.33, 0.73, 0.71, np.nan],
        "ec_dev_macro_f1": [0.52, 0.73, 0.63, np.nan],
        "everyday_check_macro_f1": [0.55, 0.69, np.nan, np.nan],  # `quick` lacks one: not ranked away from WASSA
        "tweets_per_s": [14000, 14200, 53000, 900],
    })
    reports = {"specialist": audit_with(-0.01, 0.03), "broad": audit_with(0.005, 0.02, 0.88),
               "quick": audit_with(0.005, 0.01, 0.67)}  # `images` has no audit; `quick` wins the tie on its gap
    picks = which_model(table, reports)
    assert list(picks) == ["wassa", "away", "fastest", "fairest"]  # no upload: no such question
    assert picks["wassa"][1:5] == ("specialist", 0.83, "broad", 0.64)
    assert picks["wassa"].notes == (("away from WASSA-2017", "specialist", pytest.approx(0.4667, abs=1e-4)),)
    assert picks["away"][1:5] == ("broad", pytest.approx(0.7167, abs=1e-4), "specialist",
                                  pytest.approx(0.4667, abs=1e-4))
    assert picks["away"].notes == (("goemotions_dev", "broad", 0.73), ("ec_dev", "broad", 0.73),
                                   ("everyday_check", "broad", 0.69))
    assert picks["fastest"][1:5] == ("quick", 53000, "broad", 14200) and picks["fastest"].notes == ()
    assert picks["fairest"][1:5] == ("quick", 0.005, "broad", 0.005)
    assert picks["fairest"].notes == (("largest gap", "quick", 0.01), ("emotion-word accuracy", "quick", 0.67),
                                      ("least fair", "specialist", 0.01))  # the fairest and the next: 0.005
    assert all(pick.tied == () for pick in picks.values())
    table["upload_macro_f1"] = [0.5, np.nan, 0.9, np.nan]
    assert which_model(table, reports)["upload"][1:5] == ("quick", 0.9, "specialist", 0.5)
    places = standings(table, reports)
    assert places["specialist"] == [("wassa", 1, 3, 0.83), ("away", 2, 2, pytest.approx(0.4667, abs=1e-4)),
                                    ("fastest", 3, 4, 14000), ("fairest", 3, 3, 0.01), ("upload", 2, 2, 0.5)]
    assert places["images"] == [("fastest", 4, 4, 900)]  # only what it has a figure for


def test_the_fairest_names_the_least_fair_only_behind_the_runner_up():
    table = pd.DataFrame({"name": ["a", "b", "c"]})
    two = which_model(table, {"a": audit_with(0.005, 0.02), "b": audit_with(0.03, 0.05)})["fairest"]
    assert two.runner_up == "b" and [what for what, _, _ in two.notes] == ["largest gap", "emotion-word accuracy"]
    tied = which_model(table, {name: audit_with(0.005, 0.02) for name in "abc"})["fairest"]
    assert tied.tied == ("b", "c") and tied.runner_up is None and len(tied.notes) == 2


def test_which_model_of_one_model_has_no_runner_up_and_skips_what_it_lacks():
    picks = which_model(pd.DataFrame({"name": ["only"], "wassa_test_macro_f1": [0.7]}), {})
    assert list(picks) == ["wassa"] and picks["wassa"][1:5] == ("only", 0.7, None, None)


def test_which_model_names_the_models_tied_with_the_best_and_passes_over_them_for_the_runner_up():
    """Eight easy tweets of one's own: most models score 1.0 on them, and none of them is the best alone."""
    table = pd.DataFrame({"name": ["a", "b", "c", "d"], "upload_macro_f1": [1.0, 0.56, 1.0, 1.0]})
    pick = which_model(table, {})["upload"]
    assert pick[1:5] == ("a", 1.0, "b", 0.56) and pick.tied == ("c", "d")


def test_standings_give_models_tied_with_each_other_one_place():
    """which_model names c and d tied with a for the best; their cards said 2nd and 3rd of 4."""
    table = pd.DataFrame({"name": ["a", "b", "c", "d"], "upload_macro_f1": [1.0, 0.56, 1.0, 1.0]})
    places = standings(table, {})
    assert {name: places[name] for name in "abcd"} == {
        "a": [("upload", 1, 4, 1.0)], "b": [("upload", 4, 4, 0.56)], "c": [("upload", 1, 4, 1.0)],
        "d": [("upload", 1, 4, 1.0)]}
    reports = {"a": audit_with(0.005, 0.02), "b": audit_with(0.005, 0.01), "c": audit_with(0.005, 0.02)}
    fairest = {name: places[0] for name, places in standings(table, reports).items() if places[1:]}
    assert fairest == {"a": ("fairest", 2, 3, 0.005), "b": ("fairest", 1, 3, 0.005), "c": ("fairest", 2, 3, 0.005)}


def test_which_model_and_standings_read_rankings_handed_to_them_as_they_would_compute_them(monkeypatch):
    """The Compare page shows both: it ranks the models once and hands the rankings to each."""
    from evaluation import comparison

    table = pd.DataFrame({"name": ["a", "b", "c"], "wassa_test_macro_f1": [0.6, 0.8, 0.7],
                          "upload_macro_f1": [1.0, 0.5, 1.0]})
    reports = {"a": audit_with(0.005, 0.02), "b": audit_with(0.01, 0.01)}
    picks, places = which_model(table, reports), standings(table, reports)
    ranks = comparison.rankings(table, reports)

    def again(*_):
        raise AssertionError("ranked again")

    monkeypatch.setattr(comparison, "rankings", again)
    assert which_model(table, reports, ranks) == picks and standings(table, reports, ranks) == places
    assert picks["upload"].tied == ("c",) and places["b"] == [("wassa", 1, 3, 0.8), ("fairest", 2, 2, 0.01),
                                                              ("upload", 3, 3, 0.5)]


def test_an_audit_without_intensity_gaps_is_read_and_shown(tmp_path):
    """The audit of a model that predicts no intensity (a baseline trained on labels alone) has probability gaps
    only: it is read, summarised and charted, and its card shows a dash for the intensity gaps."""
    from models.card import model_card

    directory = good_run(tmp_path)
    report = json.loads((directory / "fairness.json").read_text())
    for attribute in ("gender", "race"):
        for emotion in EMOTIONS:
            report[attribute].get(emotion, {}).pop("intensity", None)
    (directory / "fairness.json").write_text(json.dumps(report))
    reseal(directory)
    reports, unread = fairness_reports({"runs/labels-only": directory})
    assert unread == {} and list(reports) == ["runs/labels-only"]
    assert set(fairness_long(reports)["score"]) == {"probability"}
    assert fairness_summary(reports)["largest_mean_gap"].notna().all()
    card = model_card({"model": "logreg"}, {}, report)
    assert "| female − male | intensity | – | – | – | – |" in card


def test_an_audit_without_probability_gaps_is_refused(tmp_path):
    directory = good_run(tmp_path)
    report = json.loads((directory / "fairness.json").read_text())
    report["gender"]["joy"].pop("probability")
    (directory / "fairness.json").write_text(json.dumps(report))
    reseal(directory)
    assert fairness_reports({"runs/x": directory}).skipped == {
        "runs/x": "fairness.json: gender.joy.probability is missing"}


MISREAD = [{"word": "vexing", "emotion": "anger", "sentences": 180, "named": 0.0, "answer": "none", "answer_share": 1.0},
           {"word": "discouraged", "emotion": "fear", "sentences": 240, "named": 0.25, "answer": "sadness",
            "answer_share": 0.75}]


@pytest.mark.parametrize("change, note", [
    (lambda words: None, None),  # as the audit writes them
    ("absent", None),  # an audit saved before it named them
    (lambda words: words.clear(), None),  # no word misread
    ({}, 'fairness.json: misread_words is an object, not an array'),
    (lambda words: words.append("vexing"), 'fairness.json: misread_words[2] is a string, not an object'),
    (lambda words: words[0].pop("word"), "fairness.json: misread_words[0].word is missing"),
    (lambda words: words[0].update(word=""), 'fairness.json: misread_words[0].word is "", not a word'),
    (lambda words: words[1].update(emotion="love"),
     'fairness.json: misread_words[1].emotion is "love", not one of anger, fear, joy, sadness'),
    (lambda words: words[0].update(sentences=2.5), "fairness.json: misread_words[0].sentences is 2.5, not a whole number"),
    (lambda words: words[0].update(sentences=0), "fairness.json: misread_words[0].sentences is 0, outside [1, 1,000,000,000]"),
    (lambda words: words[1].update(named=0.5),
     "fairness.json: misread_words[1].named is 0.5, not below 0.5: not a misread word"),
    (lambda words: words[1].update(named="low"), 'fairness.json: misread_words[1].named is "low", not a number'),
    (lambda words: words[0].update(answer="anger"),
     'fairness.json: misread_words[0].answer is "anger", not none or an emotion other than anger'),
    (lambda words: words[0].update(answer="happy"),
     'fairness.json: misread_words[0].answer is "happy", not none or an emotion other than anger'),
    (lambda words: words[0].update(answer_share=1.5), "fairness.json: misread_words[0].answer_share is 1.5, outside [0, 1]"),
    (lambda words: words[1].update(answer_share=0.9),
     "fairness.json: misread_words[1]: named 0.25 and answer_share 0.9 add up to more than 1"),
])
def test_misread_words_are_read_when_laid_out_as_the_audit_writes_them_and_refused_naming_the_field_otherwise(
        tmp_path, change, note):
    directory = good_run(tmp_path)
    report = json.loads((directory / "fairness.json").read_text())
    words = json.loads(json.dumps(MISREAD))
    if callable(change):
        change(words)
    else:
        words = change
    report["misread_words"] = words
    if change == "absent":
        del report["misread_words"]
    (directory / "fairness.json").write_text(json.dumps(report))
    reseal(directory)
    reports, unread = fairness_reports({"runs/x": directory})
    assert unread == ({} if note is None else {"runs/x": note})
    assert list(reports) == ([] if note else ["runs/x"])



def test_the_fairness_table_names_the_words_a_model_misreads():
    """The shipped default model's audit lists its misread words; a model that misreads none has an empty cell, and
    an audit made before they were reported none at all (it was empty too, as if that model misread no word)."""
    from models.store import FAIRNESS_FILE

    report = json.loads((Path(DEFAULT_MODEL_DIR) / FAIRNESS_FILE).read_text())
    older = {key: value for key, value in report.items() if key != "misread_words"}
    perfect = {**report, "misread_words": []}
    summary = fairness_summary({"default": report, "older": older, "perfect": perfect}).set_index("name")
    assert summary.loc["default", "misread_words"] == ", ".join(item["word"] for item in report["misread_words"])
    assert "vexing" in summary.loc["default", "misread_words"].split(", ")
    assert summary.loc["perfect", "misread_words"] == ""
    assert pd.isna(summary.loc["older", "misread_words"])


def test_the_frontier_is_the_models_no_other_beats_on_both():
    from evaluation.comparison import wassa_frontier

    table = pd.DataFrame({"name": ["specialist", "default", "beaten", "tied", "unscored"],
                          "wassa_test_macro_f1": [0.83, 0.64, 0.62, 0.64, np.nan],
                          "goemotions_dev_macro_f1": [0.33, 0.73, 0.70, 0.73, 0.9],
                          "ec_dev_macro_f1": [0.52, 0.72, 0.70, 0.72, 0.9],
                          "everyday_check_macro_f1": [0.55, 0.71, 0.69, 0.71, 0.9]})
    frontier = wassa_frontier(table).set_index("name")
    assert list(frontier.index) == ["specialist", "default", "beaten", "tied"]  # no WASSA figure: not placed
    assert frontier.loc["default", "away"] == pytest.approx((0.73 + 0.72 + 0.71) / 3)
    # a model equal to another on both is not beaten by it; one lower on both is
    assert frontier["on_frontier"].to_dict() == {"specialist": True, "default": True, "beaten": False, "tied": True}
    assert wassa_frontier(table.drop(columns=["wassa_test_macro_f1"])).empty


def test_the_frontier_places_no_model_by_the_mean_of_only_some_collections():
    """A run scored on some of the collections away from WASSA-2017 (saved before E-c was evaluated) was placed by
    the mean of those it has, and took the frontier's top, above the model "Best on other collections" names."""
    from evaluation.comparison import wassa_frontier

    table = pd.DataFrame({"name": ["default", "older run"], "wassa_test_macro_f1": [0.64, 0.70],
                          "goemotions_dev_macro_f1": [0.73, np.nan], "ec_dev_macro_f1": [0.72, np.nan],
                          "everyday_check_macro_f1": [0.71, 0.80]})
    assert which_model(table, {})["away"].name == "default"
    frontier = wassa_frontier(table)
    assert frontier["name"].tolist() == ["default"] and frontier["on_frontier"].all()


def test_the_speed_chart_shows_no_model_by_the_mean_of_only_some_collections():
    """The speed chart averaged the sets a model had, where ranking and the frontier need all three: a run scored on
    the everyday tweets alone stood above the default model on the chart and was not ranked at all."""
    from evaluation.comparison import speed_and_quality

    table = pd.DataFrame({"name": ["default", "older run"], "wassa_test_macro_f1": [0.64, 0.70],
                          "goemotions_dev_macro_f1": [0.73, np.nan], "ec_dev_macro_f1": [0.72, np.nan],
                          "everyday_check_macro_f1": [0.71, 0.80], "tweets_per_s": [13000.0, 15000.0],
                          "size_mb": [2.3, 2.3]})
    fast = speed_and_quality(table)
    assert fast["name"].tolist() == ["default"]
    assert fast.loc[0, "away"] == pytest.approx((0.73 + 0.72 + 0.71) / 3)
