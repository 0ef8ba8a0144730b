import numpy as np
import pytest

from features.hashtags import HashtagFeatures, label_matrix, learn_hashtag_lexicon
from features.text import TweetTokenizer


def test_nrc_hashtag_lexicon_hits_hashtags_with_and_without_hash():
    tokens = TweetTokenizer().fit_transform(["#angry", "#angered", "angry"])
    hashtags = HashtagFeatures(learn=False).fit(tokens)
    f = dict(zip(hashtags.get_feature_names_out(), hashtags.transform(tokens).T))
    assert f["nrc_max_anger"][0] == pytest.approx(1.42712455320492)  # the #angry entry
    assert f["nrc_max_anger"][1] == pytest.approx(1.2963840223256)  # no #angered entry: angered
    assert f["nrc_max_anger"][2] == pytest.approx(1.18192910250545)  # the plain angry entry
    assert list(f) == [f"nrc_{s}_{e}" for s in ("mean", "max") for e in ("anger", "fear", "joy", "sadness")]


def test_learned_lexicon_is_the_smoothed_pmi_difference():
    texts = ["#yay sun", "#yay fun", "#grr rain", "rain again"]
    labels = label_matrix(["joy", "joy", "anger", "sadness"], 4)
    tokens = TweetTokenizer().fit_transform(texts)
    table = learn_hashtag_lexicon(tokens, labels, min_count=2, smoothing=1.0)
    assert set(table) == {"#yay", "rain"}  # terms in at least two tweets
    # #yay: in 2 of 2 joy tweets, 0 of 2 others → log2(((2+1)/(2+2)) / ((0+1)/(2+2))) = log2(3)
    assert table["#yay"][2] == pytest.approx(np.log2(3))
    # rain: in 1 of 1 anger tweet, 1 of 3 others → log2(((1+1)/(1+2)) / ((1+1)/(3+2)))
    assert table["rain"][0] == pytest.approx(np.log2((2 / 3) / (2 / 5)))


def test_fit_transform_cross_fits_so_no_row_sees_its_own_label():
    texts = ["#unique1 word", "#unique2 word", "#shared a", "#shared b", "#shared c", "#shared d"]
    y = ["joy", "anger", "fear", "fear", "fear", "fear"]
    tokens = TweetTokenizer().fit_transform(texts)
    features = HashtagFeatures(n_folds=3, min_count=1)
    cross_fitted = features.fit_transform(tokens, y)
    in_sample = features.transform(tokens)
    joy = list(features.get_feature_names_out()).index("learned_max_joy")
    # In sample, #unique1 (only in row 0, a joy tweet) gives row 0 its own label: log2((1+1)/(1+2) / (1/(5+2)))
    assert in_sample[0, joy] == pytest.approx(np.log2((2 / 3) / (1 / 7)))
    # Cross-fitted, row 0 is scored by a lexicon learned without it, where #unique1 does not exist
    assert cross_fitted[0, joy] < in_sample[0, joy] - 1
    # The NRC columns are not learned, so they agree
    np.testing.assert_array_equal(cross_fitted[:, :8], in_sample[:, :8])


def test_multilabel_targets_are_accepted():
    labels = label_matrix(np.array([[1, 0, 1, 0], [0, 0, 0, 1]]), 2)
    assert labels.tolist() == [[1, 0, 1, 0], [0, 0, 0, 1]]


def test_bad_labels_are_named():
    with pytest.raises(ValueError, match=r"unknown label\(s\) \['surprise'\]"):
        label_matrix(["joy", "surprise"], 2)
    with pytest.raises(ValueError, match="needs labels"):
        HashtagFeatures().fit(TweetTokenizer().fit_transform(["x"]))
