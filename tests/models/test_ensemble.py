"""A network model with `members` > 1: networks trained from successive seeds on features fitted once, their logits
and intensities averaged, by the numpy engine and the torch module alike."""

import json

import numpy as np
import pytest
import torch

from data.registry import training_set
from models.network.config import NetConfig
from models.network.inference import _heads, split_members
from models.registry import build_model, load_model

FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}
TEXTS = ["I am so furious with them, I hate this", "so scared of tomorrow", "so happy today!!", "the bus is late"]


@pytest.fixture(scope="module")
def judged():
    train, valid = training_set("wassa+relabels", seed=0)
    return train.subset(np.arange(0, len(train), 6)), valid


@pytest.fixture(scope="module")
def fits(judged):
    """One network, an ensemble of two whose first network has the same seed, and that ensemble calibrated."""
    one = build_model("text_net", FAST_NET).fit(*judged, seed=3)
    two = build_model("text_net", {**FAST_NET, "members": 2}).fit(*judged, seed=3)
    calibrated = build_model("text_net", {**FAST_NET, "members": 2, "presence_calibration": 0.5}).fit(*judged, seed=3)
    return one, two, calibrated


def test_each_network_is_saved_and_the_first_is_the_single_networks_run(fits):
    one, two, _ = fits
    members = split_members(two.weights_)
    assert len(members) == 2 and all(name.startswith("members.") for name in two.weights_)
    assert sorted({record["member"] for record in two.log}) == [1, 2]
    for name, value in one.weights_.items():  # the same seed on the same features: the same network
        np.testing.assert_array_equal(members[0][name], value)
    assert not np.allclose(members[1]["emotion_head.weight"], members[0]["emotion_head.weight"])


def test_networks_trained_side_by_side_are_those_trained_one_after_another(judged, fits):
    """Without a stop button to hear (`should_stop`), the networks train in processes side by side (on a machine
    with more than one core); with one, one after another in this process: the same weights and epochs either way."""
    _, two, _ = fits
    after = build_model("text_net", {**FAST_NET, "members": 2}).fit(*judged, seed=3, should_stop=lambda: False)
    assert two.weights_.keys() == after.weights_.keys()
    for name, value in after.weights_.items():
        np.testing.assert_array_equal(two.weights_[name], value)
    untimed = [{key: value for key, value in record.items() if key != "seconds"} for record in after.log]
    assert [{key: value for key, value in record.items() if key != "seconds"} for record in two.log] == untimed


def test_a_training_stopped_by_hand_says_where_in_its_config_and_card(judged):
    """Stopped on the Train page, a run's card said it was trained as asked (3 epochs, 2 networks) though it had
    one network of one epoch: it looked like a finished run on Compare."""
    from models.card import model_card

    epochs = []
    model = build_model("text_net", {**FAST_NET, "members": 2}).fit(
        *judged, seed=3, on_epoch=epochs.append, should_stop=lambda: len(epochs) >= 2)
    assert model.config["stopped_by_hand"] == {"networks": 1, "of_networks": 2, "epoch": 2, "of_epochs": 3}
    assert not any(name.startswith("members.") for name in model.weights_) and len(model.log) == 2  # one network
    card = model_card({**model.config, "model": "text_net", "settings": {"members": 2}}, {}, {})
    assert ("- **Stopped by hand** after epoch 2 of at most 3, in network 1 of 2 (the model is that network alone): "
            "the weights are those of the epoch best on the validation rows until then.") in card
    assert "- **Networks**:" not in card  # the settings asked for 2; it has one
    finished = build_model("text_net", FAST_NET).fit(*judged, seed=3, should_stop=lambda: False)
    assert "stopped_by_hand" not in finished.config and "Stopped by hand" not in model_card(finished.config, {}, {})


def test_the_ensemble_averages_its_networks_logits_in_numpy_and_torch(fits):
    _, two, _ = fits
    blocks = two.featurizer_.transform(TEXTS, [None] * len(TEXTS))
    config = NetConfig(**two.config["net_config"])
    mask = blocks.mask.astype(np.float32)
    logits = [_heads(member, config, blocks.text, blocks.image, mask)[0] for member in split_members(two.weights_)]
    probabilities = two.predict(TEXTS).probabilities
    np.testing.assert_allclose(probabilities, 1 / (1 + np.exp(-np.mean(logits, axis=0))), atol=1e-6)
    assert not np.allclose(logits[0], logits[1])
    with torch.inference_mode():
        torch_logits, _ = two.net_(torch.as_tensor(blocks.text, dtype=torch.float32),
                                   torch.as_tensor(blocks.image, dtype=torch.float32),
                                   torch.as_tensor(blocks.mask, dtype=torch.float32))
    np.testing.assert_allclose(torch.sigmoid(torch_logits).numpy(), probabilities, atol=1e-6)


def test_calibration_moves_the_ensembles_logits_and_a_saved_ensemble_scores_the_same(fits, tmp_path):
    _, two, calibrated = fits
    offsets = np.array(calibrated.config["presence_offsets"])
    assert np.abs(offsets).max() > 0.01
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    np.testing.assert_allclose(logit(calibrated.predict(TEXTS).probabilities),
                               logit(two.predict(TEXTS).probabilities) - offsets, atol=1e-4)
    calibrated.save(tmp_path / "ensemble")
    again = load_model(tmp_path / "ensemble")
    assert again.settings.members == 2 and len(split_members(again.weights_)) == 2
    assert "- **Networks**: 2, trained from seeds 3, 4," in (tmp_path / "ensemble" / "MODEL_CARD.md").read_text()
    np.testing.assert_allclose(again.predict(TEXTS).probabilities, calibrated.predict(TEXTS).probabilities,
                               atol=1e-12)


@pytest.mark.parametrize("rename, message", [("members.one.", "not named members.<number>"),
                                             ("members.7.", "do not have the same weights")])
def test_a_folder_whose_networks_do_not_match_is_refused(fits, tmp_path, rename, message):
    from safetensors.numpy import load_file, save_file

    from models.store import ModelLoadError, sha256_file

    fits[1].save(tmp_path / "ensemble")
    path = tmp_path / "ensemble" / "weights.safetensors"
    weights = load_file(path)
    weights[rename + "emotion_head.bias"] = weights.pop("members.1.emotion_head.bias")
    save_file(weights, path)
    config_path = tmp_path / "ensemble" / "config.json"
    config = json.loads(config_path.read_text())
    config["files"]["weights.safetensors"] = sha256_file(path)  # past the checksum: the names are what is wrong
    config_path.write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match=message):
        load_model(tmp_path / "ensemble")


def test_the_largest_seed_trains_an_ensemble_its_second_network_from_seed_0(judged):
    """`--seed 4294967295 --members 2` failed with NumPy's "Seed must be between 0 and 2**32 - 1" once the
    features were fitted: the second network's seed was 2**32."""
    small = judged[0].subset(np.arange(0, len(judged[0]), 4)), judged[1]
    top = build_model("text_net", {**FAST_NET, "members": 2}).fit(*small, seed=2**32 - 1)
    assert sorted({entry["member"] for entry in top.log}) == [1, 2]
    assert np.isfinite(top.predict(TEXTS).probabilities).all()
