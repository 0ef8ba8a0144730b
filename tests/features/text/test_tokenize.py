import numpy as np
import pandas as pd
import pytest

from features.text.tokenize import (
    TweetTokenizer,
    check_texts,
    has_words,
    key_variants,
    normalise_tweet,
    read_tweet,
    tokenize,
)


def test_normalise_decodes_entities_drops_urls_users_and_escaped_breaks():
    text = r"@bob I'm &amp; you\nare http://t.co/abc www.x.org ok"
    assert normalise_tweet(text).split() == ["I'm", "&", "you", "are", "ok"]


def test_normalise_decodes_entities_escaped_twice():
    """An export that escaped a tweet's "&lt;3" once more ("&amp;lt;3") kept "&lt;3": no heart, no emoticon."""
    assert normalise_tweet("love you &amp;lt;3 &amp;amp; more").split() == ["love", "you", "<3", "&", "more"]
    assert "<3" in tokenize(normalise_tweet("love you &amp;lt;3"))


def test_normalise_splits_camel_case_hashtags_and_keeps_plain_ones():
    assert normalise_tweet("so #NotHappy #sad") == "so #NotHappy Not Happy #sad"


def test_tokenize_keeps_hashtags_emoji_emoticons_and_runs_of_marks():
    tokens = tokenize(normalise_tweet("I can't!!! #fuming 😡😡 :( :-) <3 ok?"))
    assert tokens == ["I", "can't", "!!!", "#fuming", "😡", "😡", ":(", ":-)", "<3", "ok", "?"]


def test_key_variants_squeeze_elongated_words():
    assert key_variants("happyyyy")[:3] == ("happyyyy", "happyy", "happy")
    assert key_variants("happy") == ("happy",)
    assert key_variants("sooooo") == ("sooooo", "soo", "so")
    assert key_variants("gooood").index("good") < key_variants("gooood").index("god")


@pytest.mark.parametrize("word", ["happppyyyy", "happpyy", "hhhaaappppyyyy"])
def test_key_variants_reach_a_word_whose_runs_need_different_lengths(word):
    """Squeezing every run to two letters ("happyy") or to one ("hapy") never reached "happy"."""
    assert "happy" in key_variants(word)


@pytest.mark.parametrize("text", ["I donʼt feel happy", "I don‘t feel happy", "I don`t feel happy", "I don’t feel happy",
                                  "I am so 𝗵𝗮𝗽𝗽𝘆", "I am so 𝒉𝒂𝒑𝒑𝒚", "I am so ｈａｐｐｙ", "I am so ha\u00adppy",
                                  "I am so ha\u200bppy", "I am so ha\u200dppy", "I am so h\u0337a\u0337ppy"])
def test_look_alike_characters_do_not_hide_a_word(text):
    """Apostrophe look-alikes split "don't" or hid it from the negators; styled, full-width letters and format
    characters inside a word hid it from every lexicon."""
    tokens = [token.replace("’", "'") for token in read_tweet(text).tokens]
    assert "happy" in tokens
    assert ("don't" in tokens) == ("don" in text)


def test_a_zero_width_joiner_between_emoji_and_quotes_around_words_stay():
    assert normalise_tweet("❤️\u200d🔥 ‘quoted’ ok") == "❤️\u200d🔥 ‘quoted’ ok"


@pytest.mark.parametrize("text, expected", [
    ("https://t.co/abc123", False), ("@bob @alice", False), ("www.x.org", False), ("!!! ...", False), ("\u200f", False),
    ("", False), (r"\n", False), ("@bob :(", True), ("😂", True), ("#sad", True), ("ok https://t.co/x", True), ("x", True),
])
def test_has_words_leaves_out_links_mentions_and_punctuation(text, expected):
    assert has_words(text) is expected


def test_tokenizer_counts_and_negation_scopes():
    tokens = TweetTokenizer().fit_transform(["not happy at all. happy", "I don't love it #happy"])
    vocab = tokens.vocab
    negated = {vocab[j] for j in tokens.negated[0].indices}
    assert negated == {"happy", "at", "all"}
    assert tokens.plain[0, vocab.index("happy")] == 1  # the second happy, after the full stop
    assert tokens.counts[0, vocab.index("happy")] == 2
    assert {vocab[j] for j in tokens.negated[1].indices} == {"love", "it"}  # the hashtag ends the scope


@pytest.mark.parametrize("text", ["i'M nOt HaPpY", "NoT HAPPY", "nEvEr so happy", "I DoN't love it", "Not happy",
                                  "#NotHappy today", "nothing but joy", "knot happy"])
def test_negation_reads_any_casing_the_same_in_a_batch_and_alone(text):
    """The batch path (the API, the CLI, Batch) once skipped the negation pass for "nOt", which the one-tweet path
    (the Predict page) reads as a negator: the two gave joy 0.98 and sadness 0.89 for one tweet."""
    tokens = TweetTokenizer().fit_transform([text])
    batch = sorted(tokens.vocab[j] for j in tokens.negated[0].indices)
    alone = read_tweet(text)
    assert batch == sorted({t for t, negated in zip(alone.tokens, alone.negated) if negated})


@pytest.mark.parametrize("text, negated", [
    ("I've never been happier", []), ("never felt so alone", []), ("I have never been so happy", []),
    ("couldn't be happier", []), ("I could not be more proud", []),
    ("can't wait to see you", ["wait"]), ("I can't stop smiling", ["stop"]), ("no doubt the best day", ["doubt"]),
    ("I am not so happy about it", ["so", "happy", "about", "it"]), ("I'll never be happy again", ["be", "happy", "again"]),
    ("I could not be happy", ["be", "happy"]), ("never smile", ["smile"]), ("not", []),
])
def test_idioms_whose_negation_negates_no_emotion(text, negated):
    """ "Never been happier" said sadness 0.81 and "can't stop smiling" sadness 0.81 when negation covered the next
    four words whatever they were."""
    tweet = read_tweet(text)
    assert [token for token, inside in zip(tweet.tokens, tweet.negated) if inside] == negated


def test_negation_window_limits_the_scope():
    tokens = TweetTokenizer(negation_window=2).fit_transform(["never ever going to be happy"])
    assert sorted(tokens.vocab[j] for j in tokens.negated[0].indices) == ["ever", "going"]


def test_tokenizer_keeps_order_and_selects_rows():
    tokens = TweetTokenizer().fit_transform(["b a b", "", "c"])
    assert tokens.sequences() == [["b", "a", "b"], [], ["c"]]
    assert tokens.rows([2, 0]).sequences() == [["c"], ["b", "a", "b"]]


def test_empty_and_emoji_only_tweets_are_valid_rows():
    tokens = TweetTokenizer().fit_transform(["", "😂😂", "   "])
    assert tokens.counts.shape[0] == 3
    assert tokens.counts.sum(axis=1).A1.tolist() == [0, 2, 0]


def test_bare_string_is_rejected():
    with pytest.raises(TypeError, match="single string"):
        check_texts("I am happy")


def test_missing_texts_name_their_positions():
    with pytest.raises(ValueError, match=r"2 tweet\(s\) are missing .* position\(s\) 1, 3"):
        check_texts(pd.Series(["ok", None, "fine", np.nan]))


def test_non_string_items_are_rejected():
    with pytest.raises(TypeError, match="row position 1 holds int"):
        check_texts(["ok", 5])


def test_huge_text_is_tokenised():
    tokens = TweetTokenizer().fit_transform(["sad " * 25_000])
    assert tokens.vocab == ["sad"] and tokens.counts[0, 0] == 25_000
