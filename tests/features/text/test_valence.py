import pytest

from features.text.tokenize import TweetTokenizer
from features.text.valence import ValenceFeatures
from lexicons import valence_table


def _rows(texts):
    tokens = TweetTokenizer().fit_transform(texts)
    valence = ValenceFeatures().fit(tokens)
    return [dict(zip(valence.get_feature_names_out(), row)) for row in valence.transform(tokens)]


def test_the_vader_lexicon_is_read_whole_with_its_sign_split():
    table = valence_table()
    assert len(table) > 7000
    assert table["vexing"] == pytest.approx([0.0, 0.5])  # VADER's mean rating -2.0, divided by 4
    assert table["good"][0] > 0 and table["good"][1] == 0


def test_valence_sums_plain_and_negated_words_apart():
    plain, negated, neutral, empty = _rows(["what a vexing, horrible day", "this is not good", "the table", ""])
    assert plain["negative_sum"] > plain["negative_max"] > 0 and plain["positive_sum"] == 0
    assert plain["negative_mean"] == pytest.approx(plain["negative_sum"] / 5)
    assert negated["positive_sum"] == 0 and negated["positive_negated_sum"] > 0
    assert not any(neutral.values()) and not any(empty.values())


def test_a_name_that_is_also_a_rated_word_is_not_valence():
    named, word = _rows(["Tia and Mercy went to the market", "have mercy"])  # "tia" is VADER's "thanks in advance"
    assert not any(named.values())
    assert word["positive_sum"] > 0
