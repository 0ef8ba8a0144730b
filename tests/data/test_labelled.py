import os
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data import DataError
from data.labelled import frame_to_labelled, read_labelled


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogateescape")  # "\udc92": the byte 0x92
    return path


def test_single_label_csv_with_intensity_and_images(tmp_path):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.jpg").write_bytes(b"\xff\xd8")
    path = write(tmp_path, "d.csv", "text,image,label,intensity\nso happy,,joy,0.8\n,pics/a.jpg,Anger,\n")
    data = read_labelled(path)
    assert data.texts == ["so happy", ""]
    assert data.images == [None, str(tmp_path / "pics/a.jpg")]
    assert data.labels.tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]
    assert data.intensity[0, 2] == 0.8 and np.isnan(data.intensity[1]).all()
    assert data.has_text.tolist() == [True, False] and not data.multi_label


def test_multi_label_tsv(tmp_path):
    path = write(tmp_path, "d.tsv", "text\tanger\tfear\tjoy\tsadness\nugh\t1\t0\t0\t1\n")
    data = read_labelled(path)
    assert data.multi_label and data.labels.tolist() == [[1, 0, 0, 1]]


@pytest.mark.parametrize(
    "content, message",
    [
        ("text,label\nhi,joy\nho,surprise\n", r"unknown label\(s\) \['surprise'\] in column 'label' \(row\(s\) 2\)"),
        ("text,mood\nhi,joy\n", r"needs a 'label' column or the four emotion columns"),
        ("text,label\nhi,joy\nho,\n", r"column 'label', row\(s\) 2: empty; write one of anger, fear, joy, sadness, or none"),
        ("text,label\nhi,Happy\nho,neutral\nhm,love\n",
         r"unknown label\(s\) \['Happy', 'love', 'neutral'\] .* or 'none' \(no emotion of the four\); did you mean joy "
         r"for 'Happy', none for 'neutral'\? Write them so in the file"),  # as the file writes them
        ("text,label\nhi,0\nho,3\n", r"unknown label\(s\) \['0', '3'\] .*; labels are names, not numbers"),
        ("text,label,intensity\nhi,joy,0.5\nho,none,0.3\n", r"column 'intensity', row\(s\) 2: an intensity on a row "
         r"labelled none, which has no emotion to rate"),
        ("words,label\nhi,joy\n", r"needs a 'text' or an 'image' column"),
        ("text,label\nhi,joy\n,joy\n", r"column 'text', row\(s\) 2: empty \(neither text nor image\)$"),
        # every problem of the rows at once: a file is mended in one go
        ("text,label,intensity\nhi,joy,0.5\n,x,0.3\nho,fear,2\n",
         r"column 'text', row\(s\) 2: empty \(neither text nor image\); also unknown label\(s\) \['x'\] in column "
         r"'label' \(row\(s\) 2\).*; also intensities must lie in \[0, 1\]: column 'intensity', row\(s\) 3 \(2\)$"),
        ("text,label,intensity\nhi,joy,1.5\n", r"intensities must lie in \[0, 1\]: column 'intensity', row\(s\) 1 \(1\.5\)$"),
        ("text,anger,fear,joy,sadness,intensity_joy,intensity_fear\nhi,0,1,1,0,80,-1\nho,0,0,1,0,65,\n",
         r"intensities must lie in \[0, 1\]: column 'intensity_fear', row\(s\) 1 \(-1\); column 'intensity_joy', "
         r"row\(s\) 1, 2 \(80\)$"),
        ("text,label,intensity\nhi,joy,80\nho,fear,55\nha,fear,0.5\n",
         r"intensities must lie in \[0, 1\]: column 'intensity', row\(s\) 1, 2 \(80\); on a scale of 0 to 100\? Divide them by 100"),
        # infinite and no finite value beside it: numpy's min of nothing raised, naming no file
        ("text,label,intensity\nhi,joy,nan\nho,anger,inf\n",
         r"intensities must lie in \[0, 1\]: column 'intensity', row\(s\) 2 \(inf\)$"),
        ("text,anger,fear,joy,sadness,intensity_joy\nhi,0,0,1,0,-inf\nho,0,0,1,0,\n",
         r"intensities must lie in \[0, 1\]: column 'intensity_joy', row\(s\) 1 \(-inf\)$"),
        ("text,label,intensity\nhi,joy,80%\n", r"column 'intensity' must hold numbers \(row\(s\) 1: '80%'; write a share without %: 0\.8, not 80%"),
        ("text;label;intensity\nhi;joy;0,8\nho;anger;\n",
         r"column 'intensity' must hold numbers \(row\(s\) 1: '0,8'; write decimals with a point\)"),
        ("text,label,intensity_joy\nhi,joy,NA\nho,joy,high\n", r"column 'intensity_joy' must hold numbers \(row\(s\) 2: 'high'\)"),
        # a long cell is quoted cut, and says so
        ("text,label,intensity\nhi,joy,\"very high indeed, as high as it gets\"\n",
         r"column 'intensity' must hold numbers \(row\(s\) 1: 'very high indeed, as…'; write decimals"),
        ("text,label\nhi,joy\n\u200b\u200b,joy\n", r"column 'text', row\(s\) 2: empty \(neither text nor image\)"),
        ("", "the file is empty"),
        ("text,label\n", "a header line but no rows"),
        # said as refused, not with `score`'s "not scored" or "the missing ones read as empty"
        ("text,label\nhi,joy\nho,joy,extra\n", r"1 row\(s\) cannot be read as written, so their labels cannot be "
         r"trusted \(first: row 2, line 3: 3 fields where the header has 2 \(fields beyond the last column: 'extra'\)\); "
         r"quote"),
        ("text,label,intensity\nhi,joy,0.5\n\"so, so happy\",joy\nho,joy\n", r"2 row\(s\) cannot be read as written, "
         r"so their labels cannot be trusted \(first: row 2, line 3: 2 of 3 fields\); quote a field that holds the "
         r"delimiter, give every row the header's fields, and save the file as UTF-8$"),
        ("text,label\nhi \U0001F60D,joy\nbad \udc92 byte,anger\n", r"1 row\(s\) cannot be read as written, so their labels cannot be "
         r"trusted \(first: row 2, line 3: bytes that are not UTF-8, read as U\+FFFD"),
        ("text,image,label\nhi,a.png,joy\nho,a\x00b.png,joy\n", r"column 'image', row\(s\) 2: a path cannot hold a NUL"),
        # a URL was read as a path: "no such file (first: …/https:/example.com/a.jpg)"
        ("text,image,label\nhi,,joy\nho,https://example.com/a.jpg,joy\n",
         r"column 'image', row\(s\) 2: a URL \(first: https://example\.com/a\.jpg\); images are read from files, never"),
        ("text,anger,fear,joy,sadness,intensity\nhi,0,0,1,0,0.5\n", r"an 'intensity' column rates the emotion of a 'label'"),
        ("text,label,label\nhi,joy,anger\n", r"columns 2 \('label'\) and 3 \('label'\) are both read as 'label'; keep one"),
        ("text,Text,label\nhi,ho,joy\n", r"columns 1 \('text'\) and 2 \('Text'\) are both read as 'text'"),
        ("text,label,anger,fear,joy,sadness\nhi,joy,1,0,0,1\n",
         r"has both a 'label' column and emotion columns \(anger, fear, joy, sadness\); keep the 'label' column"),
        ("text,anger,fear,joy,sadness\nhi,2,0,0,1\nho,0,,1,0\nha,0,0,1,x\n",
         r"the emotion columns must hold 0 or 1 .*: column 'anger' row\(s\) 1 \('2'\); column 'fear' row\(s\) 2 "
         r"\(empty\); column 'sadness' row\(s\) 3 \('x'\)$"),
        ("text,mood\nhi,joy\n", r"needs a 'label' column or .*; found \['text', 'mood'\]"),
        # the per-emotion column replaced the gold one, an empty one left an emotion unrated, without a word
        ("text,label,intensity,intensity_joy\nhi,joy,0.5,\n", r"has both an 'intensity' column and intensity_joy; "
         r"keep one"),
        # a scored file's intensities are the model's: evaluate printed Pearson 1.000 of the model with itself
        ("text,label,emotion,prob_anger,prob_fear,prob_joy,prob_sadness,intensity_anger,intensity_fear,intensity_joy,"
         "intensity_sadness,error\nhi,joy,joy,0.1,0.1,0.9,0.1,0,0,0.8,0,\n", r"looks like a file `score` wrote: its "
         r"intensity_anger, .* column\(s\) are a model's intensities, not gold ones"),
    ],
)
def test_bad_files_are_named_with_column_and_rows(tmp_path, content, message):
    with pytest.raises(DataError, match=r"d\.csv: " + message):
        read_labelled(write(tmp_path, "d.csv", content))


def test_messages_quote_a_huge_label_or_column_name_cut_short(tmp_path):
    """A label cell holding a whole text (a shifted column), or a header cell of megabytes, was quoted whole."""
    with pytest.raises(DataError, match=r"d\.csv: unknown label\(s\) \['" + "sad" * 20 + r"'…\] in column 'label' "
                       r"\(row\(s\) 1\); expected one of \['anger', 'fear', 'joy', 'sadness'\] or 'none' \(no "
                       r"emotion of the four\)$"):
        read_labelled(write(tmp_path, "d.csv", "text,label\nhi," + "sad" * 100_000 + "\n"))
    with pytest.raises(DataError, match=r"d\.csv: needs a 'text' or an 'image' column; found \['tweet', '" + "y" * 60 +
                       r"'…\]$"):
        read_labelled(write(tmp_path, "d.csv", "tweet," + "y" * 100_000 + "\nhi,joy\n"))


def test_column_names_are_read_whatever_their_case_and_surrounding_spaces(tmp_path):
    path = write(tmp_path, "d.csv", "ID, Text ,LABEL,Intensity\n7,so happy,joy,0.5\n")
    data = read_labelled(path)
    assert data.texts == ["so happy"] and data.label_names == ["joy"] and data.intensity[0, 2] == 0.5
    multi = read_labelled(write(tmp_path, "e.csv", "text,Anger,FEAR,Joy,Sadness\nugh,1,0,0,1\n"))
    assert multi.multi_label and multi.labels.tolist() == [[1, 0, 0, 1]]


def test_emotion_columns_may_hold_true_false_and_yes_no_as_pandas_and_spreadsheets_write_them(tmp_path):
    path = write(tmp_path, "d.csv", "text,anger,fear,joy,sadness\nugh,True,FALSE,no,yes\nmeh, 0 ,0.0,false,0\n")
    assert read_labelled(path).labels.tolist() == [[1, 0, 0, 1], [0, 0, 0, 0]]


def test_a_label_column_may_say_none_and_its_rows_are_then_judgements_of_presence(tmp_path):
    """The product's answer for a tweet with no emotion of the four is 'none'; a label file may give it. Every
    row then says which emotions are present (its label alone), so a model learns to say none."""
    data = read_labelled(write(tmp_path, "d.csv", "text,label,intensity\nhi,joy,0.5\nho,None ,\nhm,fear,0.2\n"))
    assert data.labels.tolist() == [[0, 0, 1, 0], [0, 0, 0, 0], [0, 1, 0, 0]] and not data.multi_label
    assert data.presence.tolist() == data.labels.tolist() and data.exclusive.tolist() == [True, False, True]
    assert data.intensity[0, 2] == 0.5 and data.intensity[2, 1] == 0.2 and np.isnan(data.intensity[1]).all()
    only_emotions = read_labelled(write(tmp_path, "e.csv", "text,label\nhi,joy\nho,fear\n"))
    assert not only_emotions.has_presence and only_emotions.exclusive.all()  # a 4-way choice, as before


def test_a_held_out_tenth_keeps_rows_with_no_emotion_on_both_sides(tmp_path):
    from data.labelled import hold_out

    rows = "".join(f"t{i},{label}\n" for i in range(10) for label in ("joy", "fear", "none"))
    train, valid = hold_out(read_labelled(write(tmp_path, "d.csv", "text,label\n" + rows)), seed=0)
    assert (~valid.labels.any(axis=1)).sum() == 1 and (~train.labels.any(axis=1)).sum() == 9


def test_an_image_path_that_is_no_file_is_refused_with_its_rows(tmp_path, monkeypatch):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.jpg").write_bytes(b"\xff\xd8")
    rows = "".join(f"t{i},{'pics/a.jpg' if i % 2 else ''},joy\n" for i in range(4)) + ",pics/b.jpg,fear\n,pics,joy\n"
    path = write(tmp_path, "d.csv", "text,image,label\n" + rows)
    with pytest.raises(DataError, match=rf"d\.csv: column 'image', row\(s\) 5: no such file \(first: "
                                        rf"{tmp_path}/pics/b\.jpg\); also column 'image', row\(s\) 6: a folder, not an "
                                        rf"image file \(first: {tmp_path}/pics\); image paths are read relative to "
                                        rf"{tmp_path}$"):
        read_labelled(path)
    os.mkfifo(tmp_path / "pipe.png")  # a path that exists was said to be "no such file"; and a URL, said first,
    path.write_text("text,image,label\nhi,https://example.com/a.png,joy\nho,pipe.png,joy\nha,gone.png,sadness\n")
    with pytest.raises(DataError, match=r"row\(s\) 1: a URL .*; also column 'image', row\(s\) 2: not a regular "
                                        r"file \(a pipe or a device\) .*; also column 'image', row\(s\) 3: no such file"):
        read_labelled(path)  # hid the others until it was mended
    path.write_text("text,image,label\n" + rows)
    assert read_labelled(path, check_images=False).images[4] == str(tmp_path / "pics/b.jpg")
    monkeypatch.chdir(tmp_path)  # a file named from its own folder: the folder is named, not "."
    with pytest.raises(DataError, match=rf"image paths are read relative to {tmp_path}$"):
        read_labelled(Path("d.csv"))


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.csv: file not found"):
        read_labelled(tmp_path / "nope.csv")


def test_labelled_files_are_read_by_the_scoring_reader(tmp_path):
    """One reader: a cp1252 file that `score` accepts is accepted for training and evaluation too, and a
    semicolon-separated file has its delimiter sniffed."""
    path = tmp_path / "d.csv"
    path.write_bytes("text,label\nwhat a caf\u00e9 \u2013 so happy,joy\nugh,anger\n".encode("cp1252"))
    assert read_labelled(path).texts == ["what a caf\u00e9 \u2013 so happy", "ugh"]
    semicolons = write(tmp_path, "e.csv", "text;label\nhi, you;joy\n")
    assert read_labelled(semicolons).texts == ["hi, you"]


def test_a_file_that_is_no_text_encoding_is_refused_with_offset(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"text,label\n" + bytes(range(128, 256)) * 40 + b",joy\n")
    with pytest.raises(DataError, match=r"d\.csv: not valid UTF-8 text: byte 0x80 at byte offset 11"):
        read_labelled(path)


def test_a_subset_names_only_the_collections_it_still_holds():
    from data.labelled import LabelledData

    def rows(n, source, texts=True):
        return LabelledData(["hi"] * n if texts else [""] * n, [None] * n if texts else [b"img"] * n,
                            np.eye(4)[np.arange(n) % 4], np.full((n, 4), np.nan), source=source)

    mixed = LabelledData.concat([rows(4, "tweets/train"), rows(3, "comments/train"), rows(5, "faces/train", False)],
                                source="tweets/train+comments/train+faces/train")
    assert mixed.origin.tolist() == ["tweets/train"] * 4 + ["comments/train"] * 3 + ["faces/train"] * 5
    assert mixed.subset(np.flatnonzero(mixed.has_text)).source == "tweets/train+comments/train"
    assert mixed.subset([9, 0]).source == "tweets/train+faces/train"  # in the order of the whole
    assert mixed.subset([0, 4, 11]).source == mixed.source  # every collection kept: the name as given
    assert rows(3, "mine.csv").subset([1]).source == "mine.csv"
    renamed = rows(3, "mine.csv").renamed("ours.csv")
    assert renamed.source == "ours.csv" and renamed.subset([0]).source == "ours.csv"


def test_the_fingerprint_tells_apart_data_that_differ_only_in_their_intensities(tmp_path):
    first = read_labelled(write(tmp_path, "a.csv", "text,label,intensity\nhi,joy,0.5\nho,fear,0.2\n"))
    same = read_labelled(write(tmp_path, "b.csv", "text,label,intensity\nhi,joy,0.5\nho,fear,0.2\n"))
    other = read_labelled(write(tmp_path, "c.csv", "text,label,intensity\nhi,joy,0.9\nho,fear,0.2\n"))
    assert first.fingerprint() == same.fingerprint() != other.fingerprint()


def test_a_frame_with_missing_values_reads_them_as_empty_cells():
    """A DataFrame handed to frame_to_labelled (pandas 3 keeps NaN through astype(str)): an intensity left NaN or
    None stopped with a TypeError instead of being not given, and a missing label or 0/1 cell with a TypeError or
    AttributeError instead of the error naming its row."""
    frame = pd.DataFrame({"text": ["so happy", "so angry"], "label": ["joy", "anger"], "intensity": [0.5, np.nan]})
    np.testing.assert_array_equal(frame_to_labelled(frame, "mine").intensity,
                                  [[np.nan, np.nan, 0.5, np.nan], [np.nan] * 4])
    frame["intensity"] = frame["intensity"].astype(object).where(frame["intensity"].notna(), None)
    assert np.isnan(frame_to_labelled(frame, "mine").intensity[1]).all()
    with pytest.raises(DataError, match="mine: column 'label', row\\(s\\) 2: empty"):
        frame_to_labelled(frame.assign(label=["joy", None]), "mine")
    judged = pd.DataFrame({"text": ["a", "b"], "anger": [1, np.nan], "fear": 0, "joy": [0, 1], "sadness": 0})
    with pytest.raises(DataError, match="column 'anger' row\\(s\\) 2 \\(empty\\)"):
        frame_to_labelled(judged, "mine")


def test_image_paths_written_on_windows_or_with_accents_composed_otherwise_are_found(tmp_path):
    """As `score` finds them: a labelled file's "pics\\a.jpg" and a typed "café.png" beside macOS's decomposed one
    were refused as "no such file"."""
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "a.jpg").write_bytes(b"\xff\xd8")
    decomposed = unicodedata.normalize("NFD", "café.png")
    (tmp_path / "pics" / decomposed).write_bytes(b"\xff\xd8")
    path = write(tmp_path, "d.csv", "text,image,label\nhi,pics\\a.jpg,joy\nho,pics\\" + unicodedata.normalize("NFC", "café.png")
                 + ",fear\n")
    assert read_labelled(path).images == [str(tmp_path / "pics" / "a.jpg"), str(tmp_path / "pics" / decomposed)]


def test_a_frame_whose_image_column_holds_numbers_reads_them_as_file_names(tmp_path):
    """Image ids as numbers, with a missing one (a float column): a TypeError from Path, naming nothing; then the
    file "7.0", for the id 7 that the gap made a float."""
    frame = pd.DataFrame({"text": ["so happy", "so angry"], "image": [7, None], "label": ["joy", "anger"]})
    data = frame_to_labelled(frame, "mine", base=tmp_path)
    assert data.images == [str(tmp_path / "7"), None]
    frame["image"] = pd.Series([7, None], dtype=object)
    assert frame_to_labelled(frame, "mine", base=tmp_path).images == [str(tmp_path / "7"), None]
    frame["text"] = [b"caf\xe9 so happy", "so angry"]  # bytes that are not UTF-8: pandas' bare UnicodeDecodeError
    assert frame_to_labelled(frame, "mine", base=tmp_path).texts[0] == "caf\ufffd so happy"  # as `predict` reads it


def test_a_hold_out_too_small_for_every_emotion_says_so_not_that_the_rarest_emotion_is_too_rare():
    """20 rows, 5 of each emotion: the message blamed anger's 5 rows; a tenth is 2 rows, too few for 4 emotions."""
    from data.labelled import LabelledData, hold_out

    def data(per_emotion: int) -> LabelledData:
        labels = np.eye(4)[np.repeat(np.arange(4), per_emotion)]
        return LabelledData([f"tweet {i}" for i in range(len(labels))], [None] * len(labels), labels,
                            np.full(labels.shape, np.nan), source="mine.csv")

    with pytest.raises(DataError, match=r"^mine\.csv: too few rows to hold out a validation tenth with every emotion "
                                        r"on both sides \(20 rows, so 2 held out, for 4 answers: anger, fear, joy, "
                                        r"sadness\); give a validation file or at least 31 rows$"):
        hold_out(data(5), seed=0)
    with pytest.raises(DataError, match=r"\(4 rows; anger has 1\); give a validation file or more rows$"):
        hold_out(data(1), seed=0)
    train, valid = hold_out(data(8), seed=0)  # 32 rows: 4 held out, one of each
    assert sorted(valid.label_names) == ["anger", "fear", "joy", "sadness"] and len(train) == 28


def test_a_link_loop_an_image_given_for_the_table_and_a_folder_for_an_image_are_each_named_so(tmp_path):
    """They were "file not found" for a link that exists, "not valid UTF-8 text: byte 0x89 at byte offset 0" for a
    PNG, and "no such file" for a folder that is there."""
    (tmp_path / "loop.csv").symlink_to(tmp_path / "loop.csv")
    with pytest.raises(DataError, match=r"loop\.csv: a symbolic link that leads nowhere \(its target is missing, or "
                                        r"the link leads back to itself\)$"):
        read_labelled(tmp_path / "loop.csv")
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "face.png")
    with pytest.raises(DataError, match=r"face\.png: a PNG image, not a CSV or TSV text file; give the CSV or TSV "
                                        r"file whose rows name it$"):
        read_labelled(tmp_path / "face.png")
    (tmp_path / "faces").mkdir()
    with pytest.raises(DataError, match=r"d\.csv: column 'image', row\(s\) 2: a folder, not an image file \(first: "):
        read_labelled(write(tmp_path, "d.csv", "text,image,label\nhi,face.png,joy\nho,faces,joy\n"))


def test_empty_and_unknown_labels_are_named_together(tmp_path):
    """Only the empty label was named; the unknown one came out once that was mended."""
    path = write(tmp_path, "d.csv", "text,label\nhi,joy\nho,happy\nhu,\n")
    with pytest.raises(DataError, match=r"/d\.csv: column 'label', row\(s\) 3: empty; .*; also unknown label\(s\) "
                                        r"\['happy'\] in column 'label' \(row\(s\) 2\)"):
        read_labelled(path)
