"""How positive and how negative a tweet's words are, from the VADER sentiment lexicon (7,500 words, slang and
emoticons rated by people for valence; `lexicons.valence_table`).

Emotion lexicons say which emotion a word goes with; valence says how strongly it is felt and whether any
feeling is there at all, which helps with intensities and with "none", and covers words the NRC lexicons lack
("vexing", "shocking" as states). Words inside a negation scope are summed apart, as the NRC features do.
"""

from __future__ import annotations

import numpy as np

from features.estimator import Transformer
from features.text.lookup import row_max, row_sum, token_scores
from features.text.tokenize import TokenizedTweets
from lexicons import valence_table


class ValenceFeatures(Transformer):
    """Positive and negative valence per tweet: sum, per-word mean and largest over plain words, and the sums over
    negated words."""

    def fit(self, tokens: TokenizedTweets, y=None):
        self.valence_table_ = valence_table()
        return self

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        self.check_fitted()
        scores = token_scores(tokens.vocab, self.valence_table_)
        n_words = tokens.word_counts[:, None]
        plain = row_sum(tokens.plain, scores)
        mean = np.divide(plain, n_words, out=np.zeros_like(plain), where=n_words > 0)
        return np.hstack([plain, mean, row_max(tokens.plain, scores), row_sum(tokens.negated, scores)])

    def get_feature_names_out(self, input_features=None):
        stats = ["sum", "mean", "max", "negated_sum"]
        return np.asarray([f"{side}_{stat}" for stat in stats for side in ("positive", "negative")], dtype=object)
