"""Lexicons learned in `fit` from the training labels: which terms go with each emotion, and (where the data has
gold intensities) which terms go with a stronger one. Terms are lower-cased words and #hashtags.

Association: NRC's own method (Mohammad 2012; Mohammad & Kiritchenko 2015): the strength of association of a term
w with emotion e is SoA(w, e) = PMI(w, e) − PMI(w, ¬e) = log2(p(w | e) / p(w | ¬e)), from how many training
tweets of each class contain w, add-`smoothing` smoothed, for terms in at least `min_count` tweets.
Intensity: how much the mean gold intensity of the e-tweets containing w lies above the mean of all e-tweets,
shrunk towards 0 for rare terms: (sum of their intensities + k·μ_e) / (count + k) − μ_e.

`fit_transform` cross-fits (as scikit-learn's TargetEncoder does): each training row is scored with lexicons
learned from the other folds, so no row's features are learned from its own label. Only tokens outside a
negation scope are scored and learned from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from emotions import EMOTIONS, one_hot
from features.estimator import Transformer
from features.text.lookup import Lexicon, hashtag_keys, mean_and_max, row_max, token_scores
from features.text.persons import is_person
from features.text.tokenize import TokenizedTweets, is_word, lookup_key
from lexicons import TermTable

INTENSITY_COLUMNS = [f"intensity_{emotion}" for emotion in EMOTIONS]


def label_matrix(y, n_rows: int) -> np.ndarray:
    """Labels as an (n, 4) 0/1 matrix: from emotion names, from four 0/1 columns (multi-label), or from a
    DataFrame with a `label` column or the four emotion columns (as `Featurizer` passes them)."""
    if y is None:
        raise ValueError("the \"learned\" group needs labels: call fit(texts, y), or leave the 'learned' group out "
                         "of make_text_features(groups=...)")
    if isinstance(y, pd.DataFrame):
        y = y["label"] if "label" in y.columns else y[list(EMOTIONS)]
    array = np.asarray(y)
    if array.ndim == 2:
        if array.shape != (n_rows, len(EMOTIONS)):
            raise ValueError(f"multi-label y must have shape ({n_rows}, {len(EMOTIONS)}), got {array.shape}")
        return (array.astype(float) > 0).astype(float)
    if len(array) != n_rows:
        raise ValueError(f"y has {len(array)} labels for {n_rows} tweets")
    return one_hot(array)


def intensity_matrix(y, n_rows: int) -> np.ndarray:
    """Gold intensities as (n, 4), NaN where not given: from a DataFrame with `intensity_<emotion>` columns, or
    with `label` and `intensity` columns (the intensity of the labelled emotion)."""
    if not isinstance(y, pd.DataFrame):
        raise ValueError("the learned intensity lexicon needs gold intensities: pass y as a DataFrame with "
                         "'label' and 'intensity' columns, or use make_text_features(learn_intensity=False)")
    if len(y) != n_rows:
        raise ValueError(f"y has {len(y)} rows for {n_rows} tweets")
    if set(INTENSITY_COLUMNS) <= set(y.columns):
        return y[INTENSITY_COLUMNS].to_numpy(dtype=float)
    if {"label", "intensity"} <= set(y.columns):
        labels = one_hot(y["label"].to_numpy())
        return np.where(labels > 0, y["intensity"].to_numpy(dtype=float)[:, None], np.nan)
    raise ValueError(f"y needs 'label' and 'intensity' columns or {INTENSITY_COLUMNS}; got {list(y.columns)}")


def term_presence(tokens: TokenizedTweets) -> tuple[np.ndarray, sp.csr_matrix]:
    """(terms, presence): the batch's distinct lookup keys (lower-cased words and #hashtags; punctuation and
    words that only name a person left out), and a (tweets × terms) 0/1 matrix of which tweets contain each
    term outside a negation scope."""
    keys = [lookup_key(token) for token in tokens.vocab]
    terms, column_key = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    word = tokens.token_property(lambda token: is_word(token) and not is_person(token)).astype(bool)
    merge = sp.csr_matrix(
        (np.ones(word.sum()), (np.flatnonzero(word), column_key[word])), shape=(len(keys), len(terms))
    )
    return terms, ((tokens.plain @ merge) > 0).astype(float)


def learn_association_lexicon(tokens: TokenizedTweets, labels: np.ndarray, min_count: int = 2,
                              smoothing: float = 1.0) -> TermTable:
    """term → SoA per emotion, for terms (lower-cased words and #hashtags) in at least `min_count` tweets."""
    terms, present = term_presence(tokens)
    with_emotion = np.asarray((present.T @ labels))  # (terms, emotions): tweets of e containing w
    total = np.asarray(present.sum(axis=0)).ravel()[:, None]
    without_emotion = total - with_emotion
    n_with = labels.sum(axis=0)
    n_without = len(labels) - n_with
    p_given = (with_emotion + smoothing) / (n_with + 2 * smoothing)
    p_given_not = (without_emotion + smoothing) / (n_without + 2 * smoothing)
    soa = np.log2(p_given / p_given_not)
    keep = np.flatnonzero(total.ravel() >= min_count)
    return TermTable((terms[i], soa[i]) for i in keep)


def learn_intensity_lexicon(tokens: TokenizedTweets, intensity: np.ndarray, min_count: int = 2,
                            shrinkage: float = 3.0) -> TermTable:
    """term → how far the gold intensity of the tweets containing it lies above the emotion's mean."""
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


def association_scores(tokens: TokenizedTweets, table: dict[str, np.ndarray]) -> np.ndarray:
    return mean_and_max(tokens, table)


def intensity_scores(tokens: TokenizedTweets, table: dict[str, np.ndarray]) -> np.ndarray:
    """Mean, max and min per emotion."""
    minimum = -row_max(tokens.plain, -token_scores(tokens.vocab, table, keys=hashtag_keys))
    return np.hstack([mean_and_max(tokens, table), minimum])


def cross_fitted(tokens: TokenizedTweets, targets: np.ndarray, learn, score, n_folds: int, random_state: int):
    """Out-of-fold scores: each fold's rows scored with `score(rows, learn(other_rows, their_targets))`."""
    from sklearn.model_selection import KFold  # training only: scoring never imports scikit-learn

    folds = KFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    out = None
    for train_rows, held_out in folds.split(targets):
        scores = score(tokens.rows(held_out), learn(tokens.rows(train_rows), targets[train_rows]))
        if out is None:
            out = np.zeros((len(tokens), scores.shape[1]))
        out[held_out] = scores
    return out


class LearnedLexiconFeatures(Transformer):
    """`association_mean_<e>`, `association_max_<e>` from the association lexicon learned in `fit`, and with
    `learn_intensity` also `intensity_mean_<e>`, `intensity_max_<e>`, `intensity_min_<e>` from the intensity
    lexicon (which needs y as a DataFrame with gold intensities)."""

    def __init__(self, learn_intensity: bool = False, min_count: int = 2, smoothing: float = 1.0,
                 shrinkage: float = 3.0, n_folds: int = 5, random_state: int = 0):
        self.learn_intensity = learn_intensity
        self.min_count = min_count
        self.smoothing = smoothing
        self.shrinkage = shrinkage
        self.n_folds = n_folds
        self.random_state = random_state

    def _parts(self, y, n_rows: int) -> list[tuple]:
        """(targets, learn, score) of each learned lexicon."""
        parts = [(label_matrix(y, n_rows),
                  lambda rows, labels: learn_association_lexicon(rows, labels, self.min_count, self.smoothing),
                  association_scores)]
        if self.learn_intensity:
            parts.append((intensity_matrix(y, n_rows),
                          lambda rows, gold: learn_intensity_lexicon(rows, gold, self.min_count, self.shrinkage),
                          intensity_scores))
        return parts

    def fit(self, tokens: TokenizedTweets, y=None):
        tables = [learn(tokens, targets) for targets, learn, _ in self._parts(y, len(tokens))]
        self.association_table_ = tables[0]
        self.intensity_table_ = tables[1] if self.learn_intensity else None
        return self

    def fit_transform(self, tokens: TokenizedTweets, y=None, **fit_params) -> np.ndarray:
        self.fit(tokens, y)
        return np.hstack([cross_fitted(tokens, targets, learn=learn, score=score, n_folds=self.n_folds,
                                       random_state=self.random_state)
                          for targets, learn, score in self._parts(y, len(tokens))])

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        self.check_fitted()
        blocks = [association_scores(tokens, self.association_table_)]
        if self.learn_intensity:
            blocks.append(intensity_scores(tokens, self.intensity_table_))
        return np.hstack(blocks)

    def lexicons(self) -> list[Lexicon]:
        """The learned lexicons, as the explanations show them."""
        self.check_fitted()
        found = [Lexicon("learned association", self.association_table_, hashtag_keys, scores_negated=False)]
        if self.intensity_table_ is not None:
            found.append(Lexicon("learned intensity", self.intensity_table_, hashtag_keys, scores_negated=False))
        return found

    def get_feature_names_out(self, input_features=None):
        stats = ["association_mean", "association_max"]
        if self.learn_intensity:
            stats += ["intensity_mean", "intensity_max", "intensity_min"]
        return np.asarray([f"{stat}_{emotion}" for stat in stats for emotion in EMOTIONS], dtype=object)
