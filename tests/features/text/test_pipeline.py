import pickle

import numpy as np
import pandas as pd
import pytest

from data.bundled import load_wassa
from emotions import EMOTIONS
from features import make_text_features
from features.estimator import NotFittedError

EXPECTED_NAMES = (
    [f"nrc__{stat}_{e}" for stat in ("emolex_freq", "emolex_negated_freq", "affect_intensity_mean",
                                     "affect_intensity_max", "affect_intensity_sum", "affect_intensity_negated_sum",
                                     "hashtag_emotion_mean", "hashtag_emotion_max") for e in EMOTIONS]
    + [f"learned__{stat}_{e}" for stat in ("association_mean", "association_max") for e in EMOTIONS]
    + [f"word_vectors__similarity_{e}" for e in EMOTIONS]
    + [f"surface__emoji_{e}" for e in EMOTIONS]
    + [f"surface__{cue}" for cue in ("emoji_count", "elongated_count", "all_caps_count", "exclamation_count",
                                     "question_count", "negation_count", "token_count")]
    + [f"valence__{side}_{stat}" for stat in ("sum", "mean", "max", "negated_sum") for side in ("positive", "negative")]
)


@pytest.fixture(scope="module")
def wassa_train():
    return load_wassa("train")


@pytest.fixture(scope="module")
def fitted(wassa_train):
    return make_text_features().fit(wassa_train.text, wassa_train.label)


def test_feature_names_are_unique_and_stable(fitted):
    names = list(fitted.get_feature_names_out())
    assert names == EXPECTED_NAMES
    assert len(set(names)) == len(names)


def test_transform_gives_a_finite_float_matrix(fitted, wassa_train):
    out = fitted.transform(wassa_train.text[:50])
    assert out.shape == (50, len(EXPECTED_NAMES)) and out.dtype == np.float64
    assert np.isfinite(out).all()


def test_known_tweet_values_through_the_whole_pipeline(fitted):
    out = pd.DataFrame(fitted.transform(["happy", "not happy", "#angry"]), columns=fitted.get_feature_names_out())
    assert out["nrc__emolex_freq_joy"].tolist() == [1, 0, 0]
    assert out["nrc__emolex_negated_freq_joy"].tolist() == [0, 0.5, 0]
    assert out["nrc__hashtag_emotion_max_anger"][2] == pytest.approx(1.42712455320492)
    assert out["nrc__emolex_freq_anger"][2] == 1


def test_empty_and_emoji_only_tweets_get_well_defined_rows(fitted):
    out = fitted.transform(["", "😂😂😂"])
    assert np.isfinite(out).all()
    names = list(fitted.get_feature_names_out())
    assert out[0, names.index("surface__token_count")] == 0
    assert out[1, names.index("surface__emoji_joy")] == 3


def test_a_100k_character_tweet_is_handled(fitted):
    """"so angry " 11,112 times: each mean, max and share is that of "so angry", each count and sum 11,112 times it."""
    long, short = fitted.transform(["so angry " * 11_112, "so angry"])
    assert long.shape == (len(EXPECTED_NAMES),) and np.isfinite(long).all()
    counted = np.array(["_sum" in name or "_count" in name for name in EXPECTED_NAMES])
    np.testing.assert_allclose(long[counted], 11_112 * short[counted], rtol=1e-9)
    np.testing.assert_allclose(long[~counted], short[~counted], rtol=1e-9)
    assert long[EXPECTED_NAMES.index("surface__token_count")] == 22_224 and short[counted].any()


def test_pickle_round_trip_gives_identical_output(fitted, wassa_train):
    restored = pickle.loads(pickle.dumps(fitted))
    texts = wassa_train.text[:200]
    np.testing.assert_array_equal(restored.transform(texts), fitted.transform(texts))
    assert len(pickle.dumps(fitted)) < 5_000_000  # the GloVe matrix is reloaded, never pickled


def test_bad_input_is_rejected_clearly(fitted):
    with pytest.raises(TypeError, match="single string"):
        fitted.transform("I am happy")
    with pytest.raises(ValueError, match=r"position\(s\) 1"):
        fitted.transform(pd.Series(["ok", None]))
    with pytest.raises(NotFittedError):
        make_text_features().transform(["ok"])


def test_groups_can_be_chosen_and_unknown_groups_are_named():
    features = make_text_features(groups=("surface",)).fit(["a"])
    assert all(name.startswith("surface__") for name in features.get_feature_names_out())
    with pytest.raises(ValueError, match=r"unknown or no feature groups \['emoji'\]"):
        make_text_features(groups=("emoji",))


def test_fitting_is_deterministic(wassa_train):
    texts, y = wassa_train.text[:600], wassa_train.label[:600]
    first = make_text_features().fit_transform(texts, y)
    second = make_text_features().fit_transform(texts, y)
    np.testing.assert_array_equal(first, second)


def test_a_person_is_not_emotion_evidence(wassa_train):
    from features.text.persons import is_person

    features = make_text_features(learn_intensity=True).fit(wassa_train.text[:600],
                                                            wassa_train[["label", "intensity"]][:600])
    one, other, three, four = features.transform(["Alonzo feels furious.", "Amanda feels furious.",
                                                  "my sister is so happy", "my brother is so happy"])
    np.testing.assert_array_equal(one, other)
    np.testing.assert_array_equal(three, four)
    assert is_person("She") and is_person("Malik") and not is_person("Joy") and not is_person("frank")
