import io
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from data.bundled import load_wassa
from data.labelled import frame_to_labelled
from emotions import EMOTIONS
from models.registry import build_model
from scoring.frame import OUTPUT_COLUMNS
from scoring.local import score_file
from scoring.uploads import (
    LIMITS,
    UploadError,
    UploadLimits,
    check_size,
    read_image_upload,
    read_labelled_upload,
    read_table_upload,
    result_preview,
    rows_with_messages,
    score_table,
    scored_file,
    unpack_images,
)

ROOT = Path(__file__).resolve().parents[2]
SMALL = UploadLimits(file_mb=1, rows=5, images=3, unzipped_mb=1)


@pytest.fixture(scope="module")
def model():
    train = load_wassa("train").sample(400, random_state=0)
    return build_model("tfidf_logreg").fit(frame_to_labelled(train, "train"), seed=0)


def png(colour=128) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def zipped(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_limits_match_the_servers_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == LIMITS.file_mb
    # The browser's uploader counts 10**6 bytes to the MB (2**20 only on Windows): so does the check here, and a
    # file of 1.0 MB by the 2**20 count, refused by the browser as "must be 1.0MB or smaller", is refused alike.
    one = UploadLimits(file_mb=1)
    check_size(b"x" * 10**6, "big.csv", one)
    with pytest.raises(UploadError, match=r"over the limit of 1 MB \(1,000,000 bytes\) per file"):
        check_size(b"x" * (10**6 + 1), "big.csv", one)


def test_the_server_listens_on_this_machine_only_and_shows_no_tracebacks():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "localhost"
    assert config["client"]["showErrorDetails"] == "none" and config["client"]["toolbarMode"] == "viewer"
    assert LIMITS.describe() == "at most 50 MB per file, 20,000 rows, and 1,000 images (200 MB unpacked) per ZIP"


def test_streamlit_reads_our_config_with_xsrf_protection_on():
    show = ("import streamlit.config as c; c.get_config_options(force_reparse=True); "
            "print(c.get_option('server.enableXsrfProtection'), c.get_option('server.address'), "
            "c.get_option('server.fileWatcherType'), c.get_option('server.showEmailPrompt'))")
    result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split()[:2] == ["True", "localhost"]  # uploads need a token only this session's page has
    # no module imported again under a running server (a `git pull`): cached models kept the old classes, and
    # Compare could not cache their predictions until a restart
    assert result.stdout.split()[2] == "none"
    assert result.stdout.split()[3] == "False"  # README's first command starts serving at once, with no prompt


def test_table_is_read_like_the_cli_reads_it(tmp_path):
    data = "id;text\n1;I am so happy\n2;\"a; quoted\nline\"\n3;too;many\n".encode("cp1252")
    table = read_table_upload(data, "mine.csv", tmp_path)
    assert table.columns == ["id", "text"] and table.rows == 3 and table.bad_rows == 1
    assert table.frame["text"].tolist() == ["I am so happy", "a; quoted\nline", "too"]


@pytest.mark.parametrize("data, message", [
    (b"", "mine.csv: the file is empty"),
    (b"text\n", "mine.csv: a header line but no rows"),
    (b"text\n" + b"x\n" * 6, "mine.csv: more than 5 rows, over the limit of 5"),
    (b"text\n" + b"x" * 2**20, r"mine\.csv: 1\.0 MB is over the limit of 1 MB \(1,000,000 bytes\) per file"),
    (b"text\n\x81\x8d\x8f\x90\x9d\x00\xff\xfe\x00\x81\n", "mine.csv: not valid UTF-8 text: byte 0x81 at byte offset 5"),
])
def test_bad_tables_are_refused_by_name(tmp_path, data, message):
    with pytest.raises(UploadError, match=message):
        read_table_upload(data, "mine.csv", tmp_path, SMALL)


def test_scoring_keeps_every_row_and_counts_the_failed_ones(model, tmp_path):
    data = b"id,text\n1,I am furious #angry\n2,\n3,terrified and nervous #fear #anxiety\n4,too,many\n"
    table = read_table_upload(data, "mine.csv", tmp_path)
    seen = []
    scored, summary = score_table(model, table, "text", on_progress=seen.append)
    assert list(scored.columns) == ["id", "text"] + OUTPUT_COLUMNS
    assert scored["id"].tolist() == ["1", "2", "3", "4"]
    assert scored["emotion"].tolist()[:3] == ["anger", "", "fear"]
    assert scored["error"][1].startswith("nothing to score")
    assert scored["error"][3].startswith("line 5: 3 fields where the header has 2; not scored")
    assert (summary.rows, summary.scored, summary.failed) == (4, 2, 2)
    assert seen == [1.0]


def test_a_gold_column_named_as_the_models_but_for_case_is_said_on_the_batch_page_too(model, tmp_path):
    table = read_table_upload(b"text,Emotion\nso happy,joy\n", "mine.csv", tmp_path)
    scored, summary = score_table(model, table, "text")
    assert scored.columns.tolist()[:3] == ["text", "Emotion", "emotion"]
    assert summary.notes == ["columns: mine.csv has ['Emotion'], differing from the scored file's own column(s) of "
                             "that name only in case: both are written, the lower-case one the model's"]



def test_the_preview_shows_the_answer_and_any_message_first_and_the_messages_on_their_own(model, tmp_path):
    """Input columns first (the file's order), a long tweet left `emotion` at the page's right edge and `error` out
    of sight; the rows with a message were counted but not shown."""
    data = b"id,text\n1,I am furious #angry\n2,\n3,terrified and nervous #fear #anxiety\n4,too,many\n"
    scored, _ = score_table(model, read_table_upload(data, "mine.csv", tmp_path), "text")
    shown = result_preview(scored)
    probabilities = [f"prob_{e}" for e in EMOTIONS]
    assert list(shown.columns) == ["emotion", "error", *probabilities, "id", "text",
                                   *(f"intensity_{e}" for e in EMOTIONS)]
    assert shown["text"].tolist() == scored["text"].tolist()  # the same rows, columns reordered only
    assert list(scored.columns) == ["id", "text"] + OUTPUT_COLUMNS  # the frame downloaded is left as it was
    flagged = rows_with_messages(scored, "text")
    assert list(flagged.columns) == ["row", "error", "emotion", "text"]
    assert flagged["row"].tolist() == [2, 4]  # the file's rows from 1, header not counted
    assert flagged["error"].str.startswith(("nothing to score", "line 5: 3 fields")).all()
    assert flagged["emotion"].tolist() == ["", ""]
    assert list(rows_with_messages(scored).columns) == ["row", "error", "emotion"]  # image-only: no text column
    assert rows_with_messages(scored[scored["error"] == ""], "text").empty
    # a text column named "row" broke the page ("cannot insert row, already exists") once a row had a message
    scored, _ = score_table(model, read_table_upload(b"id,row\n1,I am happy\n2,\n", "mine.csv", tmp_path), "row")
    assert rows_with_messages(scored, "row").to_dict("list") == {
        "row": [2], "error": [scored["error"].iloc[1]], "emotion": [""], "row (text)": [""]}

def test_the_download_keeps_blank_and_repeated_column_names(model, tmp_path):
    table = read_table_upload(b"text,note,note,\nso happy,a,b,c\n", "mine.csv", tmp_path)
    scored, _ = score_table(model, table, "text")
    assert scored_file(scored, table).splitlines()[0] == ",".join(["text", "note", "note", "", *OUTPUT_COLUMNS])


def test_the_download_is_the_file_the_cli_writes_for_the_same_upload(model, tmp_path):
    """A BOM too (Excel's "CSV UTF-8"), as `cli.py score` keeps it: without one Excel showed "café" as "cafÃ©"."""
    for data, name in ((b"\xef\xbb\xbfid\ttext\n1\tcaf\xc3\xa9 joy\n", "mine.tsv"), (b"id,text\n1,so sad\n", "m.csv")):
        table = read_table_upload(data, name, tmp_path)
        scored, _ = score_table(model, table, "text")
        (tmp_path / name).write_bytes(data)
        score_file(model, tmp_path / name, tmp_path / f"scored_{name}")
        assert scored_file(scored, table).encode() == (tmp_path / f"scored_{name}").read_bytes()


def test_scoring_refuses_a_missing_column_and_an_image_column_without_a_zip(model, tmp_path):
    table = read_table_upload(b"tweet,picture\nhello,a.png\n", "mine.csv", tmp_path)
    with pytest.raises(UploadError, match=r"mine.csv: no text column 'text'; columns are \['tweet', 'picture'\]"):
        score_table(model, table, "text")
    with pytest.raises(UploadError, match="the image column 'picture' names images: upload the ZIP"):
        score_table(model, table, "tweet", "picture")


def test_image_paths_must_stay_inside_the_unpacked_zip(model, tmp_path):
    images = unpack_images(zipped({"faces/a.png": png()}), "faces.zip", tmp_path / "images")
    table = read_table_upload(b"text,image\nhappy,faces/a.png\nsad,../../etc/passwd\n", "mine.csv", tmp_path)
    scored, _ = score_table(model, table, "text", "image", images)
    assert scored["error"].tolist()[0] == ""
    assert "resolves outside the images folder" in scored["error"][1] and scored["emotion"][1] != ""


def test_zip_is_unpacked_and_non_images_are_named(tmp_path):
    images = unpack_images(zipped({"faces/a.png": png(), "faces/b.png": b"not a picture", "c.png": png(9),
                                   "d.png": b""}), "faces.zip", tmp_path)
    assert images.files == ["faces/a.png", "faces/b.png", "c.png", "d.png"]
    assert list(images.not_images) == ["faces/b.png", "d.png"]
    assert images.not_images["faces/b.png"] == "not a supported image (JPEG, PNG, WebP, GIF or BMP expected)"
    assert images.not_images["d.png"] == "empty file (0 bytes)"  # in the row's words (it said "not a supported …")
    assert np.asarray(Image.open(tmp_path / "c.png")).max() == 9


def test_what_macos_adds_to_a_zip_is_left_out(tmp_path):
    """Finder's Compress adds `__MACOSX/…/._name` beside every file with extended attributes, and `.DS_Store`: a ZIP
    of 600 images was refused as 1,201 files, one of 20 warned that 20 of its files were not images."""
    entries = {f"{i}.png": png() for i in range(3)}
    entries |= {f"__MACOSX/._{i}.png": b"\x00\x05\x16\x07" for i in range(3)} | {"faces/.DS_Store": b"Bud1"}
    images = unpack_images(zipped(entries), "faces.zip", tmp_path, UploadLimits(images=3))
    assert images.files == ["0.png", "1.png", "2.png"] and images.not_images == {}
    assert not (tmp_path / "__MACOSX").exists()


@pytest.mark.parametrize("entries, message", [
    ({"../evil.png": b"x"}, r"the entry '../evil.png' leads outside the archive; nothing was unpacked"),
    ({"a/../../evil.png": b"x"}, "leads outside the archive"),
    ({"/etc/evil.png": b"x"}, "leads outside the archive"),
    ({".": b"x"}, "has no file name or a name part over 255 bytes"),
    ({"a/" + "é" * 128 + ".png": b"x"}, "has no file name or a name part over 255 bytes"),
    ({f"{i}.png": png() for i in range(4)}, "4 files is over the limit of 3 images"),
    ({"big.png": b"\0" * (2**20 + 1)}, "faces.zip: unpacks to 1 MB, over the limit of 1 MB"),
])
def test_unsafe_or_oversized_zips_are_refused_before_anything_is_written(tmp_path, entries, message):
    with pytest.raises(UploadError, match=message):
        unpack_images(zipped(entries), "faces.zip", tmp_path, SMALL)
    assert not any(tmp_path.iterdir())


def test_a_zip_that_lies_about_its_sizes_writes_no_more_than_it_declares(tmp_path):
    data = bytearray(zipped({"a.png": b"\0" * 100_000}))
    # Make the central directory claim 10 bytes: the check passes, and zipfile then refuses the longer entry.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    images = unpack_images(bytes(data), "faces.zip", tmp_path, SMALL)
    assert images.not_images["a.png"].startswith("damaged in the ZIP") and not (tmp_path / "a.png").exists()


def test_an_entry_damaged_or_encrypted_is_its_rows_error_and_the_others_are_unpacked(model, tmp_path):
    """One entry with a bad checksum, or a password, refused the whole ZIP (no image of it scored) and left the
    entries before it on disk."""
    data = bytearray(zipped({"a.png": png(), "b.png": png(7), "c.png": png(9), "d.png": png(11)}))
    b = data.find(b"b.png") + len("b.png")
    data[b + 40] ^= 0xFF  # a byte inside b.png's data
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # c.png's headers: "encrypted" (bit 0)
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data.find(b"c.png", start) == start + (30 if signature == b"PK\x03\x04" else 46):
                data[start + offset] |= 0x1
            start += 4
    images = unpack_images(bytes(data), "faces.zip", tmp_path)
    assert images.files == ["a.png", "b.png", "c.png", "d.png"]
    assert images.not_images["b.png"].startswith("damaged in the ZIP (")  # zlib's words, or a bad checksum
    assert images.not_images["c.png"] == "encrypted in the ZIP (a password is needed); zip it without one"
    assert images.not_images.keys() == {"b.png", "c.png"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "d.png"]
    table = read_table_upload(b"text,image\nso happy,a.png\nso sad,c.png\n", "mine.csv", tmp_path.parent)
    scored, _ = score_table(model, table, "text", "image", images)
    assert scored.error.tolist() == ["", "c.png: encrypted in the ZIP (a password is needed); zip it without one"]
    assert scored.emotion.tolist() == ["joy", "sadness"]  # its text is scored, as with an image that is not one


def test_a_zip_of_too_many_entries_is_refused_before_they_are_read(tmp_path):
    """A ZIP of 560,000 empty entries took 20 s to refuse: zipfile parsed each, and so did the checks."""
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:  # over 65,534: counted in a ZIP64 end record
        for i in range(70_000):
            archive.writestr(f"{i:x}", b"")
    with pytest.raises(UploadError, match=r"^faces.zip: 70,000 entries is over the limit of 3 images"):
        unpack_images(many.getvalue(), "faces.zip", tmp_path, UploadLimits(images=3))
    with pytest.raises(UploadError, match=r"^faces.zip: 10 entries is over the limit of 3 images"):
        unpack_images(zipped({f"{i}.png": b"" for i in range(10)}), "faces.zip", tmp_path, SMALL)
    assert not any(tmp_path.iterdir())


def test_not_a_zip_is_refused(tmp_path):
    with pytest.raises(UploadError, match="faces.zip: not a ZIP file"):
        unpack_images(b"PK but not really", "faces.zip", tmp_path)


def test_labelled_upload_with_images_from_its_zip(tmp_path):
    images = unpack_images(zipped({"a.png": png()}), "faces.zip", tmp_path / "images")
    data = read_labelled_upload(b"text,image,label\nso happy,,joy\n,a.png,sadness\n", "mine.csv", tmp_path, images)
    assert data.texts == ["so happy", ""] and data.label_names == ["joy", "sadness"]
    assert data.images == [None, str(images.folder.resolve() / "a.png")]


@pytest.mark.parametrize("data, images, message", [
    (b"text,image,label\nhi,/etc/hostname,joy\n", False, "the 'image' column names images: upload the ZIP"),
    (b"text,image,label\nhi,../x.png,joy\n", True, r"column 'image', row\(s\) 1: leads outside the ZIP \(first: "
                                               r"\.\./x\.png\)$"),
    (b"text,image,label\nhi,b.png,joy\n", True, r"column 'image', row\(s\) 1: not in the ZIP \(first: b\.png\)$"),
    # every problem at once: a URL hid the rest until it was mended
    (b"text,image,label\nhi,https://x/y.png,joy\nho,../x.png,joy\nha,b.png,joy\n", True,
     r"row\(s\) 1: a URL .*; also column 'image', row\(s\) 2: leads outside the ZIP \(first: \.\./x\.png\); also "
     r"column 'image', row\(s\) 3: not in the ZIP \(first: b\.png\)$"),
    (b"text,label\nhi,bored\n", False, r"unknown label\(s\) \['bored'\] in column 'label'"),
    (b"words,label\nhi,joy\n", False, "needs a 'text' or an 'image' column"),
    (b"text,label\nhi,joy,extra\n", False, r"1 row\(s\) cannot be read as written"),
])
def test_bad_labelled_uploads_are_refused(tmp_path, data, images, message):
    unpacked = unpack_images(zipped({"a.png": png()}), "faces.zip", tmp_path / "images") if images else None
    with pytest.raises(UploadError, match=message):
        read_labelled_upload(data, "mine.csv", tmp_path, unpacked)


def test_image_uploads_are_checked_before_use():
    face = image_png(Image.new("L", (48, 48), 90))
    assert read_image_upload(face, "face.png").size == (48, 48)
    with pytest.raises(UploadError, match=r"notes\.png: not a supported image \(JPEG, PNG, WebP, GIF or BMP"):
        read_image_upload(b"just some text", "notes.png")
    with pytest.raises(UploadError, match=r"cut\.png: cannot decode image"):
        read_image_upload(face[:60], "cut.png")
    with pytest.raises(UploadError, match=r"big\.png: 1\.6 MB is over the limit of 1 MB \(1,000,000 bytes\) per file"):
        read_image_upload(b"\x89PNG" + bytes(1_600_000), "big.png", UploadLimits(file_mb=1))
    with pytest.raises(UploadError, match=r"empty\.gif: the file is empty"):
        read_image_upload(b"", "empty.gif")
    wide = image_png(Image.new("RGB", (3000, 2000)))
    with pytest.raises(UploadError, match="over the limit of 5,000,000"):
        read_image_upload(wide, "wide.png", max_pixels=5_000_000)


@pytest.mark.parametrize("size, shown", [((5000, 1), (1460, 73)), ((400, 1), (400, 20)), ((40_000, 2), (1460, 73)),
                                         ((48, 48), (48, 48)), ((1, 5000), (1, 5000)), ((200, 10), (200, 10))])
def test_an_uploaded_strip_is_shown_padded_to_a_shape_streamlit_can_scale(size, shown):
    """A 5000 × 1 image broke the Predict page: Streamlit scaled it to 0 pixels high."""
    picture = read_image_upload(image_png(Image.new("RGB", size, (200, 30, 30))), "strip.png")
    assert picture.size == shown
    assert picture.width <= 20 * picture.height


def image_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("entries, message", [
    ([("a", b"x"), ("a/b.jpg", b"y")], "'a' is both a file and a folder in it"),
    ([("x.jpg", b"1"), ("x.jpg", b"2")], "the entry 'x.jpg' is in it twice"),
])
def test_zips_whose_entries_collide_are_refused_before_anything_is_written(tmp_path, entries, message):
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name it is asked to write
        for entry_name, data in entries:
            archive.writestr(entry_name, data)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(UploadError, match=message):
        unpack_images(buffer.getvalue(), "faces.zip", folder)
    assert not any(folder.iterdir())
