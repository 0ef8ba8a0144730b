"""The NRC lexicons as features: EmoLex shares, Affect Intensity statistics and NRC Hashtag Emotion scores.

Scores are looked up once per distinct token of the batch, then aggregated with sparse matrix products. EmoLex
and Affect Intensity count hits inside a negation scope ("not happy") apart from plain hits, never as plain joy;
the NRC Hashtag Emotion Lexicon (which scores words as well as #hashtags, looked up with # first) reads only
tokens outside a negation scope.
"""

from __future__ import annotations

import numpy as np

from emotions import EMOTIONS
from features.estimator import Transformer
from features.text.lookup import (
    Lexicon,
    hashtag_keys,
    mean_and_max,
    row_max,
    row_mean,
    row_sum,
    token_scores,
)
from features.text.tokenize import TokenizedTweets
from lexicons import lexicon_table


class NrcLexiconFeatures(Transformer):
    """Per emotion: EmoLex association shares (plain and negated), Affect Intensity mean, max and sum (and the
    negated sum), and NRC Hashtag Emotion mean and max.

    `emolex`, `affect_intensity` and `hashtag_emotion` name a bundled lexicon or a user's file in the same
    `word, emotion, score` format (see `lexicons.load_lexicon`).
    """

    def __init__(self, emolex: str = "emolex", affect_intensity: str = "affect_intensity",
                 hashtag_emotion: str = "hashtag_emotion"):
        self.emolex = emolex
        self.affect_intensity = affect_intensity
        self.hashtag_emotion = hashtag_emotion

    def fit(self, tokens: TokenizedTweets, y=None):
        self.emolex_table_ = lexicon_table(self.emolex)
        self.affect_intensity_table_ = lexicon_table(self.affect_intensity)
        self.hashtag_emotion_table_ = lexicon_table(self.hashtag_emotion)
        return self

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        self.check_fitted()
        n_words = tokens.word_counts[:, None]
        emolex = token_scores(tokens.vocab, self.emolex_table_)
        emolex = (emolex > 0).astype(float)  # EmoLex is an association (0/1), not a strength
        intensity = token_scores(tokens.vocab, self.affect_intensity_table_)

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
                mean_and_max(tokens, self.hashtag_emotion_table_),
            ]
        )

    def lexicons(self) -> list[Lexicon]:
        """The fitted lexicons, as the explanations show them."""
        self.check_fitted()
        return [Lexicon("EmoLex", self.emolex_table_), Lexicon("Affect Intensity", self.affect_intensity_table_),
                Lexicon("NRC Hashtag", self.hashtag_emotion_table_, hashtag_keys, scores_negated=False)]

    def get_feature_names_out(self, input_features=None):
        stats = ["emolex_freq", "emolex_negated_freq", "affect_intensity_mean", "affect_intensity_max",
                 "affect_intensity_sum", "affect_intensity_negated_sum", "hashtag_emotion_mean",
                 "hashtag_emotion_max"]
        return np.asarray([f"{stat}_{emotion}" for stat in stats for emotion in EMOTIONS], dtype=object)
