"""What the command line and the Train page tell a user after training (`training.run.training_notes`)."""

from training.run import training_notes


def test_a_model_without_an_intensity_is_announced_after_training():
    assert training_notes({}) == []
    (one,) = training_notes({"no_intensity": ["fear"]})
    assert one.startswith("no intensity for fear:") and "intensity_<e> column stays empty" in one
    # a file of exactly 10 gold intensities trains on 9 once a validation tenth is held out: the note says why
    assert "fewer than 10 gold intensities of it (without a validation file, a tenth of the rows is held out" in one
    (both,) = training_notes({"no_intensity": ["fear", "sadness"]})
    assert both.startswith("no intensity for fear or sadness:") and "columns stay empty" in both
