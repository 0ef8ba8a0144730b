import numpy as np
import scipy.sparse as sp

from features.text.lookup import hashtag_keys, row_max, row_mean, word_keys


def test_row_helpers_ignore_unscored_tokens():
    counts = sp.csr_matrix(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0]]))
    scores = np.array([[0.0, -1.0], [0.5, -2.0], [9.0, 9.0]])
    np.testing.assert_allclose(row_mean(counts, scores), [[0.5, -5 / 3], [0, 0]])
    np.testing.assert_allclose(row_max(counts, scores), [[0.5, -1.0], [0, 0]])


def test_lookup_keys_fold_case_hashes_and_elongations():
    assert word_keys("#Sooooo") == ("sooooo", "soo", "so")
    assert hashtag_keys("#Angry") == ("#angry", "angry")
    assert hashtag_keys("angry") == ("angry",)
