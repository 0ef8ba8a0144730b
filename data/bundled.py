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
    "public_test": FER2013's public test faces (2,383: the 128 of its 2,511 that are byte for byte a training face,
    listed in fer2013/public_test_in_train.txt, left out)."""
    import numpy as np

    if split not in FER_SPLITS:
        raise ValueError(f"unknown FER2013 split {split!r}; choose from {list(FER_SPLITS)}")
    name = "fer2013_4class_train_full.npz" if split == "train" else "fer2013_4class.npz"
    with resources.files("data").joinpath(f"fer2013/{name}").open("rb") as handle:
        arrays = np.load(handle, allow_pickle=False)
        images, labels = arrays["images"], arrays["label"].astype(str)
        if split != "train":
            keep = arrays["split"].astype(str) == ("train" if split == "train_sample" else "public_test")
            if split == "public_test":
                keep &= ~np.isin(arrays["source_path"].astype(str), fer_test_in_train())
            images, labels = images[keep], labels[keep]
    return images, labels.tolist()


def fer_test_in_train() -> list[str]:
    """The `source_path` of each FER2013 public-test face that is byte for byte a training face (128; 127 of them
    under the same label): scored, they measured memory, not reading (0.80-0.90 right against 0.55-0.62)."""
    return resources.files("data").joinpath("fer2013/public_test_in_train.txt").read_text().split()


def _read_tsv(name: str) -> pd.DataFrame:
    """A bundled UTF-8 TSV: no field holds a tab, newline or double quote, so quoting is off (csv.QUOTE_NONE)."""
    with resources.files("data").joinpath(name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, sep="\t", keep_default_na=False, quoting=3, dtype={"id": str})


GOEMOTIONS_SPLITS = ("train", "dev")
GOEMOTIONS_LABELS = ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
SEMEVAL_EC_LABELS = ("anger", "anticipation", "disgust", "fear", "joy", "love", "optimism", "pessimism",
                     "sadness", "surprise", "trust")


def load_goemotions(split: str) -> pd.DataFrame:
    """GoEmotions Reddit comments, Ekman grouping (see goemotions/SOURCES.md): columns id, text and the seven
    GOEMOTIONS_LABELS as 0/1 (multi-label). "train": 43,410 rows; "dev": 5,426. The test split is not bundled."""
    if split not in GOEMOTIONS_SPLITS:
        raise ValueError(f"unknown GoEmotions split {split!r}; choose from {list(GOEMOTIONS_SPLITS)}")
    return _read_tsv(f"goemotions/{split}.tsv")


def load_semeval_ec_dev() -> pd.DataFrame:
    """SemEval-2018 Task 1 E-c English dev set (see semeval2018/SOURCES.md): 886 tweets, columns id, text and
    the 11 SEMEVAL_EC_LABELS as 0/1 (all zeros: no emotion). No tweet is in WASSA-2017."""
    return _read_tsv("semeval2018/ec_dev.tsv")


def load_semeval_ei_reg_dev() -> pd.DataFrame:
    """SemEval-2018 Task 1 EI-reg English dev set: 1,464 rows over 893 tweets, columns id, text, label (anger,
    fear, joy or sadness: the emotion rated) and intensity (float, 0-1). No tweet is in WASSA-2017."""
    return _read_tsv("semeval2018/ei_reg_dev.tsv")


def load_wassa_relabels() -> pd.DataFrame:
    """SemEval-2018 E-c's 11-emotion human labels for 3,834 WASSA-2017 train (3,490) and dev (344) tweets,
    never test: columns wassa_id, ec_id, wassa_split, wassa_label, wassa_intensity, text, then the 11
    SEMEVAL_EC_LABELS as 0/1. `wassa_id` is load_wassa's `id`."""
    return _read_tsv("semeval2018/wassa_relabels.tsv")


def load_eec() -> pd.DataFrame:
    """The Equity Evaluation Corpus (see SOURCES.md): columns id, text, template, person, gender, race, emotion,
    emotion_word (race, emotion and emotion_word empty where the sentence has none)."""
    return _read_tsv("eec/eec.tsv")
