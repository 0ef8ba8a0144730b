"""The NRC emotion lexicons bundled with the project, a loader for a user's own lexicon file, and a list of first
names (words that name a person, not an emotion)."""

from lexicons.loader import BUNDLED, LexiconError, TermTable, first_names, lexicon_table, load_lexicon

__all__ = ["BUNDLED", "LexiconError", "TermTable", "first_names", "load_lexicon", "lexicon_table"]
