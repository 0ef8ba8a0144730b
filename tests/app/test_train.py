"""The Train page, run by Streamlit's AppTest: a tiny network trains, is watched, stopped, saved and compared."""

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evaluation.runs import RUNS_ENV_VAR

PAGES = Path(__file__).resolve().parents[2] / "app_pages"


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNS_ENV_VAR, str(tmp_path))
    at = AppTest.from_file(str(PAGES / "train.py"), default_timeout=300)
    at.run()
    assert not at.exception
    return at


def settings(at, epochs, name):
    next(s for s in at.slider if s.label == "Epochs (at most)").set_value(epochs)
    next(s for s in at.select_slider if s.label == "Hidden units per branch").set_value(16)
    at.text_input[0].set_value(name)
    next(c for c in at.checkbox if c.label == "Score test sets").set_value(False)


def failed_before_training(at) -> None:
    """Clicks Train: the job fails before one epoch, and the page shows its error without an exception."""
    at.button[0].click().run()
    job = at.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "failed" and not job.log  # not one epoch
    at.run()
    assert not at.exception


def test_a_network_trains_with_live_curves_and_appears_on_compare(page, tmp_path):
    assert page.selectbox[1].value == "text_net"
    settings(page, 3, "tiny")
    next(s for s in page.slider if s.label == "Networks averaged").set_value(2)
    page.button[0].click().run()
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "finished", job.error
    assert {record["member"] for record in job.log} == {1, 2}  # two networks, each with its curve
    assert json.loads((tmp_path / "tiny" / "config.json").read_text())["settings"]["members"] == 2
    page.run()
    assert not page.exception
    message = page.success[0].value
    # the run as the model pickers name it, not by the server's path
    assert message.startswith("Finished in ") and "Saved as `runs/tiny`: it is on the Compare page." in message
    assert str(tmp_path) not in message
    assert len(page.get("vega_lite_chart")) == 2  # the loss and macro-F1 curves
    compare = AppTest.from_file(str(PAGES / "compare.py"), default_timeout=300)
    compare.run()
    assert "runs/tiny" in compare.dataframe[0].value["name"].tolist()


def test_training_can_be_stopped_and_keeps_the_run(page, tmp_path):
    settings(page, 100, "stopped")
    page.button[0].click().run()
    job = page.session_state["train_job"]
    stop = next(b for b in page.button if b.label == "Stop training")
    stop.click().run()
    assert job.stop_requested  # the click reached the job at once
    assert job.wait(timeout=300) and job.status == "stopped", job.error
    assert len(job.log) < 100 and (tmp_path / "stopped" / "config.json").is_file()
    page.run()
    assert page.success[0].value.startswith(f"Stopped after epoch {job.log[-1]['epoch']} in ")


def test_a_page_opened_while_a_run_trains_shows_it_and_can_stop_it(page, tmp_path, monkeypatch):
    """A reloaded tab lost its run: an empty form whose Train was refused with "another training … is running",
    no curves, no Stop, and no word when the run ended. Another tab learned of the run only once refused."""
    settings(page, 100, "shared")
    page.button[0].click().run()
    job = page.session_state["train_job"]
    other = AppTest.from_file(str(PAGES / "train.py"), default_timeout=300)  # a reload: a new session
    other.run()
    assert not other.exception and other.session_state["train_job"] is job
    assert other.subheader[0].value == "Run shared"
    said = next(c.value for c in other.caption if c.value.startswith("Training on this server (started before"))
    # what is trained, not this page's own defaults in a disabled form (text_net's 128 hidden units)
    assert "`text_net` (hidden 16, embed 64, lr 0.001, epochs 100, members 1), seed 0, on " in said
    assert not any(b.label == "Train" for b in other.button) and not other.slider
    next(b for b in other.button if b.label == "Stop training").click().run()
    assert job.wait(timeout=300) and job.status == "stopped", job.error
    other.run()
    assert other.success[0].value.startswith("Stopped after epoch ") and not next(
        b for b in other.button if b.label == "Train").disabled


def test_data_the_model_cannot_read_is_refused_when_train_is_pressed(page, tmp_path):
    """image_net on tweets started a run that failed a moment later, once the page had laid itself out for it."""
    page.selectbox[1].set_value("image_net").run()
    page.text_input[0].set_value("faces")
    page.button[0].click().run()
    assert not page.exception and "train_job" not in page.session_state
    assert page.error[0].value.startswith("image_net reads images, and the training data (")
    assert not (tmp_path / "faces").exists()


def test_a_model_that_cannot_stop_early_offers_no_stop_and_says_it_finished(page, tmp_path, monkeypatch):
    """Stop did nothing to a scikit-learn fit, and the page then said "Stopped"."""
    import threading

    from models.baselines import LexiconRuleBaseline

    fitting, release = threading.Event(), threading.Event()
    real_fit = LexiconRuleBaseline._fit

    def slow_fit(self, *args, **kwargs):  # holds the job in its fit while the page is looked at
        fitting.set()
        release.wait(timeout=300)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(LexiconRuleBaseline, "_fit", slow_fit)
    page.selectbox[1].set_value("lexicon_rule").run()
    page.text_input[0].set_value("rule")
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    page.button[0].click().run()
    job = page.session_state["train_job"]
    try:
        assert fitting.wait(timeout=60)
        page.run()
        stop = next(b for b in page.button if b.label == "Stop training")
        assert stop.disabled and stop.help.startswith("`lexicon_rule` cannot be stopped early: it has no epochs")
    finally:
        release.set()
    assert job.wait(timeout=300) and job.status == "finished", job.error
    page.run()
    assert page.success[0].value.startswith("Finished in ") and (tmp_path / "rule" / "config.json").is_file()


@pytest.mark.parametrize("name, message", [("../escape", "run name '../escape': use letters, digits"),
                                           ("taken", "a run named 'taken' exists already")])
def test_bad_run_names_are_refused(page, tmp_path, name, message):
    (tmp_path / "taken").mkdir()
    page.text_input[0].set_value(name)
    page.button[0].click().run()
    assert message in page.error[0].value and "train_job" not in page.session_state


def test_an_upload_too_small_to_hold_out_from_gets_a_message(page):
    page.radio[0].set_value("Upload labelled data").run()
    page.file_uploader[0].set_value(("mine.csv", b"text,label\nhappy,joy\nangry,anger\n", "text/csv"))
    page.text_input[0].set_value("small")
    page.button[0].click().run()
    assert not page.exception and page.error[0].value.startswith("mine.csv: too few rows to hold out a validation "
                                                                 "tenth with every emotion on both sides (2 rows; ")
    assert page.error[0].value.endswith("give a validation file or more rows")  # which the page takes:


def test_a_small_upload_trains_with_a_validation_file(page, tmp_path):
    page.radio[0].set_value("Upload labelled data").run()
    uploads = {u.label: u for u in page.file_uploader}
    uploads["Labelled CSV or TSV"].set_value(("mine.csv", b"text,label\nhappy,joy\nangry,anger\n", "text/csv"))
    uploads["Validation CSV or TSV (optional)"].set_value(
        ("check.csv", b"text,label\nso glad,joy\nfurious,anger\nscared,fear\n", "text/csv"))
    page.selectbox[0].set_value("lexicon_rule").run()
    page.text_input[0].set_value("small")
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    page.button[0].click().run()
    assert not page.error, page.error[0].value
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "finished", job.error
    config = json.loads((tmp_path / "small" / "config.json").read_text())
    assert config["train_rows"] == 2 and job.metrics["valid"]["n"] == 3


def test_a_validation_file_labelled_none_throughout_is_refused_before_training(page, tmp_path):
    """It trained to the end and then failed with scikit-learn's "Found empty input array"."""
    page.radio[0].set_value("Upload labelled data").run()
    uploads = {u.label: u for u in page.file_uploader}
    uploads["Labelled CSV or TSV"].set_value(("mine.csv", b"text,label\nhappy,joy\nangry,anger\n", "text/csv"))
    uploads["Validation CSV or TSV (optional)"].set_value(("check.csv", b"text,label\nmeh,none\nok,none\n",
                                                          "text/csv"))
    page.text_input[0].set_value("none_valid")
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    failed_before_training(page)
    assert page.error[0].value.startswith("Training failed: check.csv: every validation row is labelled none; "
                                          "evaluating needs rows labelled with one of anger, fear, joy or sadness")
    assert page.error[0].value.endswith(": add rows with one, or train without a validation file")
    assert not (tmp_path / "none_valid").exists()


def test_a_baseline_trains_on_uploaded_labelled_data(page, tmp_path):
    page.radio[0].set_value("Upload labelled data").run()
    sample = (Path(__file__).resolve().parents[2] / "data" / "samples" / "tweets_sample.csv").read_bytes()
    page.file_uploader[0].set_value(("mine.csv", sample, "text/csv"))
    page.selectbox[0].set_value("tfidf_logreg").run()
    assert not page.slider  # no epochs for a baseline
    page.text_input[0].set_value("from-upload")
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    page.button[0].click().run()
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "finished", job.error
    assert job.metrics["valid"]["n"] == 4  # 10% of the 40 tweets, one per emotion
    assert (tmp_path / "from-upload" / "config.json").is_file()


def test_the_run_name_typed_is_the_one_saved_even_a_second_later(page, tmp_path):
    """The proposed name holds the time: it used to change every second and take the typed name with it."""
    page.radio[0].set_value("Upload labelled data").run()
    sample = (Path(__file__).resolve().parents[2] / "data" / "samples" / "tweets_sample.csv").read_bytes()
    page.file_uploader[0].set_value(("mine.csv", sample, "text/csv"))
    page.selectbox[0].set_value("lexicon_rule").run()
    page.text_input[0].set_value("my_named_run").run()
    time.sleep(1.1)
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False).run()
    assert page.text_input[0].value == "my_named_run"
    page.button[0].click().run()
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.out.name == "my_named_run", job.error
    assert page.text_input[0].value != "my_named_run"  # the next run is proposed a name of its own


def test_after_a_run_the_name_box_proposes_a_new_name_and_train_starts_again(page, tmp_path):
    """The box kept the finished run's name (the browser sent it back), so Train said it exists already."""
    page.selectbox[1].set_value("lexicon_rule").run()
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    first, box = page.text_input[0].value, page.text_input[0].id
    page.button[0].click().run()
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "finished" and job.out.name == first, job.error
    page.run()
    # A new widget: the browser keeps a value per widget id, and sent the old box's (the run's name) back.
    assert page.text_input[0].id != box
    proposed = page.text_input[0].value
    assert proposed.startswith("lexicon_rule-") and proposed != first and not (tmp_path / proposed).exists()
    time.sleep(1.1)
    page.run()
    assert page.text_input[0].value == proposed  # kept, not made again each rerun
    page.button[0].click().run()  # the name left as proposed
    assert not page.error, page.error[0].value
    second = page.session_state["train_job"]
    assert second is not job and second.out.name == proposed
    assert second.wait(timeout=300) and second.status == "finished", second.error
    page.run()
    page.text_input[0].set_value("typed_after_a_run").run()
    time.sleep(1.1)
    page.run()
    assert page.text_input[0].value == "typed_after_a_run"


def test_a_validation_upload_whose_image_cannot_be_read_fails_before_training_naming_its_row(page, tmp_path):
    """The network trained to the end, stopping early on the row read without its image."""
    import io
    import zipfile

    from PIL import Image

    photo = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(photo, format="PNG")
    images = io.BytesIO()
    with zipfile.ZipFile(images, "w") as archive:
        archive.writestr("face.png", photo.getvalue())
        archive.writestr("notes.png", b"not an image")
    emotions = ["anger", "fear", "joy", "sadness"]
    rows = "".join(f"tweet {i} so {emotions[i % 4]},{'face.png' if i % 3 == 0 else ''},{emotions[i % 4]}\n"
                   for i in range(12))
    page.radio[0].set_value("Upload labelled data").run()
    uploads = {u.label: u for u in page.file_uploader}
    uploads["Labelled CSV or TSV"].set_value(("mine.csv", f"text,image,label\n{rows}".encode(), "text/csv"))
    uploads["ZIP of its images (optional)"].set_value(("images.zip", images.getvalue(), "application/zip"))
    uploads["Validation CSV or TSV (optional)"].set_value(
        ("check.csv", b"text,image,label\nso glad,face.png,joy\nfurious,notes.png,anger\n", "text/csv"))
    page.selectbox[0].set_value("fused_net").run()
    settings(page, 2, "bad_valid_image")
    failed_before_training(page)
    assert page.error[0].value.startswith("Training failed: check.csv: column 'image', row(s) 2: an image that cannot "
                                          "be read (first: notes.png: not a supported image")
    assert str(tmp_path) not in page.error[0].value and not (tmp_path / "bad_valid_image").exists()


def test_the_encoding_detected_in_an_upload_is_said_beside_the_run(page):
    """The Batch page says it; the Train page trained on the guess without a word."""
    page.radio[0].set_value("Upload labelled data").run()
    rows = "".join(f"caf\u00e9 {i} so {e},{e}\n" for i in range(10) for e in ("anger", "fear", "joy", "sadness"))
    page.file_uploader[0].set_value(("mine.csv", f"text,label\n{rows}".encode("cp1252"), "text/csv"))
    page.selectbox[0].set_value("lexicon_rule").run()
    page.text_input[0].set_value("cp1252")
    next(c for c in page.checkbox if c.label == "Score test sets").set_value(False)
    page.button[0].click().run()
    assert not page.error, page.error[0].value
    job = page.session_state["train_job"]
    assert job.wait(timeout=300) and job.status == "finished", job.error
    page.run()
    assert [c.value for c in page.caption if c.value.startswith("mine.csv: ")] == [
        "mine.csv: encoding: cp1252 (detected: not UTF-8 from byte offset 14)"]
