"""Compare: every saved model in one table, a macro-F1 chart, and two models side by side on one data set."""

import re

import altair as alt
import streamlit as st

from app_pages.shared import (
    MODEL_COLOURS,
    cached_model,
    fitted_domain,
    folder_stamp,
    inert_markdown,
    labelled_upload,
    model_or_stop,
    model_stamp,
    saved_models_or_stop,
    show_model_card,
)
from app_pages.user_paths import as_in_the_picker
from data import DataError
from data.registry import EVALUATION_SETS, evaluation_set
from emotions import EMOTIONS
from evaluation.comparison import (
    QUESTIONS,
    compare_pair,
    comparison_table,
    fairness_long,
    fairness_reports,
    fairness_summary,
    generalisation_long,
    rankings,
    speed_and_quality,
    standings,
    wassa_frontier,
    which_model,
    with_evaluations,
)
from evaluation.metrics import messages_note
from evaluation.runs import AWAY_FROM_WASSA
from models.store import ModelLoadError
from scoring.uploads import LIMITS

UPLOAD = "upload"
HEAT_MAP_MARGIN = 150
# A model per colour, every name in the legend (it showed the first 16): the charts grow with them.
MODEL_COLOUR = alt.Color("name:N", scale=alt.Scale(range=MODEL_COLOURS),
                         legend=alt.Legend(symbolLimit=0, labelLimit=260))
MEASURE_TABS = {"macro_f1": "Macro-F1", "none_f1": "F1 of saying none", "pearson_mean": "Intensity (Pearson r)"}
# How each answer of `which_model` shows its figure: in full, then short (beside the runner-up).
PICK_FIGURES = {"wassa": ("macro-F1 {:.3f} on WASSA-2017 test", "{:.3f}"),
                "away": ("mean macro-F1 {:.3f} over " + ", ".join(f"`{name}`" for name in AWAY_FROM_WASSA), "{:.3f}"),
                "fastest": ("{:,.0f} tweets per second", "{:,.0f}"),
                "fairest": ("mean gaps at most {:.4f} (0 is fair) in the fairness audit: per emotion and attribute, "
                            "the difference the person makes between paired sentences, on average", "{:.4f}"),
                "upload": ("macro-F1 {:.3f} on your data (4-way, over its rows with an emotion; the heat map's "
                           "\"F1 of saying none\" tab says how well it answers none)", "{:.3f}")}
# The upload's figure when its rows carry the four 0/1 emotion columns (several emotions or none per row).
UPLOAD_PRESENCE_FIGURE = ("presence macro-F1 {:.3f} on your data (each emotion found where its probability is at "
                          "least 0.5, over every row, as `evaluate` measures it)")


def code(text: str) -> str:
    """`text` as a Markdown code span, shown as it is: a run's folder name or a value from its files is no
    Markdown, LaTeX or emoji shortcode (the fence is longer than any run of backticks in it)."""
    text = " ".join(str(text).split())
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence} {text} {fence}"


def heat_map(matrix, title: str, names: list[str]) -> alt.LayerChart:
    """One measure of `generalisation_long` as a heat map, a figure in each cell, a row for each of `names` (a model
    without the measure, one that never says none, keeps its row, blank, in every map).

    A row per model, so that the map grows down the page with the number of models and every cell keeps room for
    its figure (with a column per model, 40 models left 15 pixels a cell); one map per measure (in tabs), so that
    at 900 pixels a cell still holds its figure (the 17 columns of all three measures left 18 pixels at that width,
    and the figures ran into each other). No colour legend: the figure is in the cell. Column labels are slanted and
    never thinned out: level, they overlapped, and Vega then drew only every other one. The chart is fitted to its
    height, title and slanted labels included: HEAT_MAP_MARGIN pixels are theirs, 24 each row's."""
    cells = alt.Chart(matrix, title=title).encode(
        y=alt.Y("name:N", title=None, scale=alt.Scale(domain=names), axis=alt.Axis(labelLimit=300, labelOverlap=False)),
        x=alt.X("data_set:N", title=None, sort=list(dict.fromkeys(matrix["data_set"])),
                axis=alt.Axis(labelAngle=-40, labelLimit=200, labelOverlap=False))
    ).properties(height=HEAT_MAP_MARGIN + 24 * len(names))
    return (cells.mark_rect().encode(color=alt.Color("value:Q", scale=alt.Scale(domain=[0, 1], scheme="viridis"),
                                                     legend=None),
                                     tooltip=["name", "data_set", "measure", alt.Tooltip("value:Q", format=".3f")])
            + cells.mark_text(fontSize=11).encode(text=alt.Text("value:Q", format=".2f"),
                                                  color=alt.condition("datum.value > 0.45", alt.value("black"),
                                                                      alt.value("white"))))


def answer_line(key: str, pick, multi_label_upload: bool = False) -> str:
    """One answer of `evaluation.comparison.which_model` as a line of Markdown: the model, its figure, the
    runner-up's, and what else to weigh (`multi_label_upload`: the upload's rows carry the four 0/1 columns)."""
    full, short = PICK_FIGURES[key]
    if key == "upload" and multi_label_upload:
        full = UPLOAD_PRESENCE_FIGURE
    line = f"**{pick.question[0].upper()}{pick.question[1:]}**: {code(pick.name)}"
    if pick.tied:
        line += f" tied with {', '.join(code(name) for name in pick.tied)}"
    line += f", {full.format(pick.figure)}"
    if pick.runner_up is not None:
        line += f" (next: {code(pick.runner_up)} {short.format(pick.runner_up_figure)})"
    if key == "away":
        line += "; best on each: " + ", ".join(f"`{what}` {code(name)} {figure:.3f}" for what, name, figure in pick.notes)
    elif pick.notes:
        line += "; " + ", ".join(f"its mean macro-F1 {what}: {figure:.3f}" if what == "away from WASSA-2017" else
                                 f"and the least fair model: {code(name)} {figure:.4f}" if what == "least fair" else
                                 f"its largest gap in one pair of sentences: {figure:.4f}" if what == "largest gap"
                                 else f"{what}: {figure:.3f}"
                                 for what, name, figure in pick.notes)
    return line + "."


def ordinal(place: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= place % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(place % 10, "th")
    return f"{place}{suffix}"


def standing_note(places) -> str | None:
    """Where a model stands on each question of `which_model` (`evaluation.comparison.standings`), as the first
    line of its card on this page."""
    if not places:
        return None
    return "On this page: " + "; ".join(
        f"{QUESTIONS[key][0]}: {ordinal(place)} of {of} ({PICK_FIGURES[key][1].format(figure)})"
        for key, place, of, figure in places) + "."


def skipped_note(what: str, skipped: dict[str, str]) -> str:
    """One warning for the models left out: how many, and each one's name and why (once, when every one of them
    has the same reason: the data's, say, as when every row is labelled none)."""
    if len(skipped) > 1 and len(set(skipped.values())) == 1:
        return f"{what}, each for the same reason: {code(next(iter(skipped.values())))}"
    return f"{what}:\n\n" + "\n".join(f"- {code(name)}: {code(why)}" for name, why in skipped.items())


@st.cache_resource(show_spinner="Loading the bundled test set…", max_entries=3)
def cached_set(name: str):
    return evaluation_set(name)


# The leading underscore keeps Streamlit from hashing the data; `fingerprint` stands for its content.
# `stamp` (`model_stamp`) tells a model from another saved later in the same folder.
@st.cache_data(show_spinner="Scoring…", max_entries=16)
def predictions(directory: str, stamp: str, fingerprint: str, _data):
    return model_or_stop(directory).predict(_data.texts, _data.images)


@st.cache_data(show_spinner="Evaluating on your data…", max_entries=64)
def evaluation(directory: str, stamp: str, fingerprint: str, _data):
    return cached_model(directory).evaluate(_data)


@st.cache_data(show_spinner=False, max_entries=8)
def cached_comparison(_choices: dict, stamps: tuple):
    """`comparison_table` once per state of the runs' folders (`stamps`), not on every click: it hashes every file a
    model is loaded from, to leave out a run that would not load (33 ms for the shipped models and a few runs; it
    grows with the runs' size, up to the runs folder's quota)."""
    return comparison_table(_choices)


st.title("Compare")
choices = saved_models_or_stop()
compared, skipped = cached_comparison(choices, tuple((name, str(d), folder_stamp(d)) for name, d in choices.items()))
if skipped:  # one run with malformed files is left out, named, and the rest of the page still shows
    st.warning(skipped_note(f"Skipped {len(skipped)} saved model{'s' * (len(skipped) > 1)} whose files cannot be "
                            f"read or say what this page cannot show", skipped))
    choices = {name: directory for name, directory in choices.items() if name not in skipped}
    if not choices:
        st.info("No saved model that this page can show: train one on the Train page.")
        st.stop()

with st.expander("Evaluate on your own labelled data"):
    st.write("A CSV/TSV with a `text` and/or `image` column and a `label` column (anger, fear, joy, sadness, or none), "
             "or the four emotion columns as 0/1; images come from a ZIP whose paths the `image` column names. "
             "Every model is scored on it and the table gains its columns (`upload_…`).")
    st.caption(f"Limits: {LIMITS.describe()}.")
    labelled_file = st.file_uploader("Labelled CSV or TSV", type=["csv", "tsv", "txt"], key="compare_labelled")
    labelled_zip = st.file_uploader("ZIP of its images (optional)", type=["zip"], key="compare_zip")
uploaded, extra = None, {}
if labelled_file is not None:
    try:
        uploaded = labelled_upload(labelled_file, labelled_zip, "compare-images")
    except DataError as exc:
        st.error(str(exc))
if uploaded is not None:
    fingerprint = uploaded.fingerprint()
    unscored = {}
    for name, directory in choices.items():  # a model that cannot load or read this data is named, not fatal
        try:
            extra[name] = evaluation(str(directory), model_stamp(directory), fingerprint, uploaded)
        except (ModelLoadError, DataError) as exc:
            unscored[name] = as_in_the_picker(str(exc), directory)
    st.caption(f"Your data: {len(uploaded):,} row{'s' * (len(uploaded) != 1)} from {labelled_file.name}"
               + (", in the `upload_…` columns." if extra else "; no model could be scored on it."))
    if unscored:
        st.warning(skipped_note(f"Not scored on your data: {len(unscored)} model{'s' * (len(unscored) > 1)}",
                                unscored))
    flagged = {name: result for name, result in extra.items() if result["rows_with_messages"]}
    for name, result in flagged.items():
        st.warning(f"{code(name)}: {messages_note(result)} " + code(result["first_messages"][0]))  # image errors name the file only (features.image)

table = with_evaluations(compared, extra)
reports, unread = fairness_reports(choices)
ranks = rankings(table, reports)  # once: the answers at the top and each card's standing read them
picks = which_model(table, reports, ranks)
if picks:
    st.subheader("Which model for what")
    for key, pick in picks.items():
        st.markdown(f"- {answer_line(key, pick, uploaded is not None and uploaded.multi_label)}")
    st.caption("From the figures below (the heat map, speed against quality, the fairness audit); each model's card, "
               "further down, has its own. Of the other collections, E-c dev and the 64-tweet everyday check are "
               "trained on by no model; GoEmotions dev is the held-out part of a collection most models learned "
               "from. WASSA-2017's labels are the query words its tweets were collected with (#angry, #scared, …), "
               "which readers often disown: a model that learns those words does best there, so read the first "
               "answer with its mean away from WASSA-2017 beside it (and the chart \"WASSA-2017 against the other "
               "collections\" below). For your own tweets, add some of them, labelled, above: they get a line here. "
               "Each speed was measured once, when its model was trained, on a machine whose load moves it: speeds "
               "within a fifth of each other say little, and neither do fairness gaps a thousandth or two apart.")
st.subheader("How each model does on every data set")
matrix = generalisation_long(table)  # not `valid`: each run's own validation rows, other data for every model
measures = [m for m in MEASURE_TABS if m in set(matrix["measure"])]
for tab, measure in zip(st.tabs([MEASURE_TABS[m] for m in measures]) if measures else [], measures):
    tab.altair_chart(heat_map(matrix[matrix["measure"] == measure], MEASURE_TABS[measure], list(table["name"])),
                     width="stretch")
st.caption("Macro-F1: 4-way, each model's most probable emotion of the four, even where it would answer none "
           "(E-c dev: presence of each emotion). F1 of saying none, judged against the rows with "
           "none of the four emotions (GoEmotions' neutral comments, E-c tweets with other emotions only). "
           "Intensity: Pearson's r with the gold intensities. Only WASSA-2017 test is a test split; the others are dev sets and checks "
           "from other collections. A blank cell: the model does not read that data (images), does not say "
           "none, or gives no intensity (trained with too few gold intensities).")
# Here, under the first chart that names the data sets by their keys, not under the table further down.
st.caption("Data sets: " + "; ".join(f"`{name}` {spec.description}" for name, spec in EVALUATION_SETS.items())
           + (f"; `upload` your data ({labelled_file.name})" if extra else "") + ".")

st.subheader("Every saved model")
st.caption(f"{len(choices)} models: " + ", ".join(choices)
           + (f"; {len(skipped)} skipped (see above): " + ", ".join(skipped) if skipped else "")
           + ". `default (shipped)` answers on Predict and Batch unless another is picked; `zoo/…` ship with the "
             "repository (`python cli.py train-zoo`); `runs/…` are your own.")
st.caption("Best first by `away_from_wassa`, the mean macro-F1 on " + ", ".join(f"`{name}`" for name in AWAY_FROM_WASSA)
           + ", then by WASSA-2017 test. Data sets as in the heat map above; `valid`, the last columns, is each run's "
           "own validation data, other rows for every model, so its figures do not compare two models. Click a "
           "header to sort; the table's toolbar downloads it as CSV.")
st.dataframe(table.round(4), hide_index=True, column_config={"name": st.column_config.TextColumn(pinned=True)})

fast = speed_and_quality(table)
if len(fast):
    st.write("**Speed against quality away from WASSA-2017**")  # a chart title here was half hidden by the caption
    # Axes fitted to the models' figures (Vega's own, 1,000 to 100,000 and 0 to 0.8, put four models within a dot's
    # width of each other); the margin keeps the largest dots inside the plot.
    st.altair_chart(alt.Chart(fast).mark_circle().encode(
        x=alt.X("tweets_per_s:Q", title="tweets per second (one process; log scale)",
                scale=alt.Scale(type="log", domain=fitted_domain(fast["tweets_per_s"], log=True), nice=False)),
        y=alt.Y("away:Q", title="mean macro-F1: GoEmotions, E-c, everyday",
                scale=alt.Scale(domain=fitted_domain(fast["away"], within=(0, 1)), zero=False, nice=False)),
        color=MODEL_COLOUR,
        # Two sizes in the legend, the smallest and the largest (Vega's own five or six ran past the chart's foot),
        # and no dot too small to see (the lexicon rule's 0.02 MB was a pixel).
        size=alt.Size("size_mb:Q", title="size (MB)", scale=alt.Scale(range=[40, 600]),
                      legend=alt.Legend(values=sorted({fast["size_mb"].min(), fast["size_mb"].max()}), format=".2~f")),
        tooltip=["name", alt.Tooltip("tweets_per_s:Q", format=",.0f"), alt.Tooltip("away:Q", format=".3f"),
                 alt.Tooltip("wassa_test:Q", format=".3f", title="WASSA-2017 test"), "size_mb"])
        .properties(height=max(320, 200 + 18 * fast["name"].nunique())), width="stretch")  # names + sizes
    st.caption("Speed: the WASSA-2017 test tweets scored in one process when the model was trained (text only; "
               "the batch CLI adds worker processes). Up and right is better.")

frontier = wassa_frontier(table)
if len(frontier) > 1:
    st.write("**WASSA-2017 against the other collections**")  # as a chart title, its top was cut off
    # Axes fitted to the models' figures, as the speed chart's: the WASSA specialist's dot sat on the x axis.
    axes = {"x": alt.X("wassa_test:Q", title="WASSA-2017 test macro-F1",
                       scale=alt.Scale(domain=fitted_domain(frontier["wassa_test"], within=(0, 1)), nice=False)),
            "y": alt.Y("away:Q", title="mean macro-F1: GoEmotions, E-c, everyday",
                       scale=alt.Scale(domain=fitted_domain(frontier["away"], within=(0, 1)), nice=False))}
    line = alt.Chart(frontier[frontier["on_frontier"]]).mark_line(color="gray", strokeDash=[4, 3]).encode(**axes)
    points = alt.Chart(frontier).mark_circle(size=140).encode(
        **axes, color=MODEL_COLOUR,
        tooltip=["name", alt.Tooltip("wassa_test:Q", format=".3f", title="WASSA-2017 test"),
                 alt.Tooltip("away:Q", format=".3f", title="away from WASSA"), "on_frontier"])
    st.altair_chart((line + points).properties(height=max(320, 200 + 18 * frontier["name"].nunique())),
                    width="stretch")
    st.caption("WASSA-2017's labels are the query words its tweets were collected with, whose emotion readers "
               "judged absent in 37–39 % of them: a model that agrees with readers cannot reach 0.80 there "
               "(README, \"How far WASSA's labels can be met while agreeing with readers\"). The dashed line "
               "joins the models no other beats on both: the frontier. For your own tweets, up matters more than "
               "right."
               + ("" if len(frontier) == len(table) else
                  " Not placed (no figure on WASSA-2017 test or on one of the three other sets, e.g. an image "
                  "model): " + ", ".join(code(name) for name in table["name"][~table["name"].isin(frontier["name"])])
                  + "."))

st.subheader("Fairness")
if unread:
    st.warning(skipped_note(f"Not shown: the fairness audit of {len(unread)} model{'s' * (len(unread) > 1)}, which "
                            f"cannot be read", unread))
if not reports and not unread:
    st.caption("No saved model has a fairness audit yet: training runs make one (`python cli.py audit`).")
elif reports:
    st.caption("The Equity Evaluation Corpus (`python cli.py audit`): sentences that differ only in the person. "
               "Mean gap per emotion (bars) between female and male persons and between African-American and "
               "European names; 0 is fair. The table gives the largest gaps, how often the model names the "
               "emotion word's emotion, and the words it names in fewer than half of their sentences (its card "
               "says what it answers instead; blank: none; None: audited before the audit named them, which "
               "`python cli.py audit --model-dir DIR --save` adds).")
    st.dataframe(fairness_summary(reports), hide_index=True)
    # One chart per attribute and score, each as wide as the page and tall enough for every name in its legend: a
    # faceted chart cannot follow the page's width, and at 20 px a bar (4 emotions × every model × 2 scores) it ran
    # far past it, legend and all.
    # Every model in every chart's colour domain: a model with no intensity gaps (trained on labels alone) is
    # missing from the intensity charts, and the colours of the others shifted between charts.
    audited = sorted(reports)
    for (attribute, score), part in fairness_long(reports).groupby(["attribute", "score"], sort=False):
        st.altair_chart(alt.Chart(part, title=f"{attribute}: {part['comparison'].iloc[0]} · {score}").mark_bar()
                        .encode(x=alt.X("emotion:N", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False)),
                                xOffset="name:N",
                                color=alt.Color("name:N", title=None,
                                              scale=alt.Scale(domain=audited, range=MODEL_COLOURS)),
                                y=alt.Y("mean_gap:Q", title=f"mean gap in {score}"),
                                tooltip=["name", "emotion", "score", alt.Tooltip("mean_gap:Q", format="+.4f"),
                                         alt.Tooltip("largest_gap:Q", format=".4f"),
                                         alt.Tooltip("p_value:Q", format=".1e")])
                        .properties(height=max(200, 90 + 18 * len(audited))), width="stretch")
places = standings(table, reports, ranks)
for name, directory in choices.items():
    show_model_card(st, directory, name, standing_note(places.get(name)))

st.subheader("Two models side by side")
if len(choices) < 2:
    st.info("Only one saved model: train another on the Train page to compare two.")
    st.stop()
names = list(choices)
left, right, which = st.columns(3)
for key in ("compare_model_a", "compare_model_b"):  # a model chosen before, since deleted
    if st.session_state.get(key) not in names:
        st.session_state.pop(key, None)
name_a = left.selectbox("Model A", names, key="compare_model_a")
# A key keeps B as chosen when A changes (without one, a new list of options reset it to the first).
if st.session_state.get("compare_model_b") == name_a:
    st.session_state.pop("compare_model_b")
name_b = right.selectbox("Model B", [n for n in names if n != name_a], key="compare_model_b")
sets = {**({UPLOAD: f"your data ({labelled_file.name})"} if uploaded is not None else {}),
        **{name: spec.description for name, spec in EVALUATION_SETS.items()}}
if st.session_state.get("compare_set") not in sets:  # "your data" once its file is gone
    st.session_state.pop("compare_set", None)
if uploaded is not None and st.session_state.get("compare_upload_shown") != uploaded.fingerprint():
    st.session_state["compare_upload_shown"] = uploaded.fingerprint()
    st.session_state["compare_set"] = UPLOAD  # a new upload is the data set shown side by side first
set_name = which.selectbox("Data set", list(sets), format_func=sets.get, key="compare_set",
                           help="Faces take a minute or so the first time: the CNN reads each once, then its "
                                "features are cached.")
data = uploaded if set_name == UPLOAD else cached_set(set_name)
fingerprint = data.fingerprint() if set_name == UPLOAD else set_name
pair = compare_pair(data, {name: predictions(str(choices[name]), model_stamp(choices[name]), fingerprint, data)
                           for name in (name_a, name_b)})
if pair.rows == 0:
    st.warning("The two models have no row of this data set they can both read (one reads text, the other "
               "images?); choose another data set.")
    st.stop()
if pair.multi_label:
    st.caption(f"{pair.rows:,} of {len(data):,} rows scored by both models. A row may carry several emotions or "
               "none: each emotion counts as found where its probability is at least 0.5, over every row, as the "
               "heat map's presence F1 (macro-F1 over the four emotions; accuracy: rows whose four are all right). "
               "The disagreements are the rows where the two find different emotions (at 0.5, as judged: a model "
               "may answer `none` below its own threshold while finding an emotion here), each with its "
               "probability, or `none` with the highest of the four.")
else:
    st.caption(f"{pair.rows:,} of {len(data):,} rows scored by both models; the matrices judge each row on its label "
               "and leave out rows with none of the four; the disagreements include them, with `none`. "
               "Predicted, in the matrices and in precision and recall: the model's most probable emotion of the "
               "four, also where it answers `none` (as the macro-F1 above); the disagreements give its answer, with "
               "its probability (for `none`, the highest of the four).")
# Each model in a colour of its own (by its place among every model's names), A before B.
pair_colour = alt.Color("model:N", title=None, sort=list(pair.names), legend=alt.Legend(labelLimit=260),
                        scale=alt.Scale(domain=list(pair.names),
                                        range=[MODEL_COLOURS[sorted(choices).index(n) % len(MODEL_COLOURS)]
                                               for n in pair.names]))
if not pair.judged:  # an upload labelled none throughout: nothing for the matrices to judge
    st.warning(f"None of the {pair.rows:,} rows both models scored has an emotion of the four (their labels are all "
               "none): no confusion matrices or precision and recall, only where the two disagree.")
elif pair.multi_label:
    for column, name in zip(st.columns(2), pair.names):
        result = pair.results[name]
        column.markdown(f"**{inert_markdown(name)}**: presence macro-F1 {result['macro_f1']:.3f} · accuracy "
                        f"{result['accuracy']:.3f}")
else:
    confusion = pair.confusion_long()
    # Each model's name and figures above its chart, in the page's text colour: as the chart's subtitle (a title
    # of both was cut at 900 pixels) they were black on the dark theme's black. Counts in white on the darker half
    # of the cells (black was unreadable): the scale is named, since the dark theme's default ran light to dark,
    # white on near-white.
    for column, name in zip(st.columns(2), pair.names):
        result = pair.results[name]
        part = confusion[confusion["model"] == name]
        heat = alt.Chart(part).encode(x=alt.X("predicted:N", sort=list(EMOTIONS)),
                                      y=alt.Y("true:N", sort=list(EMOTIONS)))
        column.markdown(f"**{inert_markdown(name)}**: macro-F1 {result['macro_f1']:.3f} · accuracy "
                        f"{result['accuracy']:.3f}")
        column.altair_chart(
            heat.mark_rect().encode(color=alt.Color("count:Q", scale=alt.Scale(scheme="blues"), legend=None),
                                    tooltip=["true", "predicted", "count"])
            + heat.mark_text().encode(text="count:Q", color=alt.condition(
                f"datum.count > {part['count'].max() / 2}", alt.value("white"), alt.value("black"))),
            width="stretch")
if pair.judged:
    # Precision, then recall, each chart as wide as the page with its legend (as the fairness charts): as one
    # chart faceted by measure (a facet cannot follow the page's width), at 900 pixels it ran past the page.
    scores = pair.precision_recall()
    for measure in ("precision", "recall"):
        st.altair_chart(
            alt.Chart(scores, title=f"{measure.capitalize()} per emotion").mark_bar().encode(
                x=alt.X("emotion:N", title=None, axis=alt.Axis(labelAngle=0, labelOverlap=False)),
                xOffset=alt.XOffset("model:N", sort=list(pair.names)),
                y=alt.Y(f"{measure}:Q", title=measure, scale=alt.Scale(domain=[0, 1])), color=pair_colour,
                tooltip=["model", "emotion", alt.Tooltip(f"{measure}:Q", format=".3f")]).properties(height=200),
            width="stretch")

st.markdown(f"**Where they disagree**: {len(pair.disagreements):,} of {pair.rows:,} rows")
# The text no wider than the answers beside it: at 1280 pixels it pushed the label and model B's answer out of view.
st.dataframe(pair.disagreements, hide_index=True,
             column_config={"text": st.column_config.TextColumn(width="medium"),
                            "label": st.column_config.TextColumn(width="small")})
