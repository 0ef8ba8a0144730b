"""The shipped default model: loads, matches the current feature names, and scores. Nothing is retrained."""

import json

import pytest

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


def test_default_model_records_its_provenance_and_metrics():
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["emotions"] == list(EMOTIONS) and len(config["train_fingerprint"]) == 64
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert {"wassa_test", "fer_public_test", "paired_test", "valid"} <= set(metrics)
    assert len(json.loads((DEFAULT_MODEL_DIR / "training_log.json").read_text())) >= 1
