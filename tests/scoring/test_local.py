import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cli
from data.bundled import load_wassa
from data.labelled import DataError
from data.tables import sniff_input
from features.text.tokenize import has_words
from models.base import MAX_TEXT_CHARS
from models.registry import load_model
from scoring.frame import OUTPUT_COLUMNS, score_frame
from scoring.local import score_file
from scoring.output import code_identity, temporary_paths
from tests.full_disk import FullDisk

ROOT = Path(__file__).resolve().parents[2]
PROBS = ["prob_anger", "prob_fear", "prob_joy", "prob_sadness"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scoring-model")
    load_wassa("train").sample(400, random_state=0)[["text", "label", "intensity"]].to_csv(folder / "train.csv",
                                                                                           index=False)
    out = folder / "run"
    assert cli.main(["train", "--model", "tfidf_logreg", "--train", str(folder / "train.csv"), "--out", str(out),
                     "--no-bundled-eval"]) == 0
    return out


@pytest.fixture(scope="module")
def model(run):
    return load_model(run)


def score(run, tmp_path, source, *options, output="out.csv"):
    out = tmp_path / output
    status = cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out), "--quiet",
                       *options])
    return status, out


def read(path, sep=","):
    return pd.read_csv(path, sep=sep, keep_default_na=False, dtype=str)


# --- encodings ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom(run, tmp_path, bom):
    source = tmp_path / "in.csv"
    source.write_bytes(bom + "id,text\n1,café joy 😀\n".encode())
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and list(scored.columns[:2]) == ["id", "text"]  # no BOM glued to the first column name
    assert scored.text[0] == "café joy 😀" and scored.emotion[0] != ""
    # Excel's "CSV UTF-8" has a BOM, and Excel reads a UTF-8 file without one as its code page ("cafÃ©"): the
    # scored file keeps it, once, at its start (its chunks after the first have none)
    status, out = score(run, tmp_path, source, "--chunk-rows", "1", output="again.csv")
    assert out.read_bytes().startswith(bom + b"id,text,") and out.read_bytes().count(b"\xef\xbb\xbf") == len(bom) // 3


def test_utf16_with_bom_is_read(run, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes("text\nso scared tonight\n".encode("utf-16"))
    status, out = score(run, tmp_path, source)
    assert status == 0 and read(out).text[0] == "so scared tonight"
    assert out.read_bytes().startswith(b"\xef\xbb\xbftext,")  # UTF-8 with a BOM, as Excel reads it


def test_latin1_is_detected_and_said(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes("text\nJ'ai très peur: c'est la fête à côté\nhappy day\n".encode("cp1252"))
    status, out = score(run, tmp_path, source)
    assert status == 0 and read(out).text[0] == "J'ai très peur: c'est la fête à côté"
    assert "not UTF-8 from byte offset 12" in capsys.readouterr().err


def test_undecodable_bytes_are_refused_with_their_offset(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes(b"text\nfine\n" + b"\x81\x8d\x8f\x90\x9d" * 3 + b"\n")
    status, out = score(run, tmp_path, source, "--encoding", "utf-8")
    assert status == 2 and not out.exists()
    assert "byte 0x81 at byte offset 10" in capsys.readouterr().err


# --- delimiters and quoting -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,content,delimiter", [
    ("in.tsv", "id\ttext\n1\tso happy, really\n", "\t"),
    ("in.csv", "id;text\n1;so happy, really\n", ";"),
    ("in.txt", "id,text\n1,\"so happy, really\"\n", ","),
    ("in.dat", "id\ttext\n1\tso happy, really\n", "\t"),
])
def test_delimiter_by_extension_or_sniffed(run, tmp_path, name, content, delimiter):
    source = tmp_path / name
    source.write_text(content)
    assert sniff_input(source).delimiter == delimiter
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and scored.id[0] == "1" and scored.text[0] == "so happy, really"


def test_output_is_tsv_by_extension(run, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nhappy\n")
    status, out = score(run, tmp_path, source, output="out.tsv")
    assert status == 0 and out.read_text().splitlines()[0].split("\t") == ["text"] + OUTPUT_COLUMNS


def test_quoted_fields_with_newlines_and_delimiters_survive(run, tmp_path):
    source = tmp_path / "in.csv"
    texts = ["line one\nline two, with a comma", 'she said "run"; I ran', "plain"]
    pd.DataFrame({"id": [1, 2, 3], "text": texts}).to_csv(source, index=False)
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and scored.text.tolist() == texts and (scored.emotion != "").all()


# --- bad rows -------------------------------------------------------------------------------------------------


def test_empty_missing_and_numeric_texts_are_rows_not_failures_of_the_run(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id,text,extra\n1,so happy today,x\n2,,x\n3\n4,12345,x\n5,a,b,c\n6,terrified,x\n")
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and scored.id.tolist() == ["1", "2", "3", "4", "5", "6"]
    assert scored.emotion[1] == "" and "nothing to score" in scored.error[1]  # empty text
    assert scored.error[2].startswith("line 4: 1 of 3 fields") and scored.emotion[2] == ""  # text missing
    assert scored.emotion[3] != "" and scored.text[3] == "12345"  # a number is read as text
    assert scored.error[4].startswith("line 6: 4 fields where the header has 3; not scored")
    assert "'c'" in scored.error[4] and scored.emotion[4] == "" and scored.prob_joy[4] == ""
    assert scored.error[5] == "" and scored.emotion[5] != ""
    assert "scored 3 of 6 rows, 3 failed" in capsys.readouterr().err


def test_a_quote_left_open_costs_its_row_and_the_rest_of_the_file_is_scored(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text('id,text\n1,so happy today\n2,"she never closed this\n3,terrified of the dark\n4,so sad\n')
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and scored.id.tolist() == ["1", "2", "3", "4"]
    assert scored.error[1].startswith("line 3: a quote opened here is never closed") and scored.emotion[1] == ""
    assert (scored.emotion[[0, 2, 3]] != "").all() and (scored.error[[0, 2, 3]] == "").all()
    assert "scored 3 of 4 rows, 1 failed" in capsys.readouterr().err


def test_an_enormous_text_is_scored_on_its_start_and_its_row_says_so(run, tmp_path, model, capsys):
    source = tmp_path / "in.csv"
    start = "I am so furious with them. " * 4000  # 108,000 characters
    enormous = start[:MAX_TEXT_CHARS] + "What a wonderful happy day! " * 40_000
    pd.DataFrame({"id": [1, 2], "text": [enormous, "terrified"]}).to_csv(source, index=False)
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and scored.text[0] == enormous  # the input column is written whole
    assert scored.error[0] == f"text of {len(enormous):,} characters: read on its first {MAX_TEXT_CHARS:,}"
    assert model.predict([start[:MAX_TEXT_CHARS], enormous[MAX_TEXT_CHARS:]]).emotions == ["anger", "joy"]
    assert scored.emotion[0] == "anger"  # what its start says, not its end
    assert scored.error[1] == "" and scored.emotion[1] != ""
    assert "scored 2 of 2 rows (1 with a message in `error`), 0 failed" in capsys.readouterr().err


def test_every_row_failed_exits_non_zero(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("text,id\n,1\n  ,2\n")
    status, out = score(run, tmp_path, source)
    assert status == 1 and "scored 0 of 2 rows, 2 failed" in capsys.readouterr().err


@pytest.mark.parametrize("content,message", [(b"", "the file is empty"), (b"text\n", "no rows to score")])
def test_unreadable_input_exits_2_and_leaves_nothing(run, tmp_path, capsys, content, message):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    status, out = score(run, tmp_path, source)
    assert status == 2 and message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_refused_run_removes_the_folders_it_made_for_its_output(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id\n1\n")
    status, out = score(run, tmp_path, source, output="new/deeper/out.csv")
    assert status == 2 and "no text column 'text'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    source.write_text("text\nhappy\n")
    status, out = score(run, tmp_path, source, output="new/deeper/out.csv")
    assert status == 0 and out.is_file()


def test_the_text_column_is_found_whatever_its_case_and_spaces(run, tmp_path, capsys):
    """`evaluate` read a header " Text " as the text column and `score` refused it: one file, read two ways."""
    source = tmp_path / "in.csv"
    source.write_text("id, Text \n1,so happy today\n")
    status, out = score(run, tmp_path, source)
    scored = read(out)
    assert status == 0 and list(scored.columns[:2]) == ["id", " Text "] and scored.emotion[0] != ""
    source.write_text("Text,TEXT\nhappy,sad\n")
    status, _ = score(run, tmp_path, source, output="out2.csv")
    assert status == 2 and "columns ['Text', 'TEXT'] could each be the text column 'text'; give its exact name" in \
        capsys.readouterr().err


def test_a_text_column_named_and_missing_is_refused_even_with_an_image_column(run, tmp_path, capsys):
    """A misspelt --text-column beside --image-column scored every row on its image alone, without a word."""
    source = tmp_path / "in.csv"
    source.write_text("tweet,img\nso happy,a.jpg\n")
    status, _ = score(run, tmp_path, source, "--text-column", "twet", "--image-column", "img")
    assert status == 2 and "no text column 'twet'; columns are ['tweet', 'img']" in capsys.readouterr().err
    status, out = score(run, tmp_path, source, "--image-column", "img", output="images.csv")
    scored = read(out)  # none named and none called `text`: the images alone, here none the model can read
    assert status == 1 and scored.emotion[0] == "" and scored.error[0] != ""
    status, _ = score(run, tmp_path, source, "--text-column", "img", "--image-column", "img", output="same.csv")
    assert status == 2 and "column 'img' is given as both the text and the image column" in capsys.readouterr().err


def test_an_image_column_that_is_not_read_is_said(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("text,image\nhappy,a.jpg\n")
    score(run, tmp_path, source, "--image-column", "image")
    assert "columns: tfidf_logreg reads text only; the image column 'image' is not read" in capsys.readouterr().err
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "default.csv"), "--quiet"]) == 0
    assert ("columns: in.csv has a column 'image', which is not read; to score its images, give it as the image "
            "column (--image-column image)") in capsys.readouterr().err  # the default model reads images
    source.write_text("text,Image,IMAGE\nhappy,a.jpg,b.jpg\n")  # two of them: said, not refused
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "two.csv"), "--quiet"]) == 0
    assert "in.csv has a column 'image', which is not read" in capsys.readouterr().err


def test_a_column_named_as_an_output_column_but_for_case_is_said(run, tmp_path, capsys):
    """A gold "Emotion" column was written beside the model's `emotion` unsaid: a reader that ignores case
    (a database import, R's tolower) would take the two for one."""
    source = tmp_path / "in.csv"
    source.write_text("text,Emotion,Prob_Joy\nso happy,joy,1\n")
    status, out = score(run, tmp_path, source)
    assert status == 0 and read(out).columns.tolist()[:4] == ["text", "Emotion", "Prob_Joy", "emotion"]
    assert ("columns: in.csv has ['Emotion', 'Prob_Joy'], differing from the scored file's own column(s) of that "
            "name only in case") in capsys.readouterr().err


def test_an_output_name_of_no_table_format_is_said_to_be_csv(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("text\nhappy\n")
    status, out = score(run, tmp_path, source, output="out.json")
    assert status == 0 and read(out).emotion[0] != ""
    assert "note: out.json is written as CSV (comma-separated)" in capsys.readouterr().err


def test_a_symlink_loop_costs_its_row_only(run, tmp_path):
    """Path.resolve raised RuntimeError on a loop: the whole run stopped with no row named."""
    (tmp_path / "a.jpg").symlink_to(tmp_path / "b.jpg")
    (tmp_path / "b.jpg").symlink_to(tmp_path / "a.jpg")
    source = tmp_path / "in.csv"
    source.write_text("text,image\nhappy,a.jpg\nsad,\n")
    status, out = score(run, tmp_path, source, "--image-column", "image")
    scored = read(out)
    assert scored.error[0].startswith("image 'a.jpg': cannot resolve the path (") and scored.emotion[0] != ""
    assert status == 0 and scored.error[1] == "" and len(scored) == 2


def test_an_image_path_written_on_windows_is_found(tmp_path):
    from scoring.frame import resolve_image

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"x")
    assert resolve_image("photos\\a.jpg", tmp_path, tmp_path) == (str((tmp_path / "photos" / "a.jpg").resolve()), None)
    path, error = resolve_image("a\\" + "x" * 300, tmp_path, tmp_path)  # a name too long: its row, not the run
    assert path is None and error.startswith("image 'a\\") and "cannot resolve the path" in error


def test_an_image_name_with_its_accents_composed_otherwise_is_found(tmp_path):
    """macOS writes "café.png" into a ZIP with the accent apart (NFD); the CSV typed it whole (NFC): "file not
    found (café.png)", a message that looked impossible."""
    from scoring.frame import resolve_image

    decomposed, composed = unicodedata.normalize("NFD", "café.png"), unicodedata.normalize("NFC", "café.png")
    (tmp_path / decomposed).write_bytes(b"x")
    assert resolve_image(composed, tmp_path, tmp_path) == (str((tmp_path / decomposed).resolve()), None)
    (tmp_path / decomposed).rename(tmp_path / composed)
    assert resolve_image(decomposed, tmp_path, tmp_path) == (str((tmp_path / composed).resolve()), None)


def test_images_resolve_relative_to_the_csv_and_inside_the_root(run, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "outside.jpg").write_bytes(b"not really an image")
    source = data / "in.csv"
    source.write_text("text,image\nhappy,../outside.jpg\nsad,\n")
    status, out = score(run, tmp_path, source, "--image-column", "image")
    scored = read(out)
    assert "resolves outside the images folder" in scored.error[0] and scored.emotion[0] != ""
    assert scored.error[1] == "" and status == 0  # a row scored on its text alone is no failed row
    status, out = score(run, tmp_path, source, "--image-column", "image", "--images-root", str(tmp_path),
                        output="out2.csv")
    assert "resolves outside" not in read(out2 := out).error[0]  # allowed now; this text-only model ignores it
    assert status == 0 and out2.exists()


def test_an_image_cell_that_is_a_url_says_images_are_never_fetched(run, tmp_path):
    """It said "a.jpg: file not found (…/http:/example.com/a.jpg)", the URL read as a folder path."""
    source = tmp_path / "in.csv"
    source.write_text("text,image\nhappy,https://example.com/a.jpg\nsad,\n")
    status, out = score(run, tmp_path, source, "--image-column", "image")
    scored = read(out)
    assert scored.error[0] == "image 'https://example.com/a.jpg': a URL; images are read from files, never fetched"
    assert scored.emotion[0] != "" and scored.error[1] == "" and status == 0  # its text is scored all the same


def test_an_output_named_as_a_compressed_file_is_refused(run, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("text\nso happy\n")
    status, _ = score(run, tmp_path, source, output="out.csv.gz")
    assert status == 2 and "out.csv.gz: the scored file is plain CSV or TSV text" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_an_image_path_with_a_nul_byte_fails_its_row_only(run, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"text,image\nhappy,a\x00b.png\nsad,\n")
    status, out = score(run, tmp_path, source, "--image-column", "image")
    scored = read(out)
    assert status == 0 and "a path cannot hold a NUL byte" in scored.error[0] and scored.emotion[0] != ""
    assert scored.error[1] == "" and scored.emotion[1] != ""


def test_score_frame_is_the_per_chunk_function(model, tmp_path):
    frame = pd.DataFrame({"k": ["a", "b"], "text": ["so happy", None]})
    scored = score_frame(model, frame, "text", None, tmp_path, tmp_path)
    assert list(scored.columns) == ["k", "text"] + OUTPUT_COLUMNS
    assert scored.emotion.tolist()[1] == "" and scored.emotion.tolist()[0] != ""
    assert math.isclose(scored.loc[0, PROBS].sum(), 1, abs_tol=1e-5) and scored.loc[1, PROBS].isna().all()


# --- atomic output and resume ---------------------------------------------------------------------------------


def _started(command: list[str], journal, chunks: int, **popen) -> subprocess.Popen:
    """`cli.py score` started in a process of its own, returned once its journal records `chunks` chunks done
    (the run still going, so that a test can kill or stop it there)."""
    child = subprocess.Popen(command, cwd=ROOT, **popen)
    deadline = time.time() + 120
    while time.time() < deadline and child.poll() is None:
        if journal.exists() and json.loads(journal.read_text())["chunks_done"] >= chunks:
            break
        time.sleep(0.02)
    assert child.poll() is None, "the run finished before the test could stop it"
    return child


def _big_input(folder: Path, rows: int) -> Path:
    pool = load_wassa("train").text.to_numpy()
    source = folder / "big.csv"
    pd.DataFrame({"id": np.arange(rows), "text": pool[np.arange(rows) % len(pool)]}).to_csv(source, index=False)
    return source


def test_an_unexpected_error_mid_run_says_what_it_kept_for_resume(run, tmp_path, monkeypatch, capsys):
    """Any error but a DataError left the partial output and its journal without a word about them."""
    import scoring.local

    source = _big_input(tmp_path, 500)
    real = scoring.local._render

    def failing(model, chunk, index, settings):
        if index == 2:
            raise RuntimeError("a fault of this version")
        return real(model, chunk, index, settings)

    monkeypatch.setattr(scoring.local, "_render", failing)
    status, out = score(run, tmp_path, source, "--chunk-rows", "100", "--jobs", "1")
    part, journal = temporary_paths(out)
    err = capsys.readouterr().err
    assert status == 2 and not out.exists() and part.exists() and journal.exists()
    assert (f"note: {out} was not written; what was scored before this error is kept in {part} (rerun with --resume "
            f"to go on from it, or without it to start over)") in err
    assert "error: RuntimeError: a fault of this version" in err
    monkeypatch.setattr(scoring.local, "_render", real)
    status, out = score(run, tmp_path, source, "--chunk-rows", "100", "--jobs", "1", "--resume")
    assert status == 0 and len(read(out)) == 500 and not part.exists()


def test_killed_run_leaves_no_output_and_resume_gives_the_same_file(run, tmp_path):
    source = _big_input(tmp_path, 6000)
    reference = tmp_path / "reference.csv"
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(reference),
                     "--chunk-rows", "200", "--quiet"]) == 0
    out = tmp_path / "out.csv"
    part, journal = temporary_paths(out)
    command = [sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source), "--output",
               str(out), "--chunk-rows", "200", "--quiet"]
    child = _started(command + ["--jobs", "2"], journal, chunks=3, stderr=subprocess.DEVNULL)
    workers = psutil.Process(child.pid).children()
    assert len(workers) == 1  # --jobs 2: this process and one worker
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive  # the worker processes die with the run
    assert not out.exists() and part.exists()
    done = json.loads(journal.read_text())["chunks_done"]
    assert 3 <= done < 30
    with open(part, "ab") as handle:  # a half-written chunk at the moment of the kill
        handle.write(b"5999,half a row")
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(out),
                     "--chunk-rows", "200", "--quiet", "--resume"]) == 0
    assert out.read_bytes() == reference.read_bytes()
    assert not part.exists() and not journal.exists()


def test_ctrl_c_keeps_the_partial_file_for_resume(run, tmp_path, model, capsys):
    source = _big_input(tmp_path, 1000)
    out = tmp_path / "out.csv"
    part, journal = temporary_paths(out)

    def interrupt(summary):
        if summary.rows >= 300:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(model, source, out, chunk_rows=100, on_chunk=interrupt)
    assert not out.exists() and json.loads(journal.read_text())["chunks_done"] == 3
    kept = tmp_path / "kept"  # a run started afresh over them says what it removes (it said nothing)
    kept.mkdir()
    for path in (part, journal):
        shutil.copy2(path, kept / path.name)
    note = score_file(model, source, out, chunk_rows=100).notes[0]
    assert re.fullmatch(r"removed the rows of an interrupted run \(0\.\d MB\); --resume would have continued it", note)
    out.unlink()
    for path in (part, journal):
        shutil.copy2(kept / path.name, path)
    summary = score_file(model, source, out, chunk_rows=100, resume=True)
    assert summary.rows == 1000 and summary.resumed_rows == 300
    fresh = score_file(model, source, tmp_path / "fresh.csv", chunk_rows=100)
    assert out.read_bytes() == (tmp_path / "fresh.csv").read_bytes() and fresh.scored == summary.scored


def test_sigterm_is_one_line_keeps_the_partial_file_and_frees_the_lock(run, tmp_path):
    """`docker stop`, Kubernetes and `timeout` send SIGTERM: the run ended by the signal, with no word, and left its
    lock, which named a pid that a container's next run may have again."""
    source = _big_input(tmp_path, 6000)
    out = tmp_path / "out.csv"
    part, journal = temporary_paths(out)
    command = [sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source), "--output",
               str(out), "--chunk-rows", "200", "--quiet"]
    child = _started(command + ["--jobs", "2"], journal, chunks=2, stderr=subprocess.PIPE, text=True)
    workers = psutil.Process(child.pid).children()
    child.terminate()
    assert child.wait(60) == 143
    assert child.stderr.read() == f"terminated (SIGTERM); {out} was not written (rerun with --resume to continue)\n"
    assert not psutil.wait_procs(workers, timeout=10)[1]
    assert not out.exists() and part.exists() and not out.with_name("out.csv.lock").exists()
    assert cli.main(command[2:] + ["--resume"]) == 0
    assert cli.main(["score", "--model-dir", str(run), "--input", str(source), "--output", str(tmp_path / "fresh.csv"),
                     "--chunk-rows", "200", "--quiet"]) == 0
    assert out.read_bytes() == (tmp_path / "fresh.csv").read_bytes()


@pytest.mark.parametrize("room_chunks", [0, 3])
def test_a_full_disk_names_the_output_and_what_is_kept(model, tmp_path, monkeypatch, room_chunks):
    """It said `[Errno 28] No space left on device`, naming no file and not the partial file that kept the room."""
    import builtins

    import scoring.output

    source = _big_input(tmp_path, 1000)
    out = tmp_path / "out.csv"
    part, journal = temporary_paths(out)
    fresh = score_file(model, source, tmp_path / "fresh.csv", chunk_rows=100)
    chunk = len((tmp_path / "fresh.csv").read_bytes()) // 10
    monkeypatch.setattr(scoring.output, "open", lambda *a, **k: FullDisk(builtins.open(*a, **k),
                                                                         room_chunks * chunk + chunk // 2),
                        raising=False)
    with pytest.raises(DataError) as full:
        score_file(model, source, out, chunk_rows=100)
    where = f"cannot be written (No space left on device in {tmp_path})"
    if room_chunks == 0:
        assert str(full.value) == f"{out}: {where}; nothing of this run was kept: free some space and run again"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "fresh.csv"]
        return
    kept = json.loads(journal.read_text())
    assert str(full.value).startswith(f"{out}: {where}; the {kept['rows']:,} rows scored so far are kept in {part} "
                                      f"and {journal} (")
    assert str(full.value).endswith("MB): free some space and rerun with --resume to continue, or remove them")
    assert kept["chunks_done"] == 3 and part.stat().st_size == kept["part_bytes"]  # the half chunk's room given back
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([part.name, journal.name, "big.csv", "fresh.csv"])
    monkeypatch.undo()
    resumed = score_file(model, source, out, chunk_rows=100, resume=True)
    assert out.read_bytes() == (tmp_path / "fresh.csv").read_bytes() and resumed.scored == fresh.scored


def test_a_local_run_removes_what_an_interrupted_dask_run_left(model, tmp_path):
    source = _big_input(tmp_path, 50)
    out = tmp_path / "out.csv"
    parts = tmp_path / ".out.csv.dask-parts"
    parts.mkdir()
    (parts / "journal.json").write_text("{}")
    (parts / "000000.csv").write_bytes(b"x" * 2_000_000)
    with pytest.raises(DataError, match=f"cannot resume: the interrupted run of {out} was an --engine dask run "
                                        f"\\({parts}\\); resume it with --engine dask --resume"):
        score_file(model, source, out, resume=True)
    assert (parts / "000000.csv").exists()  # kept for the engine that can resume it
    summary = score_file(model, source, out)
    assert summary.notes == [f"removed {parts} (2.0 MB), left by an interrupted run of this output that --engine "
                             f"local cannot resume"]
    assert not parts.exists() and summary.rows == 50
    elsewhere = tmp_path / "elsewhere"  # a link planted at that name is removed, not what it points to
    elsewhere.mkdir()
    (elsewhere / "theirs.csv").write_text("kept")
    parts.symlink_to(elsewhere)
    assert score_file(model, source, out).rows == 50
    assert not parts.is_symlink() and [p.name for p in elsewhere.iterdir()] == ["theirs.csv"]


def test_worker_processes_give_the_same_file_and_resume_across_them(model, tmp_path):
    source = _big_input(tmp_path, 700)
    one = score_file(model, source, tmp_path / "one.csv", chunk_rows=100, jobs=1)

    def interrupt(summary):
        if summary.rows >= 200:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(model, source, tmp_path / "two.csv", chunk_rows=100, jobs=2, on_chunk=interrupt)
    two = score_file(model, source, tmp_path / "two.csv", chunk_rows=100, jobs=2, resume=True)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert (one.rows, one.scored) == (two.rows, two.scored) and two.resumed_rows == 200


def _interrupted_after_a_chunk(model, source: Path, out: Path) -> None:
    """`source` scored into `out` in chunks of 100 rows, stopped by Ctrl-C after the first."""
    def interrupt(summary):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        score_file(model, source, out, chunk_rows=100, on_chunk=interrupt)


def test_resume_refuses_a_changed_input_or_options(run, tmp_path, model):
    source = _big_input(tmp_path, 500)
    out = tmp_path / "out.csv"
    _interrupted_after_a_chunk(model, source, out)
    with pytest.raises(DataError, match="cannot resume: chunk_rows differ"):
        score_file(model, source, out, chunk_rows=50, resume=True)
    with open(source, "a") as handle:
        handle.write("501,one more row\n")
    with pytest.raises(DataError, match="cannot resume: input_sha256, input_size differ"):
        score_file(model, source, out, chunk_rows=100, resume=True)


def test_resume_refuses_a_run_interrupted_under_other_scoring_code(model, tmp_path):
    """A run interrupted, the code updated (a `git pull`), then resumed: one file of rows scored two ways."""
    source = _big_input(tmp_path, 300)
    out = tmp_path / "out.csv"
    _interrupted_after_a_chunk(model, source, out)
    journal = temporary_paths(out)[1]
    written = json.loads(journal.read_text())
    assert written["key"]["code"] == code_identity()
    written["key"]["code"] = "0" * 64  # as the code before an update wrote it
    journal.write_text(json.dumps(written))
    with pytest.raises(DataError, match="^cannot resume: code differ"):
        score_file(model, source, out, chunk_rows=100, resume=True)


def test_resume_without_an_interrupted_run_starts_over(model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nhappy\n")
    summary = score_file(model, source, tmp_path / "out.csv", resume=True)
    assert summary.rows == 1 and "starting from the beginning" in summary.notes[0]


def test_a_failed_run_removes_its_temporary_files(model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("tweet\nhello\n")
    with pytest.raises(DataError, match="no text column 'text'"):
        score_file(model, source, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


# --- progress -------------------------------------------------------------------------------------------------


def test_no_progress_bar_when_stderr_is_not_a_terminal(run, tmp_path):
    source = _big_input(tmp_path, 300)
    result = subprocess.run([sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source),
                             "--output", str(tmp_path / "o.csv"), "--chunk-rows", "100"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stderr.strip().splitlines() == [f"scored 300 of 300 rows, 0 failed → {tmp_path / 'o.csv'}"]


def test_progress_bar_on_a_terminal_and_quiet_silences_it(run, tmp_path):
    pty = pytest.importorskip("pty")
    source = _big_input(tmp_path, 600)

    def on_terminal(*extra):
        captured = []

        def read(fd):
            data = os.read(fd, 4096)
            captured.append(data)
            return data

        command = (f"stty cols 120 rows 40; {sys.executable} cli.py score --model-dir {run} --input {source} "
                   f"--output {tmp_path / 'o.csv'} --chunk-rows 200 --jobs 1 {' '.join(extra)}")
        pty.spawn(["bash", "-c", command], read)
        return b"".join(captured).decode(errors="replace")

    shown = on_terminal()
    assert "600/600" in shown and "rows/s" in shown and "scored 600 of 600 rows" in shown
    quiet = on_terminal("--quiet")
    assert "rows/s" not in quiet and "scored 600 of 600 rows" in quiet


# --- arbitrary text -------------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(st.text(min_size=1), st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1),
                                st.text(min_size=1).map(lambda t: t * 5000)), min_size=1, max_size=5))
def test_any_text_gets_four_finite_probabilities(model, texts):
    texts = [t if has_words(t) else "x " + t for t in texts]  # a row with no word is "nothing to score"
    frame = pd.DataFrame({"text": texts})
    scored = score_frame(model, frame, "text", None, Path("."), Path("."))
    probabilities = scored[PROBS].to_numpy(dtype=float)
    assert probabilities.shape == (len(texts), 4) and np.isfinite(probabilities).all()
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-4) and (scored.emotion != "").all()


def test_score_frame_reads_pandas_missing_cells_as_empty(tmp_path):
    """A frame with pandas' string dtype holds pd.NA in its empty cells: the text was scored as "<NA>", and the image
    cell looked for a file named "<NA>"."""
    frame = pd.DataFrame({"text": ["I am so furious right now", None], "image": [None, None]}, dtype="string")
    scored = score_frame(load_model(), frame, "text", "image", tmp_path, tmp_path)
    assert scored["emotion"].tolist() == ["anger", ""]
    assert scored["error"].tolist() == ["", "nothing to score: this model reads text or image, and the row has none"]


def scored_with_a_signal_as_the_output_moves_in(model, tmp_path: Path, monkeypatch, stop, handler):
    """30 tweets scored with `handler` for the signal `stop`, which comes just after the output was renamed into
    place (the journal and the lock still to clear); the handler is asserted to be in place again after."""
    import signal

    source = _big_input(tmp_path, 30)
    out = tmp_path / "out.csv"
    replace = os.replace

    def then_a_signal(src, dst, *args, **kwargs):
        replace(src, dst, *args, **kwargs)
        if Path(dst) == out:
            os.kill(os.getpid(), stop)

    monkeypatch.setattr(os, "replace", then_a_signal)
    before = signal.signal(stop, handler)
    try:
        summary = score_file(model, source, out)
        assert signal.getsignal(stop) is handler  # put back
    finally:
        signal.signal(stop, before)
    assert summary.rows == 30 and len(pd.read_csv(out)) == 30
    return summary


@pytest.mark.parametrize("kind", ["SIGINT", "SIGTERM"])
def test_a_stop_signal_once_the_output_is_in_place_is_no_interruption(model, tmp_path, monkeypatch, kind):
    """A Ctrl-C or SIGTERM just after the output was renamed into place (the journal and the lock still to clear)
    ended the run as interrupted: `cli.py score` said "OUTPUT was not written" beside the complete file."""
    import signal

    # SIGTERM as `cli.main` makes it: a KeyboardInterrupt
    summary = scored_with_a_signal_as_the_output_moves_in(model, tmp_path, monkeypatch, getattr(signal, kind),
                                                          signal.default_int_handler)
    assert summary.notes == ["a stop signal came while the run was finishing; the output was written whole"]


def test_a_stop_signal_the_process_ignores_stays_ignored_while_the_run_finishes(model, tmp_path, monkeypatch):
    """`nohup` (or a parent) has the process ignore SIGINT: finishing a run set its own handler and then noted the
    ignored signal as a stop."""
    import signal

    summary = scored_with_a_signal_as_the_output_moves_in(model, tmp_path, monkeypatch, signal.SIGINT,
                                                          signal.SIG_IGN)
    assert summary.notes == []
