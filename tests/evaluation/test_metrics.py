import numpy as np
import pytest

from evaluation.metrics import choose_presence_offsets, evaluate_predictions


def test_single_label_metrics_are_exact():
    labels = np.eye(4)[[0, 0, 1, 2, 3, 3]]
    probabilities = np.eye(4)[[0, 1, 1, 2, 3, 0]] * 0.7 + 0.075
    result = evaluate_predictions(labels, probabilities)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["confusion_matrix"] == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]]
    assert result["confusion_matrix_order"] == "rows: true, columns: predicted, in the order anger, fear, joy, sadness"
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


def test_no_mean_pearson_when_the_model_gives_no_intensity_for_a_rated_emotion():
    """A model without an intensity for fear (too few gold ones in its training): a mean over joy alone would be
    compared with other models' means over both."""
    labels = np.eye(4)[[1, 1, 1, 2, 2, 2]]
    gold = np.full((6, 4), np.nan)
    gold[:3, 1], gold[3:, 2] = [0.2, 0.5, 0.9], [0.1, 0.6, 0.8]
    predicted = np.full((6, 4), 0.5)
    predicted[:, 1] = np.nan
    predicted[3:, 2] = [0.2, 0.5, 0.7]
    result = evaluate_predictions(labels, labels, gold, predicted)
    assert list(result["pearson"]) == ["joy"] and "pearson_mean" not in result
    predicted[:3, 1] = [0.3, 0.4, 0.8]  # with one, the mean is back
    assert evaluate_predictions(labels, labels, gold, predicted)["pearson_mean"] == pytest.approx(
        np.mean(list(evaluate_predictions(labels, labels, gold, predicted)["pearson"].values())))
    # One intensity for every fear tweet says nothing of fear either: its mean over joy alone (0.98) was above
    # that of a model whose fear intensity was weak but informative.
    predicted[:3, 1] = 0.4
    result = evaluate_predictions(labels, labels, gold, predicted)
    assert list(result["pearson"]) == ["joy"] and "pearson_mean" not in result


def test_no_pearson_for_gold_intensities_that_are_all_the_same():
    """Undefined, so left out: NaN made `evaluate`'s output and metrics.json invalid JSON."""
    labels = np.eye(4)[[2, 2, 2, 2]]
    gold = np.where(labels == 1, 0.7, np.nan)
    predicted = np.tile([[0.1], [0.4], [0.5], [0.9]], (1, 4))
    assert "pearson" not in evaluate_predictions(labels, labels, gold, predicted)


def test_multi_label_scores_each_emotion_at_one_half():
    labels = np.array([[1, 0, 0, 1], [0, 1, 0, 0]])
    probabilities = np.array([[0.9, 0.1, 0.2, 0.4], [0.1, 0.8, 0.1, 0.1]])
    result = evaluate_predictions(labels, probabilities, multi_label=True)
    assert result["accuracy"] == 0.5  # exact match: only the second row
    assert result["per_emotion"]["sadness"]["recall"] == 0
    assert result["confusion_matrix"]["anger"] == [[1, 0], [0, 1]]
    # the matrices are 2×2 per emotion: nothing describes a 4×4 over the emotions
    assert result["confusion_matrix_order"] == ("per emotion, rows: true absent, present; columns: predicted absent, "
                                                "present")
    assert set(result["confusion_matrix"]) == {"anger", "fear", "joy", "sadness"}


def test_presence_offsets_move_each_emotion_to_its_f1_best_threshold_with_groups_weighing_the_same():
    expit = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    # anger is present exactly where its logit is >= 1.5; the other emotions are present wherever their logit
    # is >= -0.5 in group "a", and nowhere in the much larger group "b", whose logits sit at 0.
    logits = np.zeros((12, 4))
    logits[:, 0] = [-2, -1, 0, 1, 1.5, 2, 3, -3, -2, 2, 2.5, 0.5]
    presence = np.zeros((12, 4))
    presence[:, 0] = logits[:, 0] >= 1.5
    logits[:2, 1:] = 1.0
    presence[:2, 1:] = 1
    groups = np.array(["a"] * 2 + ["b"] * 10)
    offsets = choose_presence_offsets(presence, expit(logits), groups)
    assert 1.0 < offsets[0] <= 1.5  # between the last absent (1.0) and the first present (1.5) logit
    assert (0.0 < offsets[1:]).all() and (offsets[1:] <= 1.0).all()  # above group b's zeros, at most group a's ones
    assert not choose_presence_offsets(np.full((3, 4), np.nan), expit(logits[:3]), groups[:3]).any()



def test_macro_f1_counts_only_the_emotions_the_data_or_the_model_names():
    """A file of angry and sad tweets scored right is a macro-F1 of 1, not 0.5 for the two emotions it lacks."""
    labels = np.array([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1]])
    right = labels * 0.9 + 0.02
    assert evaluate_predictions(labels, right)["macro_f1"] == 1.0
    assert evaluate_predictions(labels, right, multi_label=True)["macro_f1"] == 1.0
    wrong = right.copy()
    wrong[0] = [0.02, 0.02, 0.9, 0.02]  # joy, named by the model only, counts (F1 0)
    assert evaluate_predictions(labels, wrong)["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_rows_with_no_emotion_are_counted_also_for_a_model_that_cannot_say_none():
    """A 4-way model's evaluation left the rows labelled none out of `n` without counting them anywhere."""
    labels = np.vstack([np.eye(4)[[0, 1, 2]], np.zeros((2, 4))])
    probabilities = np.full((5, 4), 0.1) + np.eye(4)[[0, 1, 2, 3, 3]] * np.array([[0.8], [0.8], [0.8], [0.5], [0.5]])
    four_way = evaluate_predictions(labels, probabilities)
    assert (four_way["n"], four_way["none_rows"]) == (3, 2) and "none_f1" not in four_way
    presence = evaluate_predictions(labels, probabilities, threshold=0.8)
    assert (presence["n"], presence["none_rows"], presence["none_f1"]) == (3, 2, 1.0)
