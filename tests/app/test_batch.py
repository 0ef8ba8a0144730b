"""The Batch page, run by Streamlit's AppTest with the shipped default model."""

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app_pages.shared import bundled_sample
from emotions import EMOTIONS
from evaluation.runs import RUNS_ENV_VAR
from scoring.frame import OUTPUT_COLUMNS

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "batch.py")


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv(RUNS_ENV_VAR, str(tmp_path / "runs"))  # no runs: the default model only
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def upload(at, name, data, zip_data=None):
    at.radio[0].set_value("Upload a file").run()
    at.file_uploader[0].set_value((name, data, "text/csv"))
    if zip_data is not None:
        at.file_uploader[1].set_value(("images.zip", zip_data, "application/zip"))
    return at.run()


def messages(at, kind):
    return [element.value for element in getattr(at, kind)]


def test_page_asks_for_a_file_and_states_its_limits(page):
    options = page.selectbox[0].options
    assert options[0] == "default (shipped)" and "zoo/tfidf_logreg" in options  # the shipped zoo, no runs
    assert messages(page, "info") == ["Upload a file, or pick a sample."]
    assert "Limits: at most 50 MB per file, 20,000 rows, and 1,000 images" in messages(page, "caption")[0]


def test_bundled_sample_scores_and_offers_the_download(page):
    page.radio[0].set_value("Sample: 40 tweets").run()
    page.button[0].click().run()
    assert not page.exception
    assert messages(page, "metric") == ["40", "40", "0", "0"]
    assert not page.expander  # no row with a message: no table of them
    _, scored, summary = page.session_state["batch_result"]
    assert list(scored.columns) == ["id", "text", "label"] + OUTPUT_COLUMNS
    # Real predictions: the sample's labels are WASSA-2017's query words, which readers (and so the default
    # model) often disown ("#blues" on a joyful tweet), but it names the label twice as often as chance (0.2).
    assert (scored["emotion"] == scored["label"]).mean() > 0.4
    assert page.download_button[0].label == "Download the scored file"


def test_a_small_upload_keeps_failed_rows_and_counts_them(page):
    upload(page, "mine.tsv", "text\tid\nI am furious #angry\t1\n\t2\nso happy today\t3\t4\n".encode())
    page.button[0].click().run()
    assert messages(page, "metric") == ["3", "1", "2", "2"]
    assert any("2 row(s) could not be scored; they are kept" in w for w in messages(page, "warning"))
    assert any(w.startswith("1 row(s) are not as the header says or not read as written (the wrong number of fields")
               for w in messages(page, "warning"))  # the row of three fields, said before it is scored
    _, scored, _ = page.session_state["batch_result"]
    assert scored["emotion"].tolist() == ["anger", "", ""]
    assert page.download_button[0].proto.label == "Download the scored file"
    # Which rows have a message and why, on their own: the count alone said neither.
    flagged = page.expander[0]
    assert flagged.label == "Rows with a message (2): which and why"
    table = flagged.dataframe[0].value
    assert table["row"].tolist() == [2, 3] and table["text"].tolist() == ["", "so happy today"]
    assert table["error"][0].startswith("nothing to score") and "not scored" in table["error"][1]
    # The preview shows the answer and the message first (after a long tweet, `emotion` was at the right edge and
    # `error` out of sight); the download keeps the CLI's order, input columns first.
    assert list(page.dataframe[-1].value.columns[:6]) == ["emotion", "error", *(f"prob_{e}" for e in EMOTIONS)]
    assert list(scored.columns) == ["text", "id"] + OUTPUT_COLUMNS


def test_faces_sample_with_its_zip_scores_every_image(page):
    page.radio[0].set_value("Sample: 8 faces, 4 with a tweet (CSV + ZIP)").run()
    assert page.selectbox[2].value == "image"
    page.button[0].click().run()
    assert messages(page, "metric") == ["8", "8", "0", "0"]


def test_a_text_model_given_the_images_says_it_does_not_read_them(page):
    """The CLI said "tfidf_logreg reads text only; the image column 'image' is not read"; the page said nothing."""
    page.selectbox[0].set_value("zoo/tfidf_logreg").run()
    page.radio[0].set_value("Sample: 8 faces, 4 with a tweet (CSV + ZIP)").run()
    page.button[0].click().run()
    assert not page.exception
    assert messages(page, "info") == ["tfidf_logreg reads text only; the image column 'image' is not read."]


def test_a_column_of_numbers_or_an_image_column_without_its_zip_is_warned_of(page):
    """A file without a `text` column had its longest column picked and every row scored `none`, unsaid; an image
    column without its ZIP was left unread, and a row with only an image was "nothing to score"."""
    upload(page, "ids.csv", b"a,b\n12345678,1\n23456789,2\n")
    assert messages(page, "warning") == ["The column 'a' holds no letter in its first rows: is it the text column? "
                                         "Choose the one that holds the tweets."]
    upload(page, "pics.csv", b"text,image\nso happy,a.png\n,b.png\n")
    assert messages(page, "warning") == ["The file has a column 'image': upload the ZIP of its images to score "
                                         "them; without it, only the text of each row is read."]


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("data, zip_data, message", [
    (b"", None, "mine.csv: the file is empty"),
    (b"text\n\x81\x8d\x8f\x90\x9d\x00\xff\n", None, "mine.csv: not valid UTF-8 text: byte 0x81 at byte offset 5"),
    (b"text,image\nhi,a.png\n", zipped({"../a.png": b"x"}), "the entry '../a.png' leads outside the archive"),
])
def test_bad_uploads_get_a_message_not_a_crash(page, data, zip_data, message):
    upload(page, "mine.csv", data, zip_data)
    assert not page.exception
    assert any(message in e for e in messages(page, "error")), messages(page, "error")


def test_a_file_with_blank_lines_before_its_header_scores(page):
    """The blank first line was read as a header of no columns, and the page broke choosing a text column."""
    upload(page, "mine.csv", b"\n\ntext,id\nI am furious,1\n")
    assert not page.exception and not page.error
    assert page.selectbox[1].value == "text"
    page.button[0].click().run()
    assert messages(page, "metric") == ["1", "1", "0", "0"]


def test_a_zip_entry_that_is_not_an_image_is_named(page):
    upload(page, "mine.csv", b"text,image\nhi,a.png\n", zipped({"a.png": b"not a picture"}))
    assert any("1 file(s) in the ZIP are not images (a.png: not a supported image (JPEG, PNG" in w
               for w in messages(page, "warning"))
    page.button[0].click().run()
    _, scored, _ = page.session_state["batch_result"]
    assert scored["emotion"][0] != "" and "a.png" in scored["error"][0]


def test_the_zip_uploaded_again_after_a_refused_one_is_unpacked_again(page):
    faces, faces_zip = bundled_sample("faces_sample.csv"), bundled_sample("faces_sample.zip")
    upload(page, "faces.csv", faces, faces_zip)
    page.button[0].click().run()
    assert messages(page, "metric") == ["8", "8", "0", "0"]
    page.file_uploader[1].set_value(("images.zip", b"not a zip at all", "application/zip")).run()
    assert any("images.zip: not a ZIP file" in e for e in messages(page, "error"))
    page.file_uploader[1].set_value(("images.zip", faces_zip, "application/zip")).run()
    assert not page.error
    page.button[0].click().run()
    assert messages(page, "metric") == ["8", "8", "0", "0"]  # every image found again
    _, scored, _ = page.session_state["batch_result"]
    assert (scored["error"] == "").all(), scored["error"].tolist()


def test_messages_name_the_zips_files_not_the_servers_folder(page):
    picture = io.BytesIO()
    Image.new("RGB", (48, 48), "gray").save(picture, format="PNG")
    table = b"text,image\nhi,imgs/zzz.png\nho,../../etc/passwd\nhu,notes.txt\nha,imgs/face.png\n"
    upload(page, "mine.csv", table, zipped({"imgs/face.png": picture.getvalue(), "notes.txt": b"hello"}))
    folder = str(page.session_state["_unpacked"]["batch-images"][1].folder)
    warning = next(w for w in messages(page, "warning") if "not images" in w)
    # in the words of its row's error below (it said "cannot identify image file 'notes.txt'", Pillow's)
    assert "(notes.txt: not a supported image (JPEG, PNG, WebP, GIF or BMP expected))" in warning
    assert folder not in warning
    page.button[0].click().run()
    _, scored, _ = page.session_state["batch_result"]  # what the page shows and the download holds
    assert scored["error"].tolist() == [
        "zzz.png: file not found (imgs/zzz.png)",
        "image '../../etc/passwd' resolves outside the images folder images.zip",
        "notes.txt: not a supported image (JPEG, PNG, WebP, GIF or BMP expected)",
        ""]
    shown = page.dataframe[-1].value
    assert not shown["error"].str.contains("tweet-emotions-").any()
