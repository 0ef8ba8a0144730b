import re

import pytest

from data.registry import EVALUATION_SETS, RANKING, TRAINING_SETS, evaluation_set, evaluation_sets, training_set


def test_training_set_sizes():
    train, valid = training_set("wassa")
    assert (len(train), len(valid)) == (3613, 347)
    train, valid = training_set("fer_sample")
    assert (len(train), len(valid)) == (1800, 200) and train.has_image.all()
    assert list(TRAINING_SETS)[0] == "wassa"


def test_unknown_sets_are_named():
    with pytest.raises(ValueError, match=r"unknown training set 'nope'; choose from \['wassa', 'fer_sample'"):
        training_set("nope")
    with pytest.raises(ValueError, match=r"unknown evaluation set\(s\) \['nope'\]; choose from \['wassa_test'"):
        evaluation_set("nope")


def test_evaluation_sets_by_name_and_by_modality():
    assert len(evaluation_set("wassa_test")) == 3142
    text_sets = evaluation_sets(modalities=("text",))
    assert list(text_sets) == ["wassa_test", "wassa_test_no_hashtags", "everyday_check"]
    assert not re.search(r"#\w", "".join(text_sets["wassa_test_no_hashtags"].texts))
    assert list(evaluation_sets(modalities=("image",))) == ["fer_public_test"]
    assert set(evaluation_sets(modalities=("text", "image"))) == set(EVALUATION_SETS)
    assert RANKING[0] == "wassa_test" and RANKING[-1] == "valid"


def test_paired_tweets_carry_a_face_of_their_own_label():
    sets = evaluation_sets(["paired_test", "fer_public_test"])  # one call: the faces are loaded once, shared
    paired, faces = sets["paired_test"], sets["fer_public_test"]
    assert len(paired) == 3142 and paired.has_image.all() and paired.has_text.all()
    label_of_face = {id(image): label for image, label in zip(faces.images, faces.label_names)}
    assert [label_of_face[id(image)] for image in paired.images] == paired.label_names
