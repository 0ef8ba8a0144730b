import pytest

from emotions import EMOTIONS
from features.estimator import NotFittedError
from features.text.nrc_lexicons import NrcLexiconFeatures
from features.text.tokenize import TweetTokenizer


def features(texts):
    tokens = TweetTokenizer().fit_transform(texts)
    lexicon = NrcLexiconFeatures().fit(tokens)
    return dict(zip(lexicon.get_feature_names_out(), lexicon.transform(tokens).T))


def test_known_words_give_the_lexicon_scores():
    f = features(["furious and scared", "Happyyyy #cry"])
    assert f["emolex_freq_anger"].tolist() == [1 / 3, 0]
    assert f["emolex_freq_joy"].tolist() == [0, 0.5]
    assert f["emolex_freq_sadness"].tolist() == [0, 0.5]  # #cry looked up as cry
    assert f["affect_intensity_mean_anger"].tolist() == [0.929, 0]
    assert f["affect_intensity_max_fear"].tolist() == [0.734, 0]
    assert f["affect_intensity_sum_joy"].tolist() == [0, 0.788]  # happyyyy squeezed to happy
    assert f["affect_intensity_max_sadness"].tolist() == [0, 0.750]


def test_mean_and_max_over_several_hits():
    f = features(["scared terrified"])
    assert f["affect_intensity_mean_fear"][0] == pytest.approx((0.734 + 0.906) / 2)
    assert f["affect_intensity_max_fear"][0] == 0.906
    assert f["affect_intensity_sum_fear"][0] == pytest.approx(0.734 + 0.906)


def test_negated_hits_are_counted_apart():
    f = features(["happy", "not happy"])
    assert f["emolex_freq_joy"].tolist() == [1, 0]
    assert f["emolex_negated_freq_joy"].tolist() == [0, 0.5]
    assert f["affect_intensity_sum_joy"].tolist() == [0.788, 0]
    assert f["affect_intensity_negated_sum_joy"].tolist() == [0, 0.788]


def test_empty_tweet_is_all_zeros_and_names_are_unique():
    tokens = TweetTokenizer().fit_transform(["", "!!!"])
    lexicon = NrcLexiconFeatures().fit(tokens)
    assert not lexicon.transform(tokens).any()
    names = lexicon.get_feature_names_out()
    assert len(names) == len(set(names)) == 8 * len(EMOTIONS)


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        NrcLexiconFeatures().transform(TweetTokenizer().fit_transform(["x"]))


def test_users_lexicon_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("feliz\tjoy\t0.5\n", encoding="utf-8")
    tokens = TweetTokenizer().fit_transform(["muy feliz"])
    lexicon = NrcLexiconFeatures(affect_intensity=str(path)).fit(tokens)
    f = dict(zip(lexicon.get_feature_names_out(), lexicon.transform(tokens)[0]))
    assert f["affect_intensity_mean_joy"] == 0.5


def test_nrc_hashtag_lexicon_hits_hashtags_with_and_without_hash():
    f = features(["#angry", "#angered", "angry"])
    assert f["hashtag_emotion_max_anger"][0] == pytest.approx(1.42712455320492)  # the #angry entry
    assert f["hashtag_emotion_max_anger"][1] == pytest.approx(1.2963840223256)  # no #angered entry: angered
    assert f["hashtag_emotion_max_anger"][2] == pytest.approx(1.18192910250545)  # the plain angry entry


def test_lexicons_are_named_for_the_explanations():
    lexicon = NrcLexiconFeatures().fit(TweetTokenizer().fit_transform(["x"]))
    assert [(x.name, x.scores_negated) for x in lexicon.lexicons()] == [
        ("EmoLex", True), ("Affect Intensity", True), ("NRC Hashtag", False)]
