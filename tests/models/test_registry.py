import json
import shutil

import numpy as np
import pytest
import torch

from data import DataError
from data.labelled import LabelledData
from data.registry import fer, wassa
from models.registry import MODELS, build_model, load_model
from models.store import ModelLoadError

TEXT_MODELS = [name for name, cls in MODELS.items() if "text" in cls.modalities]

FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}


@pytest.fixture(scope="module")
def tweets():
    data = wassa("train")
    rows = np.random.default_rng(0).choice(len(data), 400, replace=False)
    return data.subset(rows)  # shuffled: every slice holds all four emotions


@pytest.fixture(scope="module")
def faces():
    data = fer("train_sample")
    rows = np.concatenate([np.flatnonzero(data.labels[:, k])[:8] for k in range(4)])
    return data.subset(rows)


def test_unknown_model_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown model 'cnn'; valid names: fused_net, text_net, image_net"):
        build_model("cnn")


@pytest.mark.parametrize("name", ["logreg", "text_net"])
def test_training_rows_that_all_say_one_thing_are_refused(name, tweets):
    """A classifier failed with scikit-learn's words; a network learned to answer joy to everything."""
    joy = tweets.subset(np.flatnonzero(tweets.labels[:, 2]))
    with pytest.raises(DataError, match="every training row says joy; a model needs at least two answers"):
        build_model(name, FAST_NET if name == "text_net" else {}).fit(joy, seed=0)


def none_only(texts=("meh", "just a tuesday", "ok then")) -> LabelledData:
    return LabelledData(list(texts), [None] * len(texts), np.zeros((len(texts), 4)),
                        np.full((len(texts), 4), np.nan), source="none.csv")


def test_evaluating_rows_that_all_say_none_is_one_line_naming_the_file():
    """A labelled file whose labels are all `none` failed with scikit-learn's "Found empty input array" (the
    Compare page broke, `cli.py evaluate` printed it): 4-way macro-F1 needs a row with an emotion."""
    with pytest.raises(DataError, match=r"^none\.csv: every row is labelled none; evaluating needs rows "
                                        r"labelled with one of anger, fear, joy or sadness"):
        load_model().evaluate(none_only())


@pytest.mark.parametrize("name", ["logreg", "text_net"])
def test_a_validation_file_whose_rows_all_say_none_is_refused_before_training(name, tweets):
    """Training ran to its end and then failed scoring such a file, with scikit-learn's words."""
    model = build_model(name, FAST_NET if name == "text_net" else {})
    with pytest.raises(DataError, match=r"^none\.csv: every validation row is labelled none; evaluating"):
        model.fit(tweets, none_only(), seed=0, on_epoch=lambda record: pytest.fail("training started"))


def test_a_single_string_of_images_is_refused(tweets):
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    with pytest.raises(TypeError, match="expected a list of images, got a single string"):
        model.predict(["so happy"], images="face.png")


@pytest.mark.parametrize("name", TEXT_MODELS)
def test_text_models_train_save_load_and_score_alike(name, tweets, tmp_path):
    names = MODELS[name].Settings.names()
    settings = FAST_NET if "epochs" in names else {"max_iter": 20} if "max_iter" in names else {}  # boosted trees
    model = build_model(name, settings).fit(tweets.subset(range(300)), tweets.subset(range(300, 400)), seed=1)
    texts = ["I am so happy today!", "this is terrifying #scared", "", "furious 😡"]
    before = model.predict(texts)
    model.save(tmp_path / name)
    loaded = load_model(tmp_path / name)
    after = loaded.predict(texts)
    np.testing.assert_allclose(after.probabilities, before.probabilities, rtol=1e-6)
    np.testing.assert_allclose(np.nan_to_num(after.intensities), np.nan_to_num(before.intensities), rtol=1e-6)
    scored = after.probabilities[[0, 1, 3]]
    np.testing.assert_allclose(scored.sum(axis=1), 1, rtol=1e-6)
    assert np.isnan(after.probabilities[2]).all() and "nothing to score" in after.errors[2]
    assert loaded.modalities == ("text",)
    empty = loaded.predict([])  # TF-IDF's transformer refused an empty batch
    assert empty.probabilities.shape == empty.intensities.shape == (0, 4) and empty.errors == []
    with pytest.raises(TypeError, match=r"^text #1: expected a text, got a list of several values"):
        loaded.predict(["so happy", ["so sad", "photo.png"]])  # a table's rows: their printed form was scored
    unread = loaded.predict([None], images=[b"an image"])
    assert unread.errors == ["nothing to score: this model reads text, and the row has none (its image is not read)"]
    evaluation = loaded.evaluate(tweets.subset(range(300, 400)))
    assert evaluation["macro_f1"] > 0.3  # above chance (0.25 for four balanced emotions)
    assert evaluation["macro_f1"] == pytest.approx(model.evaluate(tweets.subset(range(300, 400)))["macro_f1"])
    assert "pearson_mean" in evaluation
    config = json.loads((tmp_path / name / "config.json").read_text())
    assert config["emotions"] == ["anger", "fear", "joy", "sadness"] and config["seed"] == 1
    assert len(config["train_fingerprint"]) == 64 and "torch" in config["versions"]


def test_every_registered_model_reads_text_or_images():
    assert set(TEXT_MODELS) | {name for name, cls in MODELS.items() if "image" in cls.modalities} == set(MODELS)
    assert "image_net" not in TEXT_MODELS and len(TEXT_MODELS) == len(MODELS) - 1


@pytest.mark.parametrize("learned_dropout", [0.0, 0.5])
def test_same_seed_gives_the_same_network_twice(tweets, learned_dropout):
    def weights(seed):
        model = build_model("text_net", FAST_NET, learned_dropout=learned_dropout).fit(
            tweets.subset(range(300)), tweets.subset(range(300, 400)), seed=seed)
        return model.net_.state_dict(), model.log

    (first, log_a), (second, log_b), (other, _) = weights(5), weights(5), weights(6)
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert [r["valid_macro_f1"] for r in log_a] == [r["valid_macro_f1"] for r in log_b]
    assert not all(torch.equal(first[k], other[k]) for k in first)


def test_learned_dropout_hides_exactly_the_features_learned_from_labels(tweets):
    from models.network.model import learned_columns

    model = build_model("text_net", FAST_NET).fit(tweets.subset(range(300)), seed=0)
    names = model.feature_names()
    hidden = [names[i] for i in learned_columns(names)]
    assert len(hidden) == 20  # learned association lexicon: mean, max; learned intensity lexicon: mean, max, min
    assert all(n.startswith(("learned__association_", "learned__intensity_")) for n in hidden)
    assert "nrc__hashtag_emotion_max_joy" in names and "nrc__hashtag_emotion_max_joy" not in hidden


def test_image_and_fused_networks_read_their_modalities(tweets, faces, tmp_path):
    from data.labelled import LabelledData

    image_model = build_model("image_net", FAST_NET).fit(faces, seed=0)
    prediction = image_model.predict(["happy text only", ""], [None, faces.images[0]])
    assert np.isnan(prediction.probabilities[0]).all() and prediction.probabilities[1].sum() == pytest.approx(1)

    mixed = LabelledData.concat([tweets.subset(range(200)), faces], source="mix")
    fused = build_model("fused_net", FAST_NET).fit(mixed, seed=0)
    assert fused.modalities == ("text", "image")
    prediction = fused.predict(["so happy", "", "so happy"], [None, faces.images[0], faces.images[0]])
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1, rtol=1e-6)
    fused.save(tmp_path / "fused")
    again = load_model(tmp_path / "fused").predict(["so happy", "", "so happy"], [None, faces.images[0], faces.images[0]])
    np.testing.assert_allclose(again.probabilities, prediction.probabilities, rtol=1e-5)


def test_unreadable_image_gets_its_error_and_the_rest_are_scored(faces, tmp_path):
    model = build_model("image_net", FAST_NET).fit(faces, seed=0)
    bad = tmp_path / "not_an_image.jpg"
    bad.write_bytes(b"hello")
    prediction = model.predict(["", ""], [str(bad), faces.images[1]])
    assert "not_an_image.jpg" in prediction.errors[0] and np.isnan(prediction.probabilities[0]).all()
    assert prediction.errors[1] is None and np.isfinite(prediction.probabilities[1]).all()


def test_loading_checks_checksum_and_feature_names(tweets, tmp_path):
    model = build_model("logreg").fit(tweets.subset(range(300)), seed=0)
    model.save(tmp_path / "run")
    tampered = tmp_path / "tampered"
    shutil.copytree(tmp_path / "run", tampered)
    with open(tampered / "features.npz", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ModelLoadError, match="checksum differs"):
        load_model(tampered)
    renamed = tmp_path / "renamed"
    shutil.copytree(tmp_path / "run", renamed)
    config = json.loads((renamed / "config.json").read_text())
    config["feature_names"][0] = "nrc__old_name"
    (renamed / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match=r"features differ .*saved only: \['nrc__old_name'\]"):
        load_model(renamed)
    with pytest.raises(ModelLoadError, match=r"not a saved model \(no config\.json\)$"):
        load_model(tmp_path)
    with pytest.raises(ModelLoadError, match=r"missing: no such folder$"):  # said "not a saved model (no config.json)"
        load_model(tmp_path / "missing")
    with pytest.raises(ModelLoadError, match=r"config\.json: a file, not a model folder$"):
        load_model(renamed / "config.json")
    (tmp_path / "link").symlink_to(tmp_path / "missing")
    with pytest.raises(ModelLoadError, match=r"link: no such folder$"):  # said "a file, not a model folder"
        load_model(tmp_path / "link")


def test_a_folder_replaced_while_it_is_read_is_read_again(tmp_path, monkeypatch):
    """A save (or `audit --save`) renames a new folder into the place of the one being loaded: the reader had the
    old config.json and the new files, and said the model was damaged (a checksum differs). The folder it names
    now is read again."""
    import os
    import shutil

    from models import registry
    from models.registry import ZOO_DIR

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "model")
    newer = shutil.copytree(ZOO_DIR / "text_net", tmp_path / ".model.new")
    check, swaps = registry.check_config, []

    def replaced_once_read(directory, config, modalities):
        if not swaps:  # config.json read from the old folder; the files will be read from the new one
            os.rename(folder, tmp_path / ".model.old")
            os.rename(newer, folder)
            swaps.append(1)
        return check(directory, config, modalities)

    monkeypatch.setattr(registry, "check_config", replaced_once_read)
    assert registry.load_model(folder).name == "text_net"
    monkeypatch.setattr(registry, "READ_ATTEMPTS", 1)  # as before: read once
    swaps.clear()
    for old in (folder, tmp_path / ".model.old"):
        shutil.rmtree(old)
    shutil.copytree(ZOO_DIR / "lexicon_rule", folder)
    shutil.copytree(ZOO_DIR / "text_net", newer)
    with pytest.raises(registry.ModelLoadError, match="checksum differs from config.json"):
        registry.load_model(folder)


def test_a_folder_replaced_after_its_checksums_were_checked_is_read_again(tmp_path, monkeypatch):
    """The files are checked against config.json first and read afterwards: a new folder renamed into place
    between the two gave a model of the old config.json with the new folder's metrics and audit (and weights),
    without an error. A read across a replacement is now done again; a folder replaced at every read is refused."""
    import json
    import os
    import shutil

    from models import registry, store
    from models.registry import ZOO_DIR

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "model")
    newer = shutil.copytree(ZOO_DIR / "text_net", tmp_path / ".model.new")
    read, swaps = store.read_json, []

    def replaced_after_the_check(path, default):
        if path.name == "metrics.json" and not swaps:  # every checksum checked, config.json read: the old folder's
            os.rename(folder, tmp_path / ".model.old")
            os.rename(newer, folder)
            swaps.append(1)
        return read(path, default)

    monkeypatch.setattr(store, "read_json", replaced_after_the_check)
    model = registry.load_model(folder)
    assert model.name == "text_net" and model.metrics == json.loads((folder / "metrics.json").read_text())

    identities = iter(range(100))
    monkeypatch.setattr(registry, "folder_identity", lambda directory: next(identities))  # a new folder each look
    with pytest.raises(registry.ModelLoadError, match="replaced by another save each of the 3 times it was read"):
        registry.load_model(folder)


def test_the_svm_fitted_in_several_processes_is_the_one_fitted_in_one(tweets):
    """liblinear is deterministic, so fitting the emotions side by side (`parallel_fit`) changes only the time."""
    train, rows = tweets.subset(range(300)), tweets.subset(range(300, 400))
    side_by_side = build_model("linear_svm").fit(train, seed=0)
    one_process = build_model("linear_svm")
    one_process.parallel_fit = False
    one_process.fit(train, seed=0)
    a, b = side_by_side.predict(rows.texts, rows.images), one_process.predict(rows.texts, rows.images)
    assert side_by_side.parallel_fit and np.allclose(a.probabilities, b.probabilities, rtol=0, atol=1e-9)
    assert np.allclose(a.intensities, b.intensities, rtol=0, atol=1e-9)


def test_each_calibration_fold_of_the_svm_learns_from_the_faces_that_come_last(tweets, faces):
    """Training rows come collection by collection, the faces last: scikit-learn's unshuffled folds left one of
    the calibrated SVMs with no face, its image weights all zero, and a third of each face's answer from it."""
    model = build_model("linear_svm").fit(LabelledData.concat([tweets, faces], source="tweets+faces"), seed=0)
    image_columns = [i for i, name in enumerate(model.featurizer_.feature_names()) if name.startswith("image__")
                     and name != "image__has_image"]
    assert not model.presence  # one 4-way calibrated SVM
    for fold in model.classifier_.calibrated_classifiers_:
        assert np.abs(fold.estimator.coef_[:, image_columns]).max(axis=1).min() > 1e-3


@pytest.mark.parametrize("name", ["logreg", "tfidf_logreg", "lexicon_rule"])
def test_training_rows_whose_text_has_no_word_and_no_image_are_refused(name, tweets):
    """A row of only a link is no text, as scoring reads it; without an image it would be learned from nothing. The
    models that read no features (TF-IDF, the lexicon rule) learned from it and scored it as "nothing to score"."""
    texts = list(tweets.texts)
    texts[5] = "https://t.co/abc @bob"
    data = LabelledData(texts, [None] * len(texts), tweets.labels, tweets.intensity, source="mine.csv")
    with pytest.raises(DataError, match=r"^mine\.csv: column 'text', row\(s\) 6: no word, hashtag, emoji or emoticon "
                                        r"once links and @mentions are left out, and no image \(first: "
                                        r"'https://t.co/abc @bob'\); remove it: nothing was trained"):
        build_model(name).fit(data, seed=0)


def test_training_images_all_alike_set_no_spread_limit_and_the_model_loads(tweets, tmp_path):
    """Every training image at the mean gave a limit of 0: saved, then refused by every load."""
    from PIL import Image

    red = Image.new("RGB", (32, 32), (200, 0, 0))
    rows = tweets.subset(np.arange(40))
    data = LabelledData([*rows.texts, "", "", "", ""], [None] * 40 + [red] * 4,
                        np.vstack([rows.labels, np.eye(4)]), np.vstack([rows.intensity, np.full((4, 4), np.nan)]))
    model = build_model("logreg").fit(data, seed=0)
    assert model.featurizer_.image_spread_limit_ is None
    model.save(tmp_path / "alike")
    assert load_model(tmp_path / "alike").predict([""], [red]).errors == [None]


def test_a_wordless_text_beside_an_image_is_an_image_row_for_a_text_model(tweets, faces):
    """TF-IDF refused a row of a link and a face, and left out a row of no text and a face: both are image rows."""
    from training.run import training_notes

    texts = [*tweets.texts, "https://t.co/x", ""]
    images = [*tweets.images, faces.images[0], faces.images[1]]
    data = LabelledData(texts, images, np.vstack([tweets.labels, faces.labels[:2]]),
                        np.vstack([tweets.intensity, faces.intensity[:2]]))
    model = build_model("tfidf_logreg").fit(data, seed=0)
    assert model.config["rows_not_read"] == 2 and model.config["train_rows"] == len(tweets)
    assert training_notes({"model": "image_net", "modalities": ["image"], "rows_not_read": 5}) == [
        "image_net reads image only: 5 training row(s) with nothing of that (a text without an image) were left out"]


def test_training_rows_a_model_cannot_read_are_counted_and_said(tweets, faces):
    """A text model given a source of faces dropped it without a word (`--data wassa,fer_sample`)."""
    from training.run import training_notes

    both = LabelledData([*tweets.texts, *faces.texts], [*tweets.images, *faces.images],
                        np.vstack([tweets.labels, faces.labels]), np.vstack([tweets.intensity, faces.intensity]))
    model = build_model("lexicon_rule").fit(both, seed=0)
    assert model.config["rows_not_read"] == len(faces) and model.config["train_rows"] == len(tweets)
    assert (f"lexicon_rule reads text only: {len(faces):,} training row(s) with nothing of that (an image without "
            f"text) were left out") in training_notes(model.config)
