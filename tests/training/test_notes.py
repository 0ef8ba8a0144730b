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


def test_a_text_model_trained_on_tweets_with_images_says_it_did_not_read_them():
    """The images of a labelled file's rows were left unread by a text-only model without a word."""
    import numpy as np

    from data.registry import wassa
    from models.registry import build_model

    tweets = wassa("train").subset(range(0, 3600, 18))
    tweets.images = ["face.png" if i % 2 else None for i in range(len(tweets))]  # not read: no file is needed
    model = build_model("tfidf_logreg").fit(tweets, seed=0)
    assert model.config["images_not_read"] == int(np.sum([i is not None for i in tweets.images]))
    assert f"tfidf_logreg reads text only: the images of {model.config['images_not_read']} training row(s) were " \
           f"not read" in training_notes(model.config)[0]
    assert "images_not_read" not in build_model("tfidf_logreg").fit(wassa("train").subset(range(0, 3600, 18))).config
