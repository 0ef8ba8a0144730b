"""The NRC emotion lexicons bundled with the project, a loader for a user's own lexicon file, the VADER valence
lexicon (read from its package), and a list of first names (words that name a person, not an emotion)."""

from lexicons.loader import BUNDLED, LexiconError, TermTable, first_names, lexicon_table, load_lexicon, valence_table

__all__ = ["BUNDLED", "LexiconError", "TermTable", "first_names", "load_lexicon", "lexicon_table", "valence_table"]
