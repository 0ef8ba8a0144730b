"""A fitted featurizer as data: a JSON tree plus named numpy arrays, and back, with nothing executed on load.

`encode(obj)` walks the fitted objects (the `Featurizer`, its text pipeline and extractors, their lexicon tables
and word vectors) into a JSON-able tree and a dict of arrays (`models.store` writes them to `features.json` and a
`.npz` read with `allow_pickle=False`). `decode(tree, arrays)` rebuilds them. Only the classes `_allowed()` lists
are ever rebuilt, by setting their attributes (no constructor, no `__setstate__`, no import named by the file);
anything else in a file is refused with `StateError`. Attributes whose name starts with `_` are caches, not
state, and are not saved.

Tree nodes: JSON scalars and lists as they are; `{"dict": {...}}`, `{"tuple": [...]}`; `{"array": key}` (an
array; `"strings"`: of Python strings (`true`) or numpy strings (`"str"`), kept as newline-separated UTF-8);
`{"table": key}` (a `TermTable`: `key.terms` in UTF-8 as above and `key.scores`); `{"object": class name, "attributes": {...}}`.
"""

from __future__ import annotations

import numpy as np

from lexicons import TermTable


class StateError(ValueError):
    """A saved state that this code cannot or will not rebuild."""


def _allowed() -> dict[str, type]:
    # Imported on use: importing this module loads none of the feature modules (and the libraries they read).
    from features.featurizer import Featurizer
    from features.text.learned_lexicons import LearnedLexiconFeatures
    from features.text.nrc_lexicons import NrcLexiconFeatures
    from features.text.pipeline import TextFeatures
    from features.text.surface import SurfaceFeatures
    from features.text.tokenize import TweetTokenizer
    from features.text.valence import ValenceFeatures
    from features.text.word_vectors import WordVectorFeatures, WordVectors

    classes = (Featurizer, TextFeatures, TweetTokenizer, NrcLexiconFeatures, LearnedLexiconFeatures,
               WordVectorFeatures, WordVectors, SurfaceFeatures, ValenceFeatures)
    return {cls.__name__: cls for cls in classes}


def _strings(words: list[str], path: str) -> np.ndarray:
    """Strings as one UTF-8 buffer, newline-separated: a third of the size of a fixed-width unicode array."""
    if any("\n" in word for word in words):
        raise StateError(f"{path}: a string with a line break cannot be saved")
    return np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8)


def _words(buffer: np.ndarray) -> list[str]:
    return buffer.tobytes().decode("utf-8").split("\n") if buffer.size else []


def encode(obj) -> tuple[object, dict[str, np.ndarray]]:
    """(tree, arrays) of a fitted featurizer or extractor."""
    allowed = _allowed()
    arrays: dict[str, np.ndarray] = {}

    def walk(value, path: str):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, TermTable):
            terms, scores = value.arrays()
            arrays[f"{path}.terms"], arrays[f"{path}.scores"] = _strings(terms, path), scores
            return {"table": path}
        if isinstance(value, np.ndarray):
            if value.dtype == object:
                if not all(isinstance(item, str) for item in value.ravel()):
                    raise StateError(f"{path}: an array of Python objects other than strings cannot be saved")
                arrays[path] = _strings(value.ravel().tolist(), path)
                return {"array": path, "strings": True}
            if value.dtype.kind == "U":
                arrays[path] = _strings(value.ravel().tolist(), path)
                return {"array": path, "strings": "str"}
            arrays[path] = np.ascontiguousarray(value)
            return {"array": path}
        if isinstance(value, list):
            return [walk(item, f"{path}.{i}") for i, item in enumerate(value)]
        if isinstance(value, tuple):
            return {"tuple": [walk(item, f"{path}.{i}") for i, item in enumerate(value)]}
        if isinstance(value, dict):
            if not all(isinstance(key, str) for key in value):
                raise StateError(f"{path}: only dicts with string keys can be saved")
            return {"dict": {key: walk(item, f"{path}.{key}") for key, item in value.items()}}
        name = type(value).__name__
        if allowed.get(name) is not type(value):
            raise StateError(f"{path}: cannot save a {type(value).__module__}.{name}")
        return {"object": name, "attributes": {key: walk(item, f"{path}.{key}") for key, item in vars(value).items()
                                               if not key.startswith("_")}}

    return walk(obj, "state"), arrays


# What each kind of node holds: its keys, and the type of each key's value (`encode` writes no other).
_NODES = {
    "dict": {"dict": dict},
    "tuple": {"tuple": list},
    "array": {"array": str, "strings": (bool, str)},
    "table": {"table": str},
    "object": {"object": str, "attributes": dict},
}


def _node_kind(node) -> str:
    """The kind of a tree node that is not a JSON scalar or list, if it is one `encode` writes; else StateError."""
    kind = next((kind for kind in _NODES if isinstance(node, dict) and kind in node), None)
    shape = _NODES.get(kind, {})
    if kind is None or not set(node) <= set(shape) or not all(isinstance(node[key], shape[key]) for key in node):
        raise StateError(f"unreadable saved state node {str(node)[:80]!r}")
    if kind == "array" and node.get("strings", True) not in (True, "str"):
        raise StateError(f"unreadable saved state node {str(node)[:80]!r}")
    names = node.get("attributes", {}) if kind == "object" else {}
    if any(name.startswith("_") for name in names):  # caches, never saved: one from a file could be anything
        raise StateError(f"the saved state sets {next(n for n in names if n.startswith('_'))[:80]!r} of a "
                         f"{node['object'][:80]}, an attribute that is never saved")
    return kind


def decode(tree, arrays) -> object:
    """The objects `encode` saved. `arrays`: a mapping of name → array (an open `np.load(...)` of the .npz)."""
    allowed = _allowed()

    def array(key: str) -> np.ndarray:
        try:
            return arrays[key]
        except KeyError:
            raise StateError(f"the saved state names an array {key!r} that its file does not hold") from None

    def walk(node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [walk(item) for item in node]
        kind = _node_kind(node)
        if kind == "dict":
            return {key: walk(item) for key, item in node["dict"].items()}
        if kind == "tuple":
            return tuple(walk(item) for item in node["tuple"])
        if kind == "array":
            value = array(node["array"])
            if node.get("strings"):
                words = _words(value)
                return np.asarray(words, dtype=object if node["strings"] is True else str)
            return value
        if kind == "table":
            terms, scores = _words(array(f"{node['table']}.terms")), array(f"{node['table']}.scores")
            if not (scores.ndim == 2 and len(scores) == len(terms) and scores.dtype.kind == "f"
                    and np.isfinite(scores).all()):
                raise StateError(f"the saved lexicon {str(node['table'])[:80]!r} is not one row of finite scores "
                                 f"per term ({len(terms)} terms, scores of shape {scores.shape})")
            return TermTable.from_arrays(terms, scores)
        cls = allowed.get(node["object"])
        if cls is None:
            raise StateError(f"the saved state names a class {str(node['object'])[:80]!r} that is not one of "
                             f"the feature classes this project saves")
        obj = cls.__new__(cls)
        obj.__dict__.update({key: walk(item) for key, item in node.get("attributes", {}).items()})
        return obj

    return walk(tree)
