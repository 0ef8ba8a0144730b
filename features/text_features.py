"""`make_text_features`: the whole text feature pipeline, tokenise once → every feature group side by side."""

from __future__ import annotations

from sklearn.pipeline import FeatureUnion, Pipeline

from features.embedding import WordVectorFeatures
from features.hashtags import HashtagFeatures
from features.intensity import IntensityLexiconFeatures
from features.lexicon import LexiconFeatures
from features.surface import SurfaceFeatures
from features.text import NEGATION_WINDOW, TweetTokenizer
from features.word_vectors import GLOVE

TEXT_FEATURE_GROUPS = ("lexicon", "hashtags", "embedding", "surface")
#: Groups that need gold intensities to fit, off unless asked for (`groups=TEXT_FEATURE_GROUPS + ("intensity",)`).
OPTIONAL_GROUPS = ("intensity",)


def make_text_features(
    *,
    groups: tuple[str, ...] = TEXT_FEATURE_GROUPS,
    emolex: str = "emolex",
    affect_intensity: str = "affect_intensity",
    hashtag_lexicon: str = "hashtag_emotion",
    learn_hashtags: bool = True,
    vectors: str = GLOVE,
    include_mean_vector: bool = False,
    negation_window: int = NEGATION_WINDOW,
    random_state: int = 0,
) -> Pipeline:
    """An unfitted transformer: tweets → float matrix with named columns (`lexicon__emolex_freq_anger`, ...).

    groups: which feature groups, of `TEXT_FEATURE_GROUPS` and `OPTIONAL_GROUPS`, to include. The "intensity"
        group learns a word-intensity lexicon and needs y as a DataFrame with `label` and `intensity` columns.
    emolex, affect_intensity, hashtag_lexicon: a bundled lexicon name or the path of a user's lexicon file.
    learn_hashtags: also learn a hashtag lexicon (PMI) from the labels given to `fit`.
    vectors: "glove-6b-50d", "word2vec" (trained in `fit`), or the path of a word2vec/GloVe file.
    include_mean_vector: add the tweet's mean word vector itself to the word-vector similarities.
    negation_window: words after a negation cue counted as negated (0 turns negation scopes off).
    random_state: seeds the learned lexicon's cross-fitting folds and word2vec training.
    """
    known = TEXT_FEATURE_GROUPS + OPTIONAL_GROUPS
    unknown = sorted(set(groups) - set(known))
    if unknown or not groups:
        raise ValueError(f"unknown or no feature groups {unknown}; choose from {list(known)}")
    builders = {
        "lexicon": lambda: LexiconFeatures(emolex=emolex, affect_intensity=affect_intensity),
        "hashtags": lambda: HashtagFeatures(hashtag_lexicon=hashtag_lexicon, learn=learn_hashtags,
                                            random_state=random_state),
        "embedding": lambda: WordVectorFeatures(vectors=vectors, include_mean=include_mean_vector,
                                                random_state=random_state),
        "surface": SurfaceFeatures,
        "intensity": lambda: IntensityLexiconFeatures(random_state=random_state),
    }
    union = FeatureUnion([(name, builders[name]()) for name in known if name in groups])
    return Pipeline([("tokens", TweetTokenizer(negation_window=negation_window)), ("features", union)])
