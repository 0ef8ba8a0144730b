"""What every page shares: the model picker, models loaded once per process, uploads read once,
and the emotions' and the models' colours."""

from __future__ import annotations

import hashlib
import html
import math
import re
import tempfile
from pathlib import Path

import emoji
import streamlit as st

from app_pages.user_paths import as_in_the_picker
from evaluation.runs import model_choices
from models.registry import DEFAULT_MODEL_DIR, load_model

# One colour per emotion (colour-blind-safe Okabe–Ito hues), on every page.
EMOTION_COLOURS = {"anger": "#D55E00", "fear": "#CC79A7", "joy": "#E69F00", "sadness": "#0072B2"}
# A second cue beside the colour, for a highlighted word and the legend: anger and joy look alike to a reader
# with deuteranopia or protanopia (as, with protanopia, fear and sadness nearly do).
EMOTION_LINES = {"anger": "solid", "fear": "dashed", "joy": "dotted", "sadness": "double"}


def emotion_mark(emotion: str) -> str:
    """The CSS that marks a word of `emotion`: a tint of its colour and an underline of its colour and style."""
    colour = EMOTION_COLOURS[emotion]
    return f"background:{colour}33;border-bottom:3px {EMOTION_LINES[emotion]} {colour}"

# The colours of the models in the charts that tell them apart by colour alone (Compare; the browser test keeps
# them in its screenshots): Vega's default has 10, and the
# shipped eight and three runs of one's own gave two models one colour (the default and the WASSA specialist).
# Vega's "tableau20" in another order: its ten dark colours first, then their light pairs. In its own order each
# dark colour is followed by its light one, so neighbours in the legend shared a hue (the default model and
# `zoo/every_query_word` two blues side by side in the speed chart, `zoo/logreg` and `zoo/text_net` two greens).
_TABLEAU20 = ["#4c78a8", "#9ecae9", "#f58518", "#ffbf79", "#54a24b", "#88d27a", "#b79a20", "#f2cf5b", "#439894",
              "#83bcb6", "#e45756", "#ff9d98", "#79706e", "#bab0ac", "#d67195", "#fcbfd2", "#b279a2", "#d6a5c9",
              "#9e765f", "#d8b5a5"]
MODEL_COLOURS = _TABLEAU20[0::2] + _TABLEAU20[1::2]


def fitted_domain(values, margin: float = 0.1, log: bool = False,
                  within: tuple[float, float] | None = None) -> list[float]:
    """[low, high] of a chart axis fitted to `values`: their range with `margin` of its span added either side (on a
    log axis, of its span in powers of ten), kept `within` bounds if given. Vega's own domain starts at zero and
    rounds out to whole powers of ten or tenths ("nice"): the speed chart's 0 to 0.8 and 1,000 to 100,000 drew
    eight models whose figures lie between 0.47 and 0.73 and 6,605 and 22,088 with four within a dot's width.
    Pass it with `nice=False`. A single value is centred on a span of a tenth of itself (of a power of ten on a
    log axis)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v)) and (not log or float(v) > 0)]
    if not finite:
        raise ValueError("no finite value to fit an axis to" + (" (a log axis needs values above 0)" * log))
    low, high = min(finite), max(finite)
    if log:
        low, high = math.log10(low), math.log10(high)
    pad = margin * (high - low) if high > low else (0.05 if log else abs(high) * 0.05 or 0.05)
    low, high = low - pad, high + pad
    if log:
        low, high = 10 ** low, 10 ** high
    if within is not None:
        low, high = max(low, within[0]), min(high, within[1])
    return [low, high]


def model_stamp(directory: str | Path) -> str:
    """What tells a saved model from another saved later in the same folder (`train --out` replaces a run, a
    deleted run's name is reused): its config.json's SHA-256, which holds every other file's checksum. Whatever
    the pages cache about a model is keyed on the folder and this."""
    from models.store import MAX_TEXT_FILE_BYTES, ModelLoadError, read_model_bytes

    try:
        return hashlib.sha256(read_model_bytes(Path(directory) / "config.json", MAX_TEXT_FILE_BYTES)).hexdigest()
    except (OSError, ModelLoadError):
        return "unreadable"  # loading says why


def folder_stamp(directory: str | Path) -> tuple:
    """Each file of a saved model's folder by name, size and time of change: what is read of the folders once per
    state of them (Compare's table) is keyed on this; `model_stamp` does not change when a weights file does."""
    try:
        return tuple(sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in Path(directory).iterdir()
                            if f.is_file()))
    except OSError:
        return ()


def cached_model(directory: str | Path | None = None):
    """A saved model (default: the shipped one), loaded once per process, folder and `model_stamp`."""
    directory = str(directory or DEFAULT_MODEL_DIR)
    return _loaded_model(directory, model_stamp(directory))


# Models kept loaded at once, shared by every session: the shipped eight and a few runs. Compare's "your data" loads
# every model in turn; without a bound each run (and each version of one) stayed in memory for the server's life
# (8 MB and more each: 1.3 GB grew to 1.7 GB over 50 runs of a team's shared server).
LOADED_MODELS = 12


@st.cache_resource(show_spinner="Loading the model…", max_entries=LOADED_MODELS)
def _loaded_model(directory: str, stamp: str):
    return load_model(directory)


def saved_models_or_stop() -> dict[str, Path]:
    """`model_choices`, or, when there is no saved model, a note that says how to get one (and the page stops)."""
    choices = model_choices()
    if not choices:
        st.info("No saved model: train one on the Train page.")
        st.stop()
    return choices


def show_model_card(where, directory, label: str, note: str | None = None) -> None:
    """The model's MODEL_CARD.md in an expander (its YAML front matter left out), once its checksum matches the one
    in config.json (`models.store.read_card`) and made inert (`inert_markdown`); else one line saying why not.
    The label, a folder's name, is made inert too (a label shows Markdown images). `note`, Markdown of the page's
    own, opens the expander (Compare: where the model stands among the others)."""
    from models.store import ModelLoadError, read_card

    try:
        text = read_card(directory)
    except ModelLoadError as exc:
        why = as_in_the_picker(str(exc), directory)
        where.warning(inert_markdown(f"The model card of {label} is not shown: {why}"))
        return
    if text is None:
        where.caption(inert_markdown(f"{label} has no model card (saved before cards were written; retrain it to get "
                                     f"one)."))
        return
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[-1]
    with where.expander(inert_markdown(f"Model card: {label}")):
        if note:
            st.info(note)
        st.markdown(nested_headings(inert_markdown(text)))


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")


def nested_headings(text: str, below: int = 3) -> str:
    """Markdown whose headings (`# …` outside fenced code) are `below` levels lower, at most 6: a card shown inside
    a page. As written, its `# Model card` was as large as the page's title and its `## Fairness` larger than the
    page's own "Fairness" section (a subheader, level 3), so an open card read as sections of the page."""
    out, fence = [], None
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
        elif fence is not None and opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
            fence = None
        elif fence is None:
            line = _HEADING.sub(lambda m: m.group(1) + "#" * min(6, len(m.group(2)) + below), line)
        out.append(line)
    return "\n".join(out)


# Fenced code blocks and code spans, as CommonMark reads them (near enough: what is in them is shown as written).
_CODE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[`~]*[ \t]*$|\Z)|(`+)[^`].*?(?<!`)\2(?!`)", re.M | re.S)
_HTML_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def inert_markdown(text: str) -> str:
    """Markdown from a model folder made to fetch nothing when shown (docs/security.md, "No network"): every image
    (`![alt](url)`, `![alt][ref]`) is shown as the text it was written as, and outside code every HTML tag too
    (`<img src=...>`). Links stay links: nothing is fetched unless the user follows one."""
    text = text.replace("![", "!\\[")  # code too: what this reads as code, a renderer may not
    out, position = [], 0
    for code in _CODE.finditer(text):
        out += [_HTML_TAG.sub("&lt;", text[position:code.start()]), code.group()]
        position = code.end()
    out.append(_HTML_TAG.sub("&lt;", text[position:]))
    return "".join(out)


def pick_model(where=st, help: str | None = None) -> tuple[str, Path]:
    """The one model picker: (label, directory) of the saved model chosen in `where` (the page or its sidebar)."""
    choices = saved_models_or_stop()
    if st.session_state.get("model") not in choices:  # one chosen on another page, since deleted or renamed
        st.session_state.pop("model", None)
    label = where.selectbox("Model", list(choices), key="model", help=help)  # the same choice on every page
    return label, choices[label]


def session_folder(name: str) -> Path:
    """A fresh temporary folder for this browser session (uploads, unpacked ZIPs). It is deleted with the
    session's state; `name` keeps one folder per purpose, replaced when asked for again."""
    folders = st.session_state.setdefault("_temporary_folders", {})
    if name in folders:
        folders[name].cleanup()
    folders[name] = tempfile.TemporaryDirectory(prefix=f"tweet-emotions-{name}-")
    return Path(folders[name].name)


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def cached_table(data: bytes, name: str):
    """An uploaded CSV/TSV (see `scoring.uploads.read_table_upload`), read once per content."""
    from scoring.uploads import read_table_upload

    with tempfile.TemporaryDirectory() as folder:
        return read_table_upload(data, name, Path(folder))


def unpacked_images(data: bytes, name: str, purpose: str):
    """An uploaded ZIP of images, unpacked once per content into this session's folder for `purpose`; why a file
    is not an image is said with its path inside the ZIP (`user_paths`)."""
    import dataclasses

    from app_pages.user_paths import as_in_the_zip
    from scoring.uploads import unpack_images

    key = hashlib.sha256(data).hexdigest()
    cache = st.session_state.setdefault("_unpacked", {})
    if cache.get(purpose, (None,))[0] != key:
        # The purpose's folder is about to be replaced: forget what it held first, so that an upload refused
        # below (not a ZIP, over a limit) leaves no entry pointing to a deleted folder.
        cache.pop(purpose, None)
        images = unpack_images(data, name, session_folder(purpose))
        not_images = {path: as_in_the_zip(why, images.folder, name) for path, why in images.not_images.items()}
        cache[purpose] = (key, dataclasses.replace(images, not_images=not_images))
    return cache[purpose][1]


def bundled_sample(name: str) -> bytes:
    """A file of data/samples/ (the Batch page's samples), read as package data."""
    from importlib import resources

    return resources.files("data").joinpath("samples", name).read_bytes()


def labelled_upload(upload, zip_upload, purpose: str):
    """A labelled upload (and the ZIP of its images) as `LabelledData`; raises `DataError` with the reason."""
    from scoring.uploads import read_labelled_upload

    images = unpacked_images(zip_upload.getvalue(), zip_upload.name, purpose) if zip_upload else None
    with tempfile.TemporaryDirectory() as folder:
        return read_labelled_upload(upload.getvalue(), upload.name, Path(folder), images)


def model_or_stop(directory) -> object:
    """`cached_model`, or the reason it cannot load shown on the page (and the page stopped there)."""
    from models.store import ModelLoadError

    try:
        return cached_model(str(directory))
    except ModelLoadError as exc:
        st.error(inert_markdown(f"Cannot load this model: {as_in_the_picker(str(exc), directory)}"))
        st.stop()


def highlight_html(explanation) -> str:
    """A `explain.tokens.TextExplanation` as HTML: lexicon hits shaded by emotion (details on hover), negation
    cues in bold, negated words underlined with a wavy line. Every piece of the tweet is HTML-escaped, and its line
    breaks are `<br>`: a blank line ended the HTML block, and Markdown took the lines after it ("# x" a heading, the
    page's own spans shown as text)."""
    from explain.tokens import tooltip

    out, position = [], 0
    text = explanation.normalised
    # A token is one code point; an emoji cut there shows ❤ in black and a loose brown square: a hit that
    # starts an emoji takes its variation selector, skin tone and zero-width-joined parts (❤️, 👍🏽, ❤️‍🔥).
    emoji_ends = {found["match_start"]: found["match_end"] for found in emoji.emoji_list(text)}
    for hit in explanation.tokens:
        if hit.start < position:  # joined into the emoji before it (❤️‍🔥's 🔥): shown with that one
            continue
        out.append(_escaped(text[position:hit.start]))
        position = max(hit.end, emoji_ends.get(hit.start, hit.end))
        token = _escaped(text[hit.start:position])
        style = []
        if hit.emotion:
            style.append(f"{emotion_mark(hit.emotion)};padding:0 2px;border-radius:3px")
        if hit.negated:  # in the text's own colour: #555 was faint on the dark theme
            style.append("text-decoration:underline wavy currentColor")
        if hit.negator and not hit.idiom:  # "never" in "never been happier" negates nothing: not shown as a cue
            style.append("font-weight:bold")
        if style:
            title = html.escape(tooltip(hit)).replace("\n", "&#10;")  # a line break kept, the HTML on one line
            token = f'<span style="{";".join(style)}" title="{title}">{token}</span>'
        out.append(token)
    out.append(_escaped(text[position:]))
    return "".join(out)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _escaped(text: str) -> str:
    """HTML of a piece of a tweet: escaped, each line break a `<br>`, so that the whole stays one line of HTML."""
    return _LINE_BREAK.sub("<br>", html.escape(text))
