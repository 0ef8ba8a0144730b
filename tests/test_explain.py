"""Explanations: lexicon hits as the features see them, attributions, uploads, and Grad-CAM on the image branch."""

import copy
import io

import numpy as np
import pytest
import torch
from PIL import Image

from features.emotions import EMOTIONS
from features.image_decode import ImageDecodeError
from features.text import TweetTokenizer, normalise_tweet, tokenize
from models.explain import (
    attributions,
    explain,
    explain_text,
    highlight_html,
    hits_table,
    network_attributions,
    occlusion_attributions,
    read_image_upload,
)
from models.gradcam import differentiable_features, explain_image, image_pixels
from models.labelled_data import LabelledData
from models.presets import fer, wassa
from models.registry import build_model
from models.uploads import UploadError, UploadLimits

FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}
# A small CNN input keeps the test quick; both options differ from the defaults, so they must be read from the model.
IMAGE_SETTINGS = {"image_options": {"input_size": 64, "crop_fraction": 1.0}}


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def tweets():
    data = wassa("train")
    return data.subset(np.random.default_rng(0).choice(len(data), 300, replace=False))


@pytest.fixture(scope="module")
def faces():
    data = fer("train_sample")
    rows = np.concatenate([np.flatnonzero(data.labels[:, k])[:8] for k in range(4)])
    faces = data.subset(rows)
    return LabelledData(faces.texts, [png(face) for face in faces.images], faces.labels, faces.intensity,
                        source=faces.source)  # as uploaded: PNG bytes


@pytest.fixture(scope="module")
def fused(tweets, faces):
    data = LabelledData.concat([tweets, faces], source="mix")
    return build_model("fused_net", **FAST_NET, **IMAGE_SETTINGS).fit(data, seed=0)


# --- lexicon hits -----------------------------------------------------------------------------------------------


def test_tokens_and_negation_scopes_are_the_tokenizers_own():
    text = "I'm not happy at all, but #SoHappy :) @bob http://t.co/x"
    explanation = explain_text(text)
    assert explanation.normalised == normalise_tweet(text)
    assert [t.token for t in explanation.tokens] == tokenize(normalise_tweet(text))
    assert all(explanation.normalised[t.start:t.end] == t.token for t in explanation.tokens)
    assert [t.token for t in explanation.tokens if t.negated] == ["happy", "at", "all"]
    assert [t.token for t in explanation.tokens if t.negator] == ["not"]
    # the same tokens the feature pipeline counts as negated
    tokens = TweetTokenizer().transform([text])
    counted = {tokens.vocab[i] for i in tokens.negated.indices}
    assert counted == {t.token for t in explanation.tokens if t.negated}


def test_lexicon_scores_and_colours_of_words_emoji_and_hashtags():
    hits = {t.token: t for t in explain_text("furious 😱 #happy not happy").tokens}
    assert hits["furious"].emotion == "anger"
    np.testing.assert_allclose(hits["furious"].scores["Affect Intensity"], [0.929, 0, 0, 0])
    np.testing.assert_array_equal(hits["furious"].scores["EmoLex"], [1, 0, 0, 0])
    assert hits["😱"].emotion == "fear" and list(hits["😱"].scores) == ["emoji"]
    np.testing.assert_allclose(hits["#happy"].scores["NRC Hashtag"], [0, 0, 2.16196988, 0])
    negated = hits["happy"]
    assert negated.negated and negated.emotion == "joy"
    # the hashtag lexicons score only tokens outside a negation scope, as HashtagFeatures does
    assert "NRC Hashtag" not in negated.scores and negated.scores["Affect Intensity"][2] == pytest.approx(0.788)
    table = hits_table(explain_text("furious 😱 #happy not happy"))
    assert table["token"].tolist() == ["furious", "😱", "#happy", "not", "happy"]
    assert table.loc[4, "negation"] == "negated" and table.loc[0, "Affect Intensity"] == "anger 0.93"


def test_hits_add_up_to_the_models_lexicon_features(fused):
    text = "so happy and cheerful, not sad at all #blessed 😂"
    explanation = explain_text(text, fused)
    pipeline = fused.featurizer_.text_features_
    features = dict(zip(pipeline.get_feature_names_out(), pipeline.transform([text])[0]))
    plain = [t for t in explanation.tokens if not t.negated]
    negated = [t for t in explanation.tokens if t.negated]
    for k, emotion in enumerate(EMOTIONS):
        def total(hits, lexicon):
            return sum(t.scores[lexicon][k] for t in hits if lexicon in t.scores)

        assert total(plain, "Affect Intensity") == pytest.approx(features[f"lexicon__affect_intensity_sum_{emotion}"])
        assert total(negated, "Affect Intensity") == pytest.approx(
            features[f"lexicon__affect_intensity_negated_sum_{emotion}"])
        assert total(explanation.tokens, "emoji") == features[f"surface__emoji_{emotion}"]
    learned = dict(pipeline.named_steps["features"].transformer_list)["hashtags"].learned_table_
    np.testing.assert_array_equal(explanation.tokens[0].scores["learned hashtag"], learned["so"])  # the model's own


def test_highlighted_html_escapes_the_tweet():
    html = highlight_html(explain_text('<script>alert("x")</script> so happy'))
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<span style="background:#E69F0033' in html and ">happy</span>" in html


# --- attributions -----------------------------------------------------------------------------------------------


def test_gradient_times_input_is_exact_on_the_wide_path(fused):
    """With the deep path's head zeroed the logits are W·x + b, so d log p_k / dx = W_k − Σ_j p_j W_j."""
    model = copy.deepcopy(fused)
    torch.nn.init.zeros_(model.net_.emotion_head.weight)
    torch.nn.init.zeros_(model.net_.emotion_head.bias)
    text = "I am so angry and furious #rage"
    frame = network_attributions(model, text)
    x = model.featurizer_.transform([text]).text[0]
    weights = model.net_.text_linear.weight.detach().numpy()[:4].astype(float)
    bias = model.net_.text_linear.bias.detach().numpy()[:4]
    logits = weights @ x + bias
    p = np.exp(logits - logits.max())
    p /= p.sum()
    expected = (weights - p @ weights) * x
    np.testing.assert_allclose(frame[list(EMOTIONS)].to_numpy()[: len(x)], expected.T, rtol=1e-4, atol=1e-6)
    assert (frame.loc[frame.group == "image", list(EMOTIONS)] == 0).all().all()  # no image: no image attribution


def test_network_attributions_are_grouped_by_feature_group(fused, faces):
    explained = attributions(fused, "terrified and scared #fear", faces.images[0])
    assert list(explained.groups.index) == ["lexicon", "hashtags", "embedding", "surface", "intensity", "image"]
    np.testing.assert_allclose(explained.groups.loc["image"],
                               explained.features.loc[explained.features.group == "image", list(EMOTIONS)].sum())
    assert explained.features.loc["lexicon__affect_intensity_sum_fear", "value"] > 0  # standardised, above the mean
    assert (explained.groups.loc["image"] != 0).any()


def test_occlusion_for_a_feature_baseline(tweets):
    model = build_model("logreg").fit(tweets, seed=0)
    text = "I am so angry, furious, raging #angry"
    frame = occlusion_attributions(model, text)
    assert list(frame.index) == ["lexicon", "hashtags", "embedding", "surface", "intensity"]
    np.testing.assert_allclose(frame.sum(axis=1), 0, atol=1e-9)  # probabilities moved from one emotion to others
    assert frame.loc["hashtags", "anger"] > 0  # the anger hashtag and words push towards anger
    assert attributions(model, text).features is None
    assert attributions(build_model("lexicon_rule").fit(tweets), text) is None


# --- the whole explanation --------------------------------------------------------------------------------------


def test_explain_bundles_prediction_reasons_and_the_image(fused, faces, tweets):
    result = explain(fused, "terrified #scared", faces.images[2])
    expected = fused.predict(["terrified #scared"], [faces.images[2]])
    np.testing.assert_allclose(result.probabilities, expected.probabilities[0])
    assert result.error is None and result.notes == [] and result.emotion == EMOTIONS[result.probabilities.argmax()]
    assert [t.token for t in result.text.hits()] == ["terrified", "#scared"]
    assert "image" in result.attributions.groups.index and result.image.heatmap.shape == (64, 64)

    nothing = explain(fused, "  ")
    assert nothing.error.startswith("nothing to score") and nothing.text is None

    rule = explain(build_model("lexicon_rule").fit(tweets), "so happy", faces.images[2])
    assert rule.notes == ["lexicon_rule reads text only: the image is not used."]
    assert rule.image is None and rule.attributions is None and rule.text.hits()[0].emotion == "joy"


# --- uploads ----------------------------------------------------------------------------------------------------


def test_image_uploads_are_checked_before_use(faces):
    assert read_image_upload(faces.images[0], "face.png").size == (48, 48)
    with pytest.raises(UploadError, match=r"notes\.png: not a supported image \(JPEG, PNG, WebP, GIF or BMP"):
        read_image_upload(b"just some text", "notes.png")
    with pytest.raises(UploadError, match=r"cut\.png: cannot decode image"):
        read_image_upload(faces.images[0][:60], "cut.png")
    with pytest.raises(UploadError, match=r"big\.png: 1\.5 MB is over the limit of 1 MB per file"):
        read_image_upload(b"\x89PNG" + bytes(1_500_000), "big.png", UploadLimits(file_mb=1))
    with pytest.raises(UploadError, match=r"empty\.gif: the file is empty"):
        read_image_upload(b"", "empty.gif")
    wide = png(Image.new("RGB", (3000, 2000)))
    with pytest.raises(UploadError, match="over the limit of 5000000"):
        read_image_upload(wide, "wide.png", max_pixels=5_000_000)


# --- Grad-CAM ---------------------------------------------------------------------------------------------------


def test_differentiable_features_reproduce_the_cached_extractor(fused, faces):
    featurizer = fused.featurizer_
    extractor = featurizer.image_features_
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
