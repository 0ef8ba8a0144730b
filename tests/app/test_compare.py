"""The Compare page, run by Streamlit's AppTest: the shipped default model and two tiny runs made here."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from data.bundled import load_wassa
from data.labelled import frame_to_labelled
from evaluation.runs import RUNS_ENV_VAR
from models.registry import DEFAULT_MODEL_DIR, build_model, load_model
from tests.malformed_runs import CASES, EXPLORATORY, good_run, make_run
from training.run import run_training

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "compare.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    train = frame_to_labelled(load_wassa("train").sample(300, random_state=0), "train")
    for name in ("tfidf_logreg", "lexicon_rule"):
        run_training(build_model(name), train, None, seed=0, out=folder / name)  # scored on WASSA-2017 test
    return folder


def open_page(monkeypatch, runs):
    monkeypatch.setenv(RUNS_ENV_VAR, str(runs))
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.run()
    assert not at.exception
    return at


def test_a_fresh_clone_compares_the_shipped_default_and_zoo(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path)  # no runs of one's own
    table = at.dataframe[0].value.set_index("name")
    assert len(table) >= 6 and table.loc["default (shipped)", "model"] == "fused_net"
    assert {"zoo/wassa_specialist", "zoo/text_net", "zoo/logreg", "zoo/tfidf_logreg", "zoo/lexicon_rule"} <= set(table.index)
    assert {"wassa_test_macro_f1", "fer_public_test_f1_joy", "paired_test_accuracy", "wassa_test_pearson_mean",
            "train_seconds", "tweets_per_s", "size_mb"} <= set(table.columns)
    assert table["tweets_per_s"].notna().all()
    assert len(at.get("vega_lite_chart")) >= 2  # the heat map, speed against quality (and the audits)
    upload_help = at.expander[0].markdown[0].value  # "Evaluate on your own labelled data": none is a label too
    assert "a `label` column (anger, fear, joy, sadness, or none)" in upload_help
    # A run trained on labels alone has a blank intensity row: the caption said only images or none left blanks.
    assert any("or gives no intensity (trained with too few gold intensities)" in c.value for c in at.caption)
    # The four questions a newcomer brings, answered at the top of the page from the shipped models' figures (the
    # README's "Reading it" under The model zoo), each with its figure and the runner-up.
    answers = [m.value for m in at.markdown if m.value.startswith("- **")]
    assert [a.split(":", 1)[0] for a in answers] == ["- **Best on tweets like WASSA-2017's**",
                                                    "- **Best on other collections**", "- **Fastest**",
                                                    "- **Fairest**"]
    # The figures are the shipped models' own (they change when the zoo is retrained); which model answers which
    # question is what the README's "Reading it" says.
    wassa = table["wassa_test_macro_f1"].sort_values(ascending=False)
    assert answers[0].startswith(f"- **Best on tweets like WASSA-2017's**: ` zoo/wassa_specialist `, macro-F1 "
                                 f"{wassa.iloc[0]:.3f} on WASSA-2017 test (next: ` {wassa.index[1]} ` {wassa.iloc[1]:.3f}); "
                                 f"its mean macro-F1 away from WASSA-2017: ")  # a bare "away from WASSA-2017: 0.465"
    # Why the specialist tops that line, beside the answers: its labels are query words readers often disown.
    assert any("WASSA-2017's labels are the query words its tweets were collected with" in c.value
               and "read the first answer with its mean away from WASSA-2017 beside it" in c.value for c in at.caption)
    away = table[["goemotions_dev_macro_f1", "ec_dev_macro_f1", "everyday_check_macro_f1"]].mean(axis=1)
    away = away.sort_values(ascending=False)
    assert answers[1].startswith(f"- **Best on other collections**: ` default (shipped) `, mean macro-F1 "
                                 f"{away.iloc[0]:.3f}")
    assert f"(next: ` {away.index[1]} ` {away.iloc[1]:.3f})" in answers[1]
    fastest = table["tweets_per_s"].sort_values(ascending=False)
    assert answers[2].startswith(f"- **Fastest**: ` zoo/tfidf_logreg `, {fastest.iloc[0]:,.0f} tweets per second")
    gaps = at.dataframe[1].value.set_index("name")["largest_mean_gap"].sort_values()
    assert answers[3].startswith(f"- **Fairest**: ` {gaps.index[0]} `, mean gaps at most {gaps.iloc[0]:.4f}")
    # The fairest leads the next by a few thousandths: the model to avoid is named too, as the README's "Reading it"
    # names TF-IDF + logistic regression.
    assert gaps.index[-1] == "zoo/tfidf_logreg"
    assert answers[3].endswith(f", and the least fair model: ` zoo/tfidf_logreg ` {gaps.iloc[-1]:.4f}.")
    # Each card opens with where its model stands on those questions: why one would pick it, or not.
    card = next(e for e in at.expander if e.label == "Model card: zoo/wassa_specialist")
    standing = [i.value for i in card.info]
    assert len(standing) == 1 and standing[0].startswith(
        f"On this page: best on tweets like WASSA-2017's: 1st of {len(table)} ({wassa.iloc[0]:.3f}); best on other "
        f"collections: {len(table)}th of {len(table)} ")


def test_two_runs_side_by_side_with_their_disagreements(monkeypatch, runs):
    at = open_page(monkeypatch, runs)
    assert {"default (shipped)", "runs/lexicon_rule", "runs/tfidf_logreg"} <= set(at.dataframe[0].value["name"])
    at.selectbox[0].set_value("runs/tfidf_logreg").run()
    at.selectbox[1].set_value("runs/lexicon_rule").run()
    assert at.selectbox[2].value == "wassa_test" and not at.exception
    fairness = at.dataframe[1].value.set_index("name")
    assert fairness.loc["default (shipped)", "largest_mean_gap"] <= 0.01  # the audits the runs saved
    assert any(e.label == "Model card: default (shipped)" for e in at.expander)
    disagreements = at.dataframe[-1].value
    assert list(disagreements.columns) == ["row", "text", "label", "runs/tfidf_logreg", "runs/lexicon_rule"]
    assert (disagreements["runs/tfidf_logreg"] != disagreements["runs/lexicon_rule"]).all()
    heading = f"**Where they disagree**: {len(disagreements):,} of 3,142 rows"
    assert any(m.value.startswith(heading) for m in at.markdown)


def test_model_b_stays_as_chosen_when_model_a_changes(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path)  # the shipped default and zoo
    at.selectbox[1].set_value("zoo/logreg").run()
    at.selectbox[0].set_value("zoo/text_net").run()
    assert (at.selectbox[0].value, at.selectbox[1].value) == ("zoo/text_net", "zoo/logreg") and not at.exception


def test_e_c_side_by_side_gives_the_heat_maps_presence_figures(monkeypatch, tmp_path):
    """Its rows were judged 4-way on their first label: the default model got 0.654 beside the heat map's 0.725."""
    at = open_page(monkeypatch, tmp_path)
    at.selectbox[2].set_value("ec_dev").run()
    assert not at.exception
    expected = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())["ec_dev"]["macro_f1"]
    assert any(m.value.startswith(f"**default (shipped)**: presence macro-F1 {expected:.3f}") for m in at.markdown)


def test_a_labelled_upload_becomes_a_column_and_a_data_set(monkeypatch, runs):
    at = open_page(monkeypatch, runs)
    at.file_uploader[0].set_value(("mine.csv", b"text,label\n" + b"so happy and joyful,joy\n" * 3
                                   + b"furious and angry,anger\n" * 3, "text/csv")).run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value.set_index("name")
    assert table["upload_macro_f1"].notna().all()
    rows = pd.DataFrame({"text": ["so happy and joyful"] * 3 + ["furious and angry"] * 3, "label": ["joy"] * 3 + ["anger"] * 3})
    scored = load_model(runs / "tfidf_logreg").evaluate(frame_to_labelled(rows, "mine.csv"))  # as the run scores it
    assert table.loc["runs/tfidf_logreg", ["upload_accuracy", "upload_macro_f1"]].tolist() == [
        round(scored["accuracy"], 4), round(scored["macro_f1"], 4)]
    assert at.selectbox[2].value == "upload"
    assert "Your data: 6 rows from mine.csv, in the `upload_…` columns." in [c.value for c in at.caption]
    assert any(c.value.startswith("Data sets: ") and c.value.endswith("; `upload` your data (mine.csv).")
               for c in at.caption)  # the heat map's new column is said with the others
    # The answers gain a line for this data; on six easy rows the models that get them all right are all named.
    answer = next(m.value for m in at.markdown if m.value.startswith("- **Best on your data**"))
    best = table["upload_macro_f1"].max()
    tied = sorted(table.index[table["upload_macro_f1"] == best])
    assert sorted(re.findall("` ([^`]+) `", answer.split(", macro-F1")[0])) == tied
    assert f"macro-F1 {best:.3f} on your data" in answer


def test_an_upload_leaves_out_by_name_the_runs_that_cannot_load_or_read_it(monkeypatch, tmp_path):
    """One run that cannot load (a `none_threshold` of null, as models trained on rows that all had an emotion
    were saved) and one that reads images only; the upload is text. Both are named (the one that cannot load among
    the runs left out of the whole page); the others get its columns."""
    from data.registry import fer

    good_run(tmp_path, "text_net")
    broken = good_run(tmp_path, "broken")
    config = json.loads((broken / "config.json").read_text())
    (broken / "config.json").write_text(json.dumps({**config, "none_threshold": None}))
    faces = fer("train_sample").subset(range(0, 2000, 25))
    run_training(build_model("image_net", epochs=2), faces, faces, seed=0, out=tmp_path / "faces",
                 bundled_eval=False)
    at = open_page(monkeypatch, tmp_path)
    at.file_uploader[0].set_value(("mine.csv", b"text,label\n" + b"so happy and joyful,joy\n" * 3
                                   + b"furious and angry,anger\n" * 3, "text/csv")).run()
    assert not at.exception and not at.error
    warning = next(str(w.value) for w in at.warning if "Not scored on your data" in str(w.value))
    assert "Not scored on your data: 1 model" in warning
    left_out = next(str(w.value) for w in at.warning if str(w.value).startswith("Skipped 1 saved model"))
    assert "runs/broken" in left_out and "none_threshold is None, not a number in [0, 1]" in left_out
    assert "runs/faces" in warning and "image_net reads image, and none of the 6 rows could be scored" in warning
    table = at.dataframe[0].value.set_index("name")
    assert table.loc[["default (shipped)", "runs/text_net"], "upload_macro_f1"].notna().all()
    assert table.loc[["runs/faces"], "upload_macro_f1"].isna().all()
    # The frontier chart says which models it could not place (the image model has no text figures)
    note = next(c.value for c in at.caption if c.value.startswith("WASSA-2017's labels are the query words"))
    unplaced = note.split(" Not placed ", 1)[1]
    assert "runs/faces" in unplaced and "default (shipped)" not in unplaced and "zoo/" not in unplaced


def test_a_bad_labelled_upload_gets_a_message(monkeypatch, runs):
    at = open_page(monkeypatch, runs)
    at.file_uploader[0].set_value(("mine.csv", b"text,label\nhello,bored\n", "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["mine.csv: unknown label(s) ['bored'] in column 'label' (row(s) 1); "
                                           "expected one of ['anger', 'fear', 'joy', 'sadness'] or 'none' (no "
                                           "emotion of the four)"]


def test_an_upload_labelled_none_throughout_is_named_not_a_crash(monkeypatch, runs):
    """Every model failed scoring it with scikit-learn's "Found empty input array", and the page broke."""
    at = open_page(monkeypatch, runs)
    at.file_uploader[0].set_value(("mine.csv", b"text,label\nmeh,none\njust a tuesday,none\n", "text/csv")).run()
    assert not at.exception and not at.error
    warning = next(str(w.value) for w in at.warning if "Not scored on your data" in str(w.value))
    assert "mine.csv: every row is labelled none; evaluating needs rows labelled with one of" in warning
    assert warning.count("every row is labelled none") == 1 and ", each for the same reason: " in warning  # said once
    assert "Your data: 2 rows from mine.csv; no model could be scored on it." in [c.value for c in at.caption]
    assert at.selectbox[2].value == "upload"  # the two models side by side on it: no matrices, the disagreements
    assert any("None of the 2 rows both models scored has an emotion of the four" in str(w.value) for w in at.warning)
    assert any(m.value.startswith("**Where they disagree**") for m in at.markdown)


def test_a_text_model_and_an_image_model_on_faces_are_said_to_share_no_row(monkeypatch, tmp_path):
    """The page's own message for this case was never reached: the comparison broke first."""
    at = open_page(monkeypatch, tmp_path)  # the shipped default and zoo
    at.selectbox[1].set_value("zoo/text_net").run()
    at.selectbox[2].set_value("fer_public_test").run()
    assert not at.exception
    assert any(str(w.value).startswith("The two models have no row of this data set they can both read")
               for w in at.warning)


def charts(at) -> dict:
    """Title → Vega-Lite spec of every chart on the page."""
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    titles = [spec.get("title") or spec.get("layer", [{}])[0].get("title", "") for spec in specs]
    return {title["text"] if isinstance(title, dict) else title: spec for title, spec in zip(titles, specs)}


def matrices(at) -> list:
    """The side-by-side confusion matrices (specs and their data), in the page's order."""
    found = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if any(layer.get("encoding", {}).get("color", {}).get("scale", {}).get("scheme") == "blues"
               for layer in spec.get("layer", [])):
            found.append((spec, convert_arrow_bytes_to_pandas_df(chart.proto.datasets[0].data.data)))
    return found


def test_the_charts_show_every_model_and_fit_the_page(monkeypatch, tmp_path):
    at = open_page(monkeypatch, tmp_path)  # the shipped default model and the zoo: 8 models
    specs = charts(at)
    # One heat map per measure (in tabs): all 17 columns in one left 18 pixels a cell in a 900-pixel window.
    heat_maps = [specs[title] for title in ("Macro-F1", "F1 of saying none", "Intensity (Pearson r)")]
    for heat in heat_maps:
        for layer in heat["layer"]:  # a label for every model and data set, none dropped where they would overlap
            assert layer["encoding"]["x"]["axis"]["labelOverlap"] is False
            assert layer["encoding"]["y"]["field"] == "name"  # a row for every model, in the table's order
            assert layer["encoding"]["y"]["scale"]["domain"] == list(at.dataframe[0].value["name"])
            assert layer["encoding"]["y"]["axis"]["labelOverlap"] is False
        assert heat["layer"][0]["encoding"]["color"]["legend"] is None  # the figure is in the cell
        assert heat["height"] == 150 + 24 * len(at.dataframe[0].value)  # a row per model: it grows with them
        shown = convert_arrow_bytes_to_pandas_df(next(
            chart.proto.datasets[0].data.data for chart in at.get("vega_lite_chart")
            if json.loads(chart.proto.spec) == heat))
        assert "valid" not in set(shown["data_set"])  # each run's own validation rows: other data for each model
    assert len(set(convert_arrow_bytes_to_pandas_df(heat_map_data(at))["data_set"])) == 8  # the bundled sets
    # WASSA-2017 against the rest: every model a point, the frontier a dashed line through those no other beats
    assert "**WASSA-2017 against the other collections**" in [m.value for m in at.markdown]  # above, not clipped
    frontier = next(chart for chart in at.get("vega_lite_chart")
                    if [layer["mark"]["type"] for layer in json.loads(chart.proto.spec).get("layer", [])]
                    == ["line", "circle"])
    frontier_spec = json.loads(frontier.proto.spec)
    assert frontier_spec["layer"][0]["encoding"]["x"]["field"] == "wassa_test"
    assert frontier_spec["layer"][1]["encoding"]["y"]["field"] == "away"
    placed = pd.concat(convert_arrow_bytes_to_pandas_df(d.data.data) for d in frontier.proto.datasets)
    assert set(placed["name"]) == set(at.dataframe[0].value["name"])
    assert {"zoo/wassa_specialist", "default (shipped)"} <= set(placed.loc[placed["on_frontier"], "name"])
    for axis, field in (("x", "wassa_test"), ("y", "away")):  # fitted, with a margin: no dot on an axis
        low, high = frontier_spec["layer"][1]["encoding"][axis]["scale"]["domain"]
        assert low < placed[field].min() and placed[field].max() < high
    speed = next(spec for spec in map(json.loads, (c.proto.spec for c in at.get("vega_lite_chart")))
                 if "size" in spec.get("encoding", {}))  # untitled, as the frontier: its title is above it
    assert speed["encoding"]["x"]["scale"]["type"] == "log" and speed["encoding"]["x"]["title"].endswith("log scale)")
    # Axes fitted to the points, with a margin: Vega's own (1,000 to 100,000 tweets/s, 0 to 0.8) put four models
    # within a dot's width of each other.
    plotted = convert_arrow_bytes_to_pandas_df(next(
        chart.proto.datasets[0].data.data for chart in at.get("vega_lite_chart")
        if json.loads(chart.proto.spec) == speed))
    assert len(plotted) == len(at.dataframe[0].value)  # every model a point
    for axis, field, log in (("x", "tweets_per_s", True), ("y", "away", False)):
        scale = speed["encoding"][axis]["scale"]
        assert speed["encoding"][axis]["field"] == field and scale["nice"] is False
        low, high = scale["domain"]
        shown = (np.log10 if log else np.asarray)([low, high, plotted[field].min(), plotted[field].max()])
        spread = shown[3] - shown[2]
        assert shown[0] < shown[2] and shown[3] < shown[1]  # every point inside, none on the edge
        assert shown[1] - shown[0] <= 1.25 * spread  # the points fill at least four fifths of each axis
    sizes = sorted(at.dataframe[0].value["size_mb"])
    assert speed["encoding"]["size"]["legend"]["values"] == [sizes[0], sizes[-1]]  # Vega's own ran past the foot
    assert speed["encoding"]["size"]["scale"]["range"][0] >= 40  # 0.02 MB was a dot of one pixel
    # Two models side by side (the first two of the picker, on WASSA-2017 test): each matrix under its model's name
    # and figures, in the page's text colour (in the title they were cut off at 900 pixels; as its subtitle, black
    # on the dark theme's black), on a named blue scale (the dark theme's default ran to near-white under white
    # counts); precision and recall in charts that follow the page's width (faceted, they ran past it at 900
    # pixels, legend and all).
    assert len(matrices(at)) == 2
    named = [m.value for m in at.markdown if m.value.startswith("**") and ": macro-F1 0." in m.value]
    assert [text.split("**")[1] for text in named] == ["default (shipped)", "zoo/every_query_word"]
    for title in ("Precision per emotion", "Recall per emotion"):
        assert "facet" not in specs[title] and "column" not in specs[title]["encoding"]
        assert specs[title]["autosize"]["type"] == "fit"
    fairness = {title: spec for title, spec in specs.items() if title.startswith(("gender:", "race:"))}
    assert sorted(fairness) == ["gender: female − male · intensity", "gender: female − male · probability",
                                "race: African-American − European · intensity",
                                "race: African-American − European · probability"]
    models = len(at.dataframe[1].value)  # the fairness table: one row per audited model
    for spec in fairness.values():
        assert "facet" not in spec and "column" not in spec["encoding"]  # a facet cannot follow the page's width
        assert spec["autosize"]["type"] == "fit"  # as wide as the page, legend included
        assert spec["height"] >= 90 + 18 * models  # tall enough for a legend of every model
        # one colour per model in every chart, whichever models a chart has bars for
        assert spec["encoding"]["color"]["scale"]["domain"] == sorted(at.dataframe[1].value["name"])


def heat_map_data(at) -> bytes:
    """The data of the macro-F1 heat map, as Arrow bytes."""
    return next(chart.proto.datasets[0].data.data for chart in at.get("vega_lite_chart")
                if json.loads(chart.proto.spec)["layer"][0].get("title") == "Macro-F1")


def messages(at) -> list[str]:
    """The text of every warning, caption, error and info on the page."""
    return [str(element.value) for kind in ("warning", "caption", "error", "info") for element in at.get(kind)]


@pytest.mark.parametrize("case", [*EXPLORATORY, "macro_f1_raised", "fairness_gap_lowered"])  # + checksums
def test_a_malformed_run_is_named_and_the_rest_of_the_page_still_shows(monkeypatch, tmp_path, case):
    make_run(tmp_path, case)
    at = open_page(monkeypatch, tmp_path)  # no exception: the page did not stop at the bad run
    name, part, note = f"runs/{case}", CASES[case].part, CASES[case].note
    table = at.dataframe[0].value
    assert {"default (shipped)", "zoo/text_net", "zoo/logreg"} <= set(table["name"])
    mapped = set(convert_arrow_bytes_to_pandas_df(heat_map_data(at))["name"])
    assert {"default (shipped)", "zoo/text_net"} <= mapped
    fairness = at.dataframe[1].value
    assert {"default (shipped)", "zoo/text_net"} <= set(fairness["name"])
    assert {"Model card: default (shipped)", "Model card: zoo/text_net"} <= {e.label for e in at.expander}
    warnings = [w.value for w in at.warning]
    if part == "run":  # left out everywhere, counted and named as skipped
        assert name not in set(table["name"]) and name not in mapped and name not in at.selectbox[0].options
        assert warnings == [f"Skipped 1 saved model whose files cannot be read or say what this page cannot show:"
                            f"\n\n- ` {name} `: ` {note} `"]
        assert any(m.startswith(f"{len(table)} models: ") and f"; 1 skipped (see above): {name}." in m
                   for m in messages(at))
    elif part == "fairness":  # in the table, its audit named as not shown
        assert name in set(table["name"]) and name not in set(fairness["name"])
        assert warnings == [f"Not shown: the fairness audit of 1 model, which cannot be read:\n\n"
                            f"- ` {name} `: ` {note} `"]
    else:  # its card: in the table, and the card's trouble named (here or by the card's own widget)
        assert name in set(table["name"]) and name in set(fairness["name"])
        assert any(name in m and "card" in m.lower() for m in messages(at))


def test_eleven_models_get_eleven_colours_in_the_charts_that_tell_them_apart_by_colour(monkeypatch, tmp_path):
    """The shipped eight and three runs: Vega's ten colours gave the default model and the WASSA specialist, the two
    ends of the frontier, one colour (and the speed chart and the fairness bars two models each)."""
    import shutil

    from models.registry import ZOO_DIR

    for name in ("a", "b", "c"):
        shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / name)
    at = open_page(monkeypatch, tmp_path)
    assert len(at.dataframe[0].value) == 11
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    coloured = [layer["encoding"]["color"] for spec in specs for layer in (spec.get("layer") or [spec])
                if layer.get("encoding", {}).get("color", {}).get("field") == "name"]
    assert len(coloured) == 2 + 4  # speed, the frontier's points, and the four fairness charts
    assert all(len(set(colour["scale"]["range"])) == 20 for colour in coloured)


def test_the_shipped_models_get_colours_of_different_hues(monkeypatch, tmp_path):
    """In Vega's tableau20 order each colour is followed by a lighter one of the same hue: the default model and
    `zoo/every_query_word`, side by side in the speed chart, were two blues, `zoo/logreg` and `zoo/text_net` two
    greens."""
    import colorsys

    at = open_page(monkeypatch, tmp_path)  # the shipped eight
    names = sorted(at.dataframe[0].value["name"])  # a nominal scale's domain: its names in order
    for spec in (json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")):
        for layer in spec.get("layer") or [spec]:
            colour = layer.get("encoding", {}).get("color", {})
            if colour.get("field") != "name":
                continue
            hues = []
            for code in colour["scale"]["range"][:len(names)]:
                h, _, saturation = colorsys.rgb_to_hls(*(int(code[i:i + 2], 16) / 255 for i in (1, 3, 5)))
                if saturation > 0.2:  # a grey has no hue to confuse
                    hues.append(h * 360)
            closest = min(min(abs(a - b), 360 - abs(a - b)) for i, a in enumerate(hues) for b in hues[i + 1:])
            assert closest > 15, colour["scale"]["range"][:len(names)]


def test_the_data_sets_are_described_under_the_heat_map_that_names_them(monkeypatch, tmp_path):
    """The heat map's columns are data sets' keys (`paired_test`, `ei_reg_dev`); what they are was said only under
    the table further down."""
    at = open_page(monkeypatch, tmp_path)
    shown = [(type(e).__name__, str(getattr(e, "value", ""))) for e in at.main]
    described = next(i for i, (_, text) in enumerate(shown) if text.startswith("Data sets: `wassa_test` "))
    assert "`paired_test` WASSA-2017 test tweets, each with a FER2013 face" in shown[described][1]
    assert described < shown.index(("Subheader", "Every saved model"))
    table = next(i for i, (kind, _) in enumerate(shown) if kind == "Dataframe")
    assert any("`valid`, the last columns, is each run's own validation data" in text
               for _, text in shown[described + 1:table])


def test_the_matrices_say_they_count_a_none_answer_as_the_most_probable_emotion(monkeypatch, tmp_path):
    """The default model answers none on some WASSA-2017 test tweets (the disagreements show it), yet its matrix
    counts every one of the 3,142 rows in a column of the four: the page did not say where those rows went."""
    at = open_page(monkeypatch, tmp_path)  # default (shipped) against zoo/every_query_word on WASSA-2017 test
    disagreements = at.dataframe[-1].value
    assert disagreements["default (shipped)"].str.startswith("none (highest: ").any()
    matrix = matrices(at)[0][1]  # default (shipped)'s, the first
    assert matrix["count"].sum() == 3142 and set(matrix["predicted"]) == {"anger", "fear", "joy", "sadness"}
    assert any("the model's most probable emotion of the four, also where it answers `none`" in c.value
               for c in at.caption)
    assert any(c.value.startswith("Macro-F1: 4-way, each model's most probable emotion of the four, even where it "
                                  "would answer none") for c in at.caption)
