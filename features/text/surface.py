"""Tweet cues: emoji and emoticons mapped to the four emotions, elongated words, all-caps words, ! and ?, negations."""

from __future__ import annotations

import numpy as np

from emotions import EMOTION_INDEX, EMOTIONS
from features.estimator import Transformer
from features.text.lookup import Lexicon
from features.text.tokenize import TokenizedTweets, is_elongated, is_negator, is_word

# Emoji and emoticons with a clear reading for one of the four emotions, chosen by hand from their Unicode
# names and common use on Twitter (cf. Novak et al. 2015, "Sentiment of Emojis"). An emoji not listed here
# still counts in `emoji_count` but for no emotion.
EMOJI_EMOTIONS: dict[str, str] = {
    **dict.fromkeys("😠😡🤬👿💢😤🖕👊🔪", "anger"),
    **dict.fromkeys("😨😱😰😧😦😟😬🙀👻💀☠😵🥶", "fear"),
    **dict.fromkeys("😀😃😄😁😆😂🤣😊☺🙂😍🥰😘😻🎉🎊🥳💃👏👍🙌🤗😎✨🌞❤💕💖💗💓💞😺😸", "joy"),
    **dict.fromkeys("😢😭😞😔😩😫☹🙁😿💔🥀😪😥😓🥺😣😖", "sadness"),
    **dict.fromkeys([">:(", ">:-(", ">:[", ">:O"], "anger"),
    **dict.fromkeys([":O", ":-O", ":o", "D:"], "fear"),
    **dict.fromkeys([":)", ":-)", ":D", ":-D", "=)", ";)", ";-)", ":P", ":p", "<3", "^_^", "(:"], "joy"),
    **dict.fromkeys([":(", ":-(", ":'(", ":[", "=(", "</3", "):", ":/"], "sadness"),
}


def _is_emoji_or_emoticon(token: str) -> bool:
    return token in EMOJI_EMOTIONS or (not token[0].isalnum() and token[0] not in "#_" and is_word(token))


def _is_all_caps(token: str) -> bool:
    return len(token) >= 2 and token.isalpha() and token.isupper()


class SurfaceFeatures(Transformer):
    """Counts per tweet: emoji/emoticons per emotion, all emoji/emoticons, elongated and all-caps words, ! and ?
    marks, negation cues, and the number of word tokens."""

    def fit(self, tokens: TokenizedTweets, y=None):
        self.fitted_ = True
        return self

    def transform(self, tokens: TokenizedTweets) -> np.ndarray:
        self.check_fitted()
        emotion_of = np.zeros((len(tokens.vocab), len(EMOTIONS)))
        for column, token in enumerate(tokens.vocab):
            emotion = EMOJI_EMOTIONS.get(token)
            if emotion is not None:
                emotion_of[column, EMOTION_INDEX[emotion]] = 1.0
        per_token = np.column_stack(
            [
                tokens.token_property(_is_emoji_or_emoticon),
                tokens.token_property(is_elongated),
                tokens.token_property(_is_all_caps),
                tokens.token_property(lambda token: token.count("!")),
                tokens.token_property(lambda token: token.count("?")),
                tokens.token_property(is_negator),
                tokens.token_property(is_word),
            ]
        )
        return np.asarray(tokens.counts @ np.hstack([emotion_of, per_token]))

    def lexicons(self) -> list[Lexicon]:
        """The emoji map, as the explanations show it."""
        table = {token: np.eye(len(EMOTIONS))[EMOTION_INDEX[e]] for token, e in EMOJI_EMOTIONS.items()}
        return [Lexicon("emoji", table, lambda token: (token,))]

    def get_feature_names_out(self, input_features=None):
        cues = ["emoji_count", "elongated_count", "all_caps_count", "exclamation_count", "question_count",
                "negation_count", "token_count"]
        return np.asarray([f"emoji_{emotion}" for emotion in EMOTIONS] + cues, dtype=object)
