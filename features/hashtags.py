"""Hashtag lexicon features: the NRC Hashtag Emotion Lexicon, and a hashtag lexicon learned from labelled tweets.

The learned lexicon uses NRC's own method (Mohammad 2012; Mohammad & Kiritchenko 2015): the strength of
association of a term w with emotion e is SoA(w, e) = PMI(w, e) − PMI(w, ¬e) = log2(p(w | e) / p(w | ¬e)),
from how many training tweets of each class contain w, add-`smoothing` smoothed. Terms are words and #hashtags.
`fit_transform` cross-fits (as scikit-learn's TargetEncoder does): each training row is scored with a lexicon
learned from the other folds, so no row's features are learned from its own label.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted

from features.emotions import EMOTIONS
from features.lexicon import hashtag_keys, row_max, row_mean, token_scores
from features.text import TokenizedTweets, is_word, lookup_key
from lexicons import lexicon_table


def label_matrix(y, n_rows: int) -> np.ndarray:
    """Labels as an (n, 4) 0/1 matrix: from emotion names, or from four 0/1 columns (multi-label)."""
    if y is None:
        raise ValueError(
            "the learned hashtag lexicon needs labels: call fit(texts, y), or use make_text_features(learn_hashtags=False)"
        )
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


def learn_hashtag_lexicon(
    tokens: TokenizedTweets, labels: np.ndarray, min_count: int = 2, smoothing: float = 1.0
) -> dict[str, np.ndarray]:
    """term → SoA per emotion, for terms (lower-cased words and #hashtags) in at least `min_count` tweets."""
    keys = [lookup_key(token) for token in tokens.vocab]
    distinct, column_key = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    word = tokens.token_property(is_word).astype(bool)
    merge = sp.csr_matrix(
        (np.ones(word.sum()), (np.flatnonzero(word), column_key[word])), shape=(len(keys), len(distinct))
    )
    present = ((tokens.plain @ merge) > 0).astype(float)  # (tweets, terms): does the tweet contain the term
    with_emotion = np.asarray((present.T @ labels))  # (terms, emotions): tweets of e containing w
    total = np.asarray(present.sum(axis=0)).ravel()[:, None]
    without_emotion = total - with_emotion
    n_with = labels.sum(axis=0)
    n_without = len(labels) - n_with
    p_given = (with_emotion + smoothing) / (n_with + 2 * smoothing)
    p_given_not = (without_emotion + smoothing) / (n_without + 2 * smoothing)
    soa = np.log2(p_given / p_given_not)
    keep = np.flatnonzero(total.ravel() >= min_count)
    return {distinct[i]: soa[i] for i in keep}


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
            labels = label_matrix(y, len(tokens))
            folds = KFold(n_splits=self.n_folds, shuffle=True, random_state=self.random_state)
            learned = slice(2 * len(EMOTIONS), 4 * len(EMOTIONS))
            for train_rows, held_out in folds.split(labels):
                table = learn_hashtag_lexicon(tokens.rows(train_rows), labels[train_rows], self.min_count, self.smoothing)
                features[held_out, learned] = self._scores(tokens.rows(held_out), table)
        return features

    @staticmethod
    def _scores(tokens: TokenizedTweets, table: dict[str, np.ndarray]) -> np.ndarray:
        scores = token_scores(tokens.vocab, table, keys=hashtag_keys)
        return np.hstack([row_mean(tokens.plain, scores), row_max(tokens.plain, scores)])

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        check_is_fitted(self)
        blocks = [self._scores(tokens, self.nrc_table_)]
        if self.learn:
            blocks.append(self._scores(tokens, self.learned_table_))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        stats = ["nrc_mean", "nrc_max"] + (["learned_mean", "learned_max"] if self.learn else [])
        return np.asarray([f"{stat}_{emotion}" for stat in stats for emotion in EMOTIONS], dtype=object)
