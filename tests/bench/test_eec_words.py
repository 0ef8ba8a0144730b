"""bench/eec_words.py: which EEC emotion words the bundled NRC lexicons file under their corpus emotion."""

import importlib.util
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def test_the_lexicons_file_furious_under_anger_and_not_vexing():
    sys.path.insert(0, str(BENCH))  # the script imports `_path`, as every bench script does
    try:
        spec = importlib.util.spec_from_file_location("bench_eec_words", BENCH / "eec_words.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    filed = module.filed_words()
    assert {("furious", "anger"), ("terrified", "fear"), ("happy", "joy"), ("sad", "sadness")} <= filed
    assert not {("vexing", "anger"), ("discouraged", "fear"), ("serious", "sadness")} & filed
    assert ("happy", "anger") not in filed
