"""A network gives no intensity (NaN: an empty cell) for an emotion its strength head had fewer than
`MIN_GOLD_INTENSITIES` gold intensities of in training, as the baselines do; it records which in config.json
(`untrained_intensity`), and a folder saved before that record scores exactly as it always did."""

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from data.labelled import LabelledData
from data.registry import goemotions, wassa
from emotions import EMOTIONS
from explain.explanation import explain
from models.base import MIN_GOLD_INTENSITIES
from models.card import model_card
from models.network.config import NetConfig
from models.network.inference import forward
from models.registry import DEFAULT_MODEL_DIR, build_model, load_model
from models.store import ModelLoadError
from scoring.local import score_file

FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}
TEXTS = ["so happy today", "I am so furious with them, I hate this", "so scared of tomorrow",
         "Miss you so much grandpa, the house is so quiet without you", "The meeting is at 3pm in room 204."]
WHY = "(its training data had too few gold intensities to learn one from)"


def test_a_network_trained_without_gold_intensities_gives_none(tmp_path):
    """GoEmotions' judgements of presence and no intensity (as `--data goemotions`): the strength head never had a
    gold intensity to learn from; it gave "so scared of tomorrow" intensities 0.17-0.55 all the same."""
    comments = goemotions("dev").subset(np.arange(600))
    assert not np.isfinite(comments.intensity).any()
    model = build_model("text_net", FAST_NET).fit(comments, seed=0)
    assert model.presence
    assert model.config["untrained_intensity"] == list(EMOTIONS)
    assert model.config["no_intensity"] == list(EMOTIONS)  # what fit finds in the predictions, for the card
    prediction = model.predict(TEXTS)
    assert np.isfinite(prediction.probabilities).all() and np.isnan(prediction.intensities).all()

    model.save(tmp_path / "run")
    card = (tmp_path / "run" / "MODEL_CARD.md").read_text()
    assert f"and no intensity: every `intensity_<e>` is empty {WHY}.\n" in card
    again = load_model(tmp_path / "run")
    assert again.config["untrained_intensity"] == list(EMOTIONS)
    reloaded = again.predict(TEXTS)
    np.testing.assert_array_equal(reloaded.probabilities, prediction.probabilities)
    assert np.isnan(reloaded.intensities).all()

    # The consumers: the scored file's intensity cells are empty, evaluate gives no Pearson (and no NaN in its
    # JSON), the Predict page's explanation has none to show.
    (tmp_path / "in.csv").write_text("text\n" + "\n".join(f'"{text}"' for text in TEXTS) + "\n")
    score_file(again, tmp_path / "in.csv", tmp_path / "out.csv")
    header, *rows = csv.reader((tmp_path / "out.csv").open(newline=""))
    columns = [header.index(f"intensity_{e}") for e in EMOTIONS]
    assert len(rows) == len(TEXTS)
    for row in rows:
        assert [row[c] for c in columns] == [""] * len(EMOTIONS) and row[header.index("prob_joy")] != ""
    result = again.evaluate(wassa("dev").subset(np.arange(60)))
    assert "pearson" not in result and "pearson_mean" not in result and np.isfinite(result["macro_f1"])
    explained = explain(again, TEXTS[0])
    assert np.isnan(explained.intensities).all()
    assert all(i is None or np.isnan(i) for i in explained.shown_intensities())

    # The record is checked on loading: anything but distinct emotion names is refused, naming the key.
    config_path = tmp_path / "run" / "config.json"
    saved = json.loads(config_path.read_text())
    for bad in ("fear", ["fear", "fear"], ["Fear"], [None]):
        config_path.write_text(json.dumps({**saved, "untrained_intensity": bad}))
        with pytest.raises(ModelLoadError, match=r"config.json: cannot load the network: untrained_intensity is "):
            load_model(tmp_path / "run")
    for bad in ("fear", ["fear", "fear"], ["Fear"], [None]):  # what the card says, checked as well
        config_path.write_text(json.dumps({**saved, "no_intensity": bad}))
        with pytest.raises(ModelLoadError, match=r"config.json: cannot load the model: no_intensity is "):
            load_model(tmp_path / "run")


def test_only_the_emotions_without_enough_gold_intensities_lose_theirs():
    """WASSA-2017 tweets (a 4-way choice, the query word's intensity) with every anger and joy intensity, exactly
    MIN_GOLD_INTENSITIES of sadness and one fewer of fear: fear alone gets none. Two networks averaged."""
    tweets = wassa("train").subset(np.arange(0, 3600, 6))
    intensity = tweets.intensity.copy()
    for emotion, keep in (("fear", MIN_GOLD_INTENSITIES - 1), ("sadness", MIN_GOLD_INTENSITIES)):
        column = EMOTIONS.index(emotion)
        rows = np.flatnonzero(np.isfinite(intensity[:, column]))
        assert len(rows) > keep
        intensity[rows[keep:], column] = np.nan
    train = LabelledData(tweets.texts, tweets.images, tweets.labels, intensity, source="mine.csv")
    valid = wassa("dev").subset(np.arange(0, 340, 4))
    model = build_model("text_net", {**FAST_NET, "members": 2}).fit(train, valid, seed=0)
    assert not model.presence
    assert model.config["untrained_intensity"] == model.config["no_intensity"] == ["fear"]
    intensities = model.predict(TEXTS).intensities
    assert np.isfinite(intensities).tolist() == [[True, False, True, True]] * len(TEXTS)
    assert ((intensities[:, [0, 2, 3]] >= 0) & (intensities[:, [0, 2, 3]] <= 1)).all()
    assert (f"`intensity_<e>` is the strength of each. None for fear: `intensity_fear` empty {WHY}."
            in model_card(model.config, {}, {}))


SHIPPED_NETWORKS = [DEFAULT_MODEL_DIR] + [DEFAULT_MODEL_DIR.parent / "zoo" / name
                                          for name in ("text_net", "every_query_word", "wassa_specialist")]


@pytest.mark.parametrize("directory", SHIPPED_NETWORKS, ids=lambda path: path.name)
def test_a_network_saved_before_the_record_gives_every_intensity_as_before(directory, tmp_path):
    """A folder saved before `untrained_intensity` was recorded (a shipped network, which learned every emotion's
    strength, with the record taken out of its config.json): its intensities are its weights' forward pass, bit
    for bit. The record alone takes an emotion's away, and leaves the others as they were."""
    folder = Path(shutil.copytree(directory, tmp_path / directory.name))
    config = json.loads((folder / "config.json").read_text())
    assert config.pop("untrained_intensity") == []
    (folder / "config.json").write_text(json.dumps(config))
    model = load_model(folder)
    assert "untrained_intensity" not in model.config
    blocks = model.featurizer_.transform(TEXTS, [None] * len(TEXTS))
    probabilities, intensities = forward(model.weights_, NetConfig(**model.config["net_config"]), blocks.text,
                                         blocks.image, blocks.mask, model.presence)
    prediction = model.predict(TEXTS)
    assert np.isfinite(intensities).all()
    np.testing.assert_array_equal(prediction.probabilities, probabilities)
    np.testing.assert_array_equal(prediction.intensities, intensities)

    model.config["untrained_intensity"] = ["fear"]
    recorded = model.predict(TEXTS)
    np.testing.assert_array_equal(recorded.probabilities, probabilities)
    assert np.isnan(recorded.intensities[:, 1]).all()
    np.testing.assert_array_equal(recorded.intensities[:, [0, 2, 3]], intensities[:, [0, 2, 3]])
