import numpy as np
import pandas as pd
import pytest

from features import make_text_features
from features.text.learned_lexicons import (
    LearnedLexiconFeatures,
    intensity_matrix,
    label_matrix,
    learn_association_lexicon,
    learn_intensity_lexicon,
)
from features.text.tokenize import TweetTokenizer


def test_learned_lexicon_is_the_smoothed_pmi_difference():
    texts = ["#yay sun", "#yay fun", "#grr rain", "rain again"]
    labels = label_matrix(["joy", "joy", "anger", "sadness"], 4)
    tokens = TweetTokenizer().fit_transform(texts)
    table = learn_association_lexicon(tokens, labels, min_count=2, smoothing=1.0)
    assert set(table) == {"#yay", "rain"}  # terms in at least two tweets
    # #yay: in 2 of 2 joy tweets, 0 of 2 others → log2(((2+1)/(2+2)) / ((0+1)/(2+2))) = log2(3)
    assert table["#yay"][2] == pytest.approx(np.log2(3))
    # rain: in 1 of 1 anger tweet, 1 of 3 others → log2(((1+1)/(1+2)) / ((1+1)/(3+2)))
    assert table["rain"][0] == pytest.approx(np.log2((2 / 3) / (2 / 5)))


def test_fit_transform_cross_fits_so_no_row_sees_its_own_label():
    texts = ["#unique1 word", "#unique2 word", "#shared a", "#shared b", "#shared c", "#shared d"]
    y = ["joy", "anger", "fear", "fear", "fear", "fear"]
    tokens = TweetTokenizer().fit_transform(texts)
    features = LearnedLexiconFeatures(n_folds=3, min_count=1)
    cross_fitted = features.fit_transform(tokens, y)
    in_sample = features.transform(tokens)
    joy = list(features.get_feature_names_out()).index("association_max_joy")
    # In sample, #unique1 (only in row 0, a joy tweet) gives row 0 its own label: log2((1+1)/(1+2) / (1/(5+2)))
    assert in_sample[0, joy] == pytest.approx(np.log2((2 / 3) / (1 / 7)))
    # Cross-fitted, row 0 is scored by a lexicon learned without it, where #unique1 does not exist
    assert cross_fitted[0, joy] < in_sample[0, joy] - 1


def test_multilabel_targets_are_accepted():
    labels = label_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 1]]), 2)
    assert labels.tolist() == [[1, 0, 1, 0], [0, 0, 0, 1]]


def test_bad_labels_are_named():
    with pytest.raises(ValueError, match=r"unknown label\(s\) \['surprise'\]"):
        label_matrix(["joy", "surprise"], 2)
    with pytest.raises(ValueError, match="needs labels"):
        LearnedLexiconFeatures().fit(TweetTokenizer().fit_transform(["x"]))


def test_learned_intensity_is_the_shrunk_mean_above_the_emotion_mean():
    texts = ["so furious", "furious again", "mildly cross", "cross"]
    gold = np.full((4, 4), np.nan)
    gold[:, 0] = [0.9, 0.7, 0.3, 0.1]  # all anger; mean 0.5
    table = learn_intensity_lexicon(TweetTokenizer().fit_transform(texts), gold, min_count=2, shrinkage=3.0)
    assert set(table) == {"furious", "cross"}
    assert table["furious"][0] == pytest.approx((0.9 + 0.7 + 3 * 0.5) / (2 + 3) - 0.5)
    assert table["cross"][0] == pytest.approx((0.3 + 0.1 + 3 * 0.5) / (2 + 3) - 0.5)
    assert table["furious"][1:].tolist() == [0, 0, 0]


def test_features_give_mean_max_min_per_emotion():
    texts = ["so furious", "furious again", "mildly cross", "cross"]
    y = pd.DataFrame({"label": ["anger"] * 4, "intensity": [0.9, 0.7, 0.3, 0.1]})
    tokens = TweetTokenizer().fit_transform(texts)
    features = LearnedLexiconFeatures(learn_intensity=True, n_folds=2).fit(tokens, y)
    out = dict(zip(features.get_feature_names_out(), features.transform(
        TweetTokenizer().fit_transform(["furious and cross"]))[0]))
    assert out["intensity_max_anger"] == pytest.approx(0.12)
    assert out["intensity_min_anger"] == pytest.approx(-0.12)
    assert out["intensity_mean_anger"] == pytest.approx(0.0)


def test_intensity_group_needs_gold_intensities():
    with pytest.raises(ValueError, match="needs gold intensities"):
        make_text_features(groups=("learned",), learn_intensity=True).fit(["a", "b"], ["joy", "sadness"])
    gold = intensity_matrix(pd.DataFrame({"label": ["joy", "fear"], "intensity": [0.2, 0.8]}), 2)
    np.testing.assert_array_equal(np.isnan(gold), [[1, 1, 0, 1], [1, 0, 1, 1]])
