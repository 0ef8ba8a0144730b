"""A word-intensity lexicon learned from tweets with gold intensities (WASSA-style data).

For emotion e and term w (lower-cased word or #hashtag), the score is how much the mean gold intensity of the
e-tweets containing w lies above the mean of all e-tweets, shrunk towards 0 for rare terms:
(sum of their intensities + k·μ_e) / (count + k) − μ_e, for terms in at least `min_count` such tweets.
Features per emotion: mean, max and min over the tweet's terms. As with the learned hashtag lexicon,
`fit_transform` cross-fits, so no training row is scored by a lexicon that saw its own intensity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from features.emotions import EMOTIONS
from features.hashtags import cross_fitted, lexicon_scores, term_presence
from features.lexicon import hashtag_keys, row_max, token_scores
from features.text import TokenizedTweets
from lexicons import TermTable


def intensity_matrix(y, n_rows: int) -> np.ndarray:
    """Gold intensities as (n, 4), NaN where not given: from a DataFrame with `intensity_<emotion>` columns, or
    with `label` and `intensity` columns (the intensity of the labelled emotion)."""
    if not isinstance(y, pd.DataFrame):
        raise ValueError("the learned intensity lexicon needs gold intensities: pass y as a DataFrame with "
                         "'label' and 'intensity' columns, or use make_text_features(learn_intensity=False)")
    if len(y) != n_rows:
        raise ValueError(f"y has {len(y)} rows for {n_rows} tweets")
    columns = [f"intensity_{emotion}" for emotion in EMOTIONS]
    if set(columns) <= set(y.columns):
        return y[columns].to_numpy(dtype=float)
    if {"label", "intensity"} <= set(y.columns):
        out = np.full((n_rows, len(EMOTIONS)), np.nan)
        index = {emotion: i for i, emotion in enumerate(EMOTIONS)}
        labels = y["label"].to_numpy()
        unknown = sorted({str(label) for label in labels if label not in index})
        if unknown:
            raise ValueError(f"unknown label(s) {unknown[:5]}; expected one of {list(EMOTIONS)}")
        out[np.arange(n_rows), [index[label] for label in labels]] = y["intensity"].to_numpy(dtype=float)
        return out
    raise ValueError(f"y needs 'label' and 'intensity' columns or {columns}; got {list(y.columns)}")


def learn_intensity_lexicon(tokens: TokenizedTweets, intensity: np.ndarray, min_count: int = 2,
                            shrinkage: float = 3.0) -> TermTable:
    terms, present = term_presence(tokens)
    scores = np.zeros((len(terms), len(EMOTIONS)))
    for i in range(len(EMOTIONS)):
        rows = np.flatnonzero(np.isfinite(intensity[:, i]))
        if not rows.size:
            continue
        gold = intensity[rows, i]
        mean = gold.mean()
        count = np.asarray(present[rows].sum(axis=0)).ravel()
        total = present[rows].T @ gold
        scores[:, i] = np.where(count >= min_count, (total + shrinkage * mean) / (count + shrinkage) - mean, 0.0)
    keep = np.flatnonzero(scores.any(axis=1))
    return TermTable((terms[j], scores[j]) for j in keep)


def _scores(tokens: TokenizedTweets, table: dict[str, np.ndarray]) -> np.ndarray:
    minimum = -row_max(tokens.plain, -token_scores(tokens.vocab, table, keys=hashtag_keys))
    return np.hstack([lexicon_scores(tokens, table), minimum])


class IntensityLexiconFeatures(TransformerMixin, BaseEstimator):
    """`learned_mean_<e>`, `learned_max_<e>`, `learned_min_<e>` from a word-intensity lexicon learned in `fit`."""

    def __init__(self, min_count: int = 2, shrinkage: float = 3.0, n_folds: int = 5, random_state: int = 0):
        self.min_count = min_count
        self.shrinkage = shrinkage
        self.n_folds = n_folds
        self.random_state = random_state

    def _learn(self, tokens, intensity):
        return learn_intensity_lexicon(tokens, intensity, self.min_count, self.shrinkage)

    def fit(self, tokens: TokenizedTweets, y=None):
        self.table_ = self._learn(tokens, intensity_matrix(y, len(tokens)))
        return self

    def fit_transform(self, tokens: TokenizedTweets, y=None, **fit_params) -> np.ndarray:
        self.fit(tokens, y)
        return cross_fitted(tokens, intensity_matrix(y, len(tokens)), learn=self._learn, score=_scores,
                            n_folds=self.n_folds, random_state=self.random_state)

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        check_is_fitted(self)
        return _scores(tokens, self.table_)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"learned_{stat}_{e}" for stat in ("mean", "max", "min") for e in EMOTIONS], dtype=object)
