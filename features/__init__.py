"""Feature extraction: tweet text and image → named float columns."""

from features.emotions import EMOTIONS

__all__ = ["EMOTIONS"]
