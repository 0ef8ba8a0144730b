"""bench/negated_words.py: which texts hold an emotion word only inside a negation scope."""


def test_a_negated_word_counts_as_negated_only_and_a_plain_one_as_plain(bench_script):
    negated, plain = bench_script("negated_words").emolex_hits(
        ["I'm not angry at all", "I am angry", "not angry, just furious", "the bus is late"])
    anger = 0
    assert list(negated[:, anger]) == [True, False, False, False]  # "furious" outside the scope: not negated only
    assert list(plain[:, anger]) == [False, True, True, False]
