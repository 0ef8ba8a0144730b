"""bench/query_words.py: the best macro-F1 against query words of a model that never contradicts readers."""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def query_words(bench_script):
    return bench_script("query_words")


def test_the_bound_names_the_query_word_only_where_readers_allow_it(query_words):
    # query words: anger, fear, joy, sadness, anger; readers: agreed, none of the four, disowned (sadness, not
    # joy), agreed, disowned (fear, not anger)
    query = np.array([0, 1, 2, 3, 0])
    presence = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 0, 0]])
    bound = query_words.reader_bound(query, presence)
    assert (bound["agreed"], bound["none_judged"], bound["disowned"]) == (0.4, 0.2, 0.4)
    # best choices: anger, fear, sadness, sadness, fear → per-class F1 anger 2/3, fear 2/3, joy 0, sadness 2/3
    assert bound["best_macro_f1"] == pytest.approx(0.5)


def test_on_wassa_dev_the_shares_add_up_and_the_bound_is_below_perfect(query_words):
    data, query, presence = query_words.judged("dev")
    bound = query_words.reader_bound(query, presence)
    assert bound["tweets"] == len(data) > 300
    assert bound["agreed"] + bound["none_judged"] + bound["disowned"] == pytest.approx(1.0)
    assert 0.5 < bound["best_macro_f1"] < 1.0


def test_the_default_models_are_found_from_any_working_directory(query_words, tmp_path, monkeypatch):
    """`python bench/query_words.py` run from outside the repository stopped at "models/default: not a saved
    model": the shipped models were named relative to the working directory."""
    monkeypatch.chdir(tmp_path)
    assert list(query_words.MODELS) == ["models/default", "models/zoo/every_query_word", "models/zoo/wassa_specialist"]
    for directory in query_words.MODELS.values():
        assert (directory / "config.json").is_file(), directory
