"""Model folders are data: loading runs no code from them, refuses what it does not expect, and old pickled
folders are converted only on request."""

import gzip
import io
import json
import os
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from data.registry import wassa
from features.state import decode, encode
from models.convert import convert_legacy
from models.registry import DEFAULT_MODEL_DIR, MODELS, build_model, load_model
from models.store import ModelLoadError, OutputFolderError, sha256_file

ROOT = Path(__file__).resolve().parents[2]
FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}


class _Planted:
    """Unpickling it creates `path`: the proof that a pickle ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (Path.write_text, (Path(self.path), "code ran"))


@pytest.fixture(scope="module")
def tweets():
    data = wassa("train")
    return data.subset(np.random.default_rng(0).choice(len(data), 300, replace=False))


@pytest.fixture(scope="module")
def saved(tweets, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved") / "run"
    build_model("text_net", FAST_NET).fit(tweets, seed=0).save(folder)
    return folder


def _copy(saved, tmp_path, name="copy"):
    return Path(shutil.copytree(saved, tmp_path / name))


def _reseal(folder, *added):
    """Rewrite config.json's checksums (of its files and `added`), as someone crafting a folder would."""
    config = json.loads((folder / "config.json").read_text())
    config["files"] = {name: sha256_file(folder / name) for name in [*config["files"], *added]}
    (folder / "config.json").write_text(json.dumps(config))


def test_a_saved_folder_holds_no_pickle(saved):
    names = sorted(p.name for p in saved.iterdir())
    assert names == ["MODEL_CARD.md", "config.json", "features.json", "features.npz", "metrics.json",
                     "training_log.json", "weights.safetensors"]
    with zipfile.ZipFile(saved / "features.npz") as npz:
        for name in npz.namelist():
            header = npz.read(name)[:128]
            assert b"'descr': '|O'" not in header  # no object arrays, which numpy would pickle


def test_saving_replaces_a_saved_model_but_no_other_folder(saved, tweets, tmp_path):
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    replaced = model.save(_copy(saved, tmp_path))  # a model folder is replaced whole
    assert load_model(replaced).name == "lexicon_rule"
    extra = _copy(saved, tmp_path, "extra")
    (extra / "notes.txt").write_text("mine")
    with pytest.raises(OutputFolderError, match=r"extra: exists and is not a saved model folder \(it holds notes\.txt\)"):
        model.save(extra)
    assert (extra / "notes.txt").exists() and load_model(extra).name == "text_net"
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFolderError, match="file: exists and is not a folder"):
        model.save(tmp_path / "file")


def test_a_name_too_long_to_stage_beside_is_refused_before_training(tweets, tmp_path):
    """A name of 246-255 bytes passed, and saving failed after the training: "File name too long", naming the
    hidden staging folder."""
    from models.store import MAX_FOLDER_NAME, check_replaceable

    check_replaceable(tmp_path / ("m" * MAX_FOLDER_NAME))
    with pytest.raises(OutputFolderError, match=f"a folder name of {MAX_FOLDER_NAME + 1} bytes; .* at most "
                                                f"{MAX_FOLDER_NAME}: choose a shorter name"):
        check_replaceable(tmp_path / ("é" + "m" * (MAX_FOLDER_NAME - 1)))  # bytes, not letters
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    model.save(tmp_path / ("é" * (MAX_FOLDER_NAME // 2)))  # the longest a name of 2-byte letters may be: saved
    assert [p.name for p in tmp_path.iterdir()] == ["é" * (MAX_FOLDER_NAME // 2)]


def test_a_folder_inside_a_saved_model_is_refused(saved, tmp_path):
    """`--out models/default/x` was saved: then `compare` listed it, and the shipped model's own retraining
    command was refused ("exists and is not a saved model folder (it holds x)")."""
    from models.store import check_replaceable

    folder = _copy(saved, tmp_path)
    for inside in (folder / "x", folder / "x" / "y"):
        with pytest.raises(OutputFolderError, match=f"{inside.name}: inside the saved model folder {folder}; choose "
                                                    f"a folder outside it"):
            check_replaceable(inside)
    check_replaceable(folder)  # the model folder itself is replaced whole, as before
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "config.json").write_text('{"files": {"a": 1}}')  # another tool's config.json
    check_replaceable(tmp_path / "other" / "x")


def test_two_saves_of_one_new_folder_at_once_both_finish(tweets, tmp_path, monkeypatch):
    """One of two processes saving to the same new folder lost its model: "Directory not empty", naming a hidden
    staging folder. Now the second replaces the first, as a save over a saved model does."""
    from models import store

    model = build_model("lexicon_rule").fit(tweets, seed=0)
    real = os.replace

    def other_save_first(source, target):  # the other process's folder moves in between the check and the move
        if Path(target) == tmp_path / "run" and not Path(target).exists():
            monkeypatch.setattr(store.os, "replace", real)
            model.save(tmp_path / "run")
        return real(source, target)

    monkeypatch.setattr(store.os, "replace", other_save_first)
    model.save(tmp_path / "run")
    assert load_model(tmp_path / "run").name == "lexicon_rule" and [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_save_stopped_as_it_replaces_a_model_leaves_that_model_whole(saved, tweets, tmp_path, monkeypatch):
    """Replacing a saved model deleted it first and then moved the new folder in: a save stopped between the two
    (Ctrl-C, a kill) left neither. Now the old folder is set aside in one rename and deleted only at the end."""
    from models import store

    folder = _copy(saved, tmp_path)
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    moved = os.replace

    def stopped(source, target):  # the new folder about to take the old one's place
        if Path(target) == folder:
            raise KeyboardInterrupt
        return moved(source, target)

    monkeypatch.setattr(store, "_exchange", lambda first, second: False)  # a system without an atomic exchange
    monkeypatch.setattr(store.os, "replace", stopped)
    with pytest.raises(KeyboardInterrupt):
        model.save(folder)
    assert load_model(folder).name == "text_net"  # the old model, every checksum as it was
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]  # no staging or set-aside folder left beside it
    monkeypatch.undo()
    assert load_model(model.save(folder)).name == "lexicon_rule"
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]


def stopped_after(move, when):
    """`move` (os.rename or os.replace) that raises KeyboardInterrupt once it has moved a folder `when(source,
    target)` names: a Ctrl-C or SIGTERM is raised as such a call returns."""

    def moved_then_stopped(source, target):
        move(source, target)
        if when(Path(source), Path(target)):
            raise KeyboardInterrupt

    return moved_then_stopped


def test_a_save_stopped_just_after_the_new_model_moved_in_keeps_it_and_removes_the_old(saved, tweets, tmp_path,
                                                                                       monkeypatch):
    """A Ctrl-C or SIGTERM just after the new folder took the old one's place: putting the old one back failed
    ("Directory not empty"), an OSError instead of the interruption, and the old model was left beside it."""
    from models import store

    folder = _copy(saved, tmp_path)
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    monkeypatch.setattr(store, "_exchange", lambda first, second: False)  # a system without an atomic exchange
    monkeypatch.setattr(store.os, "replace", stopped_after(os.replace, lambda source, target: target == folder))
    with pytest.raises(KeyboardInterrupt):
        model.save(folder)
    monkeypatch.undo()
    assert load_model(folder).name == "lexicon_rule"
    assert [p.name for p in tmp_path.iterdir()] == ["copy"]  # no staging or set-aside folder left beside it


def test_a_rewrite_stopped_just_after_the_folder_was_set_aside_puts_it_back(tmp_path, monkeypatch):
    """A Ctrl-C or SIGTERM that comes during the rename setting the old folder aside is raised once that rename
    has returned: the rename sat outside the block that puts the old folder back, and the new copy was removed
    with the interruption, so the folder was gone (left as a hidden `.NAME.*.old` beside its place)."""
    from models import store
    from models.registry import ZOO_DIR

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    monkeypatch.setattr(store, "_exchange", lambda first, second: False)  # a system without an atomic exchange
    monkeypatch.setattr(store.os, "rename", stopped_after(os.rename, lambda source, target: source == folder))
    with pytest.raises(KeyboardInterrupt):
        store.rewrite_folder(folder, lambda copy: (copy / "MODEL_CARD.md").unlink())
    monkeypatch.undo()
    assert load_model(folder).name == "lexicon_rule" and (folder / "MODEL_CARD.md").is_file()  # as it was
    assert [p.name for p in tmp_path.iterdir()] == ["rule"]  # no copy or set-aside folder left beside it


def test_a_saved_folder_is_as_readable_as_any_folder_the_user_writes(tweets, tmp_path):
    """The folder was 0700 (mkdtemp's staging) and weights.safetensors 0600: a run saved by one user could not be
    loaded by another (a shared runs folder, a dashboard run as a service user). Now 0777 and 0666 less the umask."""
    import stat

    model = build_model("text_net", FAST_NET).fit(tweets, seed=0)
    before = os.umask(0o027)
    try:
        folder = model.save(tmp_path / "run")
    finally:
        os.umask(before)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == dict.fromkeys(
        [p.name for p in folder.iterdir()], 0o640)
    assert "weights.safetensors" in {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("config, user_files", [
    ({"files": ["data.csv"]}, ["data.csv"]),  # another tool's config.json, listing its files
    ({"files": {"data.csv": "x"}, "format": 2}, ["data.csv"]),  # no file a saved model has
    ({"files": {"metrics.json": "x"}, "format": 2}, ["metrics.json/mine.csv"]),  # a folder where a model has a file
])
def test_a_folder_whose_config_json_names_its_files_is_not_a_saved_model(tweets, tmp_path, config, user_files):
    folder = tmp_path / "mine"
    for name in user_files:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("the user's")
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(OutputFolderError, match=f"mine: exists and is not a saved model folder \\(it holds "
                                                f"{user_files[0].split('/')[0]}\\)"):
        build_model("lexicon_rule").fit(tweets, seed=0).save(folder)
    assert all((folder / name).read_text() == "the user's" for name in user_files)


def test_saving_to_the_current_folder_or_through_a_link(saved, tweets, tmp_path, monkeypatch):
    model = build_model("lexicon_rule").fit(tweets, seed=0)
    here = _copy(saved, tmp_path, "here")
    monkeypatch.chdir(here)
    model.save(".")  # the staging folder is made beside it, not inside the folder it replaces
    assert load_model(here).name == "lexicon_rule" and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link").symlink_to(here)
    with pytest.raises(OutputFolderError, match="link: a symbolic link .*give the folder itself"):
        model.save(tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and load_model(here).name == "lexicon_rule"


def test_a_planted_pickle_runs_no_code_and_gets_one_line(saved, tmp_path):
    marker = tmp_path / "ran.txt"
    folder = _copy(saved, tmp_path)
    (folder / "state.pkl.gz").write_bytes(gzip.compress(pickle.dumps(_Planted(marker))))
    # as whoever planted it would, so that `convert --trust` finds its checksum
    _edit_config(folder, lambda c: c.update(state_sha256=sha256_file(folder / "state.pkl.gz")))
    with pytest.raises(ModelLoadError) as caught:
        load_model(folder)
    # not "saved in the old pickle format ... convert it --trust": the folder is of format 2
    assert str(caught.value) == (f"{folder}/state.pkl.gz: a pickle, which can run code when it is read, in a folder "
                                 f"of format '2', which never holds one; refusing to load the folder. Do not convert "
                                 f"it: it is not of the old format")
    assert not marker.exists()

    result = subprocess.run([sys.executable, "cli.py", "score", "--model-dir", str(folder), "--input",
                             str(ROOT / "data" / "samples" / "tweets_sample.csv"), "--output", str(tmp_path / "o.csv")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and not marker.exists()
    assert result.stderr.strip().count("\n") == 0 and "--trust" not in result.stderr
    with pytest.raises(ModelLoadError, match=r"copy: already in the current format \(format 2\); its state.pkl.gz is "
                                             r"not part of it: refusing to unpickle it"):
        convert_legacy(folder)
    assert not marker.exists()


def test_a_pickled_array_in_the_features_file_is_refused(saved, tmp_path):
    marker = tmp_path / "ran.txt"
    folder = _copy(saved, tmp_path)
    with np.load(folder / "features.npz") as arrays:
        contents = dict(arrays)
    key = next(iter(contents))
    contents[key] = np.array([_Planted(marker)], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **contents)  # numpy pickles the object array
    (folder / "features.npz").write_bytes(buffer.getvalue())
    _reseal(folder)
    with pytest.raises(ModelLoadError, match="cannot read the saved features"):
        load_model(folder)
    assert not marker.exists()


@pytest.mark.parametrize("options, message", [
    # the image cache: scoring the first image moved the user's file aside and wrote a SQLite database in its place
    ({"cache": "VICTIM"}, r"image_options \['cache'\]: not options of a model's image features"),
    ({"max_pixels": 10**12}, r"image_options \['max_pixels'\]"),  # the size limit on images lifted
    ({"input_size": 2048}, "image_options input_size=2048: a whole number from 8 to 512"),  # 13.6 GB for one image
    ({"backbone": "resnet"}, "image_options: unknown backbone 'resnet'"),  # was an error at the first image row
    ({"crop_fraction": float("nan")}, r"image_options crop_fraction=nan: a number in \(0, 1\]"),
])
def test_a_model_folder_sets_only_the_options_that_make_its_image_features(tmp_path, options, message):
    """`image_options` in features.json (and in config.json's settings) went to the image extractor unchecked and
    took effect at the first image scored."""
    folder = Path(shutil.copytree(DEFAULT_MODEL_DIR, tmp_path / "model"))
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    options = {key: str(victim) if value == "VICTIM" else value for key, value in options.items()}
    _edit_tree(folder, lambda tree: tree["attributes"].update(image_options={"dict": options}))
    with pytest.raises(ModelLoadError, match=f"cannot read the saved features \\({message}"):
        load_model(folder)
    config = json.loads((folder / "config.json").read_text())
    config["settings"]["image_options"] = options
    (folder / "config.json").write_text(json.dumps(config, allow_nan=True))
    with pytest.raises(ModelLoadError, match=f"its settings do not fit this version \\({message}"):
        load_model(folder)
    assert victim.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["model", "victim.txt"]


def test_a_class_the_project_never_saves_is_refused(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    tree = json.loads((folder / "features.json").read_text())
    tree["attributes"]["text_features_"]["object"] = "Popen"
    (folder / "features.json").write_text(json.dumps(tree))
    _reseal(folder)
    with pytest.raises(ModelLoadError, match="'Popen' that is not one of the feature classes"):
        load_model(folder)


def test_an_edited_file_fails_its_checksum(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    with open(folder / "weights.safetensors", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ModelLoadError, match="weights.safetensors: checksum differs"):
        load_model(folder)


def test_a_skops_file_naming_an_untrusted_type_is_refused(tweets, tmp_path):
    import skops.io

    build_model("logreg").fit(tweets, seed=0).save(tmp_path / "run")
    state = skops.io.load(tmp_path / "run" / "model.skops", trusted=[])
    state["extra"] = Path("x")  # a type skops does not trust and this project never saves
    skops.io.dump(state, tmp_path / "run" / "model.skops")
    _reseal(tmp_path / "run")
    with pytest.raises(ModelLoadError, match="names types this project never saves .*pathlib"):
        load_model(tmp_path / "run")


def test_featurizer_state_round_trips_with_word2vec_vectors(tweets):
    model = build_model("text_net", FAST_NET, text_options={"vectors": "word2vec"}).fit(tweets, seed=0)
    tree, arrays = encode(model.featurizer_)
    json.dumps(tree)  # the tree is plain JSON
    restored = decode(tree, arrays)
    texts = tweets.texts[:50]
    np.testing.assert_array_equal(restored.transform(texts).text, model.featurizer_.transform(texts).text)


def test_numpy_forward_equals_the_torch_network_on_the_default_model():
    from models.network.module import predict_blocks

    model = load_model()
    texts = wassa("test").texts[:500] + ["", "so happy :)"]
    blocks = model.featurizer_.transform(texts)
    numpy_p, numpy_i = model.predict_blocks(blocks)
    torch_p, torch_i = predict_blocks(model.net_, blocks, model.presence)
    np.testing.assert_allclose(numpy_p, torch_p, atol=1e-6, rtol=0)
    np.testing.assert_allclose(numpy_i, torch_i, atol=1e-6, rtol=0)


def test_scoring_text_imports_neither_torch_nor_scikit_learn_nor_gensim():
    code = ("import sys; from models.registry import load_model; "
            "print(load_model().predict(['so angry right now']).emotions[0]); "
            "print(sorted(m for m in ('torch', 'sklearn', 'gensim', 'skops') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[1] == "[]"


def test_scoring_an_image_imports_no_torch_once_the_network_is_exported(tmp_path):
    import zipfile as zf

    with zf.ZipFile(ROOT / "data" / "samples" / "faces_sample.zip") as archive:
        face = tmp_path / "face.png"
        face.write_bytes(archive.read("faces/anger_1.png"))
    load_model().predict([""], [str(face)])  # exports the extractor to ONNX beside this session's image cache
    code = ("import sys; from models.registry import load_model; "
            f"p = load_model().predict(['', 'so happy'], [{str(face)!r}, {str(face)!r}]); "
            "print(p.errors, sorted(m for m in ('torch', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[None, None] []"


def _legacy_folder(model, folder: Path) -> None:
    """A folder as the earlier format wrote it: scikit-learn's Pipeline in a gzipped pickle, torch weights."""
    from sklearn.pipeline import FeatureUnion, Pipeline

    model.save(folder)
    featurizer = model.featurizer_
    text = featurizer.text_features_
    featurizer.text_features_ = Pipeline([("tokens", text.tokenizer), ("features", FeatureUnion(text.groups))])
    with gzip.open(folder / "state.pkl.gz", "wb") as handle:
        pickle.dump({"featurizer": featurizer}, handle)
    featurizer.text_features_ = text
    torch.save(model.net_.state_dict(), folder / "weights.pt")
    config = json.loads((folder / "config.json").read_text())
    for key in ("format", "files"):
        config.pop(key)
    config["state_sha256"] = sha256_file(folder / "state.pkl.gz")
    (folder / "config.json").write_text(json.dumps(config))
    for name in ("features.json", "features.npz", "weights.safetensors", "MODEL_CARD.md"):
        (folder / name).unlink()


def test_an_old_folder_converts_only_with_trust_and_then_scores_the_same(tweets, tmp_path, capsys):
    import cli

    model = build_model("text_net", FAST_NET).fit(tweets, seed=0)
    _legacy_folder(model, tmp_path / "old")
    with pytest.raises(ModelLoadError, match="convert --model-dir .* --trust"):
        load_model(tmp_path / "old")
    refused = subprocess.run([sys.executable, "cli.py", "convert", "--model-dir", str(tmp_path / "old")],
                             cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--trust" in refused.stderr

    convert_legacy(tmp_path / "old", tmp_path / "new")
    texts = tweets.texts[:100]
    np.testing.assert_allclose(load_model(tmp_path / "new").predict(texts).probabilities,
                               model.predict(texts).probabilities, atol=1e-7)
    # in place, by the command line: the old folder is a model folder, replaced by its conversion
    assert cli.main(["convert", "--model-dir", str(tmp_path / "old"), "--trust"]) == 0
    assert capsys.readouterr().err == f"converted → {tmp_path / 'old'}\n"
    assert not (tmp_path / "old" / "state.pkl.gz").exists() and load_model(tmp_path / "old").name == "text_net"
    np.testing.assert_allclose(load_model(tmp_path / "old").predict(texts).probabilities,
                               model.predict(texts).probabilities, atol=1e-7)


def test_an_old_folder_whose_conversion_does_not_load_is_left_as_it_was(tweets, tmp_path):
    model = build_model("text_net", FAST_NET).fit(tweets, seed=0)
    _legacy_folder(model, tmp_path / "old")
    _edit_config(tmp_path / "old", lambda c: c["net_config"].update(embed=9))  # its weights.pt has embed 8
    before = {path.name: path.read_bytes() for path in (tmp_path / "old").iterdir()}
    with pytest.raises(ModelLoadError, match=f"old: converted, it does not load, so nothing was written to "
                                             f"{tmp_path / 'old'} \\({tmp_path / 'old'}: cannot load the network: "
                                             f"weights.safetensors: text.4.weight has shape \\(8, 16\\); "
                                             f"net_config and the features imply \\(9, 16\\)\\)$"):
        convert_legacy(tmp_path / "old")
    assert {path.name: path.read_bytes() for path in (tmp_path / "old").iterdir()} == before
    assert [path.name for path in tmp_path.iterdir()] == ["old"]  # no staging folder left


def test_an_old_folder_convert_cannot_read_says_to_retrain_and_a_damaged_one_names_its_file(tweets, tmp_path):
    """A folder of the first format (`state.joblib`) was told to run `convert`, which then failed with
    "AttributeError: 'FusedNetwork' object has no attribute 'featurizer_'"; so did one missing its state; a cut
    `weights.pt` gave torch's words, naming no file."""
    model = build_model("text_net", FAST_NET).fit(tweets, seed=0)
    _legacy_folder(model, tmp_path / "old")
    (tmp_path / "old" / "state.pkl.gz").rename(tmp_path / "old" / "state.joblib")
    retrain = "it cannot be loaded or converted: retrain it with this version"
    with pytest.raises(ModelLoadError, match=rf"old: saved in the first format \(state.joblib\), which `convert` does "
                                             rf"not read; {retrain}"):
        load_model(tmp_path / "old")
    with pytest.raises(ModelLoadError, match=r"first format \(state.joblib\)"):
        convert_legacy(tmp_path / "old", tmp_path / "new")
    (tmp_path / "old" / "state.joblib").unlink()
    with pytest.raises(ModelLoadError, match=rf"old: saved in the old pickle format, but without its state.pkl.gz; "
                                             rf"{retrain}"):
        convert_legacy(tmp_path / "old", tmp_path / "new")
    _legacy_folder(model, tmp_path / "cut")
    weights = tmp_path / "cut" / "weights.pt"
    weights.write_bytes(weights.read_bytes()[:500])
    with pytest.raises(ModelLoadError, match=r"cut/weights.pt: cannot be read \("):
        convert_legacy(tmp_path / "cut", tmp_path / "new")
    assert not (tmp_path / "new").exists()
    rule = build_model("lexicon_rule").fit(tweets, seed=0)  # as the pickle format saved it: its fallback pickled
    rule.save(tmp_path / "rule")
    with gzip.open(tmp_path / "rule" / "state.pkl.gz", "wb") as handle:
        pickle.dump({"fallback": rule.fallback_}, handle)
    _edit_config(tmp_path / "rule", lambda c: [c.pop("format"), c.pop("files"), c.pop("fallback"),
                                               c.update(state_sha256=sha256_file(tmp_path / "rule" / "state.pkl.gz"))])
    with pytest.raises(ModelLoadError, match="convert --model-dir .* --trust"):
        load_model(tmp_path / "rule")
    convert_legacy(tmp_path / "rule", tmp_path / "rule_new")
    assert load_model(tmp_path / "rule_new").predict(["so angry"]).emotions == ["anger"]


def test_an_old_folder_of_no_known_model_is_refused_by_name_before_its_pickle_is_read(tmp_path):
    """The folder named in the message, as loading names it; a model that is no name is no TypeError."""
    marker = tmp_path / "ran.txt"
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "state.pkl.gz").write_bytes(gzip.compress(pickle.dumps(_Planted(marker))))
    config = {"model": "cnn", "settings": {}, "state_sha256": sha256_file(folder / "state.pkl.gz")}
    (folder / "config.json").write_text(json.dumps(config))
    result = subprocess.run([sys.executable, "cli.py", "convert", "--model-dir", str(folder), "--trust"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr == (f"error: {folder}: unknown model 'cnn'; valid names: "
                                                        f"{', '.join(MODELS)}\n")
    (folder / "config.json").write_text(json.dumps(dict(config, model=["text_net"])))
    with pytest.raises(ModelLoadError, match=r"old/config.json: model is \['text_net'\], not a name; valid names: "
                                             r"fused_net, "):
        convert_legacy(folder)
    assert not marker.exists()


def test_the_shipped_default_model_is_in_the_current_format():
    assert json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())["format"] == 2
    assert not (DEFAULT_MODEL_DIR / "state.pkl.gz").exists()


@pytest.mark.parametrize("name", ["metrics.json", "features.npz", "weights.safetensors", "MODEL_CARD.md"])
def test_a_file_of_the_folder_that_is_a_symbolic_link_is_refused(saved, tmp_path, name):
    from models.store import read_card

    folder = _copy(saved, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.copyfile(folder / name, elsewhere)  # the same bytes: its checksum alone would pass
    (folder / name).unlink()
    (folder / name).symlink_to(elsewhere)
    with pytest.raises(ModelLoadError, match=f"{name}: a symbolic link; .*refusing to read it"):
        read_card(folder) if name == "MODEL_CARD.md" else load_model(folder)  # loading never reads the card


def test_a_file_the_loader_reads_must_be_listed_with_its_checksum(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    config = json.loads((folder / "config.json").read_text())
    del config["files"]["metrics.json"]
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="metrics.json: config.json lists no checksum for it"):
        load_model(folder)


@pytest.mark.parametrize("name, text, message", [
    ("metrics.json", "[1, 2, 3]", "metrics.json: holds an array where an object belongs"),
    ("training_log.json", "{}", "training_log.json: holds an object where an array belongs"),
    ("fairness.json", "[" * 100_000 + "]" * 100_000, "fairness.json: not valid JSON .*recursion"),
    ("features.json", "{", "features.json: not valid JSON"),
    ("config.json", "[" * 100_000 + "]" * 100_000, "config.json: not valid JSON .*recursion"),
])
def test_a_json_file_of_the_wrong_shape_is_one_line_naming_it(saved, tmp_path, name, text, message):
    folder = _copy(saved, tmp_path)
    (folder / name).write_text(text)
    if name != "config.json":
        _reseal(folder, name)
    with pytest.raises(ModelLoadError, match=message) as caught:
        load_model(folder)
    assert "\n" not in str(caught.value)


def test_a_config_in_utf16_is_refused_as_the_comparison_refuses_it(saved, tmp_path):
    """json.loads reads UTF-16 bytes: the model loaded while `compare` and the Compare page said "not UTF-8"."""
    folder = _copy(saved, tmp_path)
    (folder / "config.json").write_bytes((folder / "config.json").read_text().encode("utf-16"))
    with pytest.raises(ModelLoadError, match="config.json: not valid JSON .*utf-8"):
        load_model(folder)


def test_the_card_is_read_only_when_its_checksum_matches(saved, tmp_path):
    from models.store import read_card

    folder = _copy(saved, tmp_path)
    assert read_card(folder).startswith("---\nlanguage: en")
    (folder / "MODEL_CARD.md").write_text("# edited\n")
    with pytest.raises(ModelLoadError, match="MODEL_CARD.md: checksum differs from config.json"):
        read_card(folder)
    (folder / "MODEL_CARD.md").write_bytes(b"# Card \xff\xfe\n")
    _reseal(folder)
    with pytest.raises(ModelLoadError, match="MODEL_CARD.md: not UTF-8 text"):
        read_card(folder)
    (folder / "MODEL_CARD.md").unlink()
    with pytest.raises(ModelLoadError, match="MODEL_CARD.md"):
        read_card(folder)
    assert load_model(folder).name == "text_net"  # loading never reads the card
    _reseal_without(folder, "MODEL_CARD.md")
    assert read_card(folder) is None  # a folder saved without a card


def _reseal_without(folder, name):
    config = json.loads((folder / "config.json").read_text())
    del config["files"][name]
    (folder / "config.json").write_text(json.dumps(config))


def _edit_weights(folder, edit):
    from safetensors.numpy import load_file, save_file

    weights = load_file(folder / "weights.safetensors")
    edit(weights)
    save_file(weights, folder / "weights.safetensors")
    _reseal(folder)


def _edit_config(folder, edit):
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def _set(weights, name, value):
    weights[name] = value


@pytest.mark.parametrize("edit, message", [
    (lambda w: _set(w, "text.1.weight", np.zeros((7, 3), np.float32)),
     r"text.1.weight has shape \(7, 3\); net_config and the features imply \(16, 125\)"),
    (lambda w: w.pop("emotion_head.bias"), "weights.safetensors lacks emotion_head.bias"),
    (lambda w: _set(w, "image.1.weight", np.zeros((16, 3), np.float32)), "weights.safetensors has image.1.weight"),
    (lambda w: _set(w, "text.4.bias", w["text.4.bias"].astype(np.int64)), "text.4.bias is int64, not float32"),
    (lambda w: _set(w, "emotion_head.bias", np.full(4, np.nan, np.float32)), "emotion_head.bias holds NaN"),
])
def test_weights_that_are_not_those_of_the_saved_network_are_refused(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_weights(folder, edit)
    with pytest.raises(ModelLoadError, match=f"copy: cannot load the network: .*{message}"):
        load_model(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c["net_config"].update(embed=9),
     r"text.4.weight has shape \(8, 16\); net_config and the features imply \(9, 16\)"),
    (lambda c: c["net_config"].update(text_dim=124),
     "net_config has text_dim 124 and image_dim 0; the saved features have 125"),
    (lambda c: c["net_config"].update({k: 10**12 for k in ("hidden", "embed", "text_dim")}),
     "config.json: cannot load the network: its net_config hidden=1000000000000: must be a whole number in"),
    (lambda c: c.pop("net_config"), "its net_config is not an object"),
])
def test_a_net_config_that_does_not_fit_the_weights_is_refused(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_config(folder, edit)
    with pytest.raises(ModelLoadError, match=message):
        load_model(folder)


def _edit_tree(folder, edit):
    tree = json.loads((folder / "features.json").read_text())
    edit(tree)
    (folder / "features.json").write_text(json.dumps(tree))
    _reseal(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda t: t["attributes"].update(zzz={"dict": [1, 2]}), r"unreadable saved state node \"{'dict': \[1, 2\]}\""),
    (lambda t: t["attributes"].update(zzz={"dict": {}, "tuple": []}), "unreadable saved state node"),
    (lambda t: t["attributes"].update(zzz={"array": "x", "strings": "yes"}), "unreadable saved state node"),
    (lambda t: t["attributes"].update(zzz={"object": "Featurizer", "attributes": [1]}), "unreadable saved state node"),
    (lambda t: t.update(attributes={name: "garbage" for name in t["attributes"]}), "use_text is not true or false"),
    (lambda t: t["attributes"].update(text_mean_=[1.0, 2.0]), "text_mean_ is not 125 finite numbers"),
    (lambda t: t["attributes"].update(text_features_={"object": "TweetTokenizer", "attributes": {}}),
     "text_features_ is not the text features"),
    (lambda t: t["attributes"].update(_image_extractor={"object": "Featurizer"}),
     "sets '_image_extractor' of a Featurizer, an attribute that is never saved"),
    (lambda t: t.update(object="TweetTokenizer"), "holds a TweetTokenizer, not a Featurizer"),
    (lambda t: t["attributes"]["text_features_"]["attributes"]["tokenizer"]["attributes"].update(
        negation_window=10**9), "negation_window=1000000000: a whole number of words from 0 to 50"),
])
def test_a_features_file_that_is_not_a_fitted_featurizer_is_refused(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_tree(folder, edit)
    with pytest.raises(ModelLoadError, match=f"copy: cannot read the saved features \\(.*{message}"):
        load_model(folder)


def _edit_arrays(folder, edit):
    with np.load(folder / "features.npz") as arrays:
        contents = dict(arrays)
    edit(contents)
    np.savez(folder / "features.npz", **contents)
    _reseal(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.update({"state.text_scale_": np.zeros_like(a["state.text_scale_"])}),
     "text_scale_ holds a scale of 0, not above 1e-12"),  # was NaN probabilities, with warnings from numpy
    (lambda a: a.update({"state.text_scale_": np.full_like(a["state.text_scale_"], 1e-300)}),
     "text_scale_ holds a scale of 1e-300"),
    (lambda a: a.update({f"{next(k for k in a if k.endswith('.scores'))}": np.zeros((2, 4))}),
     r"is not one row of finite scores per term \(\d+ terms, scores of shape \(2, 4\)\)"),  # cut to 2 terms
    (lambda a: a[next(k for k in a if k.endswith(".scores"))].__setitem__((0, 0), np.nan), "finite scores per term"),
])
def test_saved_scales_and_lexicons_must_be_as_fitting_leaves_them(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_arrays(folder, edit)
    with pytest.raises(ModelLoadError, match=f"copy: cannot read the saved features \\(.*{message}"):
        load_model(folder)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update(outputs="bogus"), "outputs is 'bogus', not one of presence, choice"),
    (lambda c: c.update(none_threshold="abc"), "none_threshold is 'abc', not a number in"),
    (lambda c: c.update(none_threshold=float("nan")), r"none_threshold is nan, not a number in \[0, 1\]"),
    (lambda c: c.update(none_threshold=1e308), "none_threshold is 1e[+]308"),
    (lambda c: c.update(none_threshold=True), "none_threshold is True"),
    (lambda c: c.update(outputs="presence"), "none_threshold is None"),  # a presence model without one
    (lambda c: c.update(presence_offsets="zz"), "presence_offsets is 'zz', not 4 numbers"),
    (lambda c: c.update(emotions=["joy", "anger", "fear", "sadness"]), "its emotions are .*; this version's are anger"),
    (lambda c: c.update(modalities=["image"]), r"modalities is \['image'\]; this model reads text"),
    (lambda c: c.update(modalities="text"), "modalities is 'text'"),
])
def test_what_config_json_says_is_checked_when_loading(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_config(folder, edit)
    with pytest.raises(ModelLoadError, match=f"copy/config.json: cannot load the model: {message}"):
        load_model(folder)


@pytest.mark.parametrize("fallback, message", [
    (9, r"cannot load the model: scoring a test tweet fails \(IndexError: index 9 is out of bounds"),
    ("x", r"cannot load the model \(ValueError: invalid literal for int\(\)"),
])
def test_any_other_failure_while_loading_is_one_line_naming_the_folder(tmp_path, fallback, message):
    folder = Path(shutil.copytree(ROOT / "models" / "zoo" / "lexicon_rule", tmp_path / "rule"))
    _edit_config(folder, lambda c: c.update(fallback=fallback))
    with pytest.raises(ModelLoadError, match=f"rule: {message}") as caught:
        load_model(folder)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("edit, message", [
    (lambda c: c.update(model=["text_net"]), r"copy/config.json: model is \['text_net'\], not a name; valid names: "
                                             r"fused_net, "),  # was "unhashable type: 'list'"
    (lambda c: c.update(format="x" * 1000), r"copy: model format 'x{20}'; this version reads format 2"),
])
def test_a_config_json_of_the_wrong_kinds_is_one_short_line(saved, tmp_path, edit, message):
    folder = _copy(saved, tmp_path)
    _edit_config(folder, edit)
    with pytest.raises(ModelLoadError, match=f"{message}") as caught:
        load_model(folder)
    assert len(str(caught.value)) < len(str(folder)) + 200


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_a_listed_file_that_is_a_fifo_or_a_folder_is_named_as_such(saved, tmp_path, make):
    folder = _copy(saved, tmp_path)
    (folder / "metrics.json").unlink()
    make(folder / "metrics.json")
    with pytest.raises(ModelLoadError, match="copy/metrics.json: not a regular file; refusing to read it"):
        load_model(folder)  # not "missing metrics.json"


def test_a_table_of_the_wrong_kind_deep_in_the_features_is_one_line(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit_tree(folder, lambda t: t["attributes"]["text_features_"]["attributes"]["groups"][0]["tuple"][1]
               ["attributes"].update(emolex_table_="x"))
    with pytest.raises(ModelLoadError, match="copy: cannot load the model: scoring a test tweet fails "
                                             r"\(AttributeError: 'str' object"):
        load_model(folder)


def test_the_cli_names_the_folder_of_a_crafted_model(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _edit_weights(folder, lambda weights: weights.pop("emotion_head.bias"))
    result = subprocess.run([sys.executable, "cli.py", "score", "--model-dir", str(folder), "--input",
                             str(ROOT / "data" / "samples" / "tweets_sample.csv"), "--output", str(tmp_path / "o.csv")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and not (tmp_path / "o.csv").exists()
    assert result.stderr == (f"error: {folder}: cannot load the network: weights.safetensors lacks "
                             f"emotion_head.bias\n")


def _add_member(folder, name, header_shape, data_bytes):
    """Adds a .npy member to features.npz: a header for float64 `header_shape`, then `data_bytes` zero bytes."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
    header["shape"] = header_shape
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    with zipfile.ZipFile(folder / "features.npz", "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            member.write(buffer.getvalue())
            for start in range(0, data_bytes, 1 << 24):
                member.write(bytes(min(1 << 24, data_bytes - start)))
    _reseal(folder)


def test_a_features_file_that_unpacks_to_more_than_the_cap_is_refused_before_unpacking(saved, tmp_path):
    from models.store import MAX_UNPACKED_BYTES

    folder = _copy(saved, tmp_path)
    _add_member(folder, "zeros.npy", (MAX_UNPACKED_BYTES // 8,), MAX_UNPACKED_BYTES)  # 256 MiB of zeros in 250 KB
    assert (folder / "features.npz").stat().st_size < 2_000_000
    with pytest.raises(ModelLoadError, match=r"copy/features.npz: would unpack to 269,\d{3},\d{3} bytes, more than "
                                             r"the 268,435,456 a model folder's archive may"):
        load_model(folder)


def test_an_array_whose_header_claims_more_than_its_member_holds_is_refused(saved, tmp_path):
    folder = _copy(saved, tmp_path)
    _add_member(folder, "huge.npy", (10**9,), 64)  # numpy would allocate 8 GB before reading 64 bytes
    with pytest.raises(ModelLoadError, match=r"copy: cannot read the saved features \(features.npz: huge.npy declares "
                                             r"an array of shape \(1000000000,\) \(8,000,000,128 bytes\) but holds "
                                             r"192\)"):
        load_model(folder)


def test_the_shipped_archives_unpack_to_well_under_the_cap():
    from models.store import MAX_UNPACKED_BYTES

    archives = [*ROOT.glob("models/default/*.npz"), *ROOT.glob("models/zoo/*/*.npz"), *ROOT.glob("models/zoo/*/*.skops")]
    assert len(archives) >= 8
    for path in archives:
        with zipfile.ZipFile(path) as archive:
            assert sum(member.file_size for member in archive.infolist()) < MAX_UNPACKED_BYTES / 4, path


def test_a_skops_file_that_unpacks_to_more_than_the_cap_is_refused(tmp_path, monkeypatch):
    from models import store

    folder = Path(shutil.copytree(ROOT / "models" / "zoo" / "tfidf_logreg", tmp_path / "tfidf"))
    monkeypatch.setattr(store, "MAX_UNPACKED_BYTES", 30_000_000)  # it unpacks to 35 MB
    with pytest.raises(ModelLoadError, match=r"tfidf/model.skops: would unpack to 34,\d{3},\d{3} bytes, more than "
                                             r"the 30,000,000"):
        load_model(folder)


def test_a_skops_file_of_zeros_before_its_archive_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A ZIP reader finds the archive at the file's end: zeros before it pack small and would be read whole."""
    from models import store

    folder = Path(shutil.copytree(ROOT / "models" / "zoo" / "logreg", tmp_path / "logreg"))
    archive = (folder / "model.skops").read_bytes()
    monkeypatch.setattr(store, "MAX_UNPACKED_BYTES", 2_000_000)  # it unpacks to 0.3 MB
    (folder / "model.skops").write_bytes(bytes(3_000_000) + archive)
    _reseal(folder)
    with pytest.raises(ModelLoadError, match=r"logreg/model.skops: 3,\d{3},\d{3} bytes, more than the 2,000,000 a "
                                             r"model folder's archive may hold"):
        load_model(folder)


def test_weights_larger_than_their_net_config_implies_are_refused_before_they_are_read(saved, tmp_path):
    from models.network.config import NetConfig
    from models.network.model import WEIGHTS_HEADER_BYTES

    folder = _copy(saved, tmp_path)
    with open(folder / "weights.safetensors", "r+b") as handle:
        handle.truncate(50_000_000)  # zeros after the weights: read whole, then refused by safetensors
    _reseal(folder)
    shapes = NetConfig(**json.loads((folder / "config.json").read_text())["net_config"]).weight_shapes().values()
    limit = sum(int(np.prod(shape)) for shape in shapes) * 4 + WEIGHTS_HEADER_BYTES
    with pytest.raises(ModelLoadError, match=f"copy/weights.safetensors: 50,000,000 bytes, more than the {limit:,} "
                                             f"bytes that the float32 weights of 1 network\\(s\\) of its net_config take"):
        load_model(folder)


def test_weights_of_more_networks_than_its_settings_say_are_refused(saved, tmp_path):
    def two_networks(weights):
        for name in list(weights):
            weights[f"members.0.{name}"] = weights[f"members.1.{name}"] = weights.pop(name)

    folder = _copy(saved, tmp_path)
    _edit_weights(folder, two_networks)
    with pytest.raises(ModelLoadError, match="copy: weights.safetensors holds 2 networks; its settings say 1"):
        load_model(folder)


def test_a_listed_file_that_no_model_folder_holds_is_refused_before_it_is_hashed(saved, tmp_path):
    """Any name config.json listed was hashed whole, whatever its size: a file of zeros listed as `zeros.bin`."""
    folder = _copy(saved, tmp_path)
    with open(folder / "zeros.bin", "wb") as handle:
        handle.truncate(50_000_000)
    _edit_config(folder, lambda c: c["files"].update({"zeros.bin": "0" * 64}))
    with pytest.raises(ModelLoadError, match="copy/zeros.bin: config.json lists it, but a model folder of this kind "
                                             "holds no such file; refusing to read it"):
        load_model(folder)


def test_weights_beside_a_net_config_that_gives_no_limit_are_not_hashed(saved, tmp_path):
    """Without a net_config to set the weights' limit, weights of zeros were hashed whole before the net_config
    was named (the error said their checksum differs)."""
    folder = _copy(saved, tmp_path)
    with open(folder / "weights.safetensors", "r+b") as handle:
        handle.truncate(50_000_000)
    _edit_config(folder, lambda c: c["net_config"].update(hidden=0))
    with pytest.raises(ModelLoadError, match=r"copy/config.json: cannot load the network: its net_config hidden=0: "
                                             r"must be a whole number in \[1, 4096\]"):
        load_model(folder)


def test_a_save_waits_for_a_rewrite_of_the_folder_it_replaces(tmp_path):
    """`audit --save` copies a model folder while holding its lock; a `train --out` of the same folder finishing
    meanwhile swapped its model in between, and the rewrite's copy mixed the two models' files (checksums failed)."""
    import shutil
    import threading

    from models import store
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "model")
    newer = load_model(ZOO_DIR / "text_net")
    saving = threading.Thread(target=newer.save, args=(folder,))
    with store.folder_lock(folder):
        saving.start()
        saving.join(timeout=2)
        assert saving.is_alive() and load_model(folder).name == "lexicon_rule"  # waits for the lock
    saving.join(timeout=60)
    assert load_model(folder).name == "text_net"


def test_a_lock_waited_for_while_the_folder_was_replaced_is_taken_on_the_new_folder(tmp_path):
    """A rewrite waiting for the lock of a folder that the holder then replaced had the lock of the old folder, so a
    third rewrite could run on the new one beside it."""
    import fcntl
    import threading

    from models import store

    folder, newer = tmp_path / "model", tmp_path / ".model.new"
    folder.mkdir()
    newer.mkdir()
    second_holds, second_may_go = threading.Event(), threading.Event()

    def second():
        with store.folder_lock(folder):
            second_holds.set()
            second_may_go.wait(timeout=10)

    waiting = threading.Thread(target=second)
    with store.folder_lock(folder):
        waiting.start()
        assert not second_holds.wait(timeout=0.5)  # waits for the first
        os.rename(folder, tmp_path / ".model.old")
        os.rename(newer, folder)
    assert second_holds.wait(timeout=10)
    third = os.open(folder, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):  # the new folder is the one the second holds
            fcntl.flock(third, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(third)
        second_may_go.set()
        waiting.join()


def test_a_folder_is_swapped_in_one_step_where_the_system_can(tmp_path, monkeypatch):
    """Setting the old folder aside and moving the new one in took two renames: a kill (SIGKILL, power loss)
    between them left no folder at its path, and a reader between them found none. On Linux the two are swapped
    in one call (renameat2 RENAME_EXCHANGE); a stop just after it keeps the new folder and removes the old."""
    from models import store
    from models.registry import ZOO_DIR

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "x").write_text("first")
    if not store._exchange(first, second):
        pytest.skip("this system or file system has no atomic exchange")
    assert (second / "x").read_text() == "first" and not (first / "x").exists()  # swapped

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    newer = load_model(ZOO_DIR / "text_net")

    def never(*args, **kwargs):  # no rename of the folder, nor a rename over it
        raise AssertionError("renamed in two steps")

    monkeypatch.setattr(store.os, "rename", never)
    newer.save(folder)
    assert load_model(folder).name == "text_net"
    exchange = store._exchange

    def stopped_after(one, other):
        exchange(one, other)
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_exchange", stopped_after)
    with pytest.raises(KeyboardInterrupt):
        store.rewrite_folder(folder, lambda copy: store.replace_file(copy / "MODEL_CARD.md",
                                                                     lambda path: path.write_text("changed")))
    monkeypatch.undo()
    assert (folder / "MODEL_CARD.md").read_text() == "changed"  # the new folder kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "rule"]  # the old one removed
