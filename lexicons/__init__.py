"""The NRC emotion lexicons bundled with the project, and a loader for a user's own lexicon file."""

from lexicons.loader import BUNDLED, LexiconError, TermTable, lexicon_table, load_lexicon

__all__ = ["BUNDLED", "LexiconError", "TermTable", "load_lexicon", "lexicon_table"]
