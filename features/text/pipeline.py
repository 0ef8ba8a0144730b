"""`make_text_features`: the whole text feature pipeline, tokenise once → every feature group side by side.

`TextFeatures` is what scikit-learn's `Pipeline([tokenizer, FeatureUnion(groups)])` would be, written out so
that scoring never imports scikit-learn (see `features.estimator`); it keeps the same transformer API.
"""

from __future__ import annotations

import numpy as np

from features.estimator import Transformer
from features.text.learned_lexicons import LearnedLexiconFeatures
from features.text.lookup import Lexicon
from features.text.nrc_lexicons import NrcLexiconFeatures
from features.text.surface import SurfaceFeatures
from features.text.tokenize import NEGATION_WINDOW, Tweet, TweetTokenizer, check_negation_window, read_tweet
from features.text.valence import ValenceFeatures
from features.text.word_vectors import GLOVE, WordVectorFeatures

#: The feature groups, in column order: the NRC lexicons, lexicons learned from the training labels, word-vector
#: similarities, surface cues, and positive and negative valence.
TEXT_FEATURE_GROUPS = ("nrc", "learned", "word_vectors", "surface", "valence")


class TextFeatures(Transformer):
    """Tweets → `tokenizer` → each of `groups` (name, transformer) side by side; columns `<group>__<name>`."""

    def __init__(self, tokenizer: TweetTokenizer, groups: list[tuple[str, Transformer]]):
        self.tokenizer = tokenizer
        self.groups = groups

    def fit(self, texts, y=None):
        self.fit_transform(texts, y)
        return self

    def fit_transform(self, texts, y=None, **fit_params) -> np.ndarray:
        tokens = self.tokenizer.fit(texts).transform(texts)
        # fit_transform, not fit: the learned lexicons cross-fit their training rows' features
        blocks = [group.fit_transform(tokens, y) for _, group in self.groups]
        self.n_features_in_ = 1
        return np.hstack(blocks)

    def transform(self, texts) -> np.ndarray:
        self.check_fitted()
        return self._transform_tokens(self.tokenizer.transform(texts))

    def _transform_tokens(self, tokens) -> np.ndarray:
        return np.hstack([group.transform(tokens) for _, group in self.groups])

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"{name}__{column}" for name, group in self.groups
                           for column in group.get_feature_names_out()], dtype=object)

    def read_tweets(self, texts: list[str]) -> list[Tweet]:
        """Each tweet read once, as the tokenizer reads it (tokens, spans, negation marks)."""
        window = self.tokenizer.negation_window
        return [read_tweet(text, window) for text in texts]

    def transform_tweets(self, tweets: list[Tweet]) -> np.ndarray:
        """The features of tweets already read with `read_tweets` (no second tokenisation)."""
        self.check_fitted()
        return self._transform_tokens(self.tokenizer.transform_tweets(tweets))

    def lexicons(self) -> list[Lexicon]:
        """Every lexicon the fitted groups look tokens up in (NRC, learned, emoji), for explanations."""
        return [lexicon for _, group in self.groups if hasattr(group, "lexicons") for lexicon in group.lexicons()]


def make_text_features(
    *,
    groups: tuple[str, ...] = TEXT_FEATURE_GROUPS,
    emolex: str = "emolex",
    affect_intensity: str = "affect_intensity",
    hashtag_emotion: str = "hashtag_emotion",
    learn_intensity: bool = False,
    vectors: str = GLOVE,
    include_mean_vector: bool = False,
    negation_window: int = NEGATION_WINDOW,
    random_state: int = 0,
) -> TextFeatures:
    """An unfitted transformer: tweets → float matrix with named columns (`nrc__emolex_freq_anger`, ...).

    groups: which feature groups of `TEXT_FEATURE_GROUPS` to include. "learned" needs labels in `fit`.
    emolex, affect_intensity, hashtag_emotion: a bundled NRC lexicon name or the path of a user's lexicon file.
    learn_intensity: the "learned" group also learns a word-intensity lexicon; y must then be a DataFrame with
        `label` and `intensity` columns (or `intensity_<emotion>` columns).
    vectors: "glove-6b-50d", "word2vec" (trained in `fit`), or the path of a word2vec/GloVe file.
    include_mean_vector: add the tweet's mean word vector itself to the word-vector similarities.
    negation_window: words after a negation cue counted as negated (0 turns negation scopes off).
    random_state: seeds the learned lexicons' cross-fitting folds and word2vec training.
    """
    check_negation_window(negation_window)
    unknown = sorted(set(groups) - set(TEXT_FEATURE_GROUPS))
    if unknown or not groups:
        raise ValueError(f"unknown or no feature groups {unknown}; choose from {list(TEXT_FEATURE_GROUPS)}")
    builders = {
        "nrc": lambda: NrcLexiconFeatures(emolex=emolex, affect_intensity=affect_intensity,
                                          hashtag_emotion=hashtag_emotion),
        "learned": lambda: LearnedLexiconFeatures(learn_intensity=learn_intensity, random_state=random_state),
        "word_vectors": lambda: WordVectorFeatures(vectors=vectors, include_mean=include_mean_vector,
                                                   random_state=random_state),
        "surface": SurfaceFeatures,
        "valence": ValenceFeatures,
    }
    return TextFeatures(TweetTokenizer(negation_window=negation_window),
                        [(name, builders[name]()) for name in TEXT_FEATURE_GROUPS if name in groups])

