"""Presence outputs: the loss uses only what each row knows, "none" below a threshold chosen on validation data,
intensities near 0 for an absent emotion."""

import numpy as np
import pytest
import torch

from data.labelled import LabelledData
from data.registry import goemotions, training_set
from emotions import NONE, strongest
from evaluation.metrics import choose_none_threshold
from models.network.config import NetworkSettings
from models.network.fit import _losses, presence_balance
from models.registry import build_model, load_model

FAST_NET = {"epochs": 4, "hidden": 16, "embed": 8}
NAN = np.nan


def rows():
    """Row 0 was collected for joy (a 4-way choice); row 1 has human judgements (fear present, anger absent, the
    others not judged); row 2 has a gold anger intensity and nothing else."""
    labels = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]], dtype=float)
    presence = np.array([[NAN] * 4, [0, 1, NAN, NAN], [NAN] * 4])
    intensity = np.array([[NAN] * 4, [NAN] * 4, [0.8, NAN, NAN, NAN]])
    return LabelledData(["a", "b", "c"], [None] * 3, labels, intensity, presence=presence,
                        exclusive=np.array([True, False, False]), weight=np.array([1.0, 2.0, 1.0]))


def test_the_loss_uses_only_what_each_row_knows():
    data, settings = rows(), NetworkSettings(intensity_weight=1.0, presence_weight=1.0)
    logits = torch.tensor([[0.1, 0.2, 0.3, 0.4], [0.5, -0.5, 9.0, -9.0], [3.0, 0.0, 0.0, 0.0]], requires_grad=True)
    intensity = torch.tensor([[0.9] * 4, [0.2] * 4, [0.5, 0.1, 0.1, 0.1]], requires_grad=True)
    loss = _losses(logits, intensity, np.arange(3), data, data.intensity, torch.ones(3), torch.ones(4),
                   torch.ones(4), settings)
    loss.backward()
    cross_entropy = torch.nn.functional.cross_entropy(logits[:1].detach(), torch.tensor([2]))
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits[1, :2].detach(), torch.tensor([0.0, 1.0]))
    assert loss.item() == pytest.approx(float(cross_entropy + bce + (0.5 - 0.8) ** 2), rel=1e-6)
    assert (logits.grad[1, 2:] == 0).all() and (logits.grad[2] == 0).all()  # not judged: no gradient
    assert (intensity.grad[:2] == 0).all() and (intensity.grad[2, 1:] == 0).all()  # no gold intensity: none


def test_rare_presence_weighs_more_and_balance_zero_keeps_base_rates():
    data = rows()
    np.testing.assert_allclose(presence_balance(data, 0.0), [1, 1, 1, 1])
    weights = presence_balance(data, 1.0)
    assert weights[1] < 1e-6  # fear: present in the only row that judges it
    assert weights[0] > 1e6  # anger: judged absent only


def test_none_below_the_threshold_and_the_threshold_separates_none():
    probabilities = np.array([[0.1, 0.2, 0.9, 0.1], [0.2, 0.1, 0.3, 0.2], [np.nan] * 4])
    assert strongest(probabilities, 0.5) == ["joy", NONE, ""]
    assert strongest(probabilities) == ["joy", "joy", ""]
    presence = np.array([[0, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=float)
    guesses = np.array([[0.1, 0.1, 0.8, 0.1], [0.2, 0.1, 0.3, 0.1], [0.1, 0.6, 0.1, 0.1], [0.1, 0.35, 0.1, 0.1]])
    threshold = choose_none_threshold(presence, guesses)
    assert 0.35 < threshold <= 0.6
    assert choose_none_threshold(np.full((2, 4), np.nan), guesses[:2]) is None


@pytest.fixture(scope="module")
def presence_model():
    train, valid = training_set("wassa+relabels", seed=0)
    comments = goemotions("dev").subset(np.arange(1500))
    return build_model("text_net", FAST_NET).fit(LabelledData.concat([train, comments], source="mix"), valid, seed=0)


def test_a_model_trained_on_judgements_gives_presence_none_and_quiet_intensities(presence_model, tmp_path):
    model = presence_model
    assert model.presence and 0.05 <= model.none_threshold <= 0.95
    texts = ["I am so furious with them, I hate this", "The meeting is at 3pm in room 204.", "so happy today!!"]
    prediction = model.predict(texts)
    assert not np.allclose(prediction.probabilities.sum(axis=1), 1)  # independent, not a 4-way split
    emotions = prediction.emotions
    assert emotions[0] == "anger" and emotions[2] == "joy"
    assert prediction.probabilities[1].max() < prediction.probabilities[0].max()
    absent = prediction.probabilities < 0.5
    assert (prediction.intensities[absent] <= 0.5).all()  # scaled down below 0.5: near 0 when absent
    model.save(tmp_path / "run")
    again = load_model(tmp_path / "run")
    assert again.none_threshold == model.none_threshold and again.predict(texts).emotions == emotions
    assert again.evaluate(goemotions("dev").subset(np.arange(1500, 1700)))["macro_f1"] > 0


def test_presence_calibration_shifts_each_emotions_logit_by_the_saved_offsets(presence_model, tmp_path):
    train, valid = training_set("wassa+relabels", seed=0)
    comments = goemotions("dev").subset(np.arange(1500))
    calibrated = build_model("text_net", {**FAST_NET, "presence_calibration": 0.5}).fit(
        LabelledData.concat([train, comments], source="mix"), valid, seed=0)
    offsets = np.array(calibrated.config["presence_offsets"])
    assert offsets.shape == (4,) and np.abs(offsets).max() > 0.05 and np.abs(offsets).max() <= 2.0  # half of ±4
    texts = ["I am so furious with them, I hate this", "so scared of tomorrow", "so happy today!!", "the bus is late"]
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    before, after = presence_model.predict(texts).probabilities, calibrated.predict(texts).probabilities
    np.testing.assert_allclose(logit(after), logit(before) - offsets, atol=1e-4)  # the same network, shifted
    # only through the text's path: a row without text (a face, in the fused network) keeps its logits
    np.testing.assert_array_equal(calibrated.weights_["emotion_head.bias"], presence_model.weights_["emotion_head.bias"])
    calibrated.save(tmp_path / "calibrated")
    again = load_model(tmp_path / "calibrated")
    np.testing.assert_allclose(again.predict(texts).probabilities, after, atol=1e-12)
    assert again.config["presence_offsets"] == calibrated.config["presence_offsets"]
    assert "- **Calibration**: after training" in (tmp_path / "calibrated" / "MODEL_CARD.md").read_text()


def test_a_wassa_only_model_is_a_four_way_choice_with_no_none():
    train, valid = training_set("wassa")
    model = build_model("text_net", FAST_NET).fit(train.subset(np.arange(0, len(train), 6)), valid, seed=0)
    assert not model.presence and model.none_threshold is None
    prediction = model.predict(["The meeting is at 3pm in room 204."])
    assert prediction.probabilities.sum() == pytest.approx(1) and prediction.emotions[0] != NONE
