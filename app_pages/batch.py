"""Batch: score a CSV/TSV of tweets (and the images a ZIP holds), preview, chart and download the result."""

import hashlib
from pathlib import Path, PurePosixPath

import altair as alt
import streamlit as st

from app_pages.shared import (
    EMOTION_COLOURS,
    bundled_sample,
    cached_table,
    inert_markdown,
    model_or_stop,
    pick_model,
    unpacked_images,
)
from app_pages.user_paths import errors_as_in_the_zip
from data import DataError
from data.tables import likely_text_column
from emotions import EMOTIONS, NONE
from scoring.frame import separator_for
from scoring.uploads import LIMITS, column_warnings, result_preview, rows_with_messages, score_table, scored_file

SAMPLES = {
    "40 tweets": ("tweets_sample.csv", None),
    "8 faces, 4 with a tweet (CSV + ZIP)": ("faces_sample.csv", "faces_sample.zip"),
}
NO_IMAGES = "(no images)"

st.title("Batch")
st.write("Score a CSV or TSV file of tweets: the result has every column of the file plus `emotion`, the four "
         "`prob_` and `intensity_` columns and `error`, as `python cli.py score` writes it.")
st.caption(f"Limits: {LIMITS.describe()}. Bigger files: `python cli.py score` has no limit.")

model_name, model_directory = pick_model()

source = st.radio("Data", ["Upload a file", *(f"Sample: {s}" for s in SAMPLES)], horizontal=True, key="batch_source")
if source == "Upload a file":
    upload = st.file_uploader("CSV or TSV file (UTF-8 is best; other encodings are detected or refused)",
                              type=["csv", "tsv", "txt"])
    zip_upload = st.file_uploader("ZIP of the images the file names (optional)", type=["zip"])
    if upload is None:
        st.info("Upload a file, or pick a sample.")
        st.stop()
    name, data = upload.name, upload.getvalue()
    zip_name, zip_data = (zip_upload.name, zip_upload.getvalue()) if zip_upload else (None, None)
else:
    name, zip_name = SAMPLES[source.removeprefix("Sample: ")]
    data, zip_data = bundled_sample(name), bundled_sample(zip_name) if zip_name else None

try:
    table = cached_table(data, name)
    images = unpacked_images(zip_data, zip_name, "batch-images") if zip_data else None
except DataError as exc:
    st.error(str(exc))
    st.stop()
for note in table.notes:
    st.caption(note)
if table.bad_rows:
    st.warning(f"{table.bad_rows} row(s) are not as the header says or not read as written (the wrong number of "
               f"fields, a quote left open, bytes that are not UTF-8): they are kept, each with its message in "
               f"`error`, and those that cannot be read are not scored.")
if images is not None:
    st.caption(f"ZIP: {len(images.files)} file(s) unpacked.")
    if images.not_images:
        listed = "; ".join(f"{path}: {why}" for path, why in list(images.not_images.items())[:5])
        st.warning(f"{len(images.not_images)} file(s) in the ZIP are not images ({listed}); rows naming them "
                   f"get an error (their text is still scored).")

left, right = st.columns(2)
columns = table.columns
text_column = left.selectbox("Text column", columns, index=columns.index(likely_text_column(table.chunks[0].frame)))
image_options = [NO_IMAGES, *columns]
image_column = right.selectbox("Image column (paths inside the ZIP)", image_options,
                               index=image_options.index("image") if "image" in columns and images else 0)
image_column = None if image_column == NO_IMAGES else image_column
for warning in column_warnings(table, text_column, image_column, images is not None):
    st.warning(inert_markdown(warning))
st.caption(f"{table.rows:,} row{'' if table.rows == 1 else 's'}. First rows:")
st.dataframe(table.chunks[0].frame.head(5), hide_index=True)

# The result shown belongs to these inputs; any change hides it until Score is pressed again.
key = (model_name, hashlib.sha256(data).hexdigest(), text_column, image_column, images and images.folder)
if st.button("Score", type="primary"):
    bar = st.progress(0.0, text="Scoring…")
    try:
        scored, summary = score_table(model_or_stop(model_directory), table, text_column, image_column, images,
                                      on_progress=lambda done: bar.progress(done, text=f"Scoring… {done:.0%}"))
    except DataError as exc:
        bar.empty()
        st.error(str(exc))
        st.stop()
    bar.empty()
    scored = errors_as_in_the_zip(scored, images and images.folder, zip_name)  # no server path shown or downloaded
    st.session_state["batch_result"] = (key, scored, summary)

result = st.session_state.get("batch_result")
if result is None or result[0] != key:
    st.stop()
_, scored, summary = result

st.subheader("Result")
a, b, c, d = st.columns(4)
a.metric("Rows", f"{summary.rows:,}")
b.metric("Scored", f"{summary.scored:,}")
c.metric("Failed", f"{summary.failed:,}")
flagged = rows_with_messages(scored, text_column)
d.metric("With a message", f"{len(flagged):,}")
for note in summary.notes:  # what scoring found (a text-only model given an image column), as the CLI says it
    if note not in table.notes:  # those are said above the columns
        st.info(inert_markdown(note.removeprefix("columns: ") + "."))  # the column's name as the file has it
if summary.failed:
    st.warning(f"{summary.failed} row(s) could not be scored; they are kept in the file with their `error`.")
if len(flagged):
    with st.expander(f"Rows with a message ({len(flagged):,}): which and why", expanded=True):
        st.dataframe(flagged, hide_index=True, column_config={"error": st.column_config.TextColumn(width="large")})
        st.caption("`row` counts the file's rows from 1, the header not counted; a message's \"line N\" counts the "
                   "file's lines, the header line 1 (so row 2 is line 3 when no field spans lines); a blank "
                   "`emotion`: not scored.")

counts = (scored.loc[scored["emotion"] != "", "emotion"].value_counts().rename_axis("emotion")
          .reset_index(name="tweets"))
st.altair_chart(
    alt.Chart(counts, title="Predicted emotions").mark_bar().encode(
        x=alt.X("emotion:N", sort=[*EMOTIONS, NONE], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("tweets:Q", axis=alt.Axis(tickMinStep=1, format=",d")),  # whole tweets on a small file too
        color=alt.Color("emotion:N", scale=alt.Scale(domain=[*EMOTIONS, NONE],
                                                     range=[*EMOTION_COLOURS.values(), "#999999"]), legend=None),
        tooltip=["emotion", "tweets"]),
    width="stretch")
preview = result_preview(scored.head(1000))  # the answer and any message first
# Figures to 3 places, as Predict shows them; messages, when there are any, wide enough to read.
wide = {"error": st.column_config.TextColumn(width="medium")} if (preview["error"] != "").any() else {}
st.dataframe(preview, hide_index=True,
             column_config={**wide, **{c: st.column_config.NumberColumn(format="%.3f") for c in preview.columns
                                       if c.startswith(("prob_", "intensity_"))}})
st.caption(("" if len(scored) <= 1000 else f"The first 1,000 of {len(scored):,} rows; the download has them all. ")
           + "Shown: `emotion`, `error` and the probabilities first; the download has the input columns first, "
             "as `python cli.py score` writes them.")

suffix = PurePosixPath(name).suffix.lower()
separator = separator_for(Path(name))  # as `cli.py score` picks it
st.download_button("Download the scored file", scored_file(scored, table),
                   file_name=f"{PurePosixPath(name).stem}_scored{suffix if separator == chr(9) else '.csv'}",
                   mime="text/tab-separated-values" if separator == "\t" else "text/csv", on_click="ignore",
                   type="primary")
