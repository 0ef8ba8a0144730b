"""On-disk store of image feature vectors, keyed by content hash + extractor identity (SQLite, WAL mode).

SQLite serialises writers itself, so two processes featurising at once cannot corrupt the file; a writer that
finds the database locked waits (``timeout``) instead of failing. Rows are written with ``INSERT OR IGNORE``:
the same key always maps to the same vector, so whichever process wins is fine.

The file is kept under a size (``$TWEET_EMOTION_IMAGE_CACHE_MB``, default 2,000 MB: about 170,000 images at the
default extractor's 2,944 floats each): past it, the vectors stored first are deleted, down to nine tenths of it,
and their pages are reused (the file does not shrink below its largest size).

A cache that cannot be used never stops a run: a corrupt file is moved aside (`<name>.corrupt-<time>`) and a
new one started; a file or folder that cannot be written (read-only, no permission) is left alone and the
process goes on without a cache. Either way a warning names the file, once per process.
"""

from __future__ import annotations

import os
import sqlite3
import time
import warnings
from contextlib import closing
from pathlib import Path

import numpy as np
import platformdirs

CACHE_ENV_VAR = "TWEET_EMOTION_IMAGE_CACHE"
LIMIT_ENV_VAR = "TWEET_EMOTION_IMAGE_CACHE_MB"
DEFAULT_LIMIT_MB = 2_000
_APP_NAME = "tweet-emotion"
_CHUNK = 500  # keys per SELECT ... IN (...): stays below SQLite's host-parameter limit
_UNUSABLE: set[Path] = set()  # caches this process gave up on (warned about once)


def default_cache_path() -> Path:
    """``$TWEET_EMOTION_IMAGE_CACHE`` if set, else ``<user cache dir>/tweet-emotion/image_features.sqlite3``."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(_APP_NAME)) / "image_features.sqlite3"


def size_limit() -> int:
    """The cache's size limit in bytes: ``$TWEET_EMOTION_IMAGE_CACHE_MB`` (a whole number of MB, at least 1), else
    `DEFAULT_LIMIT_MB`; a value that is no such number is an error naming the variable."""
    value = os.environ.get(LIMIT_ENV_VAR, "").strip()
    if not value:
        return DEFAULT_LIMIT_MB * 2**20
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"${LIMIT_ENV_VAR} is {value[:20]!r}: give the image feature cache's size limit as a whole "
                         f"number of MB, at least 1")
    return int(value) * 2**20


class FeatureCache:
    """A key → float32 vector map in one SQLite file. Holds no open connection, so it pickles and forks."""

    def __init__(self, path: str | os.PathLike, timeout: float = 60.0):
        self.path = Path(path)
        self.timeout = timeout

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, timeout=self.timeout)
        _set_wal(con, time.monotonic() + self.timeout)
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(
            "CREATE TABLE IF NOT EXISTS features (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        return con

    def _guarded(self, work, default):
        """`work()`, or `default` when the cache cannot be used (see the module's docstring)."""
        if self.path in _UNUSABLE:
            return default
        for attempt in range(2):
            try:
                return work()
            except sqlite3.DatabaseError as exc:
                corrupt = not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc)
                if corrupt and attempt == 0 and self.path.is_file():
                    aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
                    try:
                        os.replace(self.path, aside)
                        for older in self.path.parent.glob(f"{self.path.name}.corrupt-*"):  # the latest is kept
                            if older != aside:
                                older.unlink(missing_ok=True)
                        warnings.warn(f"{self.path}: the image feature cache was corrupt ({exc}); moved to "
                                      f"{aside.name}, starting a new one", RuntimeWarning, stacklevel=3)
                        continue
                    except OSError:
                        pass
                return self._give_up(exc, default)
            except OSError as exc:
                return self._give_up(exc, default)
        return default

    def _give_up(self, exc, default):
        _UNUSABLE.add(self.path)
        warnings.warn(f"{self.path}: cannot use the image feature cache ({exc}); going on without it (images are "
                      f"featurised again each run)", RuntimeWarning, stacklevel=4)
        return default

    def get_many(self, keys) -> dict[str, np.ndarray]:
        return self._guarded(lambda: self._get_many(keys), {})

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        self._guarded(lambda: self._put_many(items), None)

    def drop_many(self, keys) -> None:
        """Forgets `keys` (vectors the reader could not use), so that the next `put_many` stores them anew."""
        self._guarded(lambda: self._drop_many(list(keys)), None)

    def _drop_many(self, keys: list) -> None:
        with closing(self._connect()) as con:
            with con:
                con.executemany("DELETE FROM features WHERE key = ?", [(k,) for k in keys])

    def _get_many(self, keys) -> dict[str, np.ndarray]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        if not keys:
            return found
        with closing(self._connect()) as con:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start:start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = con.execute(f"SELECT key, dim, data FROM features WHERE key IN ({marks})", chunk)
                for key, dim, data in rows:
                    vec = np.frombuffer(data, dtype="<f4")
                    if vec.shape[0] == dim:  # a short blob is treated as a miss, never returned
                        found[key] = vec
        return found

    def _put_many(self, items: dict[str, np.ndarray]) -> None:
        if not items:
            return
        rows = [(k, int(v.shape[0]), np.ascontiguousarray(v, dtype="<f4").tobytes()) for k, v in items.items()]
        with closing(self._connect()) as con:
            with con:  # one transaction
                con.executemany("INSERT OR IGNORE INTO features (key, dim, data) VALUES (?, ?, ?)", rows)
            self._prune(con)

    def _prune(self, con: sqlite3.Connection) -> None:
        """Past the size limit, the rows stored first deleted down to nine tenths of it (every image batch-scored
        stayed: 12 KB each, without end)."""
        pages, free, page = (con.execute(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_count", "freelist_count", "page_size"))
        size, limit = (pages - free) * page, size_limit()  # the pages in use: freed ones are used again first
        if size <= limit:
            return
        count = con.execute("SELECT COUNT(*) FROM features").fetchone()[0]
        drop = count - int(count * 0.9 * limit / size)
        with con:
            con.execute("DELETE FROM features WHERE rowid IN (SELECT rowid FROM features ORDER BY rowid LIMIT ?)",
                        (drop,))
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the deleted pages go back to the file, to be reused

    def __len__(self) -> int:
        if not self.path.exists():
            return 0
        with closing(self._connect()) as con:
            return con.execute("SELECT COUNT(*) FROM features").fetchone()[0]


def _set_wal(con: sqlite3.Connection, deadline: float) -> None:
    """Switch a new database to WAL mode. The switch needs an exclusive lock and SQLite answers "database is
    locked" at once, without its busy wait, while another process is creating the same file: retry until the
    deadline. A database already in WAL mode is left alone."""
    while True:
        try:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
