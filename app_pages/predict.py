"""Predict: one tweet and an optional image → the four emotions, and why (lexicon hits, attributions, Grad-CAM)."""

import streamlit as st

from emotions import EMOTIONS, NONE

EXAMPLES = {
    "😡 Furious": "They cancelled my flight AGAIN and nobody at the desk will even look at me 😡 #furious",
    "😱 Scared": "Heard footsteps downstairs at 3am and I'm too terrified to move #scared",
    "😊 Happy": "Got the job!!! Sun is out, coffee is perfect, life is good 😊 #blessed",
    "😢 Sad": "Miss you so much grandpa, the house is so quiet without you 💔",
    "🙃 Negated": "Not happy at all with how this turned out... never again",
}
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "gif", "bmp"]
# Widths in pixels that fit the page's narrowest layout (a 900-pixel window with the sidebar open) unclipped.
BARS = {"emotion": st.column_config.TextColumn("emotion", width=70),
        "probability": st.column_config.ProgressColumn("probability", format="%.3f", min_value=0, max_value=1,
                                                      width=100),
        "intensity": st.column_config.ProgressColumn("intensity", format="%.3f", min_value=0, max_value=1,
                                                    width=100)}


# Keyed by the model's directory and the input, so changing a widget below does not recompute the answer.
# `stamp` (`model_stamp`) tells a model from another saved later in the same folder.
@st.cache_data(max_entries=32, show_spinner="Reading the tweet…")
def explained(directory: str, stamp: str, text: str, image: bytes | None):
    return explain(cached_model(directory), text, image)


# The first prediction pays for first uses (autograd, the word vectors' pages); pay it while the user types.
@st.cache_resource(show_spinner=False)
def warm_up(directory: str, stamp: str) -> None:
    explain(cached_model(directory), "warming up :)")


def scores_table(probabilities, intensities) -> None:
    st.dataframe(pd.DataFrame({"emotion": EMOTIONS, "probability": probabilities, "intensity": intensities}),
                 hide_index=True, column_config=BARS)


MAX_TWEET_BOX = 1000  # characters read of the box; a longer paste is kept, cut here, and said so

st.title("Predict")
st.caption("How much anger, fear, joy and sadness a tweet carries, from its text and, if it has one, its image.")
st.write("Try an example:")
examples = st.container(horizontal=True)  # wraps onto a second line in a narrow window, no label cut
for name, tweet in EXAMPLES.items():
    examples.button(name, on_click=st.session_state.__setitem__, args=("tweet", tweet))
text = st.text_area("Tweet", key="tweet", placeholder="Type or paste a tweet…",
                    help=f"Predict reads the first {MAX_TWEET_BOX:,} characters (a tweet has at most 280). Score "
                         "longer texts on the Batch page or with `cli.py score`.")

# Imported only now that the tweet box is on screen: the model code pulls in torch and scikit-learn, 3-4 s on a
# busy 2-core machine (python -X importtime); later runs find them in sys.modules.
import altair as alt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from app_pages.shared import (  # noqa: E402
    EMOTION_COLOURS,
    cached_model,
    emotion_mark,
    highlight_html,
    model_or_stop,
    model_stamp,
    pick_model,
    show_model_card,
)
from data.cells import is_blank  # noqa: E402
from explain.explanation import explain, present  # noqa: E402
from explain.tokens import hits_table  # noqa: E402
from features.image.decode import DEFAULT_MAX_PIXELS  # noqa: E402
from models.base import MIN_GOLD_INTENSITIES  # noqa: E402
from scoring.uploads import IMAGE_LIMITS, UploadError, read_image_upload  # noqa: E402

upload = st.file_uploader("Image (optional)", type=IMAGE_TYPES, max_upload_size=IMAGE_LIMITS.file_mb)
st.caption(f"JPEG, PNG, WebP, GIF (first frame) or BMP, at most {IMAGE_LIMITS.file_mb} MB and "
           f"{DEFAULT_MAX_PIXELS // 1_000_000} megapixels. The file is only decoded as an image, never run or "
           "unpickled. The image branch learned from faces only (FER2013): a photo of anything else means little "
           "(one far from every training face gets a note; not every one does).")

label, directory = pick_model(st.sidebar, help="The shipped default model, the shipped zoo (zoo/…), then your runs "
                                                 "(runs/…).")
# Loaded before any input arrives: the widgets above are already on screen, and the first answer is quick.
directory = str(directory)
model = model_or_stop(directory)
stamp = model_stamp(directory)  # read once per run of the page; the cached answers below are keyed on it
warm_up(directory, stamp)

if len(text) > MAX_TWEET_BOX:  # a paste the box would have refused whole, with no word of why
    st.warning(f"The text has {len(text):,} characters: Predict reads its first {MAX_TWEET_BOX:,} (a tweet has at "
               f"most 280). Score longer texts on the Batch page or with `cli.py score`, which read 100,000.")
    text = text[:MAX_TWEET_BOX]

image = picture = None
if upload is not None:
    try:
        picture = read_image_upload(upload.getvalue(), upload.name)
        image = upload.getvalue()
    except UploadError as exc:
        st.error(f"This image cannot be used: {exc}")
if is_blank(text) and image is None:  # zero-width characters alone show nothing either
    st.info("Type a tweet (in English: the models read English only), pick an example, or upload an image."
            if upload is None else
            "Nothing was scored: type a tweet, pick an example, or upload another image.")
    st.stop()

result = explained(directory, stamp, text, image)
for note in result.notes:
    st.warning(note)
if result.error:
    st.error(result.error)
    st.stop()

st.divider()
left, right = st.columns([1, 2])
strongest = EMOTIONS[int(result.probabilities.argmax())]
best = EMOTIONS.index(strongest)
left.metric("Predicted emotion", result.emotion, help=f"answered by {label} ({model.name})")
if result.emotion == NONE:
    # Three decimals: 0.7493 is below 0.75, and shown as 0.75 it read as equal to it.
    left.caption(f"no emotion of the four is present: the strongest, {strongest}, has probability "
                 f"{result.probabilities[best]:.3f}, below this model's {result.none_threshold:.3f}")
else:
    # A model trained with too few gold intensities of an emotion (none: labels alone) predicts no intensity for
    # it: NaN, shown as "nan". Its data may have had a few, and other emotions' ("had none" said otherwise).
    # Three decimals, as the table beside it: 0.998 read "1.00", certain, beside the table's 0.998.
    left.caption(f"probability {result.probabilities[best]:.3f} · "
                 + (f"intensity {result.intensities[best]:.3f}" if np.isfinite(result.intensities[best]) else
                    f"no intensity: this model was trained with fewer than {MIN_GOLD_INTENSITIES} gold intensities "
                    f"of {strongest}"))
with right:
    scores_table(result.probabilities, result.shown_intensities())
    if result.none_threshold is not None:
        # The threshold as the caption beside it gives it: at two decimals logreg's 0.725 read 0.72 here.
        st.caption("Each probability is that of the emotion being present (two can be high); intensities are shown "
                   f"for the emotions that are: those at or above this model's {result.none_threshold:.3f}"
                   + ("." if np.isfinite(result.intensities).any() else
                      ", but this model gives none (it was trained with too few gold intensities)."))
    else:  # a 4-way model (the WASSA specialist, the lexicon rule): every emotion has an intensity, none is "none"
        st.caption("This model makes a 4-way choice: the probabilities sum to 1 and it always names one of the four "
                   "emotions, never `none`, even for a tweet that carries none of them"
                   + ("; each intensity is how strong that emotion would be." if np.isfinite(result.intensities).any()
                      else "; it gives no intensity (it was trained with too few gold intensities)."))

st.caption(f"Answered by **{label}** (`{model.name}`; pick another in the sidebar).")
show_model_card(st, directory, label)

st.subheader("Why")
if result.text is not None:
    legend = " ".join(f'<span style="{emotion_mark(emotion)};padding:0 3px">{emotion}</span>'
                      for emotion in EMOTION_COLOURS)
    st.markdown(f'<div style="font-size:1.25em;line-height:2">{highlight_html(result.text)}</div>',
                unsafe_allow_html=True)
    st.caption(f"Lexicon hits by emotion: {legend} · **bold**: a negation cue (not in idioms that negate nothing, "
               "as never in 'never been happier') · wavy underline: in its scope, counted apart from plain hits. "
               "Hover a word for its scores. The tweet is shown as the features read it (links and @mentions "
               "removed, camel-case hashtags split).", unsafe_allow_html=True)
    if result.bundled_lexicons:
        st.caption(f"{model.name} does not read the lexicon features; the highlights show the bundled lexicons.")
    elif result.rule_lexicons:
        st.caption(f"{model.name} answers the emotion of the highest score summed over the words highlighted (each "
                   f"one's {' and '.join(result.rule_lexicons)} scores; a negated word is not counted).")
    with st.expander("Lexicon hits, token by token"):
        table = hits_table(result.text)
        if len(table):
            st.dataframe(table, hide_index=True)
        elif result.rule_lexicons:
            st.write(f"No token hits {' or '.join(result.rule_lexicons)} outside a negation.")
        else:
            st.write("No token hits the model's lexicons (NRC, the emoji map, those learned in training: the table "
                     "lists a learned word where its association is strong, and the highlights colour it). VADER's "
                     "valence is read as a group of features, not token by token: the attributions below show what "
                     "it added." if not result.bundled_lexicons else "No token hits the bundled lexicons (NRC, the "
                     "emoji map).")

if result.attributions is None:
    st.caption(f"Feature attributions are shown for the network and the feature baselines; {model.name} "
               "reads the words directly.")
else:
    emotion = st.segmented_control("Features that pushed towards", EMOTIONS, default=strongest, required=True)
    groups = result.attributions.groups[emotion].rename("push")
    if result.image is None and image is None:  # no image: its group pushes nothing, and its row would say so
        groups = groups.drop("image", errors="ignore")
    groups = groups.reset_index()
    st.altair_chart(alt.Chart(groups).mark_bar().encode(
        x=alt.X("push:Q", title=f"push towards {emotion}"), y=alt.Y("group:N", sort="-x", title=None),
        color=alt.condition("datum.push > 0", alt.value(EMOTION_COLOURS[emotion]), alt.value("#999999")),
        tooltip=["group", alt.Tooltip("push:Q", format=".3f")]), width="stretch")
    st.caption(result.attributions.method + ".")
    features = result.attributions.features
    if features is not None:
        top = features.loc[features[emotion].abs().nlargest(12).index]
        st.write(f"The single features that pushed most, towards {emotion} or away from it:")
        # A feature's name begins with its group's ("nrc__…"): no group column, so the table fits a narrow page.
        st.dataframe(top[["value", emotion]].rename(columns={emotion: "push"}),
                     column_config={"value": st.column_config.NumberColumn(
                                        format="%.2f", width="small",
                                        help="standardised: 0 is the training mean, 1 one standard deviation"),
                                    "push": st.column_config.NumberColumn(format="%.3f", width="small")})

if picture is not None and image is not None and "image" in model.modalities:
    st.subheader("The image")
    if result.image is None:
        st.caption("The heat map needs the network's image branch; this model reads the CNN features directly.")
        st.image(picture, width=320)
    else:
        # The reading goes under the pictures, not beside them: its bars keep their width, and in a third of the
        # page they ran past the column's edge, the intensities cut to "0.".
        shown, heat, _ = st.columns([1, 1, 2])
        shown.image(picture, caption="your image", width="stretch")
        drove = result.image.emotion
        absent = not present(result.image.probabilities, result.none_threshold)[EMOTIONS.index(drove)]
        heat.image(result.image.overlay(), width="stretch",
                   caption=f"Grad-CAM: where the CNN's last block drove '{drove}'"
                           + (", the strongest in the image alone, though below the threshold of present" if absent
                              else "")
                           + " (scaled to its own peak: red marks where it drove most, not how strongly; a plain "
                             "picture gets a red spot too)")
        st.write("**The image alone** (the network with the text switched off):")
        scores_table(result.image.probabilities,
                     result.shown_intensities(result.image.probabilities, result.image.intensities))
