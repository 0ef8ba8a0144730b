"""Loading a bench script as a module, as each test of one needs it."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="session")
def bench_script():
    """name → the module of `bench/<name>.py` (as `bench_<name>`)."""

    def load(name: str):
        sys.path.insert(0, str(BENCH))  # the script imports `_path`, as every bench script does
        try:
            spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # a dataclass of the script looks its module up while being built
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(BENCH))
        return module

    return load
