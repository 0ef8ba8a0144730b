"""Which tokens of a tweet the model's lexicons know, and which a negation scope covers: exactly what the text
features saw, since the tweet is read once (`features.text.tokenize.Tweet`) and looked up in the model's own
fitted lexicons (`Featurizer.lexicons`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from emotions import EMOTIONS
from features.text.lookup import Lexicon, token_scores
from features.text.pipeline import make_text_features
from features.text.tokenize import Tweet, is_negator, negates_nothing

# The lexicons that decide a token's highlight colour, most telling first: Affect Intensity is graded, the emoji
# map is hand-made, the NRC hashtag lexicon is read for #hashtags only (it also scores common words such as
# "not", which would light up every tweet), EmoLex is a yes/no association, and the association learned in
# training colours a word only where it is strong (it gives almost every word a small score): the words no NRC
# lexicon knows that move an answer most ("lol" joy 3.5, "mondays" sadness 4.4).
COLOUR_LEXICONS = ("Affect Intensity", "emoji", "NRC Hashtag", "EmoLex", "learned association")
# SoA = log2(p(w | e) / p(w | not e)): 2 is a word four times as common in the training texts of its emotion.
LEARNED_COLOUR_MIN = 2.0


@dataclass
class TokenHit:
    """One token of the normalised tweet, with what the model's lexicons say about it."""

    token: str
    start: int  # span in the normalised text
    end: int
    negator: bool  # a negation cue ("not", "don't", ...)
    negated: bool  # in a negation scope: EmoLex/Affect Intensity count it apart, the other lexicons skip it
    scores: dict[str, np.ndarray] = field(default_factory=dict)  # lexicon → score per emotion, lexicons with a hit
    emotion: str | None = None  # highlight colour: the top emotion of the first of COLOUR_LEXICONS that has it
    idiom: bool = False  # a negation cue that negates nothing here ("never been happier", "couldn't be happier")


@dataclass
class TextExplanation:
    normalised: str
    tokens: list[TokenHit]

    def hits(self) -> list[TokenHit]:
        """Tokens a lexicon colours, negation cues, and negated tokens a lexicon knows."""
        return [t for t in self.tokens if t.emotion or t.negator or (t.negated and t.scores)]


@lru_cache(maxsize=1)
def _bundled_text_features():
    """The bundled lexicons, for a model that has no text features of its own (TF-IDF, lexicon rule)."""
    return make_text_features(groups=("nrc", "surface")).fit([""])


def read_with_bundled_lexicons(text: str) -> tuple[Tweet, list[Lexicon]]:
    """A tweet read by the bundled text features, and their lexicons."""
    pipeline = _bundled_text_features()
    return pipeline.read_tweets([text])[0], pipeline.lexicons()


def explain_tokens(tweet: Tweet, lexicons: list[Lexicon]) -> TextExplanation:
    """The tweet's tokens with their lexicon scores and negation marks."""
    per_lexicon = [(lexicon, token_scores(tweet.tokens, lexicon.table, lexicon.keys)) for lexicon in lexicons]
    hits = []
    for i, (token, (start, end)) in enumerate(zip(tweet.tokens, tweet.spans)):
        hit = TokenHit(token, start, end, is_negator(token), tweet.negated[i])
        hit.idiom = hit.negator and negates_nothing(tweet.tokens, i)
        for lexicon, scores in per_lexicon:
            if scores[i].any() and (lexicon.scores_negated or not hit.negated):
                hit.scores[lexicon.name] = scores[i]
        for name in COLOUR_LEXICONS:
            if name in hit.scores and (name != "NRC Hashtag" or hit.token.startswith("#")) and (
                    name != "learned association" or hit.scores[name].max() >= LEARNED_COLOUR_MIN):
                hit.emotion = EMOTIONS[int(hit.scores[name].argmax())]
                break
        hits.append(hit)
    return TextExplanation(tweet.normalised, hits)


def explain_text(text: str, featurizer=None) -> TextExplanation:
    """The tokens of one tweet as a model's featurizer reads them (the bundled lexicons without one)."""
    if featurizer is None or not featurizer.use_text:
        return explain_tokens(*read_with_bundled_lexicons(text))
    return explain_tokens(featurizer.read_tweets([text])[0], featurizer.lexicons())


# What a cue that negates nothing is called on hover and in the hits table.
IDIOM = "negation word in an idiom: negates nothing here"


def tooltip(hit: TokenHit) -> str:
    """What a token's highlight says on hover."""
    lines = [IDIOM if hit.idiom else "negation cue"] if hit.negator else []
    if hit.negated:
        lines.append("negated: counted apart, not as a plain hit")
    for name, scores in hit.scores.items():
        lines.append(f"{name}: " + _scores(scores))
    return "\n".join(lines)


def _scores(scores: np.ndarray) -> str:
    return ", ".join(f"{e} {s:.2f}" for e, s in zip(EMOTIONS, scores) if s)


def hits_table(explanation: TextExplanation) -> pd.DataFrame:
    """One row per highlighted, negated or negating token: its lexicon scores per emotion."""
    rows = []
    for hit in explanation.hits():
        row = {"token": hit.token, "emotion": hit.emotion or "",
               "negation": IDIOM if hit.idiom else "cue" if hit.negator else "negated" if hit.negated else ""}
        for name, scores in hit.scores.items():
            row[name] = _scores(scores)
        rows.append(row)
    return pd.DataFrame(rows).fillna("")
