from pathlib import Path

import pytest

from data.bundled import (
    GOEMOTIONS_LABELS,
    SEMEVAL_EC_LABELS,
    load_everyday,
    load_goemotions,
    load_semeval_ec_dev,
    load_semeval_ei_reg_dev,
    load_wassa,
    load_wassa_relabels,
)
from emotions import EMOTIONS


@pytest.mark.parametrize("split, rows", [("train", 3613), ("dev", 347), ("test", 3142)])
def test_wassa_splits_are_complete(split, rows):
    frame = load_wassa(split)
    assert len(frame) == rows
    assert list(frame.columns) == ["id", "text", "label", "intensity"]
    assert set(frame.label) == set(EMOTIONS)
    assert frame.intensity.between(0, 1).all()
    assert (frame.text != "").all()


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="unknown WASSA-2017 split 'valid'"):
        load_wassa("valid")


def test_everyday_check_tweets_are_balanced_and_none_is_in_wassa():
    frame = load_everyday()
    assert list(frame.columns) == ["text", "label"] and len(frame) == 64
    assert frame.label.value_counts().to_dict() == {emotion: 16 for emotion in EMOTIONS}
    wassa = set().union(*(load_wassa(split).text for split in ("train", "dev", "test")))
    assert not set(frame.text) & wassa and frame.text.is_unique


def _binary(frame, columns):
    return frame[list(columns)].isin([0, 1]).all().all()


@pytest.mark.parametrize("split, rows, fear", [("train", 43410, 726), ("dev", 5426, 105)])
def test_goemotions_splits_are_complete(split, rows, fear):
    frame = load_goemotions(split)
    assert len(frame) == rows and frame.id.is_unique
    assert list(frame.columns) == ["id", "text", *GOEMOTIONS_LABELS]
    assert _binary(frame, GOEMOTIONS_LABELS) and frame.fear.sum() == fear


def test_unknown_goemotions_split_is_named():
    with pytest.raises(ValueError, match="unknown GoEmotions split 'test'"):
        load_goemotions("test")


def test_semeval_dev_sets_are_complete():
    ec = load_semeval_ec_dev()
    assert len(ec) == 886 and list(ec.columns) == ["id", "text", *SEMEVAL_EC_LABELS]
    assert _binary(ec, SEMEVAL_EC_LABELS)
    ei = load_semeval_ei_reg_dev()
    assert len(ei) == 1464 and list(ei.columns) == ["id", "text", "label", "intensity"]
    assert ei.label.value_counts().to_dict() == {"sadness": 397, "fear": 389, "anger": 388, "joy": 290}
    assert set(ei.label) == set(EMOTIONS) and ei.intensity.between(0, 1).all()


def test_wassa_relabels_cover_train_and_dev_only():
    frame = load_wassa_relabels()
    assert list(frame.columns) == ["wassa_id", "ec_id", "wassa_split", "wassa_label", "wassa_intensity", "text",
                                   *SEMEVAL_EC_LABELS]
    assert frame.wassa_split.value_counts().to_dict() == {"train": 3490, "dev": 344}
    assert _binary(frame, SEMEVAL_EC_LABELS) and set(frame.wassa_label) == set(EMOTIONS)


def test_no_relabel_or_semeval_dev_tweet_is_in_wassa_test():
    test = set(load_wassa("test").text)
    for frame in (load_wassa_relabels(), load_semeval_ec_dev(), load_semeval_ei_reg_dev()):
        assert not set(frame.text) & test


def test_fer_public_test_leaves_out_the_faces_that_are_training_faces():
    """128 of the 2,511 public-test faces are byte for byte training faces (127 under the same label): the models
    got 0.80-0.90 of them right against 0.55-0.62 of the others, and FER2013 test figures measured memory."""
    import hashlib

    import numpy as np

    from data.bundled import fer_test_in_train, load_fer

    with np.load(Path(__file__).resolve().parents[2] / "data/fer2013/fer2013_4class.npz", allow_pickle=False) as arrays:
        public = arrays["split"].astype(str) == "public_test"
        paths, faces = arrays["source_path"].astype(str)[public], arrays["images"][public]
    train, _ = load_fer("train")
    seen = {hashlib.sha256(face.tobytes()).digest() for face in train}
    again = sorted(p for p, face in zip(paths, faces) if hashlib.sha256(face.tobytes()).digest() in seen)
    assert fer_test_in_train() == again and len(again) == 128  # the list is the files' own
    test, labels = load_fer("public_test")
    assert len(test) == len(labels) == 2511 - 128
    assert not any(hashlib.sha256(face.tobytes()).digest() in seen for face in test)
