"""Rows of (text, image) → standardised text features, image features and a modality mask, for every model."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import DataError
from data.cells import as_texts
from data.labelled import LabelledData
from emotions import EMOTIONS
from features.text.lookup import Lexicon
from features.text.pipeline import make_text_features
from features.text.tokenize import Tweet, check_negation_window, has_words


@dataclass
class FeatureBlocks:
    text: np.ndarray  # (n, d_text), standardised; zeros where a row has no text
    image: np.ndarray  # (n, d_image), standardised; zeros where a row has no usable image
    mask: np.ndarray  # (n, 2): has text, has image
    errors: list  # per row: None or a message
    notes: list | None = None  # per row: None or a caution about a row read all the same (an unfamiliar image)

    def __len__(self) -> int:
        return len(self.mask)

    def stacked(self, dtype=np.float64) -> np.ndarray:
        """One matrix for the scikit-learn models: text, image, mask."""
        return np.hstack([self.text, self.image, self.mask], dtype=dtype)


MIN_SCALE = 1e-12  # a column's spread at most this is none: it is scaled by 1


def _scaler(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(matrix):
        return np.zeros(matrix.shape[1]), np.ones(matrix.shape[1])
    mean, scale = matrix.mean(axis=0), matrix.std(axis=0)
    return mean, np.where(scale > MIN_SCALE, scale, 1.0)


def refuse_unreadable_images(data: LabelledData, errors: list) -> None:
    """A DataError naming the file, the column and the rows of `data` whose image could not be read (`errors`:
    per row, None or why): such a row would be learned without its image, or, with no text, from nothing at all,
    and a validation row would be scored on what is left of it."""
    bad = [i for i, error in enumerate(errors) if error]
    if bad:
        raise DataError(f"{data.rows_named(bad, 'image')}: {'an image' if len(bad) == 1 else 'images'} that cannot "
                        f"be read (first: {errors[bad[0]]}); fix or remove {'it' if len(bad) == 1 else 'them'}: "
                        f"nothing was trained")


# How far beyond the farthest training image an image may lie before its row gets a note: a FER2013 face held out
# from the default model's training reached 3.9, its training faces 3.6; a photo lies further (the daisy 5.4).
SPREAD_MARGIN = 1.25


class Featurizer:
    """Fits the text feature pipeline on the training rows that have text (labels and, for the learned
    intensity lexicon, gold intensities) and standardises each block on the rows that have it.

    The explanations read it only through its public methods: `read_tweets`, `transform` (with `tweets`),
    `lexicons`, `block_names`, `image_extractor` and `standardise_image`."""

    def __init__(self, use_text: bool = True, use_image: bool = True, text_options: dict | None = None,
                 image_options: dict | None = None):
        self.use_text = use_text
        self.use_image = use_image
        self.text_options = dict(text_options or {})
        self.image_options = dict(image_options or {})

    def feature_names(self) -> list[str]:
        """Column names: the text columns, then the image columns and `image__has_image`."""
        names = list(self.text_features_.get_feature_names_out()) if self.use_text else []
        return names + [str(name) for name in self.image_names_] if self.use_image else names

    def check_fitted(self) -> None:
        """ValueError saying what is wrong unless this is a featurizer as `fit_transform` leaves it: what a saved
        one must be (`features.state` rebuilds it from a file, attribute by attribute)."""
        from features.text.pipeline import TextFeatures

        def vector(name: str, length: int) -> None:
            value = getattr(self, name, None)
            if not (isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.shape == (length,)
                    and np.isfinite(value).all()):
                raise ValueError(f"{name} is not {length} finite numbers")
            if name.endswith("_scale_") and not (value > MIN_SCALE).all():  # as `_scaler` leaves them
                raise ValueError(f"{name} holds a scale of {value.min():g}, not above {MIN_SCALE:g}")

        for name in ("use_text", "use_image"):
            if not isinstance(getattr(self, name, None), bool):
                raise ValueError(f"{name} is not true or false")
        for name in ("text_options", "image_options"):
            if not isinstance(getattr(self, name, None), dict):
                raise ValueError(f"{name} is not an object")
        if not (self.use_text or self.use_image):
            raise ValueError("it reads neither text nor images")
        if self.use_text:
            if not isinstance(getattr(self, "text_features_", None), TextFeatures):
                raise ValueError("text_features_ is not the text features")
            check_negation_window(getattr(getattr(self.text_features_, "tokenizer", None), "negation_window", None))
            columns = len(self.text_features_.get_feature_names_out())
            vector("text_mean_", columns)
            vector("text_scale_", columns)
        if self.use_image:
            from features.image.extractor import check_model_options

            check_model_options(self.image_options)
            names = getattr(self, "image_names_", None)
            if not (isinstance(names, np.ndarray) and names.dtype.kind == "U" and names.ndim == 1 and len(names) > 1):
                raise ValueError("image_names_ is not the image columns' names")
            vector("image_mean_", len(names) - 1)
            vector("image_scale_", len(names) - 1)
            limit = getattr(self, "image_spread_limit_", None)  # None in a model saved before it was kept
            if limit is not None and not (type(limit) is float and math.isfinite(limit) and limit > 0):
                raise ValueError(f"image_spread_limit_ is {limit!r}, not a positive number")

    @property
    def widths(self) -> tuple[int, int]:
        """(text, image) columns of the blocks `transform` gives (0 for a modality it does not read)."""
        return (len(self.text_mean_) if self.use_text else 0, len(self.image_names_) - 1 if self.use_image else 0)

    def _targets(self, data: LabelledData) -> pd.DataFrame:
        """y for the learned lexicons: which emotions each row goes with (`LabelledData.association_targets`;
        all zeros: none of the four), and the gold intensities."""
        frame = pd.DataFrame(data.association_targets(), columns=list(EMOTIONS))
        for i, emotion in enumerate(EMOTIONS):
            frame[f"intensity_{emotion}"] = data.intensity[:, i]
        return frame

    def fit_transform(self, data: LabelledData) -> FeatureBlocks:
        """Training features; the learned lexicons are cross-fitted on the training rows."""
        text_rows, text_block = np.array([], dtype=int), None
        if self.use_text:
            # a text with no word is no text, as `transform` reads it (`EmotionModel.fit` refuses such a row alone)
            text_rows = np.array([i for i in np.flatnonzero(data.has_text) if has_words(data.texts[i])], dtype=int)
            options = dict(self.text_options)
            if options.get("learn_intensity") and not np.isfinite(data.intensity[text_rows]).any():
                options["learn_intensity"] = False  # no gold intensities to learn from
            self.text_features_ = make_text_features(**options)
            texts = [data.texts[i] for i in text_rows]
            text_block = self.text_features_.fit_transform(texts, self._targets(data.subset(text_rows)))
            self.text_mean_, self.text_scale_ = _scaler(text_block)
        if self.use_image:
            self.image_names_ = np.asarray(self.image_extractor.get_feature_names_out(), dtype=str)
        blocks = self._assemble(data.texts, data.images, text_rows, text_block, fit=True)
        refuse_unreadable_images(data, blocks.errors)
        return blocks

    def check_images(self, data: LabelledData) -> None:
        """Refuses `data` (a fitted featurizer's validation rows) if an image of it cannot be read, as
        `fit_transform` refuses training rows. The images are read as `transform` reads them, into the image
        cache, so scoring the rows afterwards does not run the CNN on them again."""
        if not self.use_image or not data.has_image.any():
            return
        rows = np.flatnonzero(data.has_image)
        _, errors = self.image_extractor.transform_with_errors([data.images[i] for i in rows])
        refuse_unreadable_images(data.subset(rows), errors)

    def transform(self, texts: list, images: list | None = None, tweets: list[Tweet] | None = None) -> FeatureBlocks:
        """The blocks of rows of optional text and optional image. `tweets`: the texts already read with
        `read_tweets` (so an explanation tokenises a tweet once for its highlights and its features)."""
        texts = as_texts(texts)
        images = images if images is not None else [None] * len(texts)
        text_rows = np.array([i for i, t in enumerate(texts) if has_words(t)], dtype=int) if self.use_text else None
        block = None
        if self.use_text:
            if tweets is None:
                block = self.text_features_.transform([texts[i] for i in text_rows])
            else:
                block = self.text_features_.transform_tweets([tweets[i] for i in text_rows])
        return self._assemble(texts, images, text_rows, block)

    def read_tweets(self, texts: list[str]) -> list[Tweet]:
        """The texts read as the text features read them (tokens, spans, negation marks)."""
        if not self.use_text:
            raise ValueError("this featurizer reads no text")
        return self.text_features_.read_tweets(texts)

    def lexicons(self) -> list[Lexicon]:
        """Every lexicon the fitted text features look tokens up in; none without text."""
        return self.text_features_.lexicons() if self.use_text else []

    def block_names(self) -> list[str]:
        """Names of the text and image block columns (`image__has_image` is the mask's, not a block column)."""
        names = self.feature_names()
        return names[:-1] if self.use_image else names

    @property
    def image_extractor(self):
        """The fitted image extractor (its backbone, input size, crop, layers and pooling; None without images).
        Built on first use from `image_options`, so that scoring text never imports torch; a saved model's
        image columns must be the ones this code's extractor gives."""
        if not self.use_image:
            return None
        if getattr(self, "_image_extractor", None) is None:
            from features.image.extractor import make_image_features

            extractor = make_image_features(**self.image_options).fit()
            current = list(extractor.get_feature_names_out())
            if list(getattr(self, "image_names_", current)) != current:
                missing = [n for n in self.image_names_ if n not in current][:3]
                raise ValueError(f"the model's image features differ from what this code's extractor gives "
                                 f"(saved only: {missing}); retrain the model with this version")
            self._image_extractor = extractor
        return self._image_extractor

    def standardise_image(self, pooled):
        """Pooled CNN features (a torch tensor, gradients kept) → the image block, standardised as `transform`
        standardises it."""
        import torch

        mean = torch.as_tensor(self.image_mean_, dtype=torch.float32)
        return (pooled - mean) / torch.as_tensor(self.image_scale_, dtype=torch.float32)

    def _assemble(self, texts, images, text_rows, text_block, fit: bool = False) -> FeatureBlocks:
        n = len(texts)
        mask = np.zeros((n, 2))
        errors: list = [None] * n
        text = np.zeros((n, len(self.text_mean_) if self.use_text else 0))
        if self.use_text and len(text_rows):
            text[text_rows] = (text_block - self.text_mean_) / self.text_scale_
            mask[text_rows, 0] = 1
        image, notes = np.zeros((n, 0), dtype=np.float32), None
        if self.use_image:
            image, mask[:, 1], errors = self._image_block(images, fit)
            notes = self._unfamiliar_images(image, mask[:, 1] > 0, fit)
        return FeatureBlocks(text, image, mask, errors, notes)

    def _unfamiliar_images(self, block: np.ndarray, has_image: np.ndarray, fit: bool) -> list | None:
        """Per row, a note for an image well beyond every training image: the root mean square of its standardised
        CNN features, its spread, above `SPREAD_MARGIN` times the largest of the training rows' (kept at fit). The
        image branch, trained on FER2013's 48x48 grey faces, reads a photo of anything else as confidently as a
        face (scikit-learn's daisy: spread 5.4, the default model's training faces at most 3.6)."""
        if not has_image.any():
            return None
        spread = np.sqrt(np.mean(np.square(block[has_image], dtype=np.float64), axis=1))
        if fit:  # none for training images that are all one (every one at the mean: nothing to say "unlike" of)
            self.image_spread_limit_ = float(SPREAD_MARGIN * spread.max()) if spread.max() > 0 else None
            return None
        limit = getattr(self, "image_spread_limit_", None)
        if limit is None:
            return None
        notes: list = [None] * len(block)
        for row, value in zip(np.flatnonzero(has_image), spread):
            if value > limit:
                notes[row] = (f"the image lies far beyond every image the model was trained on (its CNN features "
                              f"{value:.1f} standard deviations from theirs, root mean square, against at most "
                              f"{limit:.1f}): its reading of it means little (the shipped models learned from faces "
                              f"only)")
        return notes

    def _image_block(self, images, fit: bool):
        images = list(images)
        if not fit and all(image is None for image in images):  # text only: the extractor is not needed
            n = len(images)
            return np.zeros((n, len(self.image_names_) - 1), dtype=np.float32), np.zeros(n, dtype=bool), [None] * n
        matrix, errors = self.image_extractor.transform_with_errors(images)
        has_image = matrix[:, -1] > 0
        cnn = matrix[has_image, :-1].astype(np.float32, copy=False)  # a copy already (the rows picked), float32
        del matrix  # a chunk of 20,000 images is 236 MB in float32: no copy is kept longer than it is needed
        if fit:
            self.image_mean_, self.image_scale_ = _scaler(cnn.astype(float))
        block = np.zeros((len(has_image), cnn.shape[1]), dtype=np.float32)  # zeros where there is no image
        if has_image.any():  # in place and in float32: in float64 a chunk's block took 3 copies of 471 MB
            cnn -= self.image_mean_.astype(np.float32)
            cnn /= self.image_scale_.astype(np.float32)
            block[has_image] = cnn
        return block, has_image, errors

