import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import distributed
import numpy as np
import pandas as pd
import psutil
import pytest

import cli
from data.bundled import load_wassa
from data.labelled import DataError
from models.registry import load_model
from scoring.dask import ModelPlugin, _scan, score_file_dask
from scoring.frame import scored_header
from scoring.local import score_file
from tests.full_disk import FullDisk
from tests.terminal import AS_FROM_A_TERMINAL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dask-model")
    load_wassa("train").sample(300, random_state=1)[["text", "label", "intensity"]].to_csv(folder / "train.csv",
                                                                                           index=False)
    assert cli.main(["train", "--model", "tfidf_logreg", "--train", str(folder / "train.csv"), "--out",
                     str(folder / "run"), "--no-bundled-eval"]) == 0
    return folder / "run"


@pytest.fixture(scope="module")
def model(run):
    return load_model(run)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _tweets(path: Path, rows: int, texts=None) -> Path:
    pool = load_wassa("dev").text.to_numpy()
    texts = texts if texts is not None else pool[np.arange(rows) % len(pool)]
    pd.DataFrame({"id": np.arange(len(texts)), "text": texts}).to_csv(path, index=False)
    return path


def test_dask_output_equals_the_local_engine_row_for_row(model, client, tmp_path):
    source = _tweets(tmp_path / "in.csv", 400)
    texts = pd.read_csv(source, keep_default_na=False).text.tolist()
    texts[7] = ""  # a failed row must come out the same way too
    source = _tweets(tmp_path / "in.csv", 0, texts)
    local = score_file(model, source, tmp_path / "local.csv")
    # ~8 KB blocks: several partitions, scored on both workers
    remote = score_file_dask(model, source, tmp_path / "dask.csv", client=client, blocksize=8_000)
    assert (remote.rows, remote.scored, remote.failed) == (local.rows, local.scored, local.failed) == (400, 399, 1)
    a = pd.read_csv(tmp_path / "local.csv", keep_default_na=False)
    b = pd.read_csv(tmp_path / "dask.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-6)
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_tasks_find_the_model_that_the_plugin_put_on_each_worker(model, client):
    client.register_plugin(ModelPlugin("t0", model))
    try:
        on_workers = client.run(lambda: sorted(__import__("scoring.dask").dask._MODELS))
        assert list(on_workers.values()) == [["t0"], ["t0"]]
    finally:
        client.unregister_worker_plugin("emotion-model-t0")
    assert list(client.run(lambda: sorted(__import__("scoring.dask").dask._MODELS)).values()) == [[], []]


def test_multi_line_quoted_fields_are_read_as_one_partition(model, client, tmp_path):
    source = _tweets(tmp_path / "in.csv", 0, ["so happy\nsecond line", "afraid, \"very\"", "plain"] * 20)
    assert _scan(source, "utf-8-sig", ",")[1:] == (False, False)
    summary = score_file_dask(model, source, tmp_path / "out.csv", client=client, blocksize=200)
    scored = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert scored.text.tolist()[:3] == ["so happy\nsecond line", "afraid, \"very\"", "plain"]
    assert summary.rows == 60 and "one partition" in summary.notes[0]


@pytest.mark.parametrize("line", [2, 40])
def test_a_row_with_too_many_fields_is_refused_naming_its_line_before_the_cluster_starts(model, tmp_path, line):
    """pandas would read a first row with an extra field into the wrong columns (its first field an index)."""
    rows = [f"{i},plain tweet {i}" for i in range(60)]
    rows[line - 2] = f"{line},happy day,extra"
    source = tmp_path / "in.csv"
    source.write_text("id,text\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=f"in.csv, line {line}: 3 fields where the header has 2;"):
        score_file_dask(model, source, tmp_path / "out.csv", client=object())
    assert not (tmp_path / "out.csv").exists()


def scored_as_by_the_local_engine(model, client, source: Path, tmp_path: Path) -> tuple[int, int]:
    """(rows, failed) of `source` scored by the Dask engine, once its output is byte for byte the local engine's
    and both count the same rows and failures."""
    summary = score_file_dask(model, source, tmp_path / "out.csv", client=client)
    reference = score_file(model, source, tmp_path / "reference.csv")
    assert (summary.rows, summary.failed) == (reference.rows, reference.failed)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()
    return summary.rows, summary.failed


def test_a_line_of_only_spaces_is_a_row_as_in_the_local_engine(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text\nhello\n \nworld\n\t\nbye\n")
    assert scored_as_by_the_local_engine(model, client, source, tmp_path) == (5, 2)
    source.write_text("text\nhello\n \n\nbye\n")  # and an empty line, which pandas cannot tell apart
    with pytest.raises(DataError, match="both empty lines and lines of only spaces"):
        score_file_dask(model, source, tmp_path / "out2.csv", client=object())
    source.write_text('id,text\n1,"hello world\n2,fine day\n3,ok\n')  # as the local engine, not pandas' words
    with pytest.raises(DataError, match="in.csv, line 2: a quote opened here is never closed"):
        score_file_dask(model, source, tmp_path / "out3.csv", client=object())
    source.write_text('id,text\n1,"hello world\n' + "".join(f"{i},row\n" for i in range(2, 200)) + '200,"ok"\n')
    with pytest.raises(DataError, match="in.csv, line 2: a quote opened here is not closed within 100 lines"):
        score_file_dask(model, source, tmp_path / "out4.csv", client=object())  # pandas: one field of 199 lines


def test_blank_lines_before_the_header_are_skipped_as_in_the_local_engine(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("\n\ntext,id\nhello,1\nbye,2\n")
    assert scored_as_by_the_local_engine(model, client, source, tmp_path) == (2, 0)
    source.write_text("\ntext\nhello\n \n")  # an empty line and a line of spaces: refused, as between rows
    with pytest.raises(DataError, match="both empty lines and lines of only spaces"):
        score_file_dask(model, source, tmp_path / "out2.csv", client=object())


def test_excels_sep_line_is_skipped_as_in_the_local_engine(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("sep=;\nid;text\n" + "".join(f"{i};so happy, {i}\n" for i in range(60)))
    score_file_dask(model, source, tmp_path / "dask.csv", client=client, blocksize=300)  # several partitions
    assert score_file(model, source, tmp_path / "local.csv").rows == 60
    assert (tmp_path / "local.csv").read_text().startswith("id,text,emotion,")
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    source.write_text("sep=;\nid;text\n1;ok\n2;a;b\n")
    with pytest.raises(DataError, match="line 4: 3 fields where the header has 2"):
        score_file_dask(model, source, tmp_path / "out2.csv", client=object())


def test_the_text_column_is_found_whatever_its_case_and_spaces_as_in_the_local_engine(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id, Text \n1,so happy today\n2,\n")
    assert scored_as_by_the_local_engine(model, client, source, tmp_path) == (2, 1)


def test_an_input_with_a_bom_gives_a_scored_file_with_one_in_both_engines(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbfid,text\n" + "".join(f"{i},caf\u00e9 {i}\n" for i in range(50)).encode())
    score_file_dask(model, source, tmp_path / "dask.csv", client=client, blocksize=200)
    score_file(model, source, tmp_path / "local.csv", chunk_rows=7)
    assert (tmp_path / "local.csv").read_bytes().startswith(b"\xef\xbb\xbfid,text,emotion,")
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_blank_and_repeated_column_names_are_written_as_given_by_both_engines(model, client, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,text,note,note,\n1,so happy,a,b,c\n2,so sad,d,e,f\n")
    score_file_dask(model, source, tmp_path / "dask.csv", client=client)
    score_file(model, source, tmp_path / "local.csv")
    header = (tmp_path / "local.csv").read_text().splitlines()[0]
    assert header.startswith("id,text,note,note,,emotion,prob_anger,")  # not note.1 and Unnamed: 4
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()


@pytest.mark.parametrize("content, message", [
    ('id,text\n1,"Best day, so happy\n2,fine\n3,she said "wow" twice\n', "line 2: a quote opened here closes on "
                                                                         "line 4 with text after it"),
    ("id,text,note\n1,happy day,a\n2,sad day\n", "line 3: 2 fields where the header has 3; the Dask engine scores "
                                                  "only well-formed files"),
])
def test_a_stray_quote_or_a_short_row_is_refused_naming_its_line_as_the_local_engine_marks_it(model, tmp_path,
                                                                                                content, message):
    source = tmp_path / "in.csv"
    source.write_text(content)
    with pytest.raises(DataError, match=message):
        score_file_dask(model, source, tmp_path / "out.csv", client=object())
    assert not (tmp_path / "out.csv").exists()


def test_a_file_dask_cannot_split_is_refused_over_its_size_limit(model, tmp_path, monkeypatch):
    source = _tweets(tmp_path / "in.csv", 0, ["so happy\nsecond line", "plain"] * 20)
    monkeypatch.setattr("scoring.dask.ONE_PARTITION_LIMIT", 100)
    with pytest.raises(DataError, match="read the whole file as one partition .* score it with --engine local"):
        score_file_dask(model, source, tmp_path / "out.csv", client=object())


def test_a_missing_column_is_refused_before_the_cluster_starts(model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("tweet\nhello\n")
    with pytest.raises(DataError, match="no text column 'text'"):
        score_file_dask(model, source, tmp_path / "out.csv", client=object())
    assert not (tmp_path / "out.csv").exists()


# --- interrupted runs ------------------------------------------------------------------------------------------


def test_a_killed_dask_run_resumes_to_the_same_file(run, model, client, tmp_path):
    source = _tweets(tmp_path / "in.csv", 40_000)
    out = tmp_path / "out.csv"
    parts = tmp_path / ".out.csv.dask-parts"
    command = [sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source), "--output",
               str(out), "--engine", "dask", "--workers", "2", "--blocksize", "20000", "--quiet"]
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and child.poll() is None and len(list(parts.glob("*.csv"))) < 3:
        time.sleep(0.01)
    assert child.poll() is None, "the run finished before it could be killed"
    family = psutil.Process(child.pid).children(recursive=True)
    os.kill(child.pid, signal.SIGKILL)  # the scheduler and the cluster's nanny die with it
    child.wait()
    for process in family:  # its workers notice on their own, but not at once
        process.kill()
    psutil.wait_procs(family, timeout=10)
    done = len(list(parts.glob("*.csv")))
    assert not out.exists() and 3 <= done < 170
    (parts / f"{done + 5:06d}.csv.99.tmp").write_text("half a partition")  # a part being written at the kill

    summary = score_file_dask(model, source, out, client=client, blocksize=20_000, resume=True)
    assert summary.rows == 40_000 and 0 < summary.resumed_rows < 40_000
    reference = score_file(model, source, tmp_path / "reference.csv")
    assert out.read_bytes() == (tmp_path / "reference.csv").read_bytes()
    assert reference.rows == summary.rows and not parts.exists()


def test_resume_refuses_other_options_and_a_fresh_run_clears_the_parts(model, client, tmp_path):
    source = _tweets(tmp_path / "in.csv", 50)
    parts = tmp_path / ".out.csv.dask-parts"
    parts.mkdir()
    (parts / "journal.json").write_text('{"key": {"blocksize": 999}}')
    (parts / "000000.csv").write_text("left over")
    with pytest.raises(DataError, match="cannot resume: .*blocksize"):
        score_file_dask(model, source, tmp_path / "out.csv", client=client, blocksize=8_000, resume=True)
    assert (parts / "000000.csv").exists()  # kept: the user may still resume with the old options
    summary = score_file_dask(model, source, tmp_path / "out.csv", client=client, blocksize=8_000)
    assert summary.rows == 50 and "removed the parts of an interrupted run" in summary.notes[0]
    assert not parts.exists()


def test_an_unreachable_scheduler_is_one_line_and_leaves_nothing(run, tmp_path):
    import dask

    source = _tweets(tmp_path / "in.csv", 5)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        process = subprocess.run([sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source),
                                  "--output", str(tmp_path / "out.csv"), "--engine", "dask", "--scheduler",
                                  "tcp://127.0.0.1:9"], cwd=ROOT, capture_output=True, text=True,
                                 env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
                                 timeout=120)  # gives up rather than waits: a hang fails here
    assert process.returncode != 0
    assert process.stderr.strip().splitlines() == [process.stderr.strip()]
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in process.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_ctrl_c_is_one_line_and_keeps_the_parts(run, tmp_path):
    """It printed some 25 `Task exception was never retrieved ... AllExit` tracebacks, and with Ctrl-C sent as a
    terminal sends it, to the whole process group, each worker's own traceback too."""
    source = _tweets(tmp_path / "in.csv", 40_000)
    out = tmp_path / "out.csv"
    parts = tmp_path / ".out.csv.dask-parts"
    child = subprocess.Popen([sys.executable, *AS_FROM_A_TERMINAL, "cli.py", "score", "--model-dir", str(run),
                              "--input", str(source), "--output", str(out), "--engine", "dask", "--workers", "2",
                              "--blocksize", "20000", "--quiet"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and child.poll() is None and len(list(parts.glob("*.csv"))) < 2:
            time.sleep(0.01)
        assert child.poll() is None, "the run finished before it could be interrupted"
        os.killpg(child.pid, signal.SIGINT)
        assert child.wait(120) == 130
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    lines = child.stderr.read().splitlines()
    # distributed warns, at the start, when port 8787 is taken (another cluster running): not this test's business
    assert lines == [f"interrupted; {out} was not written (rerun with --resume to continue)"]
    assert parts.is_dir() and not out.exists() and not out.with_name("out.csv.lock").exists()


def test_sigterm_while_the_cluster_closes_after_the_output_is_written_is_no_failure(run, tmp_path):
    """The LocalCluster closes after the output is renamed into place; a SIGTERM (or Ctrl-C) then said `OUTPUT was
    not written` and exited 143 beside the complete file."""
    source = _tweets(tmp_path / "in.csv", 200)
    out = tmp_path / "out.csv"
    child = subprocess.Popen([sys.executable, "cli.py", "score", "--model-dir", str(run), "--input", str(source),
                              "--output", str(out), "--engine", "dask", "--workers", "1", "--quiet"], cwd=ROOT,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and child.poll() is None and not out.exists():
            time.sleep(0.002)
        assert child.poll() is None, "the run ended before the signal could be sent"
        child.send_signal(signal.SIGTERM)
        assert child.wait(120) == 0
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    err = child.stderr.read()
    assert "a stop signal came while the run was finishing (closing the Dask cluster); the output was written whole" in err
    assert f"scored 200 of 200 rows, 0 failed → {out}" in err and "not written" not in err
    assert len(pd.read_csv(out)) == 200


def test_a_full_disk_names_the_output_and_what_is_kept(model, client, tmp_path, monkeypatch):
    import builtins
    import errno

    import scoring.output

    source = _tweets(tmp_path / "in.csv", 50)
    out = tmp_path / "out.csv"
    parts = tmp_path / ".out.csv.dask-parts"
    real_write_text = Path.write_text

    def full(self, *args, **kwargs):  # the journal, the first file a run writes
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(DataError, match=f"^{out}: cannot be written \\(No space left on device in {tmp_path}\\); "
                                        f"nothing of this run was kept: free some space and run again$"):
        score_file_dask(model, source, out, client=client)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # it left an empty parts folder
    monkeypatch.setattr(Path, "write_text", real_write_text)

    def joining(path, mode="r", *args, **kwargs):  # the parts are written; joining them fills the disk
        handle = builtins.open(path, mode, *args, **kwargs)
        return FullDisk(handle) if "w" in mode or "x" in mode else handle

    # the partial output is opened by scoring.output.open_partial, as the local engine opens its own
    monkeypatch.setattr(scoring.output, "open", joining, raising=False)
    with pytest.raises(DataError, match=f"the 50 rows scored so far are kept in {parts} \\(.* MB\\): free some "
                                        f"space and rerun with --resume to continue, or remove it$"):
        score_file_dask(model, source, out, client=client, blocksize=800)
    assert len(list(parts.glob("*.csv"))) > 1 and not out.exists()
    monkeypatch.undo()
    assert score_file_dask(model, source, out, client=client, blocksize=800, resume=True).resumed_rows == 50
    score_file(model, source, tmp_path / "local.csv")
    assert out.read_bytes() == (tmp_path / "local.csv").read_bytes()


def test_a_worker_that_finds_the_disk_full_says_so_once_and_leaves_no_half_part(model, tmp_path, monkeypatch):
    import builtins
    import errno

    import scoring.dask

    monkeypatch.setitem(scoring.dask._MODELS, "t1", model)
    monkeypatch.setattr(scoring.dask, "open", lambda *a, **k: FullDisk(builtins.open(*a, **k)), raising=False)
    settings = ("text", None, str(tmp_path), str(tmp_path), ",", True, scored_header(["text"]), False)
    counts = scoring.dask._write_partition(pd.DataFrame({"text": ["so happy"]}), "t1", settings,
                                           str(tmp_path / "000000.csv"), True)
    assert counts == {"disk_full": [errno.ENOSPC, os.strerror(errno.ENOSPC)]}
    assert list(tmp_path.iterdir()) == []  # not a task failure in the worker's log, and no staging file left


def test_a_dask_run_removes_what_an_interrupted_local_run_left(model, client, tmp_path):
    source = _tweets(tmp_path / "in.csv", 50)
    out = tmp_path / "out.csv"
    part, journal = tmp_path / ".out.csv.part", tmp_path / ".out.csv.journal.json"
    part.write_bytes(b"x" * 1_000_000)
    journal.write_text("{}")
    with pytest.raises(DataError, match="cannot resume: the interrupted run of .* was an --engine local run"):
        score_file_dask(model, source, out, client=client, resume=True)
    assert part.exists() and journal.exists()
    summary = score_file_dask(model, source, out, client=client)
    assert summary.notes == [f"removed {journal} and {part} (1.0 MB), left by an interrupted run of this output "
                             f"that --engine dask cannot resume"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_a_link_planted_where_the_parts_are_kept_is_never_followed(model, client, tmp_path):
    """`.out.csv.dask-parts` a link to a folder of someone else's: a fresh run failed on it ("Cannot call rmtree on
    a symbolic link"), and --resume read its journal and wrote the scored partitions into that folder."""
    source = _tweets(tmp_path / "in.csv", 50)
    out, elsewhere = tmp_path / "out.csv", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "theirs.txt").write_text("kept")
    parts = tmp_path / ".out.csv.dask-parts"
    parts.symlink_to(elsewhere)
    with pytest.raises(DataError, match=f"{parts}: a symbolic link, where this run keeps its finished partitions"):
        score_file_dask(model, source, out, client=client, resume=True)
    assert score_file_dask(model, source, out, client=client).rows == 50
    assert not parts.exists() and not parts.is_symlink() and out.is_file()
    assert [p.name for p in elsewhere.iterdir()] == ["theirs.txt"]


def test_a_parts_folder_of_another_user_is_refused_and_a_fifo_there_removed(model, client, tmp_path):
    """In a shared folder (/tmp) another user could make `.out.csv.dask-parts` first: --resume wrote the journal and
    the parts through whatever that user put in it. And a FIFO at that name failed a fresh run ("Not a directory")."""
    source = _tweets(tmp_path / "in.csv", 50)
    out, parts = tmp_path / "out.csv", tmp_path / ".out.csv.dask-parts"
    os.mkfifo(parts)
    assert score_file_dask(model, source, out, client=client).rows == 50 and not parts.exists()
    parts.mkdir()
    try:
        os.chown(parts, os.getuid() + 1, -1)
    except PermissionError:
        pytest.skip("only root can give a folder to another user")
    for resume in (True, False):
        with pytest.raises(DataError, match=f"{parts}: made by another user \\(uid {os.getuid() + 1}\\)"):
            score_file_dask(model, source, out, client=client, resume=resume)
    assert parts.is_dir()


def test_a_relative_output_is_written_where_the_client_is_not_where_the_workers_are(model, client, tmp_path,
                                                                                     monkeypatch):
    """Workers of a cluster started elsewhere wrote the parts under their own folder: "out/.rel.csv.dask-parts/
    000000.csv.N.tmp: No such file or directory"."""
    _tweets(tmp_path / "in.csv", 50)
    monkeypatch.chdir(tmp_path)  # the workers stay where they started
    summary = score_file_dask(model, "in.csv", "out/rel.csv", client=client, blocksize=1000)
    assert summary.rows == 50 and len(pd.read_csv(tmp_path / "out" / "rel.csv")) == 50


def test_workers_of_other_scoring_code_or_none_at_all_are_refused_before_scoring(model, client, tmp_path,
                                                                                 monkeypatch):
    """Workers from another checkout scored rows otherwise (a --resume joined rows rounded two ways); a scheduler
    with no worker waited silently for ever."""
    import scoring.dask

    source = _tweets(tmp_path / "in.csv", 20)

    def other_checkout():  # on each worker: the scoring code of another checkout, as its code_identity says
        import scoring.output
        scoring.output.real_identity, scoring.output.code_identity = scoring.output.code_identity, lambda: "other"

    def restore():
        import scoring.output
        scoring.output.code_identity = scoring.output.real_identity

    client.run(other_checkout)
    try:
        with pytest.raises(DataError, match=r"the Dask workers tcp://127\.0\.0\.1:\d+, tcp://.* run other scoring "
                                            r"code than this checkout"):
            score_file_dask(model, source, tmp_path / "out.csv", client=client)
    finally:
        client.run(restore)
    assert not (tmp_path / "out.csv").exists()
    monkeypatch.setattr(scoring.dask, "WORKER_WAIT_SECONDS", 1)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as empty:
        with pytest.raises(DataError, match=r"the Dask scheduler at tcp://.* has no worker after 1 s; start some"):
            score_file_dask(model, source, tmp_path / "out.csv", scheduler=empty.scheduler_address)
    for address in ("", "not-an-address"):
        with pytest.raises(DataError, match="--scheduler is empty|cannot reach the Dask scheduler at not-an-address"):
            score_file_dask(model, source, tmp_path / "out.csv", scheduler=address)
    assert not (tmp_path / "out.csv").exists()
