"""Every saved model carries a model card: what it is, its data and their terms, its figures, its audit, its limits."""

import json
import os

from models.card import model_card
from models.registry import DEFAULT_MODEL_DIR


def test_the_default_models_card_gives_data_terms_figures_audit_and_limits():
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text()
    assert card.startswith("---\n") and "# Model card: `fused_net`" in card
    for section in ("## Model details", "## Intended use", "## Training data", "## Evaluation", "## Fairness",
                    "## Known limits"):
        assert section in card
    assert "| `goemotions` |" in card and "Apache-2.0" in card and "do not redistribute" in card
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert f"{metrics['wassa_test']['macro_f1']:.3f}" in card
    goemo, ec = metrics["goemotions_dev"], metrics["ec_dev"]  # the rows with none counted in, and said
    # 4-way: n leaves them out; presence: n counts them
    assert f"| {goemo['n'] + goemo['none_rows']:,} ({goemo['none_rows']:,} with none) |" in card
    assert f"| {ec['n']:,} ({ec['none_rows']:,} with none) |" in card
    fairness = json.loads((DEFAULT_MODEL_DIR / "fairness.json").read_text())
    assert f"Emotion-word accuracy: {fairness['emotion_word_accuracy']:.3f}" in card
    assert "query words" in card


def test_a_run_trained_from_the_cli_gets_an_audited_card(tmp_path):
    import cli

    out = tmp_path / "run"
    assert cli.main(["train", "--model", "tfidf_logreg", "--data", "wassa", "--out", str(out)]) == 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "# Model card: `tfidf_logreg`" in card and "female − male" in card
    assert json.loads((out / "fairness.json").read_text())["sentences"] == 8640


def test_a_text_model_trained_on_tweets_and_faces_names_only_the_tweets(tmp_path):
    """The faces are dropped in `EmotionModel.fit` (a text model reads none of them): the config's
    `train_source` and the card's training data list what it trained on."""
    import numpy as np

    from data.labelled import LabelledData
    from data.registry import fer, wassa
    from models.registry import build_model

    tweets, faces = wassa("train").subset(range(0, 3600, 9)), fer("train_sample").subset(range(40))
    mixed = LabelledData.concat([tweets, faces], source=f"{tweets.source}+{faces.source}")
    assert mixed.source == "wassa2017/train+fer2013/train_sample"
    model = build_model("tfidf_logreg").fit(mixed, seed=0)
    assert model.config["train_source"] == "wassa2017/train" and model.config["train_rows"] == len(tweets)
    assert model.config["train_fingerprint"] == tweets.fingerprint()
    model.save(tmp_path / "run")
    card = (tmp_path / "run" / "MODEL_CARD.md").read_text()
    training_data = card.split("## Training data")[1].split("## Evaluation")[0]
    assert "| `wassa` |" in training_data and "FER2013" not in training_data
    assert "faces alone" not in card  # the limit of image fusion is no limit of a text model
    assert np.array_equal(json.loads((tmp_path / "run" / "config.json").read_text())["modalities"], ["text"])


def test_a_run_on_the_sample_of_faces_is_described_as_that_sample_not_all_faces():
    from models.card import _sources

    assert [name for name, _, _ in _sources("wassa2017/train+fer2013/train_sample")] == ["wassa", "fer_sample"]
    (_, description, _), = _sources("fer2013/train_sample")
    assert "2,000" in description and "20,137" not in description
    assert [name for name, _, _ in _sources("fer2013/train")] == ["fer"]


def test_every_shipped_card_is_the_one_its_folder_gives_and_no_text_model_names_the_faces():
    from models.card import model_card
    from models.registry import ZOO_DIR, load_model

    for folder in [DEFAULT_MODEL_DIR, *sorted(p for p in ZOO_DIR.iterdir() if p.is_dir())]:
        model = load_model(folder)  # checksums, the card's among them
        config = json.loads((folder / "config.json").read_text())
        described = {k: v for k, v in config.items() if k not in ("files", "format")}
        assert (folder / "MODEL_CARD.md").read_text() == model_card(described, model.metrics, model.fairness), folder
        assert ("fer2013" in config["train_source"]) == ("image" in config["modalities"]), folder


def test_rewrite_card_writes_the_card_and_its_checksum_and_nothing_else(tmp_path):
    import hashlib
    import shutil

    import pytest

    from models.card import rewrite_card
    from models.registry import ZOO_DIR, load_model
    from models.store import ModelLoadError

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    config = json.loads((folder / "config.json").read_text())
    config["train_source"] = "mine.csv"  # a field the card shows, corrected in the config
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    rewrite_card(folder)
    assert "| `mine.csv` | the user's own data |" in (folder / "MODEL_CARD.md").read_text()
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert {n for n in before if before[n] != after[n]} == {"MODEL_CARD.md", "config.json"}
    assert load_model(folder).config["train_source"] == "mine.csv"  # the new card passes its checksum
    (folder / "metrics.json").write_text("{}")
    with pytest.raises(ModelLoadError, match="checksum differs"):
        rewrite_card(folder)  # a damaged folder is not blessed with new checksums


def test_an_edited_card_is_withheld_the_model_still_loads_and_rewrite_card_writes_it_again(tmp_path):
    """A card is a document about the model that loading never reads: one line added to it made the model
    unloadable, and `audit --save`, which loads it, could not write the card again."""
    import shutil

    import pytest

    from models.card import rewrite_card
    from models.registry import ZOO_DIR, load_model
    from models.store import ModelLoadError, read_card

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    card = read_card(folder)
    with open(folder / "MODEL_CARD.md", "a", encoding="utf-8") as handle:
        handle.write("my note\n")
    assert load_model(folder).predict(["so happy today"]).emotions == ["joy"]
    with pytest.raises(ModelLoadError, match=r"MODEL_CARD\.md: checksum differs from config\.json; refusing to read "
                                             r"it \(edited since the model was saved\? `python cli\.py audit --save`"):
        read_card(folder)
    rewrite_card(folder)
    assert read_card(folder) == card


def test_a_model_trained_without_an_emotion_or_a_none_row_says_so_and_loads(tmp_path):
    """Every row judged (multi-label) with an emotion, and none of them sad: the "none" threshold cannot be chosen
    on the validation rows (it was saved as null, and the model could not load) and sadness was never seen."""
    import numpy as np

    from data.labelled import LabelledData
    from data.registry import wassa
    from models.registry import build_model, load_model

    tweets = wassa("train").subset(range(0, 3600, 6))
    keep = np.flatnonzero(tweets.labels[:, 3] == 0)
    data = LabelledData([tweets.texts[i] for i in keep], [None] * len(keep), tweets.labels[keep],
                        np.full((len(keep), 4), np.nan), multi_label=True, source="mine.csv")
    model = build_model("logreg").fit(data, seed=0)
    assert model.config["none_threshold"] == 0.5 and model.config["emotions_unseen"] == ["sadness"]
    model.save(tmp_path / "run")
    card = (tmp_path / "run" / "MODEL_CARD.md").read_text()
    assert "`none` below 0.5 (0.5, not chosen: no validation row had none of the four emotions" in card
    assert "- Its training data had no example of sadness: it may never say it." in card
    assert load_model(tmp_path / "run").predict(["so happy"]).emotions == ["joy"]


def test_the_limit_of_wassas_query_words_says_what_this_model_was_trained_on():
    """The WASSA specialist's card once said human judgements "were added to the default recipe", read as if of it."""
    from models.card import model_card

    def limit(train_source: str) -> str:
        card = model_card({"train_source": train_source, "modalities": ["text"]}, {}, {})
        return next(line for line in card.splitlines() if "query words" in line)

    assert "trained on them and no human judgement" in limit("wassa2017/train+fer2013/train")
    assert "also trained on human judgements (goemotions, wassa_agreed)" in limit(
        "wassa_agreed/train+goemotions/train+fer2013/train")
    assert "measure agreement with those words" in limit("goemotions/train")


def test_rewrite_card_checks_a_networks_weights_within_their_limit(tmp_path):
    """rewrite_card checked the folder with the limits of no model, so a network's weights were hashed whole."""
    import shutil

    import pytest

    from models.card import rewrite_card
    from models.registry import ZOO_DIR
    from models.store import ModelLoadError

    folder = shutil.copytree(ZOO_DIR / "text_net", tmp_path / "net")
    rewrite_card(folder)  # the shipped weights are within their limit
    with open(folder / "weights.safetensors", "r+b") as handle:
        handle.truncate(50_000_000)
    with pytest.raises(ModelLoadError, match="weights.safetensors: 50,000,000 bytes, more than the"):
        rewrite_card(folder)


def test_a_model_trained_on_labels_alone_says_it_gives_no_intensity(tmp_path):
    """A baseline trained without gold intensities scores them as NaN (the Predict page: "no intensity"; the
    scored file: empty cells); its card described `intensity_<e>` as for any other model."""
    import numpy as np

    from data.labelled import LabelledData
    from data.registry import wassa
    from models.registry import build_model, load_model

    tweets = wassa("train").subset(range(0, 3600, 6))
    labels_only = LabelledData(tweets.texts, tweets.images, tweets.labels, np.full((len(tweets), 4), np.nan),
                               source="mine.csv")
    model = build_model("tfidf_logreg").fit(labels_only, seed=0)
    assert model.config["no_intensity"] == ["anger", "fear", "joy", "sadness"]
    model.save(tmp_path / "run")
    card = (tmp_path / "run" / "MODEL_CARD.md").read_text()
    assert ("- **Outputs**: a 4-way choice: `prob_<e>` sum to 1, `emotion` is the largest, and no intensity: every "
            "`intensity_<e>` is empty (its training data had too few gold intensities to learn one from).\n" in card)
    assert not np.isfinite(load_model(tmp_path / "run").predict(["so happy today"]).intensities).any()

    # Gold intensities of some emotions only: the others are named.
    some = tweets.intensity.copy()
    some[:, [1, 3]] = np.nan
    partly = build_model("tfidf_logreg").fit(
        LabelledData(tweets.texts, tweets.images, tweets.labels, some, source="mine.csv"), seed=0)
    assert partly.config["no_intensity"] == ["fear", "sadness"]
    assert np.isfinite(partly.predict(["so happy today"]).intensities[0]).tolist() == [True, False, True, False]
    assert ("`intensity_<e>` is the strength of each. None for fear or sadness: `intensity_fear`, "
            "`intensity_sadness` empty (its training data had too few gold intensities to learn one from)."
            in model_card(partly.config, {}, {}))
    # A model with every intensity: no such key, and its card as before (the shipped cards' test checks them all).
    assert "no_intensity" not in build_model("tfidf_logreg").fit(tweets, seed=0).config


def test_the_fairness_section_lists_the_words_the_model_misreads_or_says_there_are_none():
    fairness = json.loads((DEFAULT_MODEL_DIR / "fairness.json").read_text())
    fairness["misread_words"] = [
        {"word": "vexing", "emotion": "anger", "sentences": 180, "named": 0.0, "answer": "none", "answer_share": 1.0},
        {"word": "shocking", "emotion": "fear", "sentences": 180, "named": 0.0, "answer": "none",
         "answer_share": 0.9167},
        {"word": "enraged", "emotion": "anger", "sentences": 240, "named": 0.4979, "answer": "", "answer_share": 0.5}]
    section = model_card({"model": "fused_net"}, {}, fairness).split("## Fairness")[1].split("## Known limits")[0]
    assert ("\nEmotion words it misreads (named as their emotion in the corpus in fewer than half of their sentences), "
            "worst first:\n\n| word | its emotion | named it in | most common other answer |\n|---|---|---|---|\n"
            "| vexing | anger | 0 % of 180 | none (100 %) |\n| shocking | fear | 0 % of 180 | none (92 %) |\n"
            "| enraged | anger | 49 % of 240 | no answer (50 %) |\n") in section  # 49.79 %: below half, never "50 %"
    fairness["misread_words"] = []
    assert ("\nEmotion words it misreads: none (it names every word's emotion in at least half of its sentences).\n"
            in model_card({"model": "fused_net"}, {}, fairness))


def test_an_audit_saved_before_it_named_misread_words_gives_the_card_it_gave():
    fairness = json.loads((DEFAULT_MODEL_DIR / "fairness.json").read_text())
    fairness.pop("misread_words", None)
    card = model_card({"model": "fused_net"}, {}, fairness)
    assert "misread" not in card and "| African-American − European | intensity |" in card
    assert card.split("## Fairness")[1].split("\n\n## Known limits")[0].endswith(" |")  # the gaps' table ends it


def test_rewrite_card_with_a_new_audit_stores_it_only_in_a_folder_that_passes_its_checksums(tmp_path):
    import shutil

    import pytest

    from models.card import rewrite_card
    from models.registry import ZOO_DIR, load_model
    from models.store import ModelLoadError

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    report = json.loads((folder / "fairness.json").read_text())
    report["misread_words"] = []
    rewrite_card(folder, fairness=report)
    assert json.loads((folder / "fairness.json").read_text()) == report
    assert load_model(folder).fairness == report  # its checksum in config.json
    assert "Emotion words it misreads: none" in (folder / "MODEL_CARD.md").read_text()
    (folder / "metrics.json").write_text("{}")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(ModelLoadError, match="metrics.json: checksum differs"):
        rewrite_card(folder, fairness={**report, "misread_words": [{"word": "x"}]})
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_rewrite_card_writes_no_file_through_a_link_planted_where_it_stages(tmp_path):
    """A folder handed over with `.MODEL_CARD.md.new` linking to a file of the user's: `audit --save` wrote the card
    into that file (the staging name was fixed, and writing it followed the link), then left the folder unloadable."""
    import shutil

    from models.card import rewrite_card
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    mine = {name: tmp_path / f"mine-{name}" for name in ("MODEL_CARD.md", "fairness.json", "config.json")}
    for name, target in mine.items():
        target.write_text("the user's own file\n")
        (folder / f".{name}.new").symlink_to(target)
    (folder / "MODEL_CARD.md").chmod(0o640)
    modes = {name: (folder / name).stat().st_mode for name in mine}
    report = json.loads((folder / "fairness.json").read_text())
    rewrite_card(folder, fairness={**report, "misread_words": []})
    assert all(target.read_text() == "the user's own file\n" for target in mine.values())
    assert {name: (folder / name).stat().st_mode for name in mine} == modes  # each as readable as it was
    assert load_model(folder).fairness["misread_words"] == []  # every checksum matches
    assert "Emotion words it misreads: none" in (folder / "MODEL_CARD.md").read_text()


def test_two_rewrites_at_once_leave_a_folder_that_passes_its_checksums(tmp_path, monkeypatch):
    """Two `audit --save` runs on one folder, each having checked it: the one writing its fairness.json second had
    its config.json replaced by the other's, which held the checksum of the first fairness.json; the folder no
    longer loaded. The second now waits for the first, and checks the folder as the first left it."""
    import shutil
    import threading

    from models import card, store
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    report = json.loads((folder / "fairness.json").read_text())
    other = {**report, "misread_words": []}
    replace, first = store.replace_file, threading.current_thread()
    second = threading.Thread(target=card.rewrite_card, args=(folder,), kwargs={"fairness": other})
    second_checked, first_wrote_its_audit = threading.Event(), threading.Event()

    def interleaved(path, write):  # first: its audit; second: its audit, card and config; first: card and config
        if threading.current_thread() is first and path.name == "fairness.json":
            second.start()
            second_checked.wait(timeout=0.5)  # unless the second waits for the first to finish
        elif threading.current_thread() is first:
            first_wrote_its_audit.set()
            second.join(timeout=0.5)
        elif path.name == "fairness.json":
            second_checked.set()
            first_wrote_its_audit.wait(timeout=5)
        replace(path, write)

    monkeypatch.setattr(store, "replace_file", interleaved)
    card.rewrite_card(folder, fairness=report)
    second.join()
    assert load_model(folder).fairness == other  # the second one's audit, whole, with its checksums


def test_a_rewrite_stopped_between_its_files_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    """`audit --save` stopped (Ctrl-C, SIGTERM) after it replaced fairness.json and before config.json held its new
    checksum left a folder whose checksums failed: the model no longer loaded. The files are now replaced in a copy
    of the folder, which takes its place whole."""
    import shutil

    import pytest

    from models import card, store
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    report = json.loads((folder / "fairness.json").read_text())
    replace = store.replace_file

    def stopped_after_the_audit(path, write):
        replace(path, write)
        if path.name == "fairness.json":
            raise KeyboardInterrupt

    monkeypatch.setattr(store, "replace_file", stopped_after_the_audit)
    with pytest.raises(KeyboardInterrupt):
        card.rewrite_card(folder, fairness={**report, "misread_words": []})
    assert load_model(folder).fairness == report  # the folder as it was, its checksums whole
    assert [p.name for p in tmp_path.iterdir()] == ["rule"]  # no copy left beside it
    monkeypatch.setattr(store, "replace_file", replace)
    inode = folder.stat().st_ino
    card.rewrite_card(folder, fairness={**report, "misread_words": []})
    assert load_model(folder).fairness["misread_words"] == [] and folder.stat().st_ino != inode
    assert [p.name for p in tmp_path.iterdir()] == ["rule"]


def test_a_card_says_what_its_model_reads_of_persons_and_learns_from_query_words():
    """Every text model's card said pronouns and first names are not read as emotion evidence: false of TF-IDF +
    logistic regression, which reads them as n-grams (the zoo's largest fairness gaps); and the lexicon rule's said
    it "was also trained on human judgements", where it learns nothing but a fallback."""
    from models.card import NEGATION_LIMIT, PERSONS_READ, PERSONS_SKIPPED, model_card

    config = {"modalities": ["text"], "train_source": "wassa_agreed/train+goemotions/train"}

    def limits(name):
        return model_card({**config, "model": name}, {}, {}).split("## Known limits")[1]

    assert PERSONS_READ in limits("tfidf_logreg") and PERSONS_SKIPPED not in limits("tfidf_logreg")
    assert PERSONS_SKIPPED in limits("logreg") and PERSONS_SKIPPED in limits("lexicon_rule")
    assert NEGATION_LIMIT in limits("logreg") and NEGATION_LIMIT not in limits("lexicon_rule")  # it learns no words
    assert "learns nothing from its training data but the emotion it answers" in limits("lexicon_rule")
    assert "also trained on human judgements (goemotions, wassa_agreed)" in limits("logreg")
    assert "Persons" not in model_card({**config, "model": "image_net", "modalities": ["image"]}, {}, {})
    assert "- **Model**: `tfidf_logreg`, TF-IDF word n-grams + logistic regression (text only); reads text." in \
        model_card({**config, "model": "tfidf_logreg"}, {}, {})


def test_a_card_gives_the_speed_measured_when_its_model_was_trained():
    from models.card import model_card

    card = model_card({"model": "logreg", "modalities": ["text"], "tweets_per_s": 12266}, {}, {})
    assert "- **Speed**: 12,266 tweets/s, text only (the WASSA-2017 test tweets scored in one process" in card
    assert "Speed" not in model_card({"model": "logreg", "modalities": ["text"]}, {}, {})  # not measured


def test_a_rewrite_through_a_link_to_a_model_folder_updates_that_folder_and_keeps_the_link(tmp_path):
    """`audit --save --model-dir LINK`: the link was set aside as if it were the folder and a new folder took its
    place; the folder it named kept its old audit, and the link was left behind as a hidden `.LINK.*.old`."""
    import shutil

    from models import card
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "rule")
    (tmp_path / "link").symlink_to("rule")
    report = json.loads((folder / "fairness.json").read_text())
    card.rewrite_card(tmp_path / "link", fairness={**report, "misread_words": []})
    assert (tmp_path / "link").is_symlink() and os.readlink(tmp_path / "link") == "rule"
    assert load_model(folder).fairness["misread_words"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "rule"]


def test_an_audit_is_not_saved_into_a_folder_where_another_model_was_saved_since(tmp_path):
    """`audit --save` wrote the audit it had made into the folder as it found it at the end: a `train --out` of the
    same folder finishing in between got the previous model's audit and card."""
    import shutil

    import pytest

    from models import store
    from models.card import rewrite_card
    from models.registry import ZOO_DIR, load_model

    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "model")
    audited = store.model_files(store.read_config(folder))
    report = {**json.loads((folder / "fairness.json").read_text()), "misread_words": []}
    load_model(ZOO_DIR / "text_net").save(folder)  # saved while the audit ran
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(store.ModelLoadError, match="another model was saved here since it was audited"):
        rewrite_card(folder, fairness=report, audited=audited)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    rewrite_card(folder, fairness=report, audited=store.model_files(store.read_config(folder)))
    assert load_model(folder).fairness == report


def test_a_folder_rewritten_by_root_stays_its_owners(tmp_path):
    """Rewritten by root (a service auditing users' models), the folder and the files written anew became root's,
    which their user could no longer change; hard-linked files kept their owner."""
    import os
    import shutil

    import pytest

    from models.card import rewrite_card
    from models.registry import ZOO_DIR

    if os.geteuid() != 0:
        pytest.skip("only root can give files to another user")
    folder = shutil.copytree(ZOO_DIR / "lexicon_rule", tmp_path / "model")
    for path in [folder, *folder.iterdir()]:
        os.chown(path, 12345, 12345)
    rewrite_card(folder, fairness={**json.loads((folder / "fairness.json").read_text()), "misread_words": []})
    assert {(p.stat().st_uid, p.stat().st_gid) for p in [folder, *folder.iterdir()]} == {(12345, 12345)}


def test_two_models_of_one_kind_have_two_titles():
    """The default model, the previous default and the WASSA specialist were all "Model card: `fused_net`"."""
    from models.card import model_card

    def title(source):
        return model_card({"model": "fused_net", "modalities": ["text"], "train_source": source}, {}, {}).split("\n")[7]

    assert title("wassa_agreed/train+goemotions/train+fer2013/train") == \
        "# Model card: `fused_net` on wassa_agreed + goemotions + fer"
    assert title("wassa2017/train+fer2013/train") == "# Model card: `fused_net` on wassa + fer"


def test_a_card_lists_the_package_versions_and_an_edited_list_of_them_as_it_is():
    """A config.json whose `versions` is a list loads (scoring reads it not), and `audit --save` then ended with
    "AttributeError: 'list' object has no attribute 'items'"."""
    base = {"model": "logreg", "modalities": ["text"]}
    assert "- **Versions**: python 3.11.7, torch 2.13.0." in model_card(
        dict(base, versions={"python": "3.11.7", "torch": "2.13.0"}), {}, {})
    assert "- **Versions**: ['torch', 2]." in model_card(dict(base, versions=["torch", 2]), {}, {})
    assert "- **Versions**: not recorded." in model_card(base, {}, {})
