"""The whole explanation of one input: the prediction, its reasons and the image branch's reading."""

import numpy as np

from emotions import EMOTIONS
from explain.explanation import explain
from features.featurizer import Featurizer
from features.text.tokenize import TweetTokenizer
from models.registry import build_model


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


def test_a_tweet_is_tokenised_and_featurised_once(fused, monkeypatch):
    calls = {"tokenised": 0, "featurised": 0}

    def counted(cls, name, key):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            calls[key] += 1
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapper)

    counted(TweetTokenizer, "transform", "tokenised")
    counted(Featurizer, "transform", "featurised")
    result = explain(fused, "not happy at all #sad")
    assert calls == {"tokenised": 0, "featurised": 1}  # read once by read_tweets, which the features reuse
    monkeypatch.undo()
    np.testing.assert_allclose(result.probabilities, fused.predict(["not happy at all #sad"]).probabilities[0])
