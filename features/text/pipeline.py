"""`make_text_features`: the whole text feature pipeline, tokenise once → every feature group side by side."""

from __future__ import annotations

from sklearn.pipeline import FeatureUnion, Pipeline

from features.text.learned_lexicons import LearnedLexiconFeatures
from features.text.lookup import Lexicon
from features.text.nrc_lexicons import NrcLexiconFeatures
from features.text.surface import SurfaceFeatures
from features.text.tokenize import NEGATION_WINDOW, TokenizedTweets, Tweet, TweetTokenizer, read_tweet
from features.text.word_vectors import GLOVE, WordVectorFeatures

#: The feature groups, in column order: the NRC lexicons, lexicons learned from the training labels, word-vector
#: similarities, and surface cues.
TEXT_FEATURE_GROUPS = ("nrc", "learned", "word_vectors", "surface")


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
) -> Pipeline:
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
    }
    union = FeatureUnion([(name, builders[name]()) for name in TEXT_FEATURE_GROUPS if name in groups])
    return Pipeline([("tokens", TweetTokenizer(negation_window=negation_window)), ("features", union)])


def read_tweets(pipeline: Pipeline, texts: list[str]) -> list[Tweet]:
    """Each tweet read once, as the pipeline's tokenizer reads it (tokens, spans, negation marks)."""
    window = pipeline.named_steps["tokens"].negation_window
    return [read_tweet(text, window) for text in texts]


def transform_tweets(pipeline: Pipeline, tweets: list[Tweet]):
    """The pipeline's features of tweets already read with `read_tweets` (no second tokenisation)."""
    tokens: TokenizedTweets = pipeline.named_steps["tokens"].transform_tweets(tweets)
    return pipeline.named_steps["features"].transform(tokens)


def fitted_lexicons(pipeline: Pipeline) -> list[Lexicon]:
    """Every lexicon the fitted pipeline's groups look tokens up in (NRC, learned, emoji), for explanations."""
    return [lexicon for _, group in pipeline.named_steps["features"].transformer_list
            if hasattr(group, "lexicons") for lexicon in group.lexicons()]
