"""Words that only say who a tweet is about: pronouns and nouns for a person, and first names.

They are not evidence of an emotion, so no lexicon, learned lexicon or word vector reads them (`is_person`):
otherwise a model learns from its training tweets, or inherits from word vectors, that "she", "my brother" or a
name goes with an emotion, and scores two tweets differently when only the person differs (the fairness audit,
`evaluation/fairness.py`, measures it).

A capitalised first name (1990 US Census list, `lexicons.first_names`) counts as a person; the list leaves out
names that an NRC emotion lexicon lists as words ("Joy", "Hope", "Grace" keep their meaning). A lower-case one is
the ordinary word.
"""

from __future__ import annotations

from functools import lru_cache

from features.text.tokenize import KEYS_REMEMBERED, lookup_key
from lexicons import first_names

# Personal pronouns and nouns that name a person by gender, family role or age (after the gender-definitional
# word lists of Bolukbasi et al. 2016): every one has a counterpart of the other gender.
PERSON_WORDS = frozenset(
    "he she him her his hers himself herself man woman men women boy girl boys girls guy gal guys gals lady ladies "
    "gentleman gentlemen male female males females brother sister brothers sisters son daughter sons daughters "
    "husband wife husbands wives boyfriend girlfriend boyfriends girlfriends father mother fathers mothers dad mom "
    "mum dads moms mums daddy mommy mummy uncle aunt uncles aunts nephew niece nephews nieces grandfather "
    "grandmother grandpa grandma granddad grandad granny grandson granddaughter king queen prince princess sir "
    "madam mr mrs ms bro sis".split()
)


@lru_cache(maxsize=KEYS_REMEMBERED)
def is_person(token: str) -> bool:
    """Whether a token only names a person (see the module's docstring)."""
    key = lookup_key(token)
    return key in PERSON_WORDS or (token[:1].isupper() and key in first_names())
