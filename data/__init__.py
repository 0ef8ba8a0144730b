"""Bundled data sets, read with `importlib.resources` (see SOURCES.md for origins, citations and terms)."""

from importlib import resources

import pandas as pd

WASSA_SPLITS = ("train", "dev", "test")


def load_wassa(split: str) -> pd.DataFrame:
    """WASSA-2017 EmoInt tweets of one split: columns id, text, label, intensity."""
    if split not in WASSA_SPLITS:
        raise ValueError(f"unknown WASSA-2017 split {split!r}; choose from {list(WASSA_SPLITS)}")
    with resources.files("data").joinpath(f"wassa2017/{split}.tsv").open(encoding="utf-8") as handle:
        # keep_default_na=False: the words "null" and "nan" in tweets are words, not missing values
        return pd.read_csv(handle, sep="\t", keep_default_na=False)
