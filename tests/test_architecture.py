"""The import graph follows the data flow: no module imports a layer above its own (docs/architecture.md)."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first. A module may import its own package and any lower layer; packages on one layer do not import
# each other. `evaluation.metrics` and `evaluation.fairness` are leaves (emotions, numpy, scikit-learn, scipy) that
# the models' training and saving use.
LAYERS = [
    ["emotions"],
    ["lexicons", "data", "evaluation.metrics", "evaluation.fairness"],
    ["features"],
    ["models"],
    ["training", "scoring", "explain", "evaluation"],
    ["cli", "app", "app_pages"],
]


def unit_of(module: str) -> str | None:
    """The most specific entry of LAYERS that `module` belongs to."""
    found = [u for layer in LAYERS for u in layer if module == u or module.startswith(u + ".")]
    return max(found, key=len) if found else None


def layer_of(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def product_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("tests", "bench", ".ci") or any(p.startswith(".") for p in relative.parts):
            continue
        name = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        yield name, path


# A module named in a string, for `importlib.import_module` ("models.baselines" or "models.baselines:Class").
_NAMED_MODULE = re.compile(r"[a-z_]+(\.[a-z_]+)+(:\w+)?")


def imports(path: Path):
    """Every module `path` imports: at the top, inside functions, and by name through `import_module`."""
    tree = ast.parse(path.read_text(), str(path))
    by_name = any(isinstance(node, ast.ImportFrom) and node.module == "importlib" for node in ast.walk(tree))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: a relative import (the product imports by absolute names only)"
            yield node.module
        elif by_name and isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                _NAMED_MODULE.fullmatch(node.value) and unit_of(node.value.split(":")[0]) is not None:
            yield node.value.split(":")[0]


MODULES = list(product_modules())


def test_every_product_module_has_a_layer():
    assert len(MODULES) > 40
    assert [name for name, _ in MODULES if unit_of(name) is None] == []


@pytest.mark.parametrize("name, path", MODULES, ids=[name for name, _ in MODULES])
def test_no_module_imports_upward_or_sideways(name, path):
    mine = unit_of(name)
    wrong = []
    for imported in imports(path):
        theirs = unit_of(imported)
        if theirs is None or theirs == mine:  # a leaf (evaluation.metrics) may not import its package's other units
            continue
        if layer_of(theirs) >= layer_of(mine):
            wrong.append(imported)
    assert wrong == [], f"{name} (layer {layer_of(mine)}) imports {wrong}"
