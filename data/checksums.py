"""SHA-256 of a file, read in blocks: what a saved model, a word-vector file and a CNN's weights are known by."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(handle) -> str:
    """The SHA-256 of what is left to read in a binary file object."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str | Path) -> str:
    with open(path, "rb") as handle:
        return sha256_of(handle)
