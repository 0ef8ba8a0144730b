"""bench/query_words.py: the best macro-F1 against query words of a model that agrees with readers."""

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


def test_a_model_it_cannot_read_the_tweets_with_is_one_line_not_a_traceback(query_words, capsys, tmp_path):
    """A missing folder was a ModelLoadError traceback; an image-only model printed figures (every tweet unscored,
    its NaN probabilities read as anger); a 4-way model is fine."""
    from data.registry import fer
    from models.registry import ZOO_DIR, build_model

    with pytest.raises(SystemExit) as exited:
        query_words.main(["--model-dir", str(ZOO_DIR / "wassa_specialist"), "--model-dir", "no/such/folder"])
    out, err = capsys.readouterr()
    assert exited.value.code == 2 and out == "" and err == "error: no/such/folder: no such folder\n"

    faces = fer("train_sample").subset(range(0, 2000, 25))  # a real image-only model, small
    build_model("image_net", epochs=2).fit(faces, faces, seed=0).save(tmp_path / "faces")
    with pytest.raises(SystemExit) as exited:
        query_words.main(["--model-dir", str(tmp_path / "faces")])
    assert exited.value.code == 2 and capsys.readouterr().err == (
        f"error: {tmp_path / 'faces'}: image_net reads image, not text: the judged tweets are text only\n")


def test_the_default_models_are_found_from_any_folder(query_words, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # they were looked for under the working folder: `models/default: not a saved model`
    query_words.main([])
    out = capsys.readouterr().out
    assert all(f"\n{name:<30} " in out for name in query_words.MODELS) and "best_macro_f1_agreeing_with_readers_dev=" in out


def test_gold_intensities_gated_by_readers_correlate_fully_only_where_readers_agree(query_words):
    from types import SimpleNamespace

    query = np.repeat(np.arange(4), 3)
    presence = np.eye(4, dtype=int)[query]  # readers found every query word's emotion
    gold = np.zeros((12, 4))
    gold[np.arange(12), query] = np.tile([0.2, 0.5, 0.9], 4)
    data = SimpleNamespace(intensity=gold)
    assert query_words.gated_gold_pearson(data, query, presence) == pytest.approx(1.0)
    presence[1] = 0  # the 0.5 anger tweet: readers found no anger
    gated = np.corrcoef([0.2, 0.0, 0.9], [0.2, 0.5, 0.9])[0, 1]
    assert query_words.gated_gold_pearson(data, query, presence) == pytest.approx((gated + 3) / 4)
