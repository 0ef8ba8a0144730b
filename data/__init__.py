"""Data in: the bundled data sets (`bundled`) and the one registry of named training and evaluation sets
(`registry`), the one reader of CSV/TSV tables (`tables`), and labelled rows (`labelled`).

See SOURCES.md for the bundled files' origins, citations and terms.
"""


class DataError(ValueError):
    """A data file is missing, empty, unreadable, or lacks or mislabels a column; the message says which."""
