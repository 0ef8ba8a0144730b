import re

import numpy as np
import pytest

from data.registry import EVALUATION_SETS, RANKING, TRAINING_SETS, evaluation_set, evaluation_sets, training_set


def test_training_set_sizes():
    train, valid = training_set("wassa")
    assert (len(train), len(valid)) == (3613, 347)
    train, valid = training_set("fer_sample")
    assert (len(train), len(valid)) == (1800, 200) and train.has_image.all()
    assert list(TRAINING_SETS)[0] == "wassa"


def test_unknown_sets_are_named():
    with pytest.raises(ValueError, match=r"unknown training source\(s\) \['nope'\]; choose from \['wassa', 'relabels'"):
        training_set("nope")
    with pytest.raises(ValueError, match=r"unknown evaluation set\(s\) \['nope'\]; choose from \['wassa_test'"):
        evaluation_set("nope")
    with pytest.raises(ValueError, match=r"unknown training source\(s\) \['wasa', 'GoEmotions'\] \(did you mean "
                                         r"'wassa', 'goemotions'\?\); choose from"):
        training_set("wasa,GoEmotions")


def test_evaluation_sets_by_name_and_by_modality():
    assert len(evaluation_set("wassa_test")) == 3142
    text_sets = evaluation_sets(modalities=("text",))
    assert list(text_sets) == ["wassa_test", "wassa_test_no_hashtags", "everyday_check", "goemotions_dev", "ec_dev",
                               "ei_reg_dev"]
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


def test_sources_declare_what_they_supervise_and_combine_into_one_set():
    train, valid = training_set("wassa+relabels")
    assert len(train) == 3613 and train.exclusive.all()  # one row per WASSA tweet: its query word ...
    judged = np.isfinite(train.presence).all(axis=1)
    assert judged.sum() == 3490 and not np.isfinite(train.presence[~judged]).any()  # ... and the human judgement
    assert np.isfinite(train.intensity).sum() == 3613
    relabels, _ = training_set("relabels")
    assert len(relabels) == 3490 and not relabels.exclusive.any() and relabels.has_presence
    assert not np.isfinite(relabels.intensity).any()  # WASSA's intensities come with the query word ("wassa")


def test_wassa_agreed_keeps_a_query_word_only_where_readers_found_its_emotion():
    every, _ = training_set("wassa+relabels")
    agreed, valid = training_set("wassa_agreed")
    assert agreed.texts == every.texts and (agreed.labels == every.labels).all()  # the same rows ...
    assert agreed.fingerprint() != every.fingerprint() and valid.exclusive.all()  # ... not taught the same; valid as before
    query = agreed.labels.argmax(axis=1)
    found = np.nan_to_num(agreed.presence, nan=1.0)[np.arange(len(agreed)), query]
    assert agreed.exclusive.tolist() == (found == 1).tolist() and (~agreed.exclusive).sum() == 1301
    unjudged = ~np.isfinite(agreed.presence).all(axis=1)
    assert agreed.exclusive[unjudged].all()  # a tweet no reader judged keeps its query word
    assert np.isfinite(agreed.intensity).sum() == 3613  # every gold intensity stays
    assert (every.source, agreed.source) == ("wassa2017/train+relabels", "wassa_agreed/train")  # configs, cards
    with pytest.raises(ValueError, match="wassa_agreed already holds WASSA-2017's tweets"):
        training_set("wassa_agreed+relabels")


def test_goemotions_is_balanced_and_weighted_by_source():
    train, valid = training_set("wassa,goemotions", weights={"goemotions": 0.5})
    comments = ~train.exclusive
    assert comments.sum() + 3613 == len(train) and len(valid) == 347 + 4341
    assert train.weight[~comments].tolist() == [1.0] * 3613
    assert train.weight[comments].mean() == pytest.approx(0.5)
    joy = comments & (np.nan_to_num(train.presence).argmax(axis=1) == 2) & (np.nan_to_num(train.presence).sum(axis=1) == 1)
    fear = comments & (np.nan_to_num(train.presence).argmax(axis=1) == 1) & (np.nan_to_num(train.presence).sum(axis=1) == 1)
    assert train.weight[fear].mean() > 3 * train.weight[joy].mean()  # the rare answer weighs more


def test_unknown_sources_and_weights_are_named():
    with pytest.raises(ValueError, match=r"unknown training source\(s\) \['reddit'\]; choose from \['wassa'"):
        training_set("wassa+reddit")
    with pytest.raises(ValueError, match=r"weights for source\(s\) \['fer'\] that are not among \['wassa'\]"):
        training_set("wassa", weights={"fer": 2.0})


def test_sources_are_read_trimmed_and_a_file_among_them_is_said_to_be_one(tmp_path):
    """" wassa , fer_sample" was refused as the unknown sources ' wassa ' and ' fer_sample'; a file named among the
    sources was one more unknown source, with no word of how a file of one's own is trained on."""
    train, valid = training_set(" wassa , fer_sample")
    assert train.source == "wassa2017/train+fer2013/train_sample" and len(valid) == 347 + 200
    mine = tmp_path / "mine.csv"
    mine.write_text("text,label\nhi,joy\n")
    with pytest.raises(ValueError, match=rf"unknown training source\(s\) \['{re.escape(str(mine))}'\]; choose from .*; "
                                         rf"{re.escape(str(mine))} is a file: train on it with --train "
                                         rf"{re.escape(str(mine))} \(or upload it on the Train page\)"):
        training_set(f"wassa,{mine}")


@pytest.mark.parametrize("weight", [0.0, -1.0, float("nan"), float("inf")])
def test_a_source_weight_must_be_a_positive_number(weight):
    """A zero weight trained on a NaN loss for epochs before failing; a negative one was taken silently."""
    with pytest.raises(ValueError, match="source weights must be positive numbers below 1,000,000"):
        training_set("wassa", weights={"wassa": weight})


def test_new_evaluation_sets_hold_what_dev_eval_measures():
    sets = evaluation_sets(["goemotions_dev", "ec_dev", "ei_reg_dev"])
    goemotions = sets["goemotions_dev"]
    assert len(goemotions) == 4426 and (~goemotions.labels.any(axis=1)).sum() == 1592  # neutral-only: none
    assert not goemotions.multi_label and sets["ec_dev"].multi_label and len(sets["ec_dev"]) == 886
    assert np.isfinite(sets["ei_reg_dev"].intensity).sum() == 1464
