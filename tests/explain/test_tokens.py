"""Lexicon hits as the features see them."""

import numpy as np
import pytest

from emotions import EMOTIONS
from explain.tokens import explain_text, hits_table
from features.text.tokenize import TweetTokenizer, normalise_tweet, tokenize


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
    # the hashtag lexicons score only tokens outside a negation scope, as their features do
    assert "NRC Hashtag" not in negated.scores and negated.scores["Affect Intensity"][2] == pytest.approx(0.788)
    table = hits_table(explain_text("furious 😱 #happy not happy"))
    assert table["token"].tolist() == ["furious", "😱", "#happy", "not", "happy"]
    assert table.loc[4, "negation"] == "negated" and table.loc[0, "Affect Intensity"] == "anger 0.93"


def test_hits_add_up_to_the_models_lexicon_features(fused):
    text = "so happy and cheerful, not sad at all #blessed 😂"
    explanation = explain_text(text, fused.featurizer_)
    pipeline = fused.featurizer_.text_features_
    features = dict(zip(pipeline.get_feature_names_out(), pipeline.transform([text])[0]))
    plain = [t for t in explanation.tokens if not t.negated]
    negated = [t for t in explanation.tokens if t.negated]
    for k, emotion in enumerate(EMOTIONS):
        def total(hits, lexicon, k=k):
            return sum(t.scores[lexicon][k] for t in hits if lexicon in t.scores)

        assert total(plain, "Affect Intensity") == pytest.approx(features[f"nrc__affect_intensity_sum_{emotion}"])
        assert total(negated, "Affect Intensity") == pytest.approx(
            features[f"nrc__affect_intensity_negated_sum_{emotion}"])
        assert total(explanation.tokens, "emoji") == features[f"surface__emoji_{emotion}"]
    learned = dict(pipeline.groups)["learned"].association_table_
    np.testing.assert_array_equal(explanation.tokens[0].scores["learned association"], learned["so"])  # the model's


@pytest.mark.parametrize("text, idiom", [("I've never been happier", "never"), ("couldn't be happier", "couldn't"),
                                         ("never so happy", "never")])
def test_a_negation_word_in_an_idiom_that_negates_nothing_is_not_called_a_cue(text, idiom):
    """The page said 'never' was a negation cue (bold, 'cue' in the table) while nothing after it was negated."""
    explanation = explain_text(text)
    assert not any(t.negated for t in explanation.tokens)
    [word] = [t for t in explanation.tokens if t.negator]
    assert word.token == idiom and word.idiom
    assert hits_table(explanation).set_index("token").loc[idiom, "negation"] == "negation word in an idiom: negates nothing here"


@pytest.mark.parametrize("text", ["I'm not happy", "can't wait for the weekend", "never happy"])
def test_a_negation_cue_that_negates_a_word_is_still_a_cue(text):
    explanation = explain_text(text)
    assert [t.idiom for t in explanation.tokens if t.negator] == [False]
    assert any(t.negated for t in explanation.tokens)


def test_a_word_only_the_learned_lexicon_knows_is_coloured_where_its_association_is_strong():
    """"lol" (learned joy 3.5) moves the default model's answer most and was neither highlighted nor listed: the
    page said no token hit the model's lexicons."""
    from models.registry import load_model

    model = load_model()
    hits = {t.token: t for t in explain_text("lol the mondays", model.featurizer_).tokens}
    assert hits["lol"].emotion == "joy" and list(hits["lol"].scores)[0] == "learned association"
    assert hits["mondays"].emotion == "sadness"
    assert hits["the"].emotion is None and "learned association" in hits["the"].scores  # weak: listed nowhere
    assert list(hits_table(explain_text("lol the mondays", model.featurizer_)).token) == ["lol", "mondays"]
