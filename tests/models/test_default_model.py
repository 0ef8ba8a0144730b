"""The shipped default model: loads, matches the current feature names, and scores. Nothing is retrained."""

import json

from emotions import EMOTIONS
from models.registry import DEFAULT_MODEL_DIR, load_model


def test_default_model_loads_with_current_feature_names_and_scores_a_tweet():
    model = load_model()  # raises if the saved feature names differ from what this code produces
    assert model.name == "fused_net" and model.modalities == ("text", "image")
    prediction = model.predict(["I am so furious right now, this is an outrage #angry"])
    assert prediction.errors == [None]
    probabilities = prediction.probabilities[0]
    assert abs(probabilities.sum() - 1) < 1e-6
    assert EMOTIONS[int(probabilities.argmax())] == "anger"
    assert 0 <= prediction.intensities[0].min() and prediction.intensities[0].max() <= 1


def test_default_model_records_its_provenance_and_metrics():
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["emotions"] == list(EMOTIONS) and len(config["train_fingerprint"]) == 64
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert {"wassa_test", "fer_public_test", "paired_test", "valid"} <= set(metrics)
    assert len(json.loads((DEFAULT_MODEL_DIR / "training_log.json").read_text())) >= 1
