"""The network's training loop (models/network/fit.py)."""

import numpy as np
import pytest
import torch

from data.labelled import LabelledData
from features.featurizer import FeatureBlocks
from models.network.config import NetConfig, NetworkSettings
from models.network.fit import train_network


def tiny():
    labels = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]]
    data = LabelledData(["t"] * 8, [None] * 8, labels, np.full((8, 4), np.nan))
    text = np.random.default_rng(0).normal(size=(8, 3)) + labels @ np.ones((4, 3))
    blocks = FeatureBlocks(text, np.zeros((8, 0)), np.column_stack([np.ones(8), np.zeros(8)]), [None] * 8)
    return NetConfig(hidden=4, embed=2, dropout=0.0, text_dim=3), blocks, data


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_training_runs_on_one_thread_and_gives_the_threads_back(two_threads):
    config, blocks, data = tiny()
    seen = []
    train_network(config, NetworkSettings(epochs=3), blocks, data, blocks, data, seed=0,
                  on_epoch=lambda record: seen.append(torch.get_num_threads()))
    assert seen == [1, 1, 1] and torch.get_num_threads() == 2


def test_the_threads_are_given_back_when_training_fails(two_threads):
    config, blocks, data = tiny()

    def fail(record):
        raise RuntimeError("stopped by the test")

    with pytest.raises(RuntimeError, match="stopped by the test"):
        train_network(config, NetworkSettings(epochs=3), blocks, data, blocks, data, seed=0, on_epoch=fail)
    assert torch.get_num_threads() == 2


def test_overlapping_trainings_in_threads_give_the_threads_back():
    """The dashboard trains in threads, and torch's thread count is the process's: when each training restored
    the count it found, the second (started while the first held one thread) left the process on one. In a
    process of its own, as a server's: a count set by earlier tests would hide it."""
    import subprocess
    import sys
    from pathlib import Path

    script = """
import threading, time, torch
from tests.models.test_fit import tiny
from models.network.config import NetworkSettings
from models.network.fit import train_network
torch.set_num_threads(2)
config, blocks, data = tiny()
def train(epochs, wait):
    time.sleep(wait)
    train_network(config, NetworkSettings(epochs=epochs, patience=50), blocks, data, blocks, data, seed=0,
                  on_epoch=lambda record: time.sleep(0.3))
runs = [threading.Thread(target=train, args=(2, 0.0)), threading.Thread(target=train, args=(6, 0.2))]
[run.start() for run in runs]; [run.join() for run in runs]
print(torch.get_num_threads())
"""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "2", done.stderr[-2000:]
