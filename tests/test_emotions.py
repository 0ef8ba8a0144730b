import numpy as np
import pytest

from emotions import EMOTIONS, one_hot, strongest


def test_the_order_is_alphabetical_and_fixed():
    assert EMOTIONS == ("anger", "fear", "joy", "sadness")


def test_one_hot_names_labels_that_are_not_emotions():
    assert one_hot(["joy", "anger"]).tolist() == [[0, 0, 1, 0], [1, 0, 0, 0]]
    with pytest.raises(ValueError, match=r"unknown label\(s\) \['surprise'\]; expected one of \['anger'"):
        one_hot(["joy", "surprise"])


def test_strongest_is_empty_where_a_row_has_no_probabilities():
    probabilities = np.array([[0.1, 0.2, 0.6, 0.1], [np.nan] * 4, [0.5, 0.1, 0.1, 0.3]])
    assert strongest(probabilities) == ["joy", "", "anger"]
    assert strongest(np.array([0.1, 0.7, 0.1, 0.1])) == ["fear"]
