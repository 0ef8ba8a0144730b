import numpy as np
import pytest

from features.text.tokenize import TweetTokenizer
from features.text.word_vectors import GLOVE, SEED_WORDS, WordVectorFeatures, load_word_vectors


def test_glove_loads_memory_mapped_with_its_full_vocabulary():
    vectors = load_word_vectors(GLOVE)
    assert len(vectors.words) == 400_000 and vectors.vector_size == 50
    assert isinstance(vectors.vectors, np.memmap)
    assert vectors.words[vectors.key_to_index["happy"]] == "happy"
    assert load_word_vectors(GLOVE) is vectors  # loaded once per process


def test_similarity_is_the_cosine_to_each_seed_centroid():
    tokens = TweetTokenizer().fit_transform(["happy", "#happy", "", "qqzzxq"])
    features = WordVectorFeatures().fit(tokens)
    out = features.transform(tokens)
    vectors = load_word_vectors(GLOVE)
    happy = np.asarray(vectors["happy"], dtype=float)
    expected = features.centroids_ @ happy / np.linalg.norm(happy)
    np.testing.assert_allclose(out[0], expected)
    np.testing.assert_allclose(out[1], expected)  # the hashtag is looked up without its #
    assert out[0].argmax() == 2  # joy


def test_a_tweet_with_no_known_word_reads_as_the_training_mean_not_as_zero_similarity():
    texts = ["happy", "so sad today", "😂😂😂", ":((", "qqzzxq"]
    tokens = TweetTokenizer().fit_transform(texts)
    features = WordVectorFeatures(include_mean=True).fit(tokens)
    out = features.transform(tokens)
    np.testing.assert_allclose(features.no_word_fill_, out[:2].mean(axis=0))  # over the tweets with a known word
    for row in (2, 3, 4):
        np.testing.assert_allclose(out[row], features.no_word_fill_)
    assert (out[2, :4] > 0.3).all()  # a similarity a tweet with words can have, not 0
    del features.no_word_fill_  # a model saved before the fill was fitted keeps its zeros
    assert not features.transform(tokens)[2:].any()


def test_seed_centroids_are_unit_means_of_the_seed_words():
    features = WordVectorFeatures().fit(TweetTokenizer().fit_transform(["x"]))
    vectors = load_word_vectors(GLOVE)
    unit = np.asarray([vectors[w] / np.linalg.norm(vectors[w]) for w in SEED_WORDS["fear"]], dtype=float)
    centroid = unit.mean(axis=0)
    np.testing.assert_allclose(features.centroids_[1], centroid / np.linalg.norm(centroid), rtol=1e-6)


def test_mean_vector_columns_are_optional():
    tokens = TweetTokenizer().fit_transform(["happy sad"])
    features = WordVectorFeatures(include_mean=True).fit(tokens)
    out = features.transform(tokens)
    vectors = load_word_vectors(GLOVE)
    np.testing.assert_allclose(out[0, 4:], (vectors["happy"] + vectors["sad"]) / 2, rtol=1e-6)
    assert features.get_feature_names_out()[-1] == "mean_49"


def test_users_glove_and_word2vec_text_files(tmp_path):
    rows = {"happy": [1, 0], "glad": [1, 0.1], "sad": [0, 1], "angry": [-1, 0], "afraid": [0, -1]}
    glove = tmp_path / "tiny.glove.txt"
    glove.write_text("".join(f"{w} {a} {b}\n" for w, (a, b) in rows.items()), encoding="utf-8")
    word2vec = tmp_path / "tiny.w2v.txt"
    word2vec.write_text(f"{len(rows)} 2\n" + glove.read_text(encoding="utf-8"), encoding="utf-8")
    for path in (glove, word2vec):
        tokens = TweetTokenizer().fit_transform(["so happy"])
        out = WordVectorFeatures(vectors=str(path)).fit(tokens).transform(tokens)
        assert out.shape == (1, 4) and out[0].argmax() == 2


def test_word2vec_trained_in_fit_is_reproducible():
    texts = ["happy happy joy", "sad sadness lonely", "angry furious rage", "scared afraid fear"] * 30
    tokens = TweetTokenizer().fit_transform(texts)
    first = WordVectorFeatures(vectors="word2vec", random_state=3).fit(tokens).transform(tokens)
    second = WordVectorFeatures(vectors="word2vec", random_state=3).fit(tokens).transform(tokens)
    np.testing.assert_array_equal(first, second)


def test_a_fitted_model_reads_only_the_vector_file_it_was_trained_with(tmp_path):
    """A saved model names its vector file by path: a crafted folder could name any file of the machine, and an
    error quoting what it failed to parse would show it."""
    path = tmp_path / "tiny.glove.txt"
    path.write_text("happy 1 0\nglad 1 0.1\nsad 0 1\nangry -1 0\nafraid 0 -1\n", encoding="utf-8")
    tokens = TweetTokenizer().fit_transform(["so happy"])
    features = WordVectorFeatures(vectors=str(path)).fit(tokens)
    features.vectors = str(tmp_path / "secret.txt")  # what a crafted features.json could say
    (tmp_path / "secret.txt").write_text("root x 0 0 root /bin/bash\n")
    with pytest.raises(ValueError, match="secret.txt: not the word-vector file the model was trained with") as error:
        features.transform(tokens)
    assert "root" not in str(error.value).replace(str(tmp_path), "")
    with pytest.raises(ValueError, match=r"secret.txt: not a word2vec or GloVe vector file \(ValueError\)$"):
        WordVectorFeatures(vectors=str(tmp_path / "secret.txt")).fit(tokens)


def test_missing_vectors_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt: word-vector file not found"):
        WordVectorFeatures(vectors=str(tmp_path / "nope.txt")).fit(TweetTokenizer().fit_transform(["x"]))
