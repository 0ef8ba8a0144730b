"""Feature attributions: gradient × input for the network, occlusion for the feature baselines."""

import copy

import numpy as np
import torch

from emotions import EMOTIONS
from explain.attributions import attributions, network_attributions, occlusion_attributions
from models.registry import build_model

GROUPS = ["nrc", "learned", "word_vectors", "surface", "valence"]


def test_gradient_times_input_is_exact_on_the_wide_path(fused):
    """With the deep path's head zeroed the logits are W·x + b, so d log p_k / dx = W_k − Σ_j p_j W_j."""
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
    p = np.exp(logits - logits.max())
    p /= p.sum()
    expected = (weights - p @ weights) * x
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
    np.testing.assert_allclose(frame.sum(axis=1), 0, atol=1e-9)  # probabilities moved from one emotion to others
    assert frame.loc["nrc", "anger"] > 0  # the anger hashtag and words push towards anger
    assert attributions(model, blocks).features is None
