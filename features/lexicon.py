"""Lexicon features: EmoLex frequencies and NRC Affect Intensity means, maxima and sums, per emotion.

Scores are looked up once per distinct token of the batch, then aggregated with sparse matrix products; hits
inside a negation scope ("not happy") are counted apart from plain hits, never as plain joy.
The helpers `token_scores`, `row_sum`, `row_mean` and `row_max` are shared with the hashtag features.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from features.emotions import EMOTIONS
from features.text import TokenizedTweets, is_word, key_variants, lookup_key
from lexicons import lexicon_table


def word_key(token: str) -> str:
    """Key for a word-level lexicon: hashtags are looked up as their word (#angry → angry)."""
    return lookup_key(token).lstrip("#")


def hashtag_keys(token: str) -> tuple[str, ...]:
    """Keys for a lexicon with #hashtag entries: a hashtag with its # first, then without it."""
    key = lookup_key(token)
    if key.startswith("#") and len(key) > 1:
        return (*key_variants(key), *key_variants(key[1:]))
    return key_variants(key)


def token_scores(
    vocab: list[str], table: dict[str, np.ndarray], keys: Callable[[str], tuple[str, ...]] | None = None
) -> np.ndarray:
    """(len(vocab), n_emotions) scores: each token's first key found in `table`, zeros where none is."""
    keys = keys or (lambda token: key_variants(word_key(token)))
    scores = np.zeros((len(vocab), len(EMOTIONS)))
    for column, token in enumerate(vocab):
        for key in keys(token):
            hit = table.get(key)
            if hit is not None:
                scores[column] = hit
                break
    return scores


def row_sum(counts: sp.csr_matrix, scores: np.ndarray) -> np.ndarray:
    return np.asarray(counts @ scores)


def row_mean(counts: sp.csr_matrix, scores: np.ndarray) -> np.ndarray:
    """Mean score over the tweet's tokens that have a score for the emotion (0 when none has)."""
    total = counts @ scores
    matched = counts @ (scores != 0).astype(float)
    return np.divide(total, matched, out=np.zeros_like(total), where=matched > 0)


def row_max(counts: sp.csr_matrix, scores: np.ndarray) -> np.ndarray:
    """Largest score among the tweet's tokens that have one for the emotion (0 when none has)."""
    counts = counts.tocsr()
    out = np.zeros((counts.shape[0], scores.shape[1]))
    rows = np.flatnonzero(np.diff(counts.indptr))
    if rows.size:
        values = scores[counts.indices]
        values[values == 0] = -np.inf
        reduced = np.maximum.reduceat(values, counts.indptr[rows], axis=0)
        out[rows] = np.where(np.isfinite(reduced), reduced, 0.0)
    return out


def word_counts(tokens: TokenizedTweets) -> np.ndarray:
    """Number of tokens per tweet that are words, hashtags, emoji or emoticons (punctuation left out)."""
    return np.asarray(tokens.counts @ tokens.token_property(is_word)).ravel()


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """EmoLex association shares and Affect Intensity statistics, per emotion.

    `emolex` and `affect_intensity` name a bundled lexicon or a user's file in the same `word, emotion, score`
    format (see `lexicons.load_lexicon`).
    """

    def __init__(self, emolex: str = "emolex", affect_intensity: str = "affect_intensity"):
        self.emolex = emolex
        self.affect_intensity = affect_intensity

    def fit(self, tokens: TokenizedTweets, y=None):
        self.emolex_table_ = lexicon_table(self.emolex)
        self.intensity_table_ = lexicon_table(self.affect_intensity)
        return self

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        check_is_fitted(self)
        n_words = word_counts(tokens)[:, None]
        emolex = token_scores(tokens.vocab, self.emolex_table_)
        emolex = (emolex > 0).astype(float)  # EmoLex is an association (0/1), not a strength
        intensity = token_scores(tokens.vocab, self.intensity_table_)

        def share(hits):
            return np.divide(hits, n_words, out=np.zeros_like(hits), where=n_words > 0)

        return np.hstack(
            [
                share(row_sum(tokens.plain, emolex)),
                share(row_sum(tokens.negated, emolex)),
                row_mean(tokens.plain, intensity),
                row_max(tokens.plain, intensity),
                row_sum(tokens.plain, intensity),
                row_sum(tokens.negated, intensity),
            ]
        )

    def get_feature_names_out(self, input_features=None):
        stats = ["emolex_freq", "emolex_negated_freq", "affect_intensity_mean", "affect_intensity_max",
                 "affect_intensity_sum", "affect_intensity_negated_sum"]
        return np.asarray([f"{stat}_{emotion}" for stat in stats for emotion in EMOTIONS], dtype=object)
