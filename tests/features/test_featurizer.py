import io

import numpy as np
import pytest
from PIL import Image

from data import DataError
from data.labelled import LabelledData
from features.featurizer import Featurizer


def test_training_rows_whose_image_cannot_be_read_are_refused_naming_the_image(tmp_path):
    """A training row learned without its image (or, with no text, from zeros) is a half-read source."""
    photo = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(photo, format="PNG")
    (tmp_path / "ok.png").write_bytes(photo.getvalue())
    (tmp_path / "notes.png").write_text("not an image")
    images = [str(tmp_path / "ok.png"), str(tmp_path / "notes.png")]
    data = LabelledData(["", "so sad"], images, np.eye(4)[[2, 3]], np.full((2, 4), np.nan), source="mine.csv")
    with pytest.raises(DataError, match=r"^mine\.csv: column 'image', row\(s\) 2: an image that cannot be read "
                                        r"\(first: .*notes\.png: not a supported image.*\); fix or remove it: nothing"):
        Featurizer(use_text=False).fit_transform(data)
    # a subset (the rows left after a validation tenth is held out) names a row by its place in the file
    with pytest.raises(DataError, match=r"^mine\.csv: column 'image', row\(s\) 2: an image"):
        Featurizer(use_text=False).fit_transform(data.subset([1]))
