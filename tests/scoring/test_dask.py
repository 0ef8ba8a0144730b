from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from data.bundled import load_wassa
from data.labelled import DataError
from models.registry import load_model
from scoring.dask import ModelPlugin, _splittable, score_file_dask
from scoring.local import score_file

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-model")
    load_wassa("train").sample(300, random_state=1)[["text", "label", "intensity"]].to_csv(folder / "train.csv",
                                                                                           index=False)
    assert cli.main(["train", "--model", "tfidf_logreg", "--train", str(folder / "train.csv"), "--out",
                     str(folder / "run"), "--no-bundled-eval"]) == 0
    return load_model(folder / "run")


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
    assert not _splittable(source, "utf-8-sig", ",")
    summary = score_file_dask(model, source, tmp_path / "out.csv", client=client, blocksize=200)
    scored = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    assert scored.text.tolist()[:3] == ["so happy\nsecond line", "afraid, \"very\"", "plain"]
    assert summary.rows == 60 and "one partition" in summary.notes[0]


def test_a_missing_column_is_refused_before_the_cluster_starts(model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("tweet\nhello\n")
    with pytest.raises(DataError, match="no text column 'text'"):
        score_file_dask(model, source, tmp_path / "out.csv", client=object())
    assert not (tmp_path / "out.csv").exists()
