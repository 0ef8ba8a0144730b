"""Hashtag lexicon features: the NRC Hashtag Emotion Lexicon, and a hashtag lexicon learned from labelled tweets.

The learned lexicon uses NRC's own method (Mohammad 2012; Mohammad & Kiritchenko 2015): the strength of
association of a term w with emotion e is SoA(w, e) = PMI(w, e) − PMI(w, ¬e) = log2(p(w | e) / p(w | ¬e)),
from how many training tweets of each class contain w, add-`smoothing` smoothed. Terms are words and #hashtags.
`fit_transform` cross-fits (as scikit-learn's TargetEncoder does): each training row is scored with a lexicon
learned from the other folds, so no row's features are learned from its own label.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from features.emotions import EMOTIONS
from features.lexicon import hashtag_keys, row_max, row_mean, token_scores
from features.text import TokenizedTweets, is_word, lookup_key
from lexicons import TermTable, lexicon_table


def label_matrix(y, n_rows: int) -> np.ndarray:
    """Labels as an (n, 4) 0/1 matrix: from emotion names, from four 0/1 columns (multi-label), or from a
    DataFrame with a `label` column or the four emotion columns (as `LabelledData.target_frame()` makes)."""
    if y is None:
        raise ValueError(
            "the learned hashtag lexicon needs labels: call fit(texts, y), or use make_text_features(learn_hashtags=False)"
        )
    if isinstance(y, pd.DataFrame):
        y = y["label"] if "label" in y.columns else y[list(EMOTIONS)]
    array = np.asarray(y)
    if array.ndim == 2:
        if array.shape != (n_rows, len(EMOTIONS)):
            raise ValueError(f"multi-label y must have shape ({n_rows}, {len(EMOTIONS)}), got {array.shape}")
        return (array.astype(float) > 0).astype(float)
    if len(array) != n_rows:
        raise ValueError(f"y has {len(array)} labels for {n_rows} tweets")
    index = {emotion: i for i, emotion in enumerate(EMOTIONS)}
    unknown = sorted({str(label) for label in array if label not in index})
    if unknown:
        raise ValueError(f"unknown label(s) {unknown[:5]}; expected one of {list(EMOTIONS)}")
    matrix = np.zeros((n_rows, len(EMOTIONS)))
    matrix[np.arange(n_rows), [index[label] for label in array]] = 1.0
    return matrix


def term_presence(tokens: TokenizedTweets) -> tuple[np.ndarray, sp.csr_matrix]:
    """(terms, presence): the batch's distinct lookup keys (lower-cased words and #hashtags; punctuation left
    out), and a (tweets × terms) 0/1 matrix of which tweets contain each term outside a negation scope."""
    keys = [lookup_key(token) for token in tokens.vocab]
    terms, column_key = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    word = tokens.token_property(is_word).astype(bool)
    merge = sp.csr_matrix(
        (np.ones(word.sum()), (np.flatnonzero(word), column_key[word])), shape=(len(keys), len(terms))
    )
    return terms, ((tokens.plain @ merge) > 0).astype(float)


def learn_hashtag_lexicon(
    tokens: TokenizedTweets, labels: np.ndarray, min_count: int = 2, smoothing: float = 1.0
) -> TermTable:
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


def cross_fitted(tokens: TokenizedTweets, targets: np.ndarray, learn, score, n_folds: int, random_state: int):
    """Out-of-fold scores: each fold's rows scored with `score(rows, learn(other_rows, their_targets))`."""
    folds = KFold(n_splits=n_folds, shuffle=True, random_state=random_state)
    out = None
    for train_rows, held_out in folds.split(targets):
        scores = score(tokens.rows(held_out), learn(tokens.rows(train_rows), targets[train_rows]))
        if out is None:
            out = np.zeros((len(tokens), scores.shape[1]))
        out[held_out] = scores
    return out


def lexicon_scores(tokens: TokenizedTweets, table: dict[str, np.ndarray]) -> np.ndarray:
    """Mean and max per emotion over the tweet's non-negated tokens; hashtags looked up with # first."""
    scores = token_scores(tokens.vocab, table, keys=hashtag_keys)
    return np.hstack([row_mean(tokens.plain, scores), row_max(tokens.plain, scores)])


class HashtagFeatures(TransformerMixin, BaseEstimator):
    """Mean and max NRC Hashtag Emotion scores and learned-lexicon SoA scores over a tweet's words and hashtags.

    Hashtags are looked up with their # first, then without it (#angry, then angry). Only tokens outside a
    negation scope are scored, and learned from: "not happy" is no joy hit here (the lexicon features count it
    as a negated hit).
    """

    def __init__(
        self,
        hashtag_lexicon: str = "hashtag_emotion",
        learn: bool = True,
        min_count: int = 2,
        smoothing: float = 1.0,
        n_folds: int = 5,
        random_state: int = 0,
    ):
        self.hashtag_lexicon = hashtag_lexicon
        self.learn = learn
        self.min_count = min_count
        self.smoothing = smoothing
        self.n_folds = n_folds
        self.random_state = random_state

    def fit(self, tokens: TokenizedTweets, y=None):
        self.nrc_table_ = lexicon_table(self.hashtag_lexicon)
        self.learned_table_ = (
            learn_hashtag_lexicon(tokens, label_matrix(y, len(tokens)), self.min_count, self.smoothing)
            if self.learn
            else None
        )
        return self

    def fit_transform(self, tokens: TokenizedTweets, y=None, **fit_params) -> np.ndarray:
        self.fit(tokens, y)
        features = self.transform(tokens)
        if self.learn:
            learned = slice(2 * len(EMOTIONS), 4 * len(EMOTIONS))
            features[:, learned] = cross_fitted(
                tokens, label_matrix(y, len(tokens)),
                learn=lambda rows, labels: learn_hashtag_lexicon(rows, labels, self.min_count, self.smoothing),
                score=lexicon_scores, n_folds=self.n_folds, random_state=self.random_state,
            )
        return features

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        check_is_fitted(self)
        blocks = [lexicon_scores(tokens, self.nrc_table_)]
        if self.learn:
            blocks.append(lexicon_scores(tokens, self.learned_table_))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        stats = ["nrc_mean", "nrc_max"] + (["learned_mean", "learned_max"] if self.learn else [])
        return np.asarray([f"{stat}_{emotion}" for stat in stats for emotion in EMOTIONS], dtype=object)
