"""Models shared by the explanation tests: a small fused network (a small CNN input keeps it quick), trained once."""

import io

import numpy as np
import pytest
from PIL import Image

from data.labelled import LabelledData
from data.registry import fer, wassa
from models.registry import build_model

FAST_NET = {"epochs": 3, "hidden": 16, "embed": 8}
# Both image options differ from the defaults, so they must be read from the model.
IMAGE_SETTINGS = {"image_options": {"input_size": 64, "crop_fraction": 1.0}}


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="package")
def tweets():
    data = wassa("train")
    return data.subset(np.random.default_rng(0).choice(len(data), 300, replace=False))


@pytest.fixture(scope="package")
def faces():
    data = fer("train_sample")
    rows = np.concatenate([np.flatnonzero(data.labels[:, k])[:8] for k in range(4)])
    faces = data.subset(rows)
    return LabelledData(faces.texts, [png(face) for face in faces.images], faces.labels, faces.intensity,
                        source=faces.source)  # as uploaded: PNG bytes


@pytest.fixture(scope="package")
def fused(tweets, faces):
    data = LabelledData.concat([tweets, faces], source="mix")
    return build_model("fused_net", FAST_NET, **IMAGE_SETTINGS).fit(data, seed=0)
