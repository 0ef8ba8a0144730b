"""Grad-CAM on the image branch, recomputed differentiably with the model's own image options."""

import numpy as np
import pytest

from emotions import EMOTIONS
from explain.gradcam import differentiable_features, explain_image, image_pixels
from features.image.decode import ImageDecodeError
from models.registry import build_model


def test_differentiable_features_reproduce_the_cached_extractor(fused, faces):
    featurizer = fused.featurizer_
    extractor = featurizer.image_extractor
    assert (extractor.input_size_, extractor.crop_fraction) == (64, 1.0)  # read from the model, not defaults
    images = faces.images[:3]
    cached = extractor.transform(images)[:, :-1]
    for image, expected in zip(images, cached):
        pooled, block, maps = differentiable_features(fused, image_pixels(fused, image))
        np.testing.assert_allclose(pooled.detach().numpy()[0], expected, rtol=1e-4, atol=1e-4)
        # compared in the CNN's units: with 32 training faces some scales are tiny and magnify float rounding
        scale = featurizer.image_scale_
        np.testing.assert_allclose(block.detach().numpy()[0] * scale,
                                   featurizer.transform([""], [image]).image[0] * scale, rtol=1e-4, atol=1e-4)
        assert maps.shape == (1, 1280, 2, 2) and maps.requires_grad


def test_image_reading_is_the_network_with_the_text_mask_off(fused, faces):
    image = faces.images[9]
    explained = explain_image(fused, image)
    expected = fused.predict([""], [image])
    np.testing.assert_allclose(explained.probabilities, expected.probabilities[0], atol=1e-5)
    np.testing.assert_allclose(explained.intensities, expected.intensities[0], atol=1e-5)
    assert explained.emotion == EMOTIONS[int(expected.probabilities[0].argmax())]
    assert explained.pixels.shape == (64, 64, 3) and explained.heatmap.shape == (64, 64)
    assert explained.heatmap.min() >= 0 and explained.heatmap.max() == pytest.approx(1.0)
    assert explained.overlay().shape == (64, 64, 3)
    maps = {e: explain_image(fused, image, emotion=e).heatmap for e in EMOTIONS}
    assert not np.allclose(maps["anger"], maps["joy"])  # each emotion has its own evidence


def test_image_explanation_refuses_what_it_cannot_explain(tweets):
    with pytest.raises(ValueError, match="lexicon_rule has no image branch to explain"):
        explain_image(build_model("lexicon_rule").fit(tweets), b"")


def test_unreadable_image_raises_a_decode_error(fused):
    with pytest.raises(ImageDecodeError, match="not a supported image"):
        explain_image(fused, b"GIF89a but not really")


def test_the_image_reading_gives_no_intensity_where_the_model_gives_none(fused, faces, monkeypatch):
    """A network whose strength head had too few gold intensities of fear (`untrained_intensity`) scores no fear
    intensity; the image branch's own reading on the Predict page says the same."""
    monkeypatch.setitem(fused.config, "untrained_intensity", ["fear"])
    image = faces.images[9]
    explained = explain_image(fused, image)
    expected = fused.predict([""], [image]).intensities[0]
    assert np.isnan(explained.intensities[1]) and np.isnan(expected[1])
    assert np.isfinite(explained.intensities[[0, 2, 3]]).all()
    np.testing.assert_allclose(explained.intensities, expected, atol=1e-5)
