"""Everything the Predict page shows about one tweet and optional image: the model's answer, the lexicon hits,
the attributions and the image branch's reading. The tweet is read once and featurised once."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from data.cells import as_texts
from emotions import strongest
from explain.attributions import Attributions, attributions
from explain.gradcam import ImageExplanation
from explain.tokens import TextExplanation, explain_tokens, read_with_bundled_lexicons
from features.text.tokenize import has_words
from models.base import MAX_TEXT_CHARS, cut_long_texts


@dataclass
class Explanation:
    probabilities: np.ndarray  # (4,), NaN when the model could not score the input
    intensities: np.ndarray
    error: str | None = None  # why nothing could be scored
    notes: list[str] = field(default_factory=list)  # inputs the model does not read
    text: TextExplanation | None = None
    attributions: Attributions | None = None
    image: ImageExplanation | None = None  # the image branch's reading and heat map (networks only)
    none_threshold: float | None = None  # the model's: below it, no emotion of the four is present
    bundled_lexicons: bool = False  # the highlights show the bundled lexicons: the model reads none of its own
    rule_lexicons: tuple[str, ...] = ()  # the highlights show the lexicons a rule reads, as it reads them

    @property
    def emotion(self) -> str:
        """The strongest present emotion, or "none"."""
        return strongest(self.probabilities, self.none_threshold)[0]

    @property
    def present(self) -> list[bool]:
        """Per emotion, whether it counts as present: by the rule that decides `emotion`, a probability at or above
        the model's `none_threshold`. So when `emotion` is "none" no emotion is present, and otherwise `emotion` is
        the strongest of those that are. All True for a 4-way model, which has no "none" (none when nothing was
        scored)."""
        return present(self.probabilities, self.none_threshold)

    def shown_intensities(self, probabilities=None, intensities=None) -> list:
        """The intensities of the emotions that are present (`present`), None for the others; of the whole
        reading, or of another one of the same model (the image alone)."""
        probabilities = self.probabilities if probabilities is None else probabilities
        intensities = self.intensities if intensities is None else intensities
        return [i if shown else None for i, shown in zip(intensities, present(probabilities, self.none_threshold))]


def present(probabilities, none_threshold: float | None) -> list[bool]:
    """`Explanation.present` for any probabilities of a model with this `none_threshold`."""
    if none_threshold is None:  # a row not scored (NaN) has nothing present
        return [bool(math.isfinite(p)) for p in probabilities]
    return [bool(p >= none_threshold) for p in probabilities]


def explain(model, text: str, image=None) -> Explanation:
    """The model's prediction for one tweet and optional image, and the reasons behind it. The text is read as
    `predict` reads it (None is no text; a text over `MAX_TEXT_CHARS` is read on its first that many characters, and
    a note says so); `error` is set only when nothing could be scored: an unusable image beside a text is a note,
    and the text's reasons are given."""
    notes = []
    (text,), long_rows = cut_long_texts(as_texts([text]))
    if long_rows:
        notes.append(f"text of {long_rows[0]:,} characters: read on its first {MAX_TEXT_CHARS:,}")
    if image is not None and "image" not in model.modalities:
        notes.append(f"{model.name} reads text only: the image is not used.")
        image = None
    if text.strip() and "text" not in model.modalities:
        notes.append(f"{model.name} reads images only: the text is not used.")
        text = ""
    featurizer = getattr(model, "featurizer_", None)
    blocks = tweet = None
    if featurizer is not None:
        tweet = featurizer.read_tweets([text])[0] if featurizer.use_text else None
        blocks = featurizer.transform([text], [image], tweets=[tweet] if tweet is not None else None)
        prediction = model.predict_featurized([text], [image], blocks)
    else:
        prediction = model.predict([text], [image])
    scored = bool(np.isfinite(prediction.probabilities[0]).all())
    message = prediction.errors[0]
    if scored and message is not None:  # scored all the same (on the text, the image being unusable): said
        notes.append(message)
    result = Explanation(prediction.probabilities[0], prediction.intensities[0], None if scored else message, notes,
                         none_threshold=model.none_threshold)
    if not scored:
        return result
    if text.strip() and not has_words(text):
        result.notes.append("the text has no word, hashtag, emoji or emoticon once links and @mentions are left out: "
                            "the image alone is read")
    elif text.strip():
        if tweet is None:
            tweet, lexicons = read_with_bundled_lexicons(text)
            result.bundled_lexicons = not model.rule_lexicons
            if model.rule_lexicons:  # only those it reads, a negated word not counted: as it reads them
                lexicons = [dataclasses.replace(lexicon, scores_negated=False) for lexicon in lexicons
                            if lexicon.name in model.rule_lexicons]
                result.rule_lexicons = model.rule_lexicons
        else:
            lexicons = featurizer.lexicons()
        result.text = explain_tokens(tweet, lexicons)
        if result.rule_lexicons and not any(hit.scores for hit in result.text.tokens):
            result.notes.append(f"no word of the tweet is in {' or '.join(model.rule_lexicons)} outside a negation: "
                                f"{model.name} answers {model.fallback}, the emotion most frequent in its training "
                                f"data, whatever the tweet says")
    result.attributions = attributions(model, blocks) if blocks is not None else None
    if image is not None and hasattr(model, "net_") and blocks is not None and blocks.mask[0, 1]:
        from explain.gradcam import explain_image

        result.image = explain_image(model, image)
    return result
