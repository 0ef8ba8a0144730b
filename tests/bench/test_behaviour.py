"""bench/behaviour.py on a few cases per capability with the shipped default model: the report's structure only
(its failure rates are what the script measures, not what a test holds a model to)."""

import json

import numpy as np
import pytest

from models.registry import load_model


@pytest.fixture(scope="module")
def behaviour(bench_script):
    return bench_script("behaviour")


@pytest.fixture(scope="module")
def tiny(behaviour):
    """The first two cases of every capability."""
    capabilities = behaviour.build_capabilities()
    for capability in capabilities:
        capability.cases = capability.cases[:2]
    return capabilities


def test_every_capability_has_cases_of_its_kind(behaviour):
    capabilities = behaviour.build_capabilities()
    assert len({c.name for c in capabilities}) == len(capabilities) >= 8
    for capability in capabilities:
        assert capability.cases and capability.kind in ("mft", "inv", "dir")
        for case in capability.cases:
            assert (case.expect is not None) == (capability.kind == "mft")
            assert (case.original is not None) == (capability.kind != "mft")
            assert (case.emotion is not None) == (capability.kind == "dir")
    texts = {case.text: case.expect for c in capabilities for case in c.cases}
    assert str(texts["I've never been happier"]) == "joy"
    assert str(texts["I don't feel sad anymore"]) == "not sadness"
    assert str(texts["can't wait for the weekend"]) == "joy or none"


def test_report_structure_on_a_few_cases(behaviour, tiny):
    report = behaviour.run(load_model(), tiny)
    assert [c["name"] for c in report["capabilities"]] == [c.name for c in tiny]
    for row, capability in zip(report["capabilities"], tiny):
        assert row["kind"] == capability.kind and row["cases"] == 2
        assert 0 <= row["failures"] <= 2 and row["failure_rate"] == row["failures"] / 2
        assert len(row["examples"]) == min(row["failures"], behaviour.EXAMPLES_SHOWN)
        for example in row["examples"]:
            assert set(example) == {"text", "expected", "got"}
            assert example["text"] in {case.text for case in capability.cases}
    assert report["cases"] == 2 * len(tiny)
    assert report["failures"] == sum(c["failures"] for c in report["capabilities"])
    assert report["overall_failure_rate"] == report["failures"] / report["cases"]
    json.dumps(report)  # JSON-ready as it is

    lines = behaviour.format_report(report).splitlines()
    assert lines[-1] == f"overall_failure_rate={report['overall_failure_rate']:.3f}"
    for capability in tiny:
        assert any(line.startswith(capability.name) for line in lines)


def test_json_flag_prints_one_object(behaviour, tiny, monkeypatch, capsys):
    monkeypatch.setattr(behaviour, "build_capabilities", lambda: tiny)
    behaviour.main(["--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["model_dir"] == "models/default" and report["cases"] == 2 * len(tiny)
    assert {"capabilities", "failures", "overall_failure_rate", "seconds", "texts"} <= set(report)


def test_present_is_the_threshold_rule_or_a_4_way_models_choice(behaviour):
    probabilities = np.array([0.1, 0.2, 0.8, 0.6])
    assert behaviour._present(probabilities, "joy", "sadness", 0.5)
    assert not behaviour._present(probabilities, "joy", "sadness", 0.75)
    assert not behaviour._present(probabilities, "joy", "sadness", None)
    assert behaviour._present(probabilities, "joy", "joy", None)


def test_examples_are_spread_over_the_failures(behaviour):
    assert behaviour.spread(list(range(9))) == [0, 3, 6]
    assert behaviour.spread([1, 2]) == [1, 2]
