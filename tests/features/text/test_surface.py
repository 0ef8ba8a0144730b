from features.text.surface import SurfaceFeatures
from features.text.tokenize import TweetTokenizer


def test_cues_are_counted():
    tokens = TweetTokenizer().fit_transform(["I am SO sooooo MAD!!! 😡 :) ?? not", "", "😂😂 🦄"])
    surface = SurfaceFeatures().fit(tokens)
    rows = [dict(zip(surface.get_feature_names_out(), row)) for row in surface.transform(tokens)]
    first = rows[0]
    assert (first["emoji_anger"], first["emoji_joy"], first["emoji_count"]) == (1, 1, 2)
    assert first["elongated_count"] == 1
    assert first["all_caps_count"] == 2  # SO and MAD; "I" is one letter
    assert (first["exclamation_count"], first["question_count"]) == (3, 2)
    assert first["negation_count"] == 1
    assert first["token_count"] == 8
    assert not any(rows[1].values())
    assert (rows[2]["emoji_joy"], rows[2]["emoji_count"]) == (2, 3)  # the unicorn counts for no emotion
