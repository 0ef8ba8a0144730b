"""Feature extraction: tweet text and image → named float columns.

`features.text.tokenize` and `features.image.extractor` hold the extractors; `features.featurizer` turns rows of (text, image) into
the standardised blocks every model reads.
"""

from importlib import import_module

# Imported on first use (PEP 562): `import features` stays cheap, and torch is imported only for image features.
_LAZY = {
    "make_text_features": "features.text.pipeline",
    "TEXT_FEATURE_GROUPS": "features.text.pipeline",
    "make_image_features": "features.image.extractor",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'features' has no attribute {name!r}")
