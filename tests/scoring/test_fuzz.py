"""Property-based fuzzing (Hypothesis) of the two ways bytes come in: a CSV to score and an image. Whatever the
bytes, nothing crashes: a file is scored with every row accounted for, or refused with one line."""

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from data import DataError
from data.tables import read_table
from models.registry import load_model
from scoring.local import score_file

PIECES = ["hello", "so happy", '"', '""', ",", "\n", "\r\n", "\r", "\t", ";", "\x00", "=SUM(1)", "😊", "é", " ",
          "#angry", "\ufeff", "\\n"]


@pytest.fixture(scope="module")
def model():
    return load_model()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.lists(st.sampled_from(PIECES), max_size=60).map(lambda parts: "".join(parts).encode()),
                      st.binary(max_size=400)))
def test_any_csv_is_scored_row_for_row_or_refused_in_one_line(model, tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("fuzz")
    source, output = folder / "in.csv", folder / "out.csv"
    source.write_bytes(b"id,text\n" + body)
    try:
        summary = score_file(model, source, output)
    except DataError as exc:
        assert "\n" not in str(exc).strip() and not output.exists()
        return
    rows = read_table(source).rows
    written = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert summary.rows == rows == len(written)
    assert summary.scored + summary.failed == rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=300),
                      st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=8)).map(
                          lambda cut: _png()[:cut[0]] + cut[1] + _png()[cut[0] + len(cut[1]):])))
def test_any_image_bytes_get_probabilities_or_an_error(model, data):
    prediction = model.predict(["", "so happy"], [data, data])
    for row in range(2):
        error = prediction.errors[row]
        if error is None:
            assert np.isfinite(prediction.probabilities[row]).all()
        else:
            assert "\n" not in error and (row == 1 or np.isnan(prediction.probabilities[row]).all())
