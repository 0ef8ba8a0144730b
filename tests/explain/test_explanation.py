"""The whole explanation of one input: the prediction, its reasons and the image branch's reading."""

import numpy as np

from emotions import EMOTIONS
from explain.explanation import Explanation, explain
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

    rule_model = build_model("lexicon_rule").fit(tweets)
    rule = explain(rule_model, "so happy", faces.images[2])
    assert rule.notes == ["lexicon_rule reads text only: the image is not used."]
    assert rule.image is None and rule.attributions is None and rule.text.hits()[0].emotion == "joy"
    assert rule.rule_lexicons == ("EmoLex", "Affect Intensity") and not rule.bundled_lexicons  # the rule's own
    assert not explain(fused, "so happy").bundled_lexicons  # whose lexicons are shown


def test_a_rules_explanation_shows_what_it_reads_and_says_when_its_fallback_answered(tweets):
    """"😡😡😡" was answered joy 0.7 (the rule found no EmoLex or Affect Intensity word: its fallback) with the
    three emoji highlighted anger, as if they were its reason; "not happy" alike, "happy" highlighted joy."""
    rule_model = build_model("lexicon_rule").fit(tweets)
    fallback = f"lexicon_rule answers {rule_model.fallback}, the emotion most frequent in its training data"
    for tweet in ("😡😡😡", "not happy"):
        result = explain(rule_model, tweet)
        assert result.emotion == rule_model.fallback and not any(hit.emotion for hit in result.text.hits())
        assert len(result.notes) == 1 and fallback in result.notes[0]
    angry = explain(rule_model, "so angry")
    assert angry.emotion == "anger" and [h.emotion for h in angry.text.hits()] == ["anger"] and not angry.notes


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


def test_present_follows_the_rule_that_names_the_emotion():
    # The headline says "none" below the model's threshold; then no emotion may be shown as present.
    below = Explanation(np.array([0.63, 0.10, 0.20, 0.585]), np.zeros(4), none_threshold=0.75)
    assert below.emotion == "none" and below.present == [False, False, False, False]
    # Otherwise exactly the emotions at or above the threshold are present, the named one among them.
    above = Explanation(np.array([0.80, 0.60, 0.75, 0.10]), np.zeros(4), none_threshold=0.75)
    assert above.emotion == "anger" and above.present == [True, False, True, False]
    low = Explanation(np.array([0.10, 0.35, 0.20, 0.45]), np.zeros(4), none_threshold=0.3)
    assert low.emotion == "sadness" and low.present == [False, True, False, True]
    choice = Explanation(np.array([0.1, 0.2, 0.3, 0.4]), np.zeros(4))  # a 4-way model: no "none"
    assert choice.emotion == "sadness" and choice.present == [True] * 4
    unscored = Explanation(np.full(4, np.nan), np.full(4, np.nan))  # nothing scored: nothing present
    assert unscored.present == [False] * 4


def test_a_text_beside_an_unusable_image_is_explained_and_the_image_noted(fused, tweets):
    """The row is scored on its text, but the image's message was taken for "nothing could be scored": the page
    showed it as an error and stopped, with the text's reasons dropped."""
    result = explain(fused, "terrified #scared", b"not an image")
    expected = fused.predict(["terrified #scared"], [b"not an image"])
    np.testing.assert_allclose(result.probabilities, expected.probabilities[0])
    assert result.error is None and result.notes == [expected.errors[0]] and "not a supported image" in result.notes[0]
    assert [t.token for t in result.text.hits()] == ["terrified", "#scared"]
    assert result.attributions is not None and result.image is None

    assert explain(fused, None).error.startswith("nothing to score")  # as predict reads None: no text


def test_a_long_text_is_explained_as_predict_reads_it(fused, tweets):
    """A feature model's explanation read the whole text (unlike predict, which reads its first MAX_TEXT_CHARS); the
    baselines' predict said it had cut it, which was taken for an error and dropped the reasons."""
    from models.base import MAX_TEXT_CHARS

    text = "so terrified " * (MAX_TEXT_CHARS // 13) + "so happy " * 2000
    note = f"text of {len(text):,} characters: read on its first {MAX_TEXT_CHARS:,}"
    for model in (fused, build_model("tfidf_logreg").fit(tweets, seed=0)):
        result = explain(model, text)
        np.testing.assert_allclose(result.probabilities, model.predict([text]).probabilities[0])
        assert result.error is None and result.notes == [note] and result.text.hits()


def test_a_link_beside_an_image_is_said_to_be_left_unread(fused, faces):
    result = explain(fused, "https://t.co/abc", faces.images[2])
    np.testing.assert_allclose(result.probabilities, fused.predict([""], [faces.images[2]]).probabilities[0])
    assert result.text is None and result.notes == [
        "the text has no word, hashtag, emoji or emoticon once links and @mentions are left out: the image alone is read"]
