import pytest

from data.bundled import load_everyday, load_wassa
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
