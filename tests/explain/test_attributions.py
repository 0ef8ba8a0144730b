"""Feature attributions: gradient × input for the network, occlusion for the feature baselines."""

import copy

import numpy as np
import torch

from emotions import EMOTIONS
from explain.attributions import attributions, network_attributions, occlusion_attributions
from models.registry import build_model

GROUPS = ["nrc", "learned", "word_vectors", "surface", "valence"]


def test_gradient_times_input_is_exact_on_the_wide_path(fused):
    """With the deep path's head zeroed the logits are W·x + b, so the gradient of emotion k's log-odds against
    the others, z_k − log Σ_{j≠k} exp z_j, is W_k − Σ_{j≠k} q_j W_j, q the softmax over the others."""
    model = copy.deepcopy(fused)
    torch.nn.init.zeros_(model.net_.emotion_head.weight)
    torch.nn.init.zeros_(model.net_.emotion_head.bias)
    text = "I am so angry and furious #rage"
    blocks = model.featurizer_.transform([text])
    frame = network_attributions(model, blocks)
    x = blocks.text[0]
    weights = model.net_.text_linear.weight.detach().numpy()[:4].astype(float)
    bias = model.net_.text_linear.bias.detach().numpy()[:4]
    logits = weights @ x + bias
    expected = []
    for k in range(4):
        others = [j for j in range(4) if j != k]
        q = np.exp(logits[others] - logits[others].max())
        q /= q.sum()
        expected.append((weights[k] - q @ weights[others]) * x)
    expected = np.array(expected)
    np.testing.assert_allclose(frame[list(EMOTIONS)].to_numpy()[: len(x)], expected.T, rtol=1e-4, atol=1e-6)
    assert (frame.loc[frame.group == "image", list(EMOTIONS)] == 0).all().all()  # no image: no image attribution


def test_network_attributions_are_grouped_by_feature_group(fused, faces):
    explained = attributions(fused, fused.featurizer_.transform(["terrified and scared #fear"], [faces.images[0]]))
    assert list(explained.groups.index) == [*GROUPS, "image"]
    np.testing.assert_allclose(explained.groups.loc["image"],
                               explained.features.loc[explained.features.group == "image", list(EMOTIONS)].sum())
    assert explained.features.loc["nrc__affect_intensity_sum_fear", "value"] > 0  # standardised, above the mean
    assert (explained.groups.loc["image"] != 0).any()


def test_occlusion_for_a_feature_baseline(tweets):
    model = build_model("logreg").fit(tweets, seed=0)
    text = "I am so angry, furious, raging #angry"
    blocks = model.featurizer_.transform([text])
    frame = occlusion_attributions(model, blocks)
    assert list(frame.index) == GROUPS
    assert frame.loc["nrc", "anger"] > 0  # the anger hashtag and words push towards anger
    assert attributions(model, blocks).features is None
    # In log-odds, as the network's: on the probability scale a confident answer's groups all read near 0.
    assert model.predict_blocks(blocks)[0][0][0] > 0.99
    assert frame["anger"].max() > 1


def test_a_confident_answer_is_explained_by_what_pushed_towards_it():
    """The gradient of a log-probability vanishes as p nears 1: on the shipped model "I am furious #angry"
    (p = 0.999) had pushes of 0.000 towards anger, and only the pushes away from the others showed."""
    from models.registry import load_model

    model = load_model()
    blocks = model.featurizer_.transform(["I am furious #angry"])
    assert model.predict_blocks(blocks)[0][0][0] > 0.99
    towards = attributions(model, blocks).groups["anger"]
    assert towards.sum() > 5 and towards[["learned", "nrc"]].min() > 1  # the lexicons' anger, seen
