import gzip

import numpy as np
import pytest

from lexicons import BUNDLED, LexiconError, lexicon_table, load_lexicon


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_lexicons_load(name):
    rows = load_lexicon(name)
    assert len(rows) > 5000
    assert all(len(row) == 3 for row in rows[:100])


def test_bundled_values_are_the_published_ones():
    assert lexicon_table("affect_intensity")["furious"].tolist() == [0.929, 0, 0, 0]
    assert lexicon_table("emolex")["happy"].tolist() == [0, 0, 1, 0]
    assert lexicon_table("hashtag_emotion")["#angry"][0] == pytest.approx(1.42712455320492)
    assert len(load_lexicon("emolex")) == 141_820


def test_users_own_lexicon_file_plain_or_gzipped(tmp_path):
    text = "word\temotion\tscore\nFeliz\tjoy\t0.9\n# a comment\ntriste\tsadness\t0.8\nmiedo\tsurprise\t1\n"
    plain = tmp_path / "es.tsv"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "es.tsv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for path in (plain, packed):
        table = lexicon_table(path)
        assert set(table) == {"feliz", "triste"}  # lower-cased; emotions outside the four are left out
        np.testing.assert_array_equal(table["triste"], [0, 0, 0, 0.8])


def test_missing_file_is_named(tmp_path):
    with pytest.raises(LexiconError, match="nope.tsv: lexicon file not found"):
        load_lexicon(tmp_path / "nope.tsv")


@pytest.mark.parametrize(
    "content, message",
    [
        ("happy\tjoy\t0.5\nsad\tsadness\n", r"line 2: expected 3 tab-separated fields"),
        ("happy\tjoy\tlots\n", r"line 1: score 'lots' is not a number"),
        ("happy\tjoy\tnan\n", r"line 1: .*not finite"),
        ("", "no entries"),
    ],
)
def test_malformed_file_names_file_and_line(tmp_path, content, message):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad\.tsv.*" + message):
        load_lexicon(path)


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.tsv"
    path.write_bytes("happy\tjoy\t0.5\nalegría\tjoy\t0.9\n".encode("latin-1"))
    with pytest.raises(LexiconError, match=r"latin1\.tsv, line 2: not UTF-8"):
        load_lexicon(path)


def test_first_names_leave_out_the_words_the_emotion_lexicons_list():
    from lexicons import first_names

    names = first_names()
    assert len(names) == 5106 and {"amanda", "malik", "frank"} <= names
    assert not names & (set(lexicon_table("emolex")) | set(lexicon_table("affect_intensity")))
    assert "joy" not in names and "hope" not in names
