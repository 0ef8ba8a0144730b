import numpy as np
import pytest

from evaluation.metrics import evaluate_predictions


def test_single_label_metrics_are_exact():
    labels = np.eye(4)[[0, 0, 1, 2, 3, 3]]
    probabilities = np.eye(4)[[0, 1, 1, 2, 3, 0]] * 0.7 + 0.075
    result = evaluate_predictions(labels, probabilities)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["confusion_matrix"] == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
    assert result["per_emotion"]["anger"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    f1 = [0.5, 2 / 3, 1.0, 2 / 3]
    assert result["macro_f1"] == pytest.approx(np.mean(f1))


def test_pearson_per_emotion_uses_only_known_intensities():
    labels = np.eye(4)[[2, 2, 2, 2]]
    gold = np.full((4, 4), np.nan)
    gold[:, 2] = [0.1, 0.4, 0.5, 0.9]
    predicted = np.full((4, 4), 0.5)
    predicted[:, 2] = [0.2, 0.3, 0.6, 0.8]
    result = evaluate_predictions(labels, labels, gold, predicted)
    assert list(result["pearson"]) == ["joy"]
    assert result["pearson"]["joy"] == pytest.approx(np.corrcoef(gold[:, 2], predicted[:, 2])[0, 1])
    assert result["pearson_mean"] == result["pearson"]["joy"]


def test_multi_label_scores_each_emotion_at_one_half():
    labels = np.array([[1, 0, 0, 1], [0, 1, 0, 0]])
    probabilities = np.array([[0.9, 0.1, 0.2, 0.4], [0.1, 0.8, 0.1, 0.1]])
    result = evaluate_predictions(labels, probabilities, multi_label=True)
    assert result["accuracy"] == 0.5  # exact match: only the second row
    assert result["per_emotion"]["sadness"]["recall"] == 0
    assert result["confusion_matrix"]["anger"] == [[1, 0], [0, 1]]
