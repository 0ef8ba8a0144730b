"""Why a model said what it said: the lexicon hits in a tweet, and the features that pushed the prediction.

Token hits reuse the text pipeline's own parts (`normalise_tweet`, its token pattern, its negation pass, the
model's fitted lexicon tables and their lookup keys), so what is highlighted is exactly what the features saw.
Attributions: for the network, gradient × input of each emotion's log-probability on the standardised features
(a feature at its training mean contributes nothing); for the feature baselines, how much each emotion's
probability drops when a feature group is set to its training mean (occlusion). The image heat map is in
`models/gradcam.py`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import torch

from features.emotions import EMOTIONS
from features.image_decode import DEFAULT_MAX_PIXELS, ImageDecodeError, decode_rgb
from features.lexicon import hashtag_keys, token_scores
from features.surface import EMOJI_EMOTIONS
# The tokenizer's own (private) pattern and negation pass, on purpose: a copy could drift from what the features see.
from features.text import _TOKEN_RE, TweetTokenizer, is_negator, normalise_tweet
from features.text_features import make_text_features
from models.uploads import UploadError, UploadLimits, check_size

# Highlight colours, one per emotion (colour-blind-safe Okabe–Ito hues).
EMOTION_COLOURS = {"anger": "#D55E00", "fear": "#CC79A7", "joy": "#E69F00", "sadness": "#0072B2"}
# The lexicons that decide a token's highlight colour, most telling first: Affect Intensity is graded, the emoji
# map is hand-made, the NRC hashtag lexicon is read for #hashtags only (it also scores common words such as
# "not", which would light up every tweet), EmoLex is a yes/no association.
COLOUR_LEXICONS = ("Affect Intensity", "emoji", "NRC Hashtag", "EmoLex")
# Per image, below the dashboard's 50 MB per file: phone photos are 2-8 MB, and one image is decoded per click.
IMAGE_LIMITS = UploadLimits(file_mb=10)
DISPLAY_SIZE = 480  # an uploaded JPEG is decoded at no less than this (DCT scaling), enough to show it


@dataclass
class TokenHit:
    """One token of the normalised tweet, with what the model's lexicons say about it."""

    token: str
    start: int  # span in the normalised text
    end: int
    negator: bool  # a negation cue ("not", "don't", ...)
    negated: bool  # in a negation scope: EmoLex/Affect Intensity count it apart, the hashtag lexicons skip it
    scores: dict[str, np.ndarray] = field(default_factory=dict)  # lexicon → score per emotion, lexicons with a hit
    emotion: str | None = None  # highlight colour: the top emotion of the first of COLOUR_LEXICONS that has it


@dataclass
class TextExplanation:
    normalised: str
    tokens: list[TokenHit]

    def hits(self) -> list[TokenHit]:
        """Tokens a lexicon colours, negation cues, and negated tokens a lexicon knows."""
        return [t for t in self.tokens if t.emotion or t.negator or (t.negated and t.scores)]


class _Positioned(str):
    """A token that remembers where it stands, so the tokenizer's own negation pass can say which ones it negated."""

    position: int


def _negated_positions(tokens: list[str], window: int) -> set[int]:
    tagged = []
    for i, token in enumerate(tokens):
        tagged.append(_Positioned(token))
        tagged[-1].position = i
    return {token.position for token in TweetTokenizer._negated(tagged, window)} if window else set()


@lru_cache(maxsize=1)
def _fallback_text_features():
    """The bundled lexicons, for a model that has no text feature pipeline of its own (TF-IDF, lexicon rule)."""
    return make_text_features(groups=("lexicon", "hashtags", "surface"), learn_hashtags=False).fit([""])


def model_lexicons(model) -> tuple[int, list[tuple[str, dict, object, bool]]]:
    """(negation window, [(lexicon name, table, lookup keys, scored inside negation scopes?)]) of the model's
    fitted text features; the bundled lexicons when it has none."""
    featurizer = getattr(model, "featurizer_", None)
    pipeline = featurizer.text_features_ if featurizer is not None and featurizer.use_text else None
    if pipeline is None:
        pipeline = _fallback_text_features()
    groups = dict(pipeline.named_steps["features"].transformer_list)
    lexicons = []
    if "lexicon" in groups:
        # keys None: token_scores' default word lookup, as LexiconFeatures uses it
        lexicons += [("EmoLex", groups["lexicon"].emolex_table_, None, True),
                     ("Affect Intensity", groups["lexicon"].intensity_table_, None, True)]
    if "hashtags" in groups:
        lexicons.append(("NRC Hashtag", groups["hashtags"].nrc_table_, hashtag_keys, False))
        if groups["hashtags"].learned_table_ is not None:
            lexicons.append(("learned hashtag", groups["hashtags"].learned_table_, hashtag_keys, False))
    if "intensity" in groups:
        lexicons.append(("learned intensity", groups["intensity"].table_, hashtag_keys, False))
    if "surface" in groups:
        emoji = {token: np.eye(len(EMOTIONS))[EMOTIONS.index(e)] for token, e in EMOJI_EMOTIONS.items()}
        lexicons.append(("emoji", emoji, lambda token: (token,), True))
    return pipeline.named_steps["tokens"].negation_window, lexicons


def explain_text(text: str, model=None) -> TextExplanation:
    """The tweet's tokens with their lexicon scores and negation marks, as the model's features read them."""
    window, lexicons = model_lexicons(model)
    normalised = normalise_tweet(text)
    matches = list(_TOKEN_RE.finditer(normalised))
    tokens = [m.group() for m in matches]
    negated = _negated_positions(tokens, window)
    per_lexicon = {name: (token_scores(tokens, table, keys), in_scope) for name, table, keys, in_scope in lexicons}
    hits = []
    for i, match in enumerate(matches):
        hit = TokenHit(match.group(), match.start(), match.end(), is_negator(match.group()), i in negated)
        for name, (scores, in_scope) in per_lexicon.items():
            if scores[i].any() and (in_scope or not hit.negated):
                hit.scores[name] = scores[i]
        for name in COLOUR_LEXICONS:
            if name in hit.scores and (name != "NRC Hashtag" or hit.token.startswith("#")):
                hit.emotion = EMOTIONS[int(hit.scores[name].argmax())]
                break
        hits.append(hit)
    return TextExplanation(normalised, hits)


def _tooltip(hit: TokenHit) -> str:
    lines = ["negation cue"] if hit.negator else []
    if hit.negated:
        lines.append("negated: counted apart, not as a plain hit")
    for name, scores in hit.scores.items():
        lines.append(f"{name}: " + ", ".join(f"{e} {s:.2f}" for e, s in zip(EMOTIONS, scores) if s))
    return "\n".join(lines)


def highlight_html(explanation: TextExplanation) -> str:
    """The normalised tweet as HTML: lexicon hits shaded by emotion (details on hover), negation cues in bold,
    negated words underlined with a wavy line. Every piece of the tweet is HTML-escaped."""
    out, position = [], 0
    text = explanation.normalised
    for hit in explanation.tokens:
        out.append(html.escape(text[position:hit.start]))
        position = hit.end
        token = html.escape(hit.token)
        style = []
        if hit.emotion:
            colour = EMOTION_COLOURS[hit.emotion]
            style.append(f"background:{colour}33;border-bottom:3px solid {colour};padding:0 2px;border-radius:3px")
        if hit.negated:
            style.append("text-decoration:underline wavy #555")
        if hit.negator:
            style.append("font-weight:bold")
        if style:
            token = f'<span style="{";".join(style)}" title="{html.escape(_tooltip(hit))}">{token}</span>'
        out.append(token)
    out.append(html.escape(text[position:]))
    return "".join(out)


def hits_table(explanation: TextExplanation) -> pd.DataFrame:
    """One row per highlighted, negated or negating token: its lexicon scores per emotion."""
    rows = []
    for hit in explanation.hits():
        row = {"token": hit.token, "emotion": hit.emotion or "", "negation": "cue" if hit.negator else
               "negated" if hit.negated else ""}
        for name, scores in hit.scores.items():
            row[name] = ", ".join(f"{e} {s:.2f}" for e, s in zip(EMOTIONS, scores) if s)
        rows.append(row)
    return pd.DataFrame(rows).fillna("")


# --- feature attributions ---------------------------------------------------------------------------------------


def block_feature_names(featurizer) -> list[str]:
    """Names of the text and image block columns the network reads (`image__has_image` is the mask's, not a
    column of the image block)."""
    names = list(featurizer.text_features_.get_feature_names_out()) if featurizer.use_text else []
    if featurizer.use_image:
        names += list(featurizer.image_features_.get_feature_names_out()[:-1])
    return names


def feature_group(name: str) -> str:
    return name.split("__", 1)[0]


def network_attributions(model, text: str, image=None) -> pd.DataFrame:
    """Gradient × input of each emotion's log-probability (log-sigmoid for a multi-label model), one row per
    standardised feature: columns `value`, `group` and one per emotion."""
    blocks = model.featurizer_.transform([text], [image])
    text_block = torch.as_tensor(blocks.text, dtype=torch.float32)
    image_block = torch.as_tensor(blocks.image, dtype=torch.float32)
    mask = torch.as_tensor(blocks.mask, dtype=torch.float32)
    multi_label = model.info.get("multi_label", False)
    model.net_.eval()

    def log_probabilities(text_in, image_in):
        logits, _ = model.net_(text_in, image_in, mask)
        return (torch.nn.functional.logsigmoid(logits) if multi_label else torch.log_softmax(logits, dim=1))[0]

    with torch.inference_mode(False):
        jacobians = torch.autograd.functional.jacobian(log_probabilities, (text_block, image_block))
    # jacobian of (emotions,) w.r.t. (1, d) inputs: (emotions, 1, d)
    inputs = torch.cat([text_block, image_block], dim=1)[0]
    gradient = torch.cat([j[:, 0, :] for j in jacobians], dim=1)
    frame = pd.DataFrame((gradient * inputs).T.numpy().astype(float), columns=list(EMOTIONS),
                         index=pd.Index(block_feature_names(model.featurizer_), name="feature"))
    frame.insert(0, "value", inputs.numpy().astype(float))
    frame.insert(1, "group", [feature_group(name) for name in frame.index])
    return frame


def occlusion_attributions(model, text: str, image=None) -> pd.DataFrame:
    """For each feature group: each emotion's probability minus its probability with the group's columns set to
    their training mean (0 once standardised). Rows: groups; columns: emotions."""
    blocks = model.featurizer_.transform([text], [image])
    base = model.predict_blocks(blocks)[0][0]
    names = block_feature_names(model.featurizer_)
    n_text = blocks.text.shape[1]
    rows = {}
    for group in dict.fromkeys(feature_group(name) for name in names):
        columns = np.array([feature_group(name) == group for name in names])
        occluded = replace(blocks, text=blocks.text.copy(), image=blocks.image.copy())
        occluded.text[:, columns[:n_text]] = 0
        occluded.image[:, columns[n_text:]] = 0
        rows[group] = base - model.predict_blocks(occluded)[0][0]
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(EMOTIONS)).rename_axis("group")


@dataclass
class Attributions:
    method: str  # how they were computed, in words for the page
    groups: pd.DataFrame  # rows: feature groups; columns: emotions
    features: pd.DataFrame | None  # rows: features (value, group, one column per emotion), when per feature


def attributions(model, text: str, image=None) -> Attributions | None:
    """What pushed the prediction, for the models built on the feature set; None for the others (TF-IDF, the
    lexicon rule: their evidence is the words themselves)."""
    if not hasattr(model, "featurizer_"):
        return None
    if hasattr(model, "net_"):
        features = network_attributions(model, text, image)
        return Attributions("gradient × input of each emotion's log-probability, on the standardised features "
                            "(0 = the training mean), summed per feature group",
                            features.groupby("group", sort=False)[list(EMOTIONS)].sum(), features)
    return Attributions("change in each emotion's probability when a feature group is set to its training mean",
                        occlusion_attributions(model, text, image), None)


# --- everything the Predict page shows -------------------------------------------------------------------------


@dataclass
class Explanation:
    probabilities: np.ndarray  # (4,), NaN when the model could not score the input
    intensities: np.ndarray
    error: str | None = None  # why nothing could be scored
    notes: list[str] = field(default_factory=list)  # inputs the model does not read
    text: TextExplanation | None = None
    attributions: Attributions | None = None
    image: "ImageExplanation | None" = None  # the image branch's reading and heat map (networks only)

    @property
    def emotion(self) -> str:
        return EMOTIONS[int(np.nanargmax(self.probabilities))]


def explain(model, text: str, image=None) -> Explanation:
    """The model's prediction for one tweet and optional image, and the reasons behind it."""
    from models.gradcam import explain_image

    notes = []
    if image is not None and "image" not in model.modalities:
        notes.append(f"{model.name} reads text only: the image is not used.")
        image = None
    if text.strip() and "text" not in model.modalities:
        notes.append(f"{model.name} reads images only: the text is not used.")
        text = ""
    prediction = model.predict([text], [image])
    result = Explanation(prediction.probabilities[0], prediction.intensities[0], prediction.errors[0], notes)
    if result.error is not None:
        return result
    result.text = explain_text(text, model) if text.strip() else None
    result.attributions = attributions(model, text, image)
    if image is not None and hasattr(model, "net_"):
        result.image = explain_image(model, image)
    return result


# --- uploads ---------------------------------------------------------------------------------------------------


def read_image_upload(data: bytes, name: str, limits: UploadLimits = IMAGE_LIMITS,
                      max_pixels: int = DEFAULT_MAX_PIXELS):
    """Check an uploaded image the way the image features will read it, and return it decoded (RGB PIL image).
    Raises `UploadError` saying why it cannot be used: empty, too large, not a supported image, corrupt."""
    check_size(data, name, limits)
    try:
        return decode_rgb(data, size=DISPLAY_SIZE, max_pixels=max_pixels, crop_fraction=1.0)
    except ImageDecodeError as exc:
        raise UploadError(f"{name}: {exc}") from None
