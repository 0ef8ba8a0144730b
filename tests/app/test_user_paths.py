"""Messages about an uploaded ZIP's files name them by their path inside it, not by the server's folder."""

import pandas as pd

from app_pages.user_paths import as_in_the_zip, errors_as_in_the_zip


def test_paths_under_the_folder_become_paths_inside_the_zip(tmp_path):
    folder = tmp_path / "tweet-emotions-batch-images-x"
    assert as_in_the_zip(f"zzz.png: file not found ({folder}/imgs/zzz.png)", folder, "mine.zip") == \
        "zzz.png: file not found (imgs/zzz.png)"
    assert as_in_the_zip(f"cannot identify image file '{folder}/notes.txt'", folder, "mine.zip") == \
        "cannot identify image file 'notes.txt'"
    assert as_in_the_zip(f"image '../a.png' resolves outside the images folder {folder}", folder, "mine.zip") == \
        "image '../a.png' resolves outside the images folder mine.zip"
    assert as_in_the_zip("a.png: not a supported image", folder, "mine.zip") == "a.png: not a supported image"


def test_the_resolved_folder_is_replaced_whole(tmp_path):
    real = tmp_path / "private" / "tmp" / "x"
    real.mkdir(parents=True)
    (tmp_path / "tmp").symlink_to(tmp_path / "private" / "tmp")
    linked = tmp_path / "tmp" / "x"  # as given; the layers below print the resolved path, which contains it
    assert as_in_the_zip(f"a.png: file not found ({real}/a.png); outside {linked}", linked, "mine.zip") == \
        "a.png: file not found (a.png); outside mine.zip"


def test_the_error_column_of_a_scored_table(tmp_path):
    scored = pd.DataFrame({"text": ["a", "b"], "error": ["", f"zzz.png: file not found ({tmp_path}/zzz.png)"]})
    assert errors_as_in_the_zip(scored, tmp_path, "mine.zip")["error"].tolist() == \
        ["", "zzz.png: file not found (zzz.png)"]
    assert scored["error"][1].startswith("zzz.png: file not found (/")  # the input is left as it was
    assert errors_as_in_the_zip(scored, None, None) is scored  # no ZIP: nothing to rewrite


def test_a_model_folder_is_named_as_the_picker_names_it_wherever_the_runs_folder_is(tmp_path, monkeypatch):
    """With TWEET_EMOTION_RUNS=/srv/models the picker listed `runs/m2` and `runs/team/m1`, and messages named them
    `models/m2` and `team/m1`; the runs folder itself was named by its path on the server."""
    from app_pages.user_paths import as_in_the_picker
    from evaluation.runs import model_choices
    from models.registry import DEFAULT_MODEL_DIR, ZOO_DIR

    runs = tmp_path / "srv" / "models"
    monkeypatch.setenv("TWEET_EMOTION_RUNS", str(runs))
    for name in ("m2", "team/m1"):
        (runs / name).mkdir(parents=True)
        (runs / name / "config.json").write_text("{}")
    assert {"runs/m2", "runs/team/m1"} <= set(model_choices())
    assert as_in_the_picker(f"{runs / 'team' / 'm1'}: missing metrics.json", runs / "team" / "m1") == \
        "runs/team/m1: missing metrics.json"
    assert as_in_the_picker(f"{runs / 'new'}: cannot save there: {runs} cannot be written", runs / "new") == \
        "runs/new: cannot save there: runs cannot be written"
    assert as_in_the_picker(f"{DEFAULT_MODEL_DIR}/metrics.json: bad", DEFAULT_MODEL_DIR) == \
        "default (shipped)/metrics.json: bad"
    assert as_in_the_picker(f"{ZOO_DIR / 'logreg'}: x", ZOO_DIR / "logreg") == "zoo/logreg: x"
