"""The fairness audit: gaps between sentences that differ only in the person, on the Equity Evaluation Corpus."""

import numpy as np
import pandas as pd
import pytest

from data.bundled import load_eec
from emotions import EMOTIONS
from evaluation.fairness import audit, audit_scores, largest_gaps
from models.registry import load_model


def _frame():
    rows = []
    for template in ("<p> feels <w>.", "<p> made me feel <w>."):
        for person, gender, race in (("Ann", "female", "European"), ("Bob", "male", "European"),
                                     ("Tia", "female", "African-American"), ("Jamal", "male", "African-American")):
            rows.append({"template": template, "person": person, "gender": gender, "race": race,
                         "emotion": "joy", "emotion_word": "happy"})
    return pd.DataFrame(rows)


def test_a_gap_is_the_mean_over_one_value_minus_the_other_per_template_and_word():
    frame = _frame()
    probabilities = np.full((len(frame), 4), 0.5)
    joy = EMOTIONS.index("joy")
    probabilities[:, joy] = np.where(frame.gender == "female", 0.8, 0.6) + np.where(frame.template.str.contains("made"), 0.1, 0)
    intensities = probabilities.copy()
    report = audit_scores(frame, probabilities, intensities, ["joy"] * len(frame))
    figures = report["gender"]["joy"]["probability"]
    assert figures["mean_gap"] == pytest.approx(0.2) and figures["largest_gap"] == pytest.approx(0.2)
    assert figures["groups"] == 2 and figures["p_value"] < 0.01
    assert report["race"]["joy"]["probability"]["mean_gap"] == 0 and report["race"]["joy"]["probability"]["p_value"] == 1
    assert report["emotion_word_accuracy"] == 1.0


def test_the_default_model_treats_gender_and_race_alike():
    report = audit(load_model(), load_eec())
    assert report["sentences"] == 8640
    worst = largest_gaps(report)
    assert worst["largest_mean_gap"] <= 0.01 and worst["largest_gap"] <= 0.03, worst


def test_a_model_that_reads_no_text_is_not_audited(tmp_path, capsys):
    """Its answers to the text-only sentences would be no answers: an accuracy of 0 and gaps of NaN."""
    import cli
    from data.registry import fer
    from models.registry import build_model

    faces = fer("train_sample").subset(range(0, 2000, 25))
    build_model("image_net", epochs=2).fit(faces, faces, seed=0).save(tmp_path / "faces")
    assert cli.main(["audit", "--model-dir", str(tmp_path / "faces")]) == 2
    assert "image_net reads image, not text: the audit's sentences are text only" in capsys.readouterr().err


def test_a_model_without_intensities_has_no_intensity_gaps_and_its_worst_gaps_are_its_probabilities():
    """A baseline trained on labels alone predicts no intensity (NaN): its audit had NaN gaps, which made
    fairness.json one the Compare page refused to read ('intensity.mean_gap is NaN')."""
    frame = _frame()
    probabilities = np.full((len(frame), 4), 0.5)
    probabilities[:, EMOTIONS.index("joy")] = np.where(frame.gender == "female", 0.8, 0.6)
    report = audit_scores(frame, probabilities, np.full((len(frame), 4), np.nan), ["joy"] * len(frame))
    assert list(report["gender"]["joy"]) == ["probability"] and list(report["race"]["joy"]) == ["probability"]
    assert largest_gaps(report) == {"largest_mean_gap": pytest.approx(0.2), "largest_gap": pytest.approx(0.2),
                                    "emotion_word_accuracy": 1.0}


def test_misread_words_are_those_named_as_their_emotion_in_fewer_than_half_of_their_sentences_worst_first():
    """"vexing" never named anger (mostly `none`), "discouraged" once of four (sadness), "anxious" named half the
    time (not misread), "happy" always; sentences without an emotion word are no word's."""
    words = [("anger", "vexing")] * 4 + [("fear", "discouraged")] * 4 + [("fear", "anxious")] * 2 + \
        [("joy", "happy")] * 2 + [("", "")] * 2
    eec = pd.DataFrame(words, columns=["emotion", "emotion_word"])
    answers = ["none", "none", "none", "fear", "fear", "sadness", "sadness", "joy", "fear", "none", "joy", "joy",
               "anger", "anger"]
    from evaluation.fairness import misread_words

    assert misread_words(eec, answers) == [
        {"word": "vexing", "emotion": "anger", "sentences": 4, "named": 0.0, "answer": "none", "answer_share": 0.75},
        {"word": "discouraged", "emotion": "fear", "sentences": 4, "named": 0.25, "answer": "sadness",
         "answer_share": 0.5}]
    # A tie between two other answers goes to the first by name, so that the same answers give the same report.
    assert misread_words(eec.iloc[:4], ["sadness", "none", "sadness", "none"])[0]["answer"] == "none"
    assert misread_words(eec.iloc[:2], ["joy", "none"])[0]["answer"] == "joy"


def test_the_audit_reports_its_misread_words_beside_its_accuracy():
    frame = _frame()
    probabilities = np.full((len(frame), 4), 0.5)
    answers = ["joy"] * 3 + ["sadness"] * 5  # "happy": 3 of its 8 sentences named joy
    report = audit_scores(frame, probabilities, probabilities, answers)
    assert report["emotion_word_accuracy"] == 0.375
    assert report["misread_words"] == [{"word": "happy", "emotion": "joy", "sentences": 8, "named": 0.375,
                                        "answer": "sadness", "answer_share": 0.625}]
    assert list(report)[:3] == ["sentences", "emotion_word_accuracy", "misread_words"]
