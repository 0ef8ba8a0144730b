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


def load_everyday() -> pd.DataFrame:
    """The 64 hand-written everyday check tweets (see everyday/SOURCES.md): columns text, label."""
    with resources.files("data").joinpath("everyday/check.tsv").open(encoding="utf-8") as handle:
        return pd.read_csv(handle, sep="\t", keep_default_na=False)


FER_SPLITS = ("train", "train_sample", "public_test")


def load_fer(split: str) -> tuple:
    """FER2013 faces of one split as (images uint8 (n, 48, 48), labels list of emotion names).

    "train": all 20,137 training faces of the four emotions; "train_sample": a balanced 2,000 of them;
    "public_test": FER2013's public test faces (2,511)."""
    import numpy as np

    if split not in FER_SPLITS:
        raise ValueError(f"unknown FER2013 split {split!r}; choose from {list(FER_SPLITS)}")
    name = "fer2013_4class_train_full.npz" if split == "train" else "fer2013_4class.npz"
    with resources.files("data").joinpath(f"fer2013/{name}").open("rb") as handle:
        arrays = np.load(handle, allow_pickle=False)
        images, labels = arrays["images"], arrays["label"].astype(str)
        if split != "train":
            keep = arrays["split"].astype(str) == ("train" if split == "train_sample" else "public_test")
            images, labels = images[keep], labels[keep]
    return images, labels.tolist()
