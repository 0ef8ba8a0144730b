import numpy as np
import pandas as pd
import pytest

from features import make_text_features
from features.intensity import IntensityLexiconFeatures, intensity_matrix, learn_intensity_lexicon
from features.text import TweetTokenizer


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
    features = IntensityLexiconFeatures(n_folds=2).fit(tokens, y)
    out = dict(zip(features.get_feature_names_out(), features.transform(
        TweetTokenizer().fit_transform(["furious and cross"]))[0]))
    assert out["learned_max_anger"] == pytest.approx(0.12)
    assert out["learned_min_anger"] == pytest.approx(-0.12)
    assert out["learned_mean_anger"] == pytest.approx(0.0)


def test_intensity_group_needs_gold_intensities():
    with pytest.raises(ValueError, match="needs gold intensities"):
        make_text_features(groups=("intensity",)).fit(["a", "b"], ["joy", "sadness"])
    gold = intensity_matrix(pd.DataFrame({"label": ["joy", "fear"], "intensity": [0.2, 0.8]}), 2)
    np.testing.assert_array_equal(np.isnan(gold), [[1, 1, 0, 1], [1, 0, 1, 1]])
