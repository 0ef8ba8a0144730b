import io
import pickle
import struct

import numpy as np
import pytest
from PIL import Image
from sklearn.base import clone

import features
import features.image.extractor as image_module
from features.estimator import NotFittedError
from features.image.cache import FeatureCache
from features.image.extractor import make_image_features

SIZE = 64  # small network input keeps these tests fast; the geometry and the network are the real ones
N_CNN = 2 * (192 + 1280)  # stage6 + head, mean + max


def photo(seed: int, size=(120, 90)) -> Image.Image:
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(low).resize(size, Image.Resampling.BICUBIC)


def encode(im, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture
def fitted(tmp_path):
    return make_image_features(input_size=SIZE, cache=tmp_path / "cache.sqlite3").fit()


@pytest.fixture
def counted(monkeypatch):
    """Count images that go through the network."""
    calls = []
    real = image_module.run_network

    def counting(extractor, pixels):
        calls.append(len(pixels))
        return real(extractor, pixels)

    monkeypatch.setattr(image_module, "run_network", counting)
    return calls


def bad_files(tmp_path):
    """(path, expected error message) for every kind of bad input the issue lists."""
    (tmp_path / "notes.jpg").write_text("not an image at all")
    (tmp_path / "empty.png").write_bytes(b"")
    jpeg = encode(photo(9, (200, 200)), "JPEG")
    (tmp_path / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    bomb = bytearray(encode(Image.new("RGB", (4, 4)), "BMP"))
    struct.pack_into("<ii", bomb, 18, 8000, 8000)  # 64 MP claimed in the header, 48 bytes of pixels
    (tmp_path / "bomb.bmp").write_bytes(bytes(bomb))
    return [
        (tmp_path / "notes.jpg", "notes.jpg: not a supported image (JPEG, PNG, WebP, GIF or BMP expected)"),
        (tmp_path / "empty.png", "empty.png: empty file (0 bytes)"),
        (tmp_path / "cut.jpg", "cut.jpg: cannot decode image: the file is cut short or damaged; image file is truncated"),
        (tmp_path / "bomb.bmp", "bomb.bmp: 8000x8000 = 64,000,000 pixels is over the limit of 40,000,000, refused before decoding"),
        (tmp_path / "missing.webp", "missing.webp: file not found"),
    ]


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError):
        make_image_features(cache=False).transform([None])


def test_a_bare_path_is_rejected(fitted):
    with pytest.raises(TypeError, match="got a single str; wrap it in a list"):
        fitted.transform("photo.jpg")


def test_feature_names_name_every_column(fitted):
    names = fitted.get_feature_names_out()
    assert len(names) == N_CNN + 1 == fitted.transform([None]).shape[1]
    assert names[0] == "image__efficientnet_lite0_stage6_mean_0"
    assert names[192] == "image__efficientnet_lite0_stage6_max_0"
    assert names[384] == "image__efficientnet_lite0_head_mean_0"
    assert names[-2] == "image__efficientnet_lite0_head_max_1279"
    assert names[-1] == "image__has_image"
    assert len(set(names)) == len(names)


def test_all_input_kinds_give_the_same_row(tmp_path, fitted):
    im = photo(1)
    png = encode(im, "PNG")
    (tmp_path / "a.png").write_bytes(png)
    X, errors = fitted.transform_with_errors([tmp_path / "a.png", str(tmp_path / "a.png"), png, im, None])
    assert errors == [None] * 5
    assert X.dtype == np.float32 and X.shape == (5, N_CNN + 1)
    assert X[:, -1].tolist() == [1, 1, 1, 1, 0]
    np.testing.assert_allclose(X[3], X[0], atol=1e-5)  # a PIL image is hashed differently, same pixels
    assert np.array_equal(X[0], X[2]) and (X[4] == 0).all()


def test_bad_files_get_has_image_0_and_a_message_while_the_rest_is_featurised(tmp_path, fitted, counted):
    good = tmp_path / "good.jpg"
    photo(2).save(good, "JPEG")
    bad = bad_files(tmp_path)
    items = [good] + [path for path, _ in bad] + [good]
    X, errors = fitted.transform_with_errors(items)
    assert X[:, -1].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert (X[1:6] == 0).all() and np.array_equal(X[0], X[6])
    assert errors[0] is None and errors[6] is None
    for (_, message), error in zip(bad, errors[1:6]):
        assert error.startswith(message), (error, message)
    assert sum(counted) == 1  # the good image, once
    # nothing was cached for the failures: only the good image is in the store
    assert len(FeatureCache(tmp_path / "cache.sqlite3")) == 1
    X2 = fitted.transform(items)
    assert fitted.last_errors_ == errors and np.array_equal(X, X2)
    assert sum(counted) == 1


def test_two_files_of_the_same_broken_bytes_are_each_named(tmp_path, fitted):
    """The image is decoded once per content: the second file's row named the first file."""
    buffer = io.BytesIO()
    photo(3).save(buffer, "JPEG")
    first, second = tmp_path / "a.jpg", tmp_path / "b.jpg"
    for path in (first, second):
        path.write_bytes(buffer.getvalue()[:400])  # a header that reads, a picture cut short
    _, errors = fitted.transform_with_errors([first, second])
    assert errors[0].startswith("a.jpg: ") and errors[1].startswith("b.jpg: ")


def test_second_pass_reads_the_cache_and_never_runs_the_network(tmp_path, counted):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f"p{i}.jpg")
        photo(i).save(paths[-1], "JPEG")
    feats = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3", batch_size=2).fit()
    X1 = feats.transform(paths)
    assert sum(counted) == 5 and counted == [2, 2, 1]
    assert feats.last_stats_ == {"cache_hits": 0, "cnn_images": 5}
    # a new transformer (say, another process) with the same settings shares the store
    again = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3").fit()
    X2 = again.transform(paths[::-1])
    assert sum(counted) == 5 and again.last_stats_ == {"cache_hits": 5, "cnn_images": 0}
    assert np.array_equal(X2, X1[::-1])
    # a different preprocessing identity does not reuse those vectors
    other = make_image_features(input_size=SIZE + 32, cache=tmp_path / "c.sqlite3").fit()
    other.transform(paths[:1])
    assert other.last_stats_ == {"cache_hits": 0, "cnn_images": 1}


def test_a_cached_vector_of_another_width_or_not_finite_is_computed_again_and_replaced(tmp_path, counted):
    """Cached vectors were trusted: one of another width crashed the batch, a NaN one left its row unscored and
    unsaid."""
    import sqlite3

    paths = [tmp_path / "a.jpg", tmp_path / "b.jpg"]
    for i, path in enumerate(paths):
        photo(i).save(path, "JPEG")
    feats = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3").fit()
    expected = feats.transform(paths)
    with sqlite3.connect(tmp_path / "c.sqlite3") as con:
        (first, second) = [k for (k,) in con.execute("SELECT key FROM features ORDER BY rowid")]
        con.execute("UPDATE features SET dim = 10, data = ? WHERE key = ?", (np.zeros(10, "<f4").tobytes(), first))
        con.execute("UPDATE features SET data = ? WHERE key = ?", (np.full(N_CNN, np.nan, "<f4").tobytes(), second))
    again = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3").fit()
    assert np.allclose(again.transform(paths), expected, atol=1e-5) and sum(counted) == 4
    assert again.last_stats_ == {"cache_hits": 0, "cnn_images": 2}
    again.transform(paths)
    assert again.last_stats_ == {"cache_hits": 2, "cnn_images": 0}  # stored in their place


def test_identical_images_run_once(tmp_path, counted):
    data = encode(photo(3), "JPEG")
    feats = make_image_features(input_size=SIZE, cache=False).fit()
    X = feats.transform([data, data, data])
    assert counted == [1] and np.array_equal(X[0], X[2])


def test_a_path_named_by_many_rows_is_read_once(tmp_path, monkeypatch, counted):
    """2,000 rows naming one phone photo read and hashed it 2,000 times (60 rows/s)."""
    path = tmp_path / "one.jpg"
    photo(3).save(path, "JPEG")
    reads = []
    real = image_module.read_source
    monkeypatch.setattr(image_module, "read_source", lambda item, i: reads.append(item) or real(item, i))
    X, errors = make_image_features(input_size=SIZE, cache=False).fit().transform_with_errors(
        [path, str(path), path, tmp_path / "missing.jpg", tmp_path / "missing.jpg"])
    assert len(reads) == 2 and counted == [1]  # the photo once (a Path and its string are one path), the missing once
    assert np.array_equal(X[0], X[2]) and X[:3, -1].tolist() == [1, 1, 1] and errors[3] == errors[4] is not None


def test_rows_do_not_depend_on_the_batch(tmp_path):
    ims = [photo(i) for i in range(3)]
    feats = make_image_features(input_size=SIZE, cache=False, batch_size=3).fit()
    together = feats.transform(ims)
    alone = np.vstack([feats.transform([im]) for im in ims])
    np.testing.assert_allclose(together, alone, atol=1e-4)  # float summation order differs by batch


def test_a_call_holds_a_bounded_share_of_its_images_and_gives_the_same_rows(monkeypatch, counted):
    items = [encode(photo(i), "PNG") for i in range(4)]
    items = [items[0], b"junk", items[1], items[0], None, items[2], items[3], photo(5)]
    feats = make_image_features(input_size=SIZE, cache=False, batch_size=8).fit()
    X_whole, errors_whole = feats.transform_with_errors(items)
    assert counted == [5]  # five distinct images
    # A budget of one image's bytes: each distinct image is featurised and let go before the next is read.
    monkeypatch.setattr(image_module, "GROUP_BYTES", 1)
    X_groups, errors_groups = feats.transform_with_errors(items)
    assert counted[1:] == [1] * 6  # the repeated image is in another group: run again, not lost
    np.testing.assert_allclose(X_groups, X_whole, atol=1e-4)
    assert errors_groups == errors_whole and errors_whole[1].startswith("<bytes #1>")


def test_decoding_in_worker_threads_gives_the_same_rows(tmp_path):
    items = [encode(photo(i), "JPEG") for i in range(5)] + [b"junk", None]
    inline = make_image_features(input_size=SIZE, cache=False, batch_size=2).fit()
    threaded = clone(inline).set_params(n_decode_workers=2).fit()
    X1, e1 = inline.transform_with_errors(items)
    X2, e2 = threaded.transform_with_errors(items)
    np.testing.assert_allclose(X1, X2, atol=1e-4)
    assert e1 == e2 and e1[5].startswith("<bytes #5>: not a supported image")


def test_augmented_views_are_seeded_cached_and_grouped(tmp_path, counted):
    ims = [encode(photo(i), "PNG") for i in range(2)]
    feats = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3", n_augment=3, random_state=7).fit()
    X, rows, errors = feats.transform_augmented(ims + [None])
    assert X.shape == (12, N_CNN + 1) and rows.tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    assert errors == [None, None, None] and X[:, -1].tolist() == [1] * 8 + [0] * 4
    assert sum(counted) == 8
    plain = feats.transform(ims)  # transform ignores n_augment and finds the plain views cached
    assert sum(counted) == 8 and np.array_equal(plain, X[[0, 4]])
    assert len({X[i].tobytes() for i in range(4)}) == 4  # every view differs
    # same seed → same views, straight from the cache; another seed → other views
    X_again, _, _ = clone(feats).fit().transform_augmented(ims)
    assert sum(counted) == 8 and np.array_equal(X_again, X[:8])
    X_other, _, _ = clone(feats).set_params(random_state=8).fit().transform_augmented(ims)
    assert sum(counted) == 8 + 6 and np.array_equal(X_other[[0, 4]], X[[0, 4]])
    assert not np.array_equal(X_other[1], X[1])


def test_failed_image_views_are_zero_with_one_error(tmp_path):
    feats = make_image_features(input_size=SIZE, cache=False, n_augment=2).fit()
    X, rows, errors = feats.transform_augmented([b"junk", None])
    assert rows.tolist() == [0, 0, 0, 1, 1, 1] and (X == 0).all()
    assert errors == ["<bytes #0>: not a supported image (JPEG, PNG, WebP, GIF or BMP expected)", None]


def test_parameters_are_validated_at_fit():
    with pytest.raises(ValueError, match="pooling must be a non-empty subset of"):
        make_image_features(pooling=("median",), cache=False).fit()
    with pytest.raises(ValueError, match="unknown augment op 'rotate'"):
        make_image_features(augment_ops=("rotate",), cache=False).fit()
    with pytest.raises(ValueError, match="prepare must be one of"):
        make_image_features(prepare="tensorrt", cache=False).fit()


def test_clone_and_pickle_keep_working(tmp_path):
    feats = make_image_features(input_size=SIZE, cache=tmp_path / "c.sqlite3", n_threads=1).fit()
    restored = pickle.loads(pickle.dumps(feats))
    im = photo(4)
    np.testing.assert_array_equal(restored.transform([im]), feats.transform([im]))
    assert clone(feats).get_params()["n_threads"] == 1


def test_exported_from_the_package():
    assert features.make_image_features is make_image_features
    assert "make_image_features" in features.__all__
