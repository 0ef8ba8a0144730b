import numpy as np

from data.registry import wassa
from models.registry import load_model
from training.zoo import LONGEST_FIRST, WORKER_BYTES, ZOO, _jobs_for_memory, train_zoo


def test_the_order_of_training_names_every_zoo_model():
    assert sorted(LONGEST_FIRST) == sorted(ZOO)


def test_models_trained_two_at_a_time_are_the_ones_trained_one_after_another(tmp_path):
    """`train-zoo` trains two models at a time on a 2-core machine, each in a process of its own on one core."""
    names = ["tfidf_logreg", "lexicon_rule"]
    reported = []
    side_by_side = train_zoo(tmp_path / "two", names, jobs=2, report=reported.append)
    in_turn = train_zoo(tmp_path / "one", names, jobs=1, report=lambda line: None)
    assert list(side_by_side) == list(in_turn) == names
    assert sorted(line.split(":")[0] for line in reported) == sorted(names)
    tweets = wassa("test").texts[:300]
    for name in names:
        a = load_model(tmp_path / "two" / name).predict(tweets)
        b = load_model(tmp_path / "one" / name).predict(tweets)
        assert np.array_equal(a.probabilities, b.probabilities) and a.emotions == b.emotions


def test_the_default_number_of_workers_is_what_the_cores_and_the_free_memory_allow():
    """Each worker may hold 2.2 GB at its peak: on a machine of many cores and little memory, one per core would
    swap."""
    assert _jobs_for_memory(8, 3 * WORKER_BYTES + 1) == 3
    assert _jobs_for_memory(2, 100 * WORKER_BYTES) == 2
    assert _jobs_for_memory(8, WORKER_BYTES // 2) == 1  # at least one
    assert _jobs_for_memory(4, None) == 4  # a system that does not say how much is free
