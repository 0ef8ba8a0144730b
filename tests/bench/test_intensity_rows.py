"""bench/intensity_rows.py: WASSA-2017 train with only k of one emotion's gold intensities."""

import numpy as np

from data.registry import wassa


def test_only_k_of_the_emotions_intensities_are_kept_and_the_others_all(bench_script):
    module = bench_script("intensity_rows")
    train = wassa("train")
    fear = 1
    kept = module.keep_intensities(train, fear, 10, seed=0)
    assert np.isfinite(kept.intensity[:, fear]).sum() == 10
    others = [i for i in range(4) if i != fear]
    assert (np.isfinite(kept.intensity[:, others]) == np.isfinite(train.intensity[:, others])).all()
    assert np.isfinite(train.intensity[:, fear]).sum() > 1000  # the data handed in is left as it was
    other_draw = module.keep_intensities(train, fear, 10, seed=1)
    assert (np.isfinite(other_draw.intensity[:, fear]) != np.isfinite(kept.intensity[:, fear])).any()  # the seed draws
    assert np.isfinite(module.keep_intensities(train, fear, None, seed=0).intensity[:, fear]).sum() > 1000
