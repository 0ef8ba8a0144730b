"""Feature extraction: tweet text and image → named float columns."""

from importlib import import_module

from features.emotions import EMOTIONS

# Imported on first use (PEP 562), so that `features.emotions` stays importable from anywhere, lexicons included.
_LAZY = {"make_text_features": "features.text_features", "TEXT_FEATURE_GROUPS": "features.text_features"}
_LAZY["make_image_features"] = "features.image"

__all__ = ["EMOTIONS", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'features' has no attribute {name!r}")
