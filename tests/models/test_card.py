"""Every saved model carries a model card: what it is, its data and their terms, its figures, its audit, its limits."""

import json

from models.registry import DEFAULT_MODEL_DIR


def test_the_default_models_card_gives_data_terms_figures_audit_and_limits():
    card = (DEFAULT_MODEL_DIR / "MODEL_CARD.md").read_text()
    assert card.startswith("---\n") and "# Model card: `fused_net`" in card
    for section in ("## Model details", "## Intended use", "## Training data", "## Evaluation", "## Fairness",
                    "## Known limits"):
        assert section in card
    assert "| `goemotions` |" in card and "Apache-2.0" in card and "do not redistribute" in card
    metrics = json.loads((DEFAULT_MODEL_DIR / "metrics.json").read_text())
    assert f"{metrics['wassa_test']['macro_f1']:.3f}" in card
    fairness = json.loads((DEFAULT_MODEL_DIR / "fairness.json").read_text())
    assert f"Emotion-word accuracy: {fairness['emotion_word_accuracy']:.3f}" in card
    assert "query words" in card


def test_a_run_trained_from_the_cli_gets_an_audited_card(tmp_path):
    import cli

    out = tmp_path / "run"
    assert cli.main(["train", "--model", "tfidf_logreg", "--data", "wassa", "--out", str(out)]) == 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "# Model card: `tfidf_logreg`" in card and "female − male" in card
    assert json.loads((out / "fairness.json").read_text())["sentences"] == 8640
