"""Feature extraction: tweet text and image → named float columns."""

from features.emotions import EMOTIONS
from features.text_features import TEXT_FEATURE_GROUPS, make_text_features

__all__ = ["EMOTIONS", "TEXT_FEATURE_GROUPS", "make_text_features"]
