"""Tweet normalisation and tokenisation, done once per tweet and shared by every text feature and explanation.

`normalise_tweet` is the one pure function that cleans a tweet; `lookup_key` folds a token to the form the
lexicons and word vectors are keyed by; `negation_scope` says which tokens a negation cue covers. `read_tweet`
gives one tweet as a `Tweet` (tokens, their spans in the normalised text, negation marks), as spaCy's `Doc`
carries a text's annotations. `TweetTokenizer` turns a batch of tweets into `TokenizedTweets`: two sparse
document-term matrices (tokens outside and inside a negation scope) over the batch's own vocabulary, so every
feature group is a sparse matrix product over the batch's distinct tokens instead of a loop per token.
"""

from __future__ import annotations

import html
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd
import scipy.sparse as sp

from data.cells import INVISIBLE_CLASS
from features.estimator import Transformer

# The data holds the two characters backslash-n where the tweet had a line break.
_ESCAPED_BREAK_RE = re.compile(r"\\[nrt]")
_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_USER_RE = re.compile(r"@\w+")
_HASHTAG_RE = re.compile(r"#(\w+)")
_CAMEL_PART_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# Emoji: the pictograph blocks, one token per character. Skin-tone modifiers (U+1F3FB–U+1F3FF), variation
# selectors and zero-width joiners are not tokens.
_EMOJI_CLASS = (
    "\U0001F000-\U0001F3FA\U0001F400-\U0001FAFF"
    "\u2190-\u21FF\u2300-\u23FF\u2460-\u24FF\u25A0-\u27BF\u2900-\u297F\u2B00-\u2BFF\u3030\u303D\u3297\u3299"
)
_EMOTICON = r"[<>]?[:;=][\-o\*'^]?[\)\]\(\[dDpPoO/\\\|\}\{@3]+|[\)\]\(\[/\\\|][\-o\*'^]?[:;=]|</?3+"
_TOKEN_RE = re.compile(
    r"\w+(?:['’]\w+)*"  # words, with inner apostrophes (don't, it's)
    r"|#\w+"  # hashtags, kept whole
    rf"|(?:{_EMOTICON})(?!\w)"  # emoticons, before punctuation eats them
    rf"|[{_EMOJI_CLASS}]"  # one emoji
    rf"|[!?]+"  # runs of ! and ?
    rf"|[.,:;]"  # clause punctuation: ends a negation scope
)

# Negation cues (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002), plus the apostrophe-less spellings common on
# Twitter. A scope covers at most NEGATION_WINDOW words after the cue and ends early at clause punctuation, a
# hashtag, an emoji or a contrast word: "not happy at all" negates happy; "not ok #happy" keeps #happy plain.
NEGATORS = frozenset(
    "not no never nothing nobody none nowhere neither nor cannot cant dont doesnt didnt isnt arent wasnt werent "
    "wont wouldnt shouldnt couldnt aint havent hasnt hadnt without hardly barely".split()
)
_SCOPE_BREAKERS = frozenset("but however although though yet".split())
NEGATION_WINDOW = 4
MAX_NEGATION_WINDOW = 50  # a tweet's words, at most: a window this long already reaches a tweet's end


def check_negation_window(window) -> None:
    """ValueError unless `window` is a whole number of words from 0 (no negation scopes) to MAX_NEGATION_WINDOW."""
    if not (type(window) is int and 0 <= window <= MAX_NEGATION_WINDOW):
        raise ValueError(f"negation_window={window!r}: a whole number of words from 0 to {MAX_NEGATION_WINDOW}")
# Idioms in which a negation cue negates no emotion: followed by one of these words it negates that word alone
# ("can't wait", "can't stop smiling", "not only", "no doubt", "no wonder", "can't help laughing"), and in the
# amplifiers "never (been) so/this/happier" and "couldn't be happier/more proud" nothing (VADER reads "never so"
# alike).
_NOT_NEGATING_NEXT = frozenset("wait stop only doubt wonder help".split())
_LINKING_VERBS = frozenset("be been felt feel was seen had".split())
_AMPLIFIERS = frozenset("so this such more better worse prouder sadder madder gladder".split())
_ELONGATED_RE = re.compile(r"([a-z])\1{2,}")
_SQUEEZE_RE = re.compile(r"(.)\1{2,}")
_RUN_RE = re.compile(r"(.)\1+")
MAX_SQUEEZED_RUNS = 4  # an elongated word's runs squeezed one by one, at most 2**4 forms; beyond, all alike

# Characters that hide a word from the lexicons without changing how it reads (`_plain_letters`): apostrophe
# look-alikes between letters ("donʼt", "don‘t", "don`t"; the curly ’ is read as it is), invisible format
# characters inside a word (a soft hyphen, zero-width space or joiner, direction marks: "ha\u00adppy"), letters
# styled with Unicode's mathematical alphabets or full-width forms ("𝗵𝗮𝗽𝗽𝘆", "ｈａｐｐｙ"), and accents
# typed as combining marks.
_STYLED = "\U0001D400-\U0001D7FF\uFF01-\uFF5E"
_COMBINING = "\u0300-\u036F"
_APOSTROPHES = "\u02BC\u2018\u2032\u0060\u00B4"
_NEEDS_PLAIN_RE = re.compile(f"[{_STYLED}{_COMBINING}{_APOSTROPHES}{INVISIBLE_CLASS}]")
_STYLED_RE = re.compile(f"[{_STYLED}]")
_INNER_APOSTROPHE_RE = re.compile(f"(?<=\\w)[{_APOSTROPHES}](?=\\w)")
_INNER_FORMAT_RE = re.compile(f"(?<=\\w)[{INVISIBLE_CLASS}]+(?=\\w)")
_LEFT_COMBINING_RE = re.compile(f"[{_COMBINING}]+")


def _split_hashtag(match: re.Match) -> str:
    tag = match.group(1)
    parts = _CAMEL_PART_RE.findall(tag)
    if len(parts) < 2:
        return match.group(0)
    return f"#{tag} " + " ".join(parts)


def _plain_letters(text: str) -> str:
    """Styled letters as plain ones (NFKC: "𝗵𝗮𝗽𝗽𝘆" → "happy"), accents composed (NFC) and the marks left over
    dropped, apostrophe look-alikes between letters as ', and format characters inside a word removed (a zero-width
    joiner between emoji stays: it joins them)."""
    if _STYLED_RE.search(text):
        text = _STYLED_RE.sub(lambda match: unicodedata.normalize("NFKC", match.group()), text)
    if _LEFT_COMBINING_RE.search(text):
        text = _LEFT_COMBINING_RE.sub("", unicodedata.normalize("NFC", text))
    return _INNER_FORMAT_RE.sub("", _INNER_APOSTROPHE_RE.sub("'", text))


def normalise_tweet(text: str) -> str:
    """Clean one tweet for tokenisation; case is kept (it is a cue), `lookup_key` folds it.

    Literal ``\\n`` escapes become spaces, HTML entities are decoded (``&amp;`` → ``&``), URLs and ``@user``
    mentions are removed, a camel-case hashtag keeps its tag and adds its words (``#NotHappy`` → ``#NotHappy Not
    Happy``), and a word hidden by Unicode look-alikes is written plainly (`_plain_letters`: "𝗵𝗮𝗽𝗽𝘆", "donʼt").
    """
    text = _without_links(text)
    if "#" in text:
        text = _HASHTAG_RE.sub(_split_hashtag, text)
    return text


def _without_links(text: str) -> str:
    """The text with escaped line breaks as spaces, HTML entities decoded, words hidden by look-alikes written
    plainly (an entity may be one: "don&#8216;t"; a full-width "＠ｂｏｂ" is a mention), and links and @mentions
    removed: what `normalise_tweet` and `has_words` both read."""
    if "\\" in text:
        text = _ESCAPED_BREAK_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
        if "&" in text:  # escaped twice by some exports ("&amp;lt;3", "&amp;#8217;"): a user means "<3" and "’"
            text = html.unescape(text)
    if (not text.isascii() or "`" in text) and _NEEDS_PLAIN_RE.search(text):
        text = _plain_letters(text)
    if "/" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _USER_RE.sub(" ", text)
    return text


def tokenize(text: str) -> list[str]:
    """Tokens of a normalised tweet: words, #hashtags, emoji, emoticons, runs of !/? and clause punctuation."""
    return _TOKEN_RE.findall(text)


_WORD_CHAR_RE = re.compile(r"\w")


def has_words(text: str) -> bool:
    """Whether a tweet has a token to read once links, @mentions and escaped line breaks are left out: a word, a
    hashtag, an emoji or an emoticon (punctuation alone is none). A text without one is read as no text. A word
    character left once those are removed is a word token, so only a text without one is tokenised (scoring asks
    this of every row: 4.2 µs a tweet when each was normalised and tokenised). Without a word character the text
    is as `normalise_tweet` leaves it (entities, links and hashtags all hold one), so it is tokenised as it is."""
    text = _without_links(text)
    return bool(_WORD_CHAR_RE.search(text)) or any(is_word(token) for token in tokenize(text))


# Distinct tokens whose readings (`is_negator`, `features.text.persons.is_person`, the lexicons' lookup keys) are
# remembered: every lexicon reads every distinct token of every batch, and a batch's tokens are mostly the last
# one's. `predict` on 20,000 tweets, the default model, best of three: 14,278 and 15,382 → 18,601 and 18,853
# tweets/s, runs alternating with the code before (2026-11-26, README's Benchmarks machine; 31,400 → 35,100 on the
# faster machine before it); at most a few MB per reading.
KEYS_REMEMBERED = 1 << 15


@lru_cache(maxsize=200_000)
def lookup_key(token: str) -> str:
    """The key a token is looked up by: lower case, curly apostrophe straightened."""
    return token.lower().replace("’", "'")


def key_variants(key: str) -> tuple[str, ...]:
    """Forms to try, in order, for a lookup key: itself, then an elongated word (a letter three times or more)
    squeezed, each run of a repeated letter to two letters or one, two first ("sooooo" → "soo", "so";
    "happppyyyy" → …, "happy", …; "gooood" → "good" before "god"). A word of more than `MAX_SQUEEZED_RUNS` runs
    has every run squeezed alike."""
    if not _SQUEEZE_RE.search(key):
        return (key,)
    runs = list(_RUN_RE.finditer(key))
    if len(runs) > MAX_SQUEEZED_RUNS:
        return (key, _RUN_RE.sub(r"\1\1", key), _RUN_RE.sub(r"\1", key))
    forms = [key]
    for lengths in itertools.product((2, 1), repeat=len(runs)):
        parts, end = [], 0
        for run, length in zip(runs, lengths):
            parts += [key[end:run.start()], run.group(1) * length]
            end = run.end()
        form = "".join(parts) + key[end:]
        if form not in forms:
            forms.append(form)
    return tuple(forms)


@lru_cache(maxsize=KEYS_REMEMBERED)
def is_negator(token: str) -> bool:
    key = lookup_key(token)
    return key in NEGATORS or key.endswith("n't")


def is_word(token: str) -> bool:
    """Words, hashtags, emoji and emoticons count as the tweet's tokens; punctuation does not."""
    return not (token[0] in "!?.,:;" and token.strip("!?.,:;") == "")


def is_elongated(token: str) -> bool:
    return bool(_ELONGATED_RE.search(lookup_key(token)))


def _is_amplifier(key: str) -> bool:
    return key in _AMPLIFIERS or (key.endswith("ier") and len(key) > 5)  # happier, angrier, scarier


def _scope_length(tokens: list[str], i: int, window: int) -> int:
    """How many words the negation cue at i negates: `window`; only the next word in "can't wait", "no doubt"
    and the like; none in the amplifiers above."""
    after = [lookup_key(token) for token in tokens[i + 1:i + 3]]
    if not after or after[0] in _NOT_NEGATING_NEXT:
        return 1 if after else window
    if lookup_key(tokens[i]) == "never":  # never (been) so happy, never happier
        return 0 if _is_amplifier(after[-1] if after[0] in _LINKING_VERBS else after[0]) else window
    amplified = after[0] == "be" and len(after) > 1 and after[1] not in ("so", "this") and _is_amplifier(after[1])
    return 0 if amplified else window


def negates_nothing(tokens: list[str], i: int) -> bool:
    """Whether token i is a negation cue that negates nothing here: "never" in "never been happier", "couldn't" in
    "couldn't be happier" (the amplifier idioms above)."""
    return is_negator(tokens[i]) and _scope_length(tokens, i, NEGATION_WINDOW) == 0


def negation_scope(tokens: list[str], window: int = NEGATION_WINDOW) -> list[bool]:
    """Per token: whether it falls inside a negation scope (see NEGATORS for what opens and ends one)."""
    negated = [False] * len(tokens)
    left = 0
    for i, token in enumerate(tokens):
        if left and (token[0].isalnum() or token[0] == "_") and lookup_key(token) not in _SCOPE_BREAKERS:
            negated[i] = True
            left -= 1
        else:
            left = _scope_length(tokens, i, window) if is_negator(token) else 0
    return negated


def _may_need_negation(tokens: list[str], normalised: str) -> bool:
    """A quick test that lets most tweets skip the negation pass: no negator in any casing ("nOt" too, as
    `is_negator` reads it) and no n't in any casing."""
    return not NEGATORS.isdisjoint(map(str.lower, tokens)) or _may_have_nt(normalised)


@dataclass
class Tweet:
    """One tweet read once: its normalised text, its tokens with their spans in that text, and which tokens a
    negation scope covers. The features and the explanations read the same object."""

    normalised: str
    tokens: list[str]
    spans: list[tuple[int, int]]
    negated: list[bool] = field(default_factory=list)


def read_tweet(text: str, negation_window: int = NEGATION_WINDOW) -> Tweet:
    normalised = normalise_tweet(text)
    matches = list(_TOKEN_RE.finditer(normalised))
    tokens = [match.group() for match in matches]
    negated = negation_scope(tokens, negation_window) if negation_window else [False] * len(tokens)
    return Tweet(normalised, tokens, [match.span() for match in matches], negated)


@dataclass
class TokenizedTweets:
    """A batch of tweets tokenised once, over the batch's own vocabulary of distinct tokens (case kept).

    `ids`/`ptr` hold each tweet's token columns in order (tweet i is ids[ptr[i]:ptr[i+1]]); `counts` is the
    (tweets × vocab) count matrix; `negated` counts the tokens inside a negation scope and `plain` the rest.
    """

    vocab: list[str]
    ids: np.ndarray
    ptr: np.ndarray
    negated: sp.csr_matrix

    def __len__(self) -> int:
        return len(self.ptr) - 1

    @cached_property
    def counts(self) -> sp.csr_matrix:
        return _csr(self.ids, self.ptr, (len(self), len(self.vocab)))

    @cached_property
    def plain(self) -> sp.csr_matrix:
        plain = self.counts - self.negated
        plain.eliminate_zeros()
        return plain

    @cached_property
    def word_counts(self) -> np.ndarray:
        """Number of tokens per tweet that are words, hashtags, emoji or emoticons (punctuation left out); computed
        once per batch for every feature group that divides by it."""
        return np.asarray(self.counts @ self.token_property(is_word)).ravel()

    def token_property(self, fn) -> np.ndarray:
        """`fn(token)` for each distinct token of the batch, as a float vector aligned with the columns."""
        return np.fromiter((fn(token) for token in self.vocab), dtype=float, count=len(self.vocab))

    def sequences(self) -> list[list[str]]:
        """Each tweet's tokens in order."""
        vocab = self.vocab
        return [[vocab[i] for i in self.ids[a:b]] for a, b in zip(self.ptr[:-1], self.ptr[1:])]

    def rows(self, index) -> "TokenizedTweets":
        """The tweets at the given row positions (same vocabulary)."""
        index = np.asarray(index)
        starts, ends = self.ptr[index], self.ptr[index + 1]
        ptr = np.concatenate([[0], np.cumsum(ends - starts)])
        ids = np.concatenate([self.ids[a:b] for a, b in zip(starts, ends)]) if len(index) else self.ids[:0]
        return TokenizedTweets(self.vocab, ids, ptr, self.negated[index])


def check_texts(texts) -> list[str]:
    """Validate a batch of tweets: a list-like of strings, never a bare string, with no missing values."""
    if isinstance(texts, (str, bytes)):
        raise TypeError("expected a list or pandas Series of tweets, got a single string; wrap it in a list")
    if isinstance(texts, TokenizedTweets):
        raise TypeError("expected raw tweets, got TokenizedTweets")
    if isinstance(texts, pd.DataFrame):
        raise TypeError("expected a list or pandas Series of tweets, got a DataFrame; pass one column")
    if isinstance(texts, np.ndarray) and texts.ndim != 1:
        raise TypeError(f"expected a 1-D list of tweets, got an array of shape {texts.shape}")
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"expected a list or pandas Series of tweets, got {type(texts).__name__}") from None
    missing = [i for i, t in enumerate(items) if t is None or (isinstance(t, float) and math.isnan(t))]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise ValueError(f"{len(missing)} tweet(s) are missing (None or NaN) at row position(s) {shown}")
    bad = [i for i, t in enumerate(items) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"tweets must be strings; row position {bad[0]} holds {type(items[bad[0]]).__name__}")
    return items


class TweetTokenizer(Transformer):
    """Raw tweets → `TokenizedTweets`; the first step of the text feature pipeline. Nothing to learn."""

    def __init__(self, negation_window: int = NEGATION_WINDOW):
        self.negation_window = negation_window

    def fit(self, texts, y=None):
        check_texts(texts)
        self.n_features_in_ = 1
        return self

    def transform(self, texts) -> TokenizedTweets:
        items = check_texts(texts)
        window = self.negation_window

        def read():
            for text in items:
                normalised = normalise_tweet(text)
                tokens = _TOKEN_RE.findall(normalised)
                yield tokens, negation_scope(tokens, window) if window and _may_need_negation(tokens, normalised) else ()

        return _tokenized(read(), len(items))

    def transform_tweets(self, tweets: list[Tweet]) -> TokenizedTweets:
        """`TokenizedTweets` of tweets already read with `read_tweet` (with this tokenizer's negation window)."""
        return _tokenized(((tweet.tokens, tweet.negated) for tweet in tweets), len(tweets))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["tokens"], dtype=object)


def _may_have_nt(text: str) -> bool:
    return "'t" in text or "’t" in text or "'T" in text or "’T" in text


def _tokenized(rows, n: int) -> TokenizedTweets:
    """rows: per tweet, (tokens, per-token negation marks; empty when none is negated)."""
    vocab: defaultdict[str, int] = defaultdict()
    vocab.default_factory = vocab.__len__  # unseen token → next column
    column = vocab.__getitem__
    ids: list[int] = []
    ptr = [0]
    neg_ids: list[int] = []
    neg_ptr = [0]
    for tokens, negated in rows:
        ids.extend(map(column, tokens))
        ptr.append(len(ids))
        if negated:
            neg_ids.extend(column(token) for token, inside in zip(tokens, negated) if inside)
        neg_ptr.append(len(neg_ids))
    return TokenizedTweets(
        vocab=list(vocab),
        ids=np.asarray(ids, dtype=np.int64),
        ptr=np.asarray(ptr, dtype=np.int64),
        negated=_csr(neg_ids, neg_ptr, (n, len(vocab))),
    )


def _csr(indices, indptr, shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(len(indices), dtype=np.float64)
    # Copies: sum_duplicates works in place and must not reorder the caller's token sequence.
    matrix = sp.csr_matrix((data, np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)), shape=shape)
    matrix.sum_duplicates()
    return matrix
