"""Typed settings: validated when a model is built, saved to config.json as they are, defaults in one place."""

import json

import pytest

from models.network.config import NetworkSettings
from models.registry import MODELS, build_model
from models.settings import ModelSettings


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_has_typed_settings_with_defaults(name):
    settings = MODELS[name].Settings
    assert issubclass(settings, ModelSettings)
    assert build_model(name).settings == settings()


def test_an_unknown_or_unused_setting_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"fused_net has no setting\(s\) dropuot; its settings: text_options, "
                                         r"image_options, hidden, embed, dropout"):
        build_model("fused_net", dropuot=0.5)
    with pytest.raises(ValueError, match=r"logreg has no setting\(s\) epochs; its settings: text_options, "
                                         r"image_options, C"):
        build_model("logreg", epochs=5)
    with pytest.raises(ValueError, match=r"lexicon_rule has no setting\(s\) C; its settings: none"):
        build_model("lexicon_rule", C=1.0)


@pytest.mark.parametrize("values, message", [
    ({"epochs": 0}, r"setting epochs=0: must lie in \[1, 10000\]"),
    ({"lr": -1.0}, r"setting lr=-1.0: must lie in \(0, 10\]"),
    ({"dropout": 2.0}, r"setting dropout=2.0: must lie in \[0, 1\)"),
    ({"hidden": 100_000_000}, r"setting hidden=100000000: must lie in \[1, 4096\]"),
    ({"hidden": "64"}, r"setting hidden='64': expected int"),
    ({"lr": float("nan")}, r"setting lr=nan: must be a finite number"),  # NaN compares false with every bound
    ({"dropout": float("nan")}, r"setting dropout=nan: must be a finite number"),
    ({"weight_decay": float("inf")}, r"setting weight_decay=inf: must be a finite number"),  # no upper bound
])
def test_values_are_checked_when_the_model_is_built(values, message):
    with pytest.raises(ValueError, match=message):
        build_model("text_net", values)


def test_the_defaults_live_in_the_settings_class():
    defaults = NetworkSettings.defaults()
    assert (defaults["hidden"], defaults["embed"], defaults["dropout"], defaults["lr"], defaults["epochs"]) == (
        128, 64, 0.3, 0.001, 60)
    assert build_model("linear_svm").settings.C == 0.001 and build_model("logreg").settings.C == 1.0


def test_config_json_holds_the_settings_as_they_are(tmp_path):
    from data.registry import wassa

    tweets = wassa("dev")
    model = build_model("tfidf_logreg", C=3.0).fit(tweets, seed=0)
    model.save(tmp_path / "run")
    assert json.loads((tmp_path / "run" / "config.json").read_text())["settings"] == {"C": 3.0}
