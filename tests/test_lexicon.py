import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from features.emotions import EMOTIONS
from features.lexicon import LexiconFeatures, row_max, row_mean
from features.text import TweetTokenizer


def features(texts):
    tokens = TweetTokenizer().fit_transform(texts)
    lexicon = LexiconFeatures().fit(tokens)
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
    lexicon = LexiconFeatures().fit(tokens)
    assert not lexicon.transform(tokens).any()
    names = lexicon.get_feature_names_out()
    assert len(names) == len(set(names)) == 6 * len(EMOTIONS)


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        LexiconFeatures().transform(TweetTokenizer().fit_transform(["x"]))


def test_users_lexicon_replaces_the_bundled_one(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text("feliz\tjoy\t0.5\n", encoding="utf-8")
    tokens = TweetTokenizer().fit_transform(["muy feliz"])
    lexicon = LexiconFeatures(affect_intensity=str(path)).fit(tokens)
    f = dict(zip(lexicon.get_feature_names_out(), lexicon.transform(tokens)[0]))
    assert f["affect_intensity_mean_joy"] == 0.5


def test_row_helpers_ignore_unscored_tokens():
    import scipy.sparse as sp

    counts = sp.csr_matrix(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]))
    scores = np.array([[0.0, -1.0], [0.5, -2.0], [9.0, 9.0]])
    np.testing.assert_allclose(row_mean(counts, scores), [[0.5, -5 / 3], [0, 0]])
    np.testing.assert_allclose(row_max(counts, scores), [[0.5, -1.0], [0, 0]])
