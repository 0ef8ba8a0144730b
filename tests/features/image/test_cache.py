import multiprocessing as mp
import sqlite3
from pathlib import Path

import numpy as np
import platformdirs

from features.image.cache import CACHE_ENV_VAR, FeatureCache, default_cache_path


def test_round_trip_is_exact(tmp_path):
    cache = FeatureCache(tmp_path / "sub" / "c.sqlite3")
    assert len(cache) == 0 and cache.get_many(["a"]) == {}
    cache.put_many({"a": np.array([1.5, -2.0, 3.25], dtype=np.float32), "b": np.zeros(2, dtype=np.float32)})
    got = cache.get_many(["a", "b", "missing"])
    assert sorted(got) == ["a", "b"]
    assert got["a"].tolist() == [1.5, -2.0, 3.25] and got["a"].dtype == np.float32
    assert len(cache) == 2


def test_existing_key_is_not_overwritten(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite3")
    cache.put_many({"k": np.ones(2, dtype=np.float32)})
    cache.put_many({"k": np.full(2, 7, dtype=np.float32)})
    assert cache.get_many(["k"])["k"].tolist() == [1.0, 1.0]


def test_many_keys_are_looked_up_in_chunks(tmp_path):
    cache = FeatureCache(tmp_path / "c.sqlite3")
    cache.put_many({f"k{i}": np.array([i], dtype=np.float32) for i in range(1234)})
    got = cache.get_many([f"k{i}" for i in range(1234)])
    assert len(got) == 1234 and got["k1233"].tolist() == [1233.0]


def test_default_location_is_the_user_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV_VAR, raising=False)
    expected = Path(platformdirs.user_cache_dir("tweet-emotion")) / "image_features.sqlite3"
    assert default_cache_path() == expected
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "elsewhere.sqlite3"))
    assert default_cache_path() == tmp_path / "elsewhere.sqlite3"


def _writer(path: str, start: int, n: int) -> None:
    cache = FeatureCache(path)
    for s in range(start, start + n, 10):  # many small transactions, so the two writers interleave
        cache.put_many({f"k{i}": np.full(64, i, dtype=np.float32) for i in range(s, s + 10)})


def test_two_processes_writing_at_once_do_not_corrupt(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 0, 400)), ctx.Process(target=_writer, args=(path, 300, 400))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = FeatureCache(path)
    assert len(cache) == 700  # keys 0..699; 300..399 written by both
    got = cache.get_many([f"k{i}" for i in range(700)])
    assert all((got[f"k{i}"] == i).all() for i in range(700))
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_corrupt_cache_is_moved_aside_with_a_warning_and_rebuilt(tmp_path):
    import pytest

    path = tmp_path / "features.sqlite3"
    path.write_bytes(b"not a database, " * 100)
    with pytest.warns(RuntimeWarning, match=r"features\.sqlite3: the image feature cache was corrupt"):
        FeatureCache(path).put_many({"k": np.ones(4, dtype=np.float32)})
    assert [p.name.split("-")[0] for p in tmp_path.glob("*.corrupt-*")] == ["features.sqlite3.corrupt"]
    np.testing.assert_array_equal(FeatureCache(path).get_many(["k"])["k"], np.ones(4))


def test_the_cache_keeps_under_its_size_limit_by_forgetting_what_it_stored_first(tmp_path, monkeypatch):
    """Every image scored stayed in the cache, 12 KB each, without end (277 MB on one machine)."""
    import pytest

    from features.image.cache import LIMIT_ENV_VAR

    monkeypatch.setenv(LIMIT_ENV_VAR, "1")
    cache = FeatureCache(tmp_path / "c.sqlite3")
    for batch in range(10):  # 200 vectors of the default extractor's width: 2.4 MB in all
        cache.put_many({f"k{batch}-{i}": np.full(2944, batch, dtype=np.float32) for i in range(20)})
    size = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert size <= 1.3 * 2**20 and 40 <= len(cache) < 100
    assert cache.get_many(["k9-19", "k0-0"]).keys() == {"k9-19"}  # the last stored kept, the first forgotten
    monkeypatch.setenv(LIMIT_ENV_VAR, "lots")
    with pytest.raises(ValueError, match=r"\$TWEET_EMOTION_IMAGE_CACHE_MB is 'lots': give the image feature "
                                         r"cache's size limit as a whole number of MB"):
        cache.put_many({"x": np.ones(2, dtype=np.float32)})


def test_only_the_latest_corrupt_cache_is_kept_aside(tmp_path):
    import pytest

    path = tmp_path / "features.sqlite3"
    (tmp_path / "features.sqlite3.corrupt-1").write_bytes(b"an earlier one")
    path.write_bytes(b"not a database, " * 100)
    with pytest.warns(RuntimeWarning, match="was corrupt"):
        FeatureCache(path).put_many({"k": np.ones(4, dtype=np.float32)})
    (aside,) = tmp_path.glob("*.corrupt-*")
    assert aside.read_bytes().startswith(b"not a database")


def test_an_unusable_cache_warns_once_and_the_images_are_still_featurised(tmp_path):
    import warnings

    from PIL import Image

    from features.image.extractor import make_image_features

    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the cache's folder should be")
    image = tmp_path / "face.png"
    Image.new("RGB", (64, 64), (200, 120, 40)).save(image)
    features = make_image_features(cache=blocker / "cache" / "features.sqlite3").fit()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = features.transform([str(image)])
        second = features.transform([str(image)])
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1 and "cannot use the image feature cache" in messages[0] and str(blocker) in messages[0]
    assert first[0, -1] == 1 and np.array_equal(first, second)
