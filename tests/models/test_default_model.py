"""The shipped default model: loads, matches the current feature names, and scores. Nothing is retrained."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data.registry import fer
from emotions import EMOTIONS, NONE
from models.registry import DEFAULT_MODEL_DIR, load_model


def test_default_model_loads_with_current_feature_names_and_scores_a_tweet():
    model = load_model()  # raises if the saved feature names differ from what this code produces
    assert model.name == "fused_net" and model.modalities == ("text", "image")
    texts = ["I am so furious right now, this is an outrage #angry", "The train leaves at 9:40 from platform 2."]
    prediction = model.predict(texts)
    assert prediction.errors == [None, None]
    assert model.presence and 0 < model.none_threshold < 1
    assert prediction.emotions == ["anger", NONE]
    angry = dict(zip(EMOTIONS, prediction.probabilities[0]))
    assert angry["anger"] >= 0.5 and angry["joy"] < 0.5  # independent presence probabilities
    intensity = dict(zip(EMOTIONS, prediction.intensities[0]))
    assert intensity["anger"] > 0.4 and intensity["joy"] < 0.2  # an angry tweet is not joyful


def test_a_single_string_is_refused_not_scored_one_character_at_a_time():
    with pytest.raises(TypeError, match="got a single string; wrap it in a list"):
        load_model().predict("I am so happy")
    for value, name in ((None, "NoneType"), (5, "int")):  # was "'NoneType' object is not iterable"
        with pytest.raises(TypeError, match=f"^expected a list of texts, got {name}$"):
            load_model().predict(value)


def test_evaluate_says_what_it_takes_when_given_a_table():
    """A DataFrame or a file name gave AttributeError: '...' object has no attribute 'texts'."""
    import pandas as pd

    for data in (pd.DataFrame({"text": ["so happy"], "label": ["joy"]}), "data/wassa2017/test.tsv"):
        with pytest.raises(TypeError, match="evaluate takes labelled rows, not a .*: read a file with "
                                            r"data.labelled.read_labelled\(path\)"):
            load_model().evaluate(data)


def test_default_model_records_its_provenance_and_metrics():
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["emotions"] == list(EMOTIONS) and len(config["train_fingerprint"]) == 64
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert {"wassa_test", "fer_public_test", "paired_test", "valid"} <= set(metrics)
    assert len(json.loads((DEFAULT_MODEL_DIR / "training_log.json").read_text())) >= 1


def test_missing_cells_of_any_kind_are_no_text_and_no_image():
    """pandas' string columns hold pd.NA, and numpy's float32 NaN is no Python float: both were scored as the tweets
    "<NA>" and "nan" (an emotion, no error); a NaN or pd.NA image cell failed the whole batch with a TypeError."""
    model = load_model()
    texts = pd.Series(["I am so furious right now", None, None, None], dtype="string").tolist()
    texts[2], texts[3] = np.float32("nan"), pd.NaT
    prediction = model.predict(texts, images=pd.Series([None, np.nan, pd.NA, " "], dtype=object))
    assert prediction.emotions == ["anger", "", "", ""]
    assert all(error.startswith("nothing to score") for error in prediction.errors[1:])
    assert prediction.errors[0] is None


def test_bytes_are_read_as_utf8_text_and_a_frame_is_refused():
    """Bytes were scored as their repr ("b'I am so happy'"; b"\\xff\\xfe" as fear 0.78); a DataFrame as one tweet per
    column name."""
    model = load_model()
    as_bytes = model.predict([b"I am so furious right now", b"\xff"])
    as_text = model.predict(["I am so furious right now", "\ufffd"])
    assert np.array_equal(as_bytes.probabilities, as_text.probabilities, equal_nan=True)
    frame = pd.DataFrame({"text": ["I am so happy", "so sad"]})
    with pytest.raises(TypeError, match=r"got a DataFrame; pass one column, e\.g\. frame\['text'\]"):
        model.predict(frame)
    with pytest.raises(TypeError, match=r"list of images, got a DataFrame"):
        model.predict(frame["text"], images=frame)


def test_a_text_with_no_word_is_no_text():
    """A tweet of only a link or @mentions was read as a text of nothing: beside an image it overrode the image's
    reading (a face's fear 0.83 became 0.11), alone it got an answer and no word of why; a zero-width space counted
    as text in the features and as none in the row's check."""
    model = load_model()
    face = fer("train_sample").images[0]
    wordless = ["https://t.co/abc123", "@bob @alice", "\u200b", "\u200f\u200e", "!!! ..."]
    beside = model.predict(wordless + [""], [face] * 6)
    np.testing.assert_allclose(beside.probabilities, np.repeat(beside.probabilities[-1:], 6, axis=0))
    assert beside.errors == [None] * 6
    alone = model.predict(wordless)
    assert np.isnan(alone.probabilities).all() and alone.emotions == [""] * 5
    assert alone.errors[0] == ("nothing to score: the text has no word, hashtag, emoji or emoticon once links and "
                               "@mentions are left out, and the row has no image")
    assert alone.errors[2].startswith("nothing to score: this model reads text or image")
    read = model.predict(["@bob :(", "so happppyyyy https://t.co/x"])
    assert read.errors == [None, None] and read.emotions[1] == "joy"  # an emoticon is read; "happy" is found


def test_an_image_unlike_every_training_face_is_scored_with_a_note():
    """The image branch learned from FER2013's faces only: a photo of a flower was read as fear 0.84 with no word
    of caution. A face is read without one, and the limit is checked when a model folder is read."""
    import sklearn.datasets

    model = load_model()
    flower = str(Path(sklearn.datasets.__file__).parent / "images" / "flower.jpg")
    prediction = model.predict(["", "so happy today"], [flower, fer("public_test").images[0]])
    assert np.isfinite(prediction.probabilities).all()
    assert prediction.errors[0].startswith("the image lies far beyond every image the model was trained on (its CNN features ")
    assert prediction.errors[1] is None
    model.featurizer_.image_spread_limit_ = -1.0
    with pytest.raises(ValueError, match="image_spread_limit_ is -1.0, not a positive number"):
        model.featurizer_.check_fitted()


def test_a_long_wordless_text_beside_a_face_reads_the_face_and_says_what_it_read():
    """The note on a long text was written where the image's error goes: the face was dropped, and the row said it
    was scored."""
    model = load_model()
    face = fer("public_test").images[0]
    text = "https://t.co/abcdefgh " * 5000
    prediction = model.predict([text, text, ""], [face, None, face])
    np.testing.assert_allclose(prediction.probabilities[0], prediction.probabilities[2])
    assert prediction.errors[0] == "text of 110,000 characters: read on its first 100,000"
    assert np.isnan(prediction.probabilities[1]).all() and prediction.errors[1].startswith("nothing to score: the text")
