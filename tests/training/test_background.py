import json
import time

import numpy as np
import pytest

from data.bundled import load_wassa
from data.labelled import frame_to_labelled, hold_out
from evaluation.runs import find_runs
from training.background import running_job, start_training


@pytest.fixture(scope="module")
def tweets():
    frame = load_wassa("train").sample(400, random_state=0)
    return hold_out(frame_to_labelled(frame, "train400"), seed=0)


def test_a_network_trains_in_the_background_with_a_record_per_epoch(tweets, tmp_path):
    train, valid = tweets
    job = start_training("text_net", train, valid, tmp_path / "runs" / "net", seed=3,
                         settings={"epochs": 4, "hidden": 16, "embed": 8, "lr": 0.01, "patience": 10},
                         bundled_eval=False)
    assert job.wait(timeout=300) and job.status == "finished", job.error
    curves = job.curves()
    assert curves["epoch"].tolist() == [1, 2, 3, 4]
    assert curves["train_loss"].iloc[-1] < curves["train_loss"].iloc[0]
    assert find_runs(tmp_path / "runs") == [tmp_path / "runs" / "net"]
    config = json.loads((tmp_path / "runs" / "net" / "config.json").read_text())
    assert config["seed"] == 3 and config["settings"]["hidden"] == 16 and config["net_config"]["embed"] == 8
    assert set(job.metrics) == {"valid"} and job.metrics["valid"]["n"] == len(valid)


def test_stopping_ends_after_the_current_epoch_and_saves_the_best_so_far(tweets, tmp_path):
    train, valid = tweets
    job = start_training("text_net", train, valid, tmp_path / "net", settings={"epochs": 500, "patience": 500},
                         bundled_eval=False)
    deadline = time.monotonic() + 300
    while not job.log and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    assert job.wait(timeout=300) and job.status == "stopped", job.error
    assert 1 <= len(job.log) < 500
    assert (tmp_path / "net" / "weights.safetensors").is_file()


def test_a_baseline_trains_too_without_curves(tweets, tmp_path):
    train, valid = tweets
    job = start_training("tfidf_logreg", train, valid, tmp_path / "tfidf", bundled_eval=False)
    assert job.wait(timeout=300) and job.status == "finished", job.error
    assert job.curves().empty and (tmp_path / "tfidf" / "config.json").is_file()


def test_a_failure_is_reported_not_raised_in_the_thread(tweets, tmp_path):
    train, valid = tweets
    none = valid.subset(np.arange(10))
    none.labels[:] = 0  # every validation row labelled none: refused by the fit, in the thread
    job = start_training("logreg", train, none, tmp_path / "none", bundled_eval=False)
    assert job.wait(timeout=120) and job.status == "failed"
    assert "every validation row is labelled none; evaluating needs rows labelled with one of" in job.error
    assert not job.error.startswith(("ValueError", "DataError")) and not (tmp_path / "none").exists()  # a sentence


def test_data_the_model_cannot_read_is_refused_before_the_thread_starts(tweets, tmp_path):
    """image_net on tweets started a job that failed a moment later ("image_net reads image; the training data has
    no such rows"), after the Train page had laid itself out for a run."""
    train, valid = tweets
    with pytest.raises(ValueError, match=r"^image_net reads images, and the training data \(.*\) has none: choose "
                                         r"data with images$"):
        start_training("image_net", train, valid, tmp_path / "faces", bundled_eval=False)
    assert running_job() is None and not (tmp_path / "faces").exists()


def test_a_runs_folder_that_cannot_be_saved_to_is_refused_before_the_thread_starts(tweets, tmp_path):
    """The CLI checked the output folder before training; the Train page found it unwritable only after it."""
    train, valid = tweets
    (tmp_path / "runs").write_text("a file where the runs folder should be")
    with pytest.raises(ValueError, match=r"runs/m: .*runs is a file, not a folder; choose another output folder"):
        start_training("logreg", train, valid, tmp_path / "runs" / "m", bundled_eval=False)
    assert running_job() is None


def test_unknown_model_or_setting_is_named_before_the_thread_starts():
    with pytest.raises(ValueError, match="unknown model 'nope'; valid names: fused_net, text_net"):
        start_training("nope", None, None, "x")
    with pytest.raises(ValueError, match="tfidf_logreg has no setting"):
        start_training("tfidf_logreg", None, None, "x", settings={"epochs": 3})


def test_one_training_at_a_time_and_never_into_an_existing_run(tweets, tmp_path):
    from training.background import TrainingBusy

    train, valid = tweets
    first = start_training("text_net", train, valid, tmp_path / "first", settings={"epochs": 500, "patience": 500},
                           bundled_eval=False)
    try:
        with pytest.raises(TrainingBusy, match=r"another training \(text_net, run first\) is running"):
            start_training("tfidf_logreg", train, valid, tmp_path / "second", bundled_eval=False)
    finally:
        first.stop()
        assert first.wait(timeout=300)
    (tmp_path / "taken").mkdir()
    with pytest.raises(TrainingBusy, match="a run named 'taken' exists already"):
        start_training("tfidf_logreg", train, valid, tmp_path / "taken", bundled_eval=False)
    assert start_training("tfidf_logreg", train, valid, tmp_path / "second", bundled_eval=False).wait(timeout=300)


def test_a_runs_folder_at_its_quota_takes_no_new_run(tweets, tmp_path, monkeypatch):
    from training.background import RUNS_QUOTA_ENV_VAR, TrainingBusy

    (tmp_path / "old_run").mkdir()
    (tmp_path / "old_run" / "weights.bin").write_bytes(bytes(2 * 2**20))
    monkeypatch.setenv(RUNS_QUOTA_ENV_VAR, "1")
    with pytest.raises(TrainingBusy, match="the runs folder holds 2 MB, at its quota of 1 MB"):
        start_training("tfidf_logreg", *tweets, tmp_path / "new", bundled_eval=False)
    assert not (tmp_path / "new").exists()


def test_a_model_that_cannot_stop_early_ignores_stop_and_says_it_finished(tweets, tmp_path):
    """Stop on a scikit-learn model did nothing, yet the job reported "stopped"."""
    train, valid = tweets
    job = start_training("logreg", train, valid, tmp_path / "lr", bundled_eval=False)
    assert not job.can_stop
    job.stop()  # while it fits
    assert job.wait(timeout=300) and job.status == "finished", job.error
    assert not job.stop_requested and (tmp_path / "lr" / "config.json").is_file()


def test_a_stop_after_training_has_ended_is_no_stop(tweets, tmp_path, monkeypatch):
    """Clicked while the run is scored and saved, Stop ends nothing: the job finished, as a whole run."""
    import threading

    import training.background

    scored, carry_on = threading.Event(), threading.Event()

    def run_training(*args, **kwargs):  # the training, then the click while it is being scored
        metrics = real_run_training(*args, **kwargs)
        scored.set()
        carry_on.wait(timeout=300)
        return metrics

    real_run_training = training.background.run_training
    monkeypatch.setattr(training.background, "run_training", run_training)
    job = start_training("text_net", *tweets, tmp_path / "net", settings={"epochs": 2}, bundled_eval=False)
    assert job.can_stop and scored.wait(timeout=300)
    job.stop()
    carry_on.set()
    assert job.wait(timeout=300) and job.status == "finished" and job.stop_requested, job.error
    assert [record["epoch"] for record in job.log] == [1, 2]
