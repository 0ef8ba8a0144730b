"""Looking a batch's tokens up in a lexicon once per distinct token, and aggregating per tweet with sparse
matrix products: the shared machinery of every lexicon feature (NRC and learned) and of the explanations."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import scipy.sparse as sp

from emotions import EMOTIONS
from features.text.persons import is_person
from features.text.tokenize import KEYS_REMEMBERED, TokenizedTweets, key_variants, lookup_key

#: A lexicon as the features and the explanations read it: lookup key → one score per emotion.
Table = dict[str, np.ndarray]


def word_key(token: str) -> str:
    """Key for a word-level lexicon: hashtags are looked up as their word (#angry → angry)."""
    return lookup_key(token).lstrip("#")


@lru_cache(maxsize=KEYS_REMEMBERED)
def word_keys(token: str) -> tuple[str, ...]:
    """Keys for a word-level lexicon: the word, then its squeezed elongations."""
    return key_variants(word_key(token))


@lru_cache(maxsize=KEYS_REMEMBERED)
def hashtag_keys(token: str) -> tuple[str, ...]:
    """Keys for a lexicon with #hashtag entries: a hashtag with its # first, then without it."""
    key = lookup_key(token)
    if key.startswith("#") and len(key) > 1:
        return (*key_variants(key), *key_variants(key[1:]))
    return key_variants(key)


def token_scores(vocab: list[str], table: Table, keys: Callable[[str], tuple[str, ...]] = word_keys) -> np.ndarray:
    """(len(vocab), columns) scores (columns: one per emotion, or as many as `table`'s entries hold): each token's
    first key found in `table`, zeros where none is and for a token that only names a person
    (`features.text.persons`)."""
    width = len(next(iter(table.values()))) if table else len(EMOTIONS)
    scores = np.zeros((len(vocab), width))
    for column, token in enumerate(vocab):
        if is_person(token):
            continue
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


def mean_and_max(tokens: TokenizedTweets, table: Table, keys=hashtag_keys) -> np.ndarray:
    """Mean and max per emotion over the tweet's tokens outside a negation scope."""
    scores = token_scores(tokens.vocab, table, keys=keys)
    return np.hstack([row_mean(tokens.plain, scores), row_max(tokens.plain, scores)])


@dataclass(frozen=True)
class Lexicon:
    """One fitted lexicon as a feature group reads it, for the explanations: its name, table and lookup keys, and
    whether tokens inside a negation scope are scored by it (counted apart) or skipped."""

    name: str
    table: Table
    keys: Callable[[str], tuple[str, ...]] = word_keys
    scores_negated: bool = True
