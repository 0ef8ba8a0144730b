"""The Predict page end to end, with the shipped default model (streamlit.testing.v1.AppTest)."""

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from data.bundled import load_fer
from data.registry import wassa
from emotions import EMOTIONS
from evaluation.runs import RUNS_ENV_VAR
from models.registry import DEFAULT_MODEL_DIR, ZOO_DIR, build_model, load_model

APP = str(Path(__file__).resolve().parents[2] / "app.py")
NONE_THRESHOLD = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())["none_threshold"]


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNS_ENV_VAR, str(tmp_path))  # an empty runs folder: the picker lists the default only
    at = AppTest.from_file(APP, default_timeout=300)  # the machine is slow and shared; the model loads once
    at.run()
    return at


def face_png(index: int = 0) -> bytes:
    faces, _ = load_fer("public_test")
    buffer = io.BytesIO()
    Image.fromarray(faces[index]).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_page_renders_and_asks_for_a_tweet(page):
    assert not page.exception
    assert page.title[0].value == "Predict"
    options = page.sidebar.selectbox[0].options
    assert options[0] == "default (shipped)" and all(o.startswith("zoo/") for o in options[1:])
    assert page.info[0].value == ("Type a tweet (in English: the models read English only), pick an example, or "
                                  "upload an image.")
    assert "at most 10 MB" in page.caption[1].value  # the upload limit is stated
    box = page.text_area(key="tweet")  # a longer paste was refused with no word of why: now it is kept and cut
    assert not box.max_chars and "reads the first 1,000 characters" in box.help


def test_a_paste_longer_than_the_box_reads_is_scored_on_its_start_and_says_so(page):
    start = "I am so furious with them, this is an outrage. " * 20  # 940 characters
    page.text_area(key="tweet").input(start + "What a wonderful happy day! " * 700).run()  # 20,540 in all
    assert not page.exception and not page.error
    assert page.warning[0].value.startswith("The text has 20,540 characters: Predict reads its first 1,000")
    assert page.metric[0].value == "anger"  # what its start says, not its end


def test_a_typed_tweet_gets_four_probabilities_and_its_reasons(page):
    page.text_area(key="tweet").input("I am so furious right now, this is an outrage #angry 😡").run()
    assert not page.exception and not page.error
    scores = page.dataframe[0].value
    assert scores["emotion"].tolist() == list(EMOTIONS)
    assert scores["probability"].between(0, 1).all() and scores["probability"][0] >= 0.5
    assert scores["intensity"].dropna().between(0, 1).all() and scores["intensity"][0] > 0
    present = scores["probability"] >= NONE_THRESHOLD  # the rule that names the emotion
    assert scores["intensity"][~present].isna().all() and scores["intensity"][present].notna().all()
    assert page.metric[0].value == "anger"
    assert any("Answered by **default (shipped)** (`fused_net`" in c.value for c in page.caption)
    card = next(e for e in page.expander if e.label == "Model card: default (shipped)")
    assert any("## Fairness" in m.value for m in card.markdown)
    highlighted = next(m.value for m in page.markdown if "outrage" in m.value)
    assert "border-bottom:3px solid #D55E00" in highlighted  # anger's colour
    assert page.button_group[0].value == "anger"  # attributions for the predicted emotion


def test_an_example_is_one_click_away_and_its_none_shows_no_emotion_present(page):
    # The default model gives this example anger 0.63, below its threshold (0.725).
    next(b for b in page.button if b.label == "🙃 Negated").click().run()
    assert page.text_area(key="tweet").value.startswith("Not happy at all")
    assert not page.exception and page.metric[0].value == "none"
    scores = page.dataframe[0].value
    assert scores["probability"].max() < NONE_THRESHOLD and scores["probability"].max() > 0.5
    assert scores["intensity"].isna().all()  # intensities only for present emotions: none is
    caption = next(c.value for c in page.caption if c.value.startswith("no emotion of the four is present"))
    assert f"has probability {scores['probability'].max():.3f}, below this model's {NONE_THRESHOLD:.3f}" in caption


@pytest.mark.parametrize("text", ["", "  \n\t ", "\u200b\u200d\ufeff", " \u2060 "])
def test_a_tweet_that_shows_nothing_asks_for_one(page, text):
    """Zero-width characters (pasted from a web page) were sent to the model, and the page answered with an error
    about "the row" it reads from a file."""
    page.text_area(key="tweet").input(text).run()
    assert not page.exception and not page.error
    assert page.info[0].value == ("Type a tweet (in English: the models read English only), pick an example, or "
                                  "upload an image.")


def test_a_tweet_without_lexicon_hits_says_which_lexicons_were_read(page):
    """It named VADER among the lexicons shown token by token, which VADER is not, and said the learned lexicons
    were not shown, which they are."""
    page.text_area(key="tweet").input("see you at noon").run()
    assert not page.exception
    said = [m.value for m in page.markdown if m.value.startswith("No token hits")]
    assert said == ["No token hits the model's lexicons (NRC, the emoji map, those learned in training: the table "
                    "lists a learned word where its association is strong, and the highlights colour it). VADER's "
                    "valence is read as a group of features, not token by token: the attributions below show what it "
                    "added."]


def test_a_non_image_upload_gets_a_message_not_an_exception(page):
    page.file_uploader[0].set_value(("notes.png", b"a text file renamed to .png", "image/png")).run()
    assert not page.exception
    assert page.error[0].value.startswith("This image cannot be used: notes.png: not a supported image")
    assert page.info[0].value == "Nothing was scored: type a tweet, pick an example, or upload another image."


def test_an_uploaded_face_gets_the_image_branchs_reading_and_a_heat_map(page):
    page.file_uploader[0].set_value(("face.png", face_png(), "image/png")).run()
    assert not page.exception and not page.error
    assert len(page.get("image")) == 2  # the upload and its Grad-CAM overlay
    reading = page.dataframe[-1].value
    assert reading["emotion"].tolist() == list(EMOTIONS)
    alone = load_model().predict([""], [face_png()]).probabilities[0]  # the model's own reading of the face alone
    np.testing.assert_allclose(reading["probability"], alone, atol=1e-4)


@pytest.mark.parametrize("model, size", [("default (shipped)", (5000, 1)),  # shown as wide as its column
                                         ("zoo/logreg", (400, 1))])  # shown 320 pixels wide
def test_a_very_wide_image_is_shown_not_a_crash(page, model, size):
    """Streamlit scales a shown image to its width, and a height that rounds to 0 pixels raised ValueError: the
    page broke after the answer was shown."""
    page.sidebar.selectbox[0].set_value(model).run()
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    page.file_uploader[0].set_value(("strip.png", buffer.getvalue(), "image/png")).run()
    assert not page.exception and not page.error
    assert "The image" in [s.value for s in page.subheader] and page.get("image")


def test_a_text_only_model_without_attributions_says_so(page, tmp_path):
    build_model("lexicon_rule").fit(wassa("train").subset(range(0, 3600, 72))).save(tmp_path / "rule")  # all four
    page.run()
    page.sidebar.selectbox[0].select("runs/rule").run()
    page.text_area(key="tweet").input("so happy today").run()
    page.file_uploader[0].set_value(("face.png", face_png(), "image/png")).run()
    assert not page.exception and page.metric[0].value == "joy"
    assert page.warning[0].value == "lexicon_rule reads text only: the image is not used."
    assert any(c.value.startswith("Feature attributions are shown for the network and the feature baselines; "
                                  "lexicon_rule reads") for c in page.caption)
    assert any(c.value == "lexicon_rule answers the emotion of the highest score summed over the words highlighted "
                          "(each one's EmoLex and Affect Intensity scores; a negated word is not counted)."
               for c in page.caption)
    assert not page.get("image")  # no image section for a model that does not read images


def test_a_tweet_with_no_emotion_is_said_to_have_none(page):
    page.text_area(key="tweet").input("The train leaves at 9:40 from platform 2.").run()
    assert not page.exception and page.metric[0].value == "none"
    assert any("no emotion of the four is present" in c.value for c in page.caption)


def test_the_image_alone_reading_shows_intensities_only_where_an_emotion_is_present(page):
    page.text_area(key="tweet").input("the meeting is at 3pm").run()
    page.file_uploader[0].set_value(("face.png", face_png(), "image/png")).run()
    assert not page.exception and not page.error
    threshold = load_model().none_threshold
    reading = page.dataframe[-1].value
    assert list(reading["intensity"].notna()) == list(reading["probability"] >= threshold)


def test_the_image_alone_reading_has_room_for_its_numbers(page):
    page.sidebar.selectbox[0].select("zoo/wassa_specialist").run()  # a 4-way model: all four intensities
    page.file_uploader[0].set_value(("face.png", face_png(), "image/png")).run()
    assert not page.exception and not page.error
    reading = page.dataframe[-1]
    assert reading.value["intensity"].notna().all()
    # Beside the pictures, in a third of the page, the bars kept their width and the numbers were cut to "0.":
    # the reading is laid out at the page's width, and only the pictures share a row.
    assert not any(table is reading for column in page.columns for table in column.dataframe)


def test_a_model_trained_without_intensities_says_so_instead_of_nan(page, tmp_path):
    """Train page, labels only (a `label` column, no intensity): the caption read 'intensity nan'."""
    import pandas as pd

    from data.labelled import frame_to_labelled

    train = wassa("train").subset(range(0, 3600, 12))
    labels = [EMOTIONS[i] for i in train.labels.argmax(axis=1)]
    build_model("logreg").fit(frame_to_labelled(pd.DataFrame({"text": train.texts, "label": labels}),
                                                "labels.csv")).save(tmp_path / "labels-only")
    page.run()
    page.sidebar.selectbox[0].select("runs/labels-only").run()
    page.text_area(key="tweet").input("Got the job!!! so happy, life is good #blessed").run()
    assert not page.exception and page.metric[0].value != "none"
    shown = [c.value for c in page.caption if c.value.startswith("probability ")]
    assert shown and shown[0].endswith("· no intensity: this model was trained with fewer than 10 gold intensities "
                                       "of joy"), shown


def test_a_model_trained_with_too_few_intensities_of_one_emotion_does_not_say_it_had_none(page, tmp_path):
    """Intensities for every tweet but nine joyful ones: the caption said the training data had none."""
    import pandas as pd

    from data.labelled import frame_to_labelled

    train = wassa("train").subset(range(0, 3600, 12))
    labels = [EMOTIONS[i] for i in train.labels.argmax(axis=1)]
    gold = np.nanmax(train.intensity, axis=1)
    joyful = np.flatnonzero(np.array(labels) == "joy")
    gold[joyful[9:]] = np.nan  # nine joy intensities, one short of MIN_GOLD_INTENSITIES
    model = build_model("logreg").fit(frame_to_labelled(pd.DataFrame({"text": train.texts, "label": labels,
                                                                      "intensity": gold}), "labels.csv"))
    assert model.config["no_intensity"] == ["joy"]
    model.save(tmp_path / "nine-joys")
    page.run()
    page.sidebar.selectbox[0].select("runs/nine-joys").run()
    page.text_area(key="tweet").input("Got the job!!! so happy, life is good #blessed").run()
    assert not page.exception and page.metric[0].value == "joy"
    shown = [c.value for c in page.caption if c.value.startswith("probability ")]
    assert shown and shown[0].endswith("· no intensity: this model was trained with fewer than 10 gold intensities "
                                       "of joy"), shown
    assert page.dataframe[0].value["intensity"].notna().sum() == 3  # the other emotions' intensities


def test_a_presence_model_without_intensities_does_not_promise_them(page, tmp_path):
    """Judgements only (the four 0/1 columns, as GoEmotions): the table's caption said intensities were shown."""
    import pandas as pd

    from data.labelled import frame_to_labelled

    train = wassa("train").subset(range(0, 3600, 12))
    frame = pd.DataFrame({"text": train.texts, **{e: train.labels[:, i].astype(int) for i, e in enumerate(EMOTIONS)}})
    model = build_model("logreg").fit(frame_to_labelled(frame, "judged.csv"))
    assert model.presence and model.config["no_intensity"] == list(EMOTIONS)
    model.save(tmp_path / "judged")
    page.run()
    page.sidebar.selectbox[0].select("runs/judged").run()
    page.text_area(key="tweet").input("Got the job!!! so happy, life is good #blessed").run()
    assert not page.exception
    (caption,) = [c.value for c in page.caption if c.value.startswith("Each probability is that of the emotion")]
    assert caption.endswith(", but this model gives none (it was trained with too few gold intensities)."), caption


def test_the_threshold_reads_the_same_in_both_captions(page):
    """zoo/logreg's `none` threshold is 0.725: the table's caption gave it as 0.72, the caption beside it as 0.725."""
    threshold = json.loads((ZOO_DIR / "logreg" / "config.json").read_text())["none_threshold"]
    assert round(threshold, 2) != threshold  # a threshold that two decimals round
    page.sidebar.selectbox[0].select("zoo/logreg").run()
    page.text_area(key="tweet").input("The train leaves at 9:40 from platform 2.").run()
    assert not page.exception and page.metric[0].value == "none"
    captions = [c.value for c in page.caption if "this model's" in c.value]
    assert len(captions) == 2 and all(f"this model's {threshold:.3f}" in c for c in captions), captions


def test_a_named_emotion_shows_its_probability_as_the_table_does(page):
    page.text_area(key="tweet").input("I am so furious right now, this is an outrage #angry 😡").run()
    scores = page.dataframe[0].value
    (shown,) = [c.value for c in page.caption if c.value.startswith("probability ")]
    assert shown.startswith(f"probability {scores['probability'][0]:.3f} · intensity {scores['intensity'][0]:.3f}")


def test_a_four_way_model_says_it_never_answers_none(page):
    """The WASSA specialist names an emotion for a timetable and shows all four intensities: the page said nothing
    of why, where a presence model's table has a caption."""
    page.sidebar.selectbox[0].select("zoo/wassa_specialist").run()
    page.text_area(key="tweet").input("The train leaves at 9:40 from platform 2.").run()
    assert not page.exception and page.metric[0].value in EMOTIONS
    assert page.dataframe[0].value["intensity"].notna().all()
    assert any(c.value.startswith("This model makes a 4-way choice") and "never `none`" in c.value
               and "how strong that emotion would be" in c.value for c in page.caption)


def test_the_tweet_the_model_and_batchs_result_are_kept_while_another_page_is_shown(page):
    """Coming back to Predict found the tweet box empty and the model back to the default; Batch's picker did not
    have Predict's model, and its result was gone."""
    page.sidebar.selectbox[0].select("zoo/logreg").run()
    page.text_area(key="tweet").input("so scared of the storm tonight").run()
    page.switch_page("app_pages/batch.py").run()
    assert not page.exception and page.selectbox(key="model").value == "zoo/logreg"  # the same model
    page.radio(key="batch_source").set_value("Sample: 40 tweets").run()
    page.button[0].click().run()
    assert [m.value for m in page.metric][:2] == ["40", "40"]
    page.switch_page("app_pages/compare.py").run()
    page.switch_page("app_pages/predict.py").run()
    assert not page.exception
    assert page.text_area(key="tweet").value == "so scared of the storm tonight"
    assert page.sidebar.selectbox[0].value == "zoo/logreg" and page.metric[0].value == "fear"
    page.switch_page("app_pages/batch.py").run()
    assert not page.exception and page.radio(key="batch_source").value == "Sample: 40 tweets"
    assert [m.value for m in page.metric][:2] == ["40", "40"]  # the result shown again
