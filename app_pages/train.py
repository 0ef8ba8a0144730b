"""Train: pick data, a model and its settings, watch the loss and validation F1 epoch by epoch, stop
when you like; the run is saved under the runs folder and appears on the Compare page."""

import altair as alt
import streamlit as st

from app_pages.shared import inert_markdown, labelled_upload
from app_pages.user_paths import as_in_the_picker
from data import DataError
from data.registry import SOURCES, TRAINING_SETS, training_set
from evaluation.runs import runs_dir
from models.network.config import NetworkSettings
from models.registry import MODELS, is_network
from scoring.uploads import LIMITS
from training.background import TrainingBusy, check_run_name, fresh_run_name, running_job, start_training
from training.run import overlap_note

STOP_LABEL = "Stop training"
LEARNING_RATES = [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1]


@st.cache_resource(show_spinner="Loading the bundled data…", max_entries=2)
def cached_bundled(name: str, seed: int):
    return training_set(name, seed)


def stop_button(job) -> None:
    """Drawn outside the fragment that polls the job. Named "Stop training": while a run or a poll of the curves
    lasts over half a second, Streamlit's header shows a "Stop" of its own, which ends that run, not the training."""
    if job.can_stop:
        st.button(STOP_LABEL, on_click=job.stop, type="primary", help="Ends after the current epoch; the best epoch "
                  "so far is kept, scored and saved.")
    else:
        st.button(STOP_LABEL, disabled=True, help=f"`{job.model_name}` cannot be stopped early: it has no epochs to stop "
                  "between, and its training is one call that cannot be interrupted. The run is scored and "
                  "saved when it is done.")


def show_curves(job, epochs: int | None, members: int = 1) -> None:
    """The job's state and its curves so far (called every second while it runs)."""
    curves = job.curves()
    done = len(curves)
    if job.running:
        if epochs and not done:  # the data read and featurised first: "epoch 0" for half a minute looked stuck
            st.progress(0.0, text="Reading the data and building its features…")
        elif epochs:
            member, epoch = int(curves["member"].iloc[-1]), int(curves["epoch"].iloc[-1])
            st.progress(min(epoch / epochs, 1.0),
                        text=(f"Network {member} of {members}: " if members > 1 else "")
                        + f"epoch {epoch} of at most {epochs} (early stopping may end it sooner)")
        else:
            st.progress(0.0, text="Training… (this model has no epochs to show)")
    if done:
        loss, f1 = st.columns(2)
        x = alt.X("epoch:Q", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(padding=8))  # the last point whole
        loss.altair_chart(alt.Chart(curves, title="Training loss").mark_line(point=True).encode(
            x=x, y=alt.Y("train_loss:Q", title="loss", scale=alt.Scale(zero=True)), detail="member:N",
            tooltip=["member", "epoch", "train_loss"]).interactive(),
            width="stretch")
        f1.altair_chart(alt.Chart(curves, title="Validation F1 (what early stopping watches)").mark_line(
            point=alt.OverlayMarkDef(color="#2ca02c"), color="#2ca02c").encode(
            x=x, y=alt.Y("valid_macro_f1:Q", title="F1", scale=alt.Scale(domain=[0, 1])), detail="member:N",
            tooltip=["member", "epoch", alt.Tooltip("valid_macro_f1:Q", format=".3f")]).interactive(), width="stretch")
        f1.caption("4-way macro-F1 on the validation rows that choose one emotion, presence F1 on those with human "
                   "judgements, their mean where there are both; the run's `valid` figure below scores every row one way, "
                   "as `cli.py evaluate` does, so it differs.")
    if job.status == "failed":
        st.error(inert_markdown(f"Training failed: {as_in_the_picker(job.error, job.out)}"))
    elif not job.running:
        scored = " · ".join(f"`{k}` {v['macro_f1']:.3f}" for k, v in job.metrics.items())
        what, last = "Finished", job.log[-1] if job.log else None
        if job.status == "stopped":
            what = ("Stopped" + (f" after epoch {last['epoch']}" if last else "")
                    + (f" of network {last['member']} of {members}" if last and members > 1 else ""))
        # The kept epoch is the best by validation macro-F1 + intensity Pearson, so its macro-F1 (the `valid`
        # figure below) need not be the highest on the curve: no "best score" is given beside it.
        st.success(f"{what} in {job.seconds:.0f} s" + (" (the epoch kept: the best on validation)" if job.log else "")
                   # named as the model picker names it (evaluation.runs.model_choices), not by the server's path
                   + f". Saved as `runs/{job.out.name}`: it is on the Compare page."
                   + (f"  \nMacro-F1: {scored}" if scored else "")
                   # a Stop clicked while the run was being scored and saved came too late to end it early
                   + ("  \nStop came after training had ended: the run was completed." if job.status == "finished"
                      and job.stop_requested else ""))
        for note in job.notes:
            st.warning(note[0].upper() + note[1:] + ".")


st.title("Train")
st.write("Train a model and watch it learn: the training loss and the validation F1 after every epoch. "
         "Small data and a small network learn in seconds.")

job = st.session_state.get("train_job")
# The server trains one model at a time, whichever page started it: a page reloaded (or another tab) shows that run,
# its curves and its Stop, instead of a form whose Train is refused.
running = running_job()
adopted = running is not None and running is not job
if adopted:
    job = st.session_state["train_job"] = running
    st.session_state["train_epochs"], st.session_state["train_members"] = running.epochs, running.members
    st.session_state["train_notes"], st.session_state["train_adopted"] = [], running.out.name
busy = job is not None and job.running


def show_job(job) -> None:
    st.subheader(f"Run {job.out.name}")
    if st.session_state.get("train_adopted") == job.out.name and job.running:
        st.caption(inert_markdown(f"Training on this server (started before this page was opened or reloaded, here "
                                  f"or in another tab): {job.describe()}. It trains one model at a time; the form "
                                  f"comes back when it ends."))
    for note in st.session_state.get("train_notes", []):  # the encoding detected in an upload, as Batch says it;
        st.caption(inert_markdown(note))  # a validation file sharing rows with the training file
    if job.running:
        stop_button(job)

    @st.fragment(run_every=1.0 if job.running else None)
    def live():
        show_curves(job, st.session_state.get("train_epochs"), st.session_state.get("train_members", 1))
        if not job.running and st.session_state.get("train_polling"):
            st.session_state["train_polling"] = False
            st.rerun(scope="app")  # re-enable the form now that the job is over

    st.session_state["train_polling"] = job.running
    live()


# A run this page did not start: its own form, disabled, would show this page's choices as if they were the run's.
if busy and st.session_state.get("train_adopted") == job.out.name:
    show_job(job)
    st.stop()

source = st.radio("Data", ["Bundled data", "Upload labelled data"], horizontal=True, disabled=busy)
if source == "Bundled data":
    data_name = st.selectbox("Bundled data", list(TRAINING_SETS), format_func=lambda n: f"{n}: {TRAINING_SETS[n]}",
                             disabled=busy, help="Collections of data/ and what each supervises: "
                             + "; ".join(f"{n}: {s.supervises}" for n, s in SOURCES.items()))
    upload = zip_upload = valid_upload = None
else:
    st.caption("A CSV/TSV with a `text` and/or `image` column and a `label` column (anger, fear, joy, sadness, or none) "
               "or the four emotion columns as 0/1; 10% is held out for validation unless you give a validation "
               f"file. Limits: {LIMITS.describe()}.")
    upload = st.file_uploader("Labelled CSV or TSV", type=["csv", "tsv", "txt"], key="train_labelled", disabled=busy)
    zip_upload = st.file_uploader("ZIP of its images (optional)", type=["zip"], key="train_zip", disabled=busy)
    valid_upload = st.file_uploader("Validation CSV or TSV (optional)", type=["csv", "tsv", "txt"], key="train_valid",
                                    disabled=busy,
                                    help="Labelled as the file above (its images in the same ZIP): the run is scored "
                                         "on it, and a network stops early on it. Without it, a tenth of the "
                                         "labelled file is held out.")

names = list(MODELS)
model_name = st.selectbox("Model", names, index=names.index("text_net"), disabled=busy,
                          format_func=lambda n: f"{n}: {MODELS[n].description}")
settings, epochs = {}, None
left, middle, right = st.columns(3)
if is_network(model_name):
    default = NetworkSettings()  # the CLI's defaults too
    settings["hidden"] = left.select_slider("Hidden units per branch", [8, 16, 32, 64, 128, 256], default.hidden,
                                            disabled=busy)
    settings["embed"] = left.select_slider("Embedding size per branch", [4, 8, 16, 32, 64, 128], default.embed,
                                           disabled=busy)
    settings["lr"] = middle.select_slider("Learning rate", LEARNING_RATES, default.lr, disabled=busy)
    epochs = settings["epochs"] = middle.slider("Epochs (at most)", 1, 100, default.epochs, disabled=busy)
    settings["members"] = middle.slider("Networks averaged", 1, 5, default.members, disabled=busy,
                                        help="Trained from seeds seed, seed + 1, …; the model averages them: "
                                             "steadier, for that many times the training.")
else:
    left.caption("This model has no epochs, hidden sizes or learning rate: it trains in one go.")
seed = right.number_input("Seed", 0, 2**31 - 1, 0, disabled=busy)
# A short label: "Score on the bundled test sets when done" was cut off in this third of a 1280-pixel window
# ("Score on test sets" in a 900-pixel one, the sidebar open).
bundled_eval = right.checkbox("Score test sets", True, disabled=busy,
                              help="When training is done, score the run on the bundled test sets (WASSA-2017 test, "
                                   "FER2013 test, GoEmotions and E-c dev, …) and audit its fairness: the columns the "
                                   "Compare page ranks by. Off: only the validation rows are scored, sooner.")
# The proposed name is made once per model and kept: a default that changed every second would make a new widget
# on each rerun, dropping the name the user typed.
run_names = st.session_state.setdefault("run_names", {})
if model_name not in run_names:  # not on every rerun: a fresh name looks the runs folder up
    run_names[model_name] = fresh_run_name(runs_dir(), model_name, {job.out.name} if job is not None else set())
proposed = run_names[model_name]
# A new box (key) for each run started: deleting the old box's key did not do, the browser sent its value (the
# started run's name) back.
box = st.session_state.setdefault("run_name_boxes", {}).get(model_name, 0)
run_name = st.text_input("Run name", proposed, key=f"run_name:{model_name}:{box}", disabled=busy,
                         help="Letters, digits, '-', '_' and '.'; the run is saved under this name in the runs folder.")

if st.button("Train", type="primary", disabled=busy):
    out = runs_dir() / run_name
    notes = []  # what reading an upload found (the encoding it detected), said beside the run
    try:
        check_run_name(run_name)
        if out.exists():
            raise DataError(f"a run named {run_name!r} exists already; choose another name")
        if source == "Bundled data":
            train, valid = cached_bundled(data_name, int(seed))
        elif upload is None:
            raise DataError("upload a labelled file first")
        elif valid_upload is not None:
            train = labelled_upload(upload, zip_upload, "train-images")
            valid = labelled_upload(valid_upload, zip_upload, "train-images")
            notes = train.notes + valid.notes
            if shared := valid.rows_also_in(train):  # as `cli.py train` warns of it
                notes.append(overlap_note(shared, len(valid), f"The validation file {valid_upload.name}",
                                          f"the training file {upload.name}"))
        else:  # `start_training` holds a tenth of it out, once it has checked every row
            train, valid = labelled_upload(upload, zip_upload, "train-images"), None
            notes = train.notes
    except DataError as exc:  # a bad file
        st.error(inert_markdown(str(exc)))  # the file's own words (a URL) are shown, not rendered
    else:
        try:
            job = st.session_state["train_job"] = start_training(model_name, train, valid, out, int(seed),
                                                                 settings, bundled_eval)
        except TrainingBusy as exc:
            st.error(str(exc))
        except ValueError as exc:  # data the model cannot learn from (DataError too; too few rows of an emotion to
            # hold a tenth out), a folder it cannot be saved to: said before any run starts
            st.error(inert_markdown(as_in_the_picker(str(exc), out)))
        else:
            st.session_state["train_epochs"] = epochs
            st.session_state["train_notes"] = notes
            st.session_state["train_members"] = settings.get("members", 1)
            st.session_state["run_names"].pop(model_name)  # the next run gets a name of its own
            st.session_state["run_name_boxes"][model_name] = box + 1
            st.rerun()  # lay the page out again with the form disabled while the job runs

if job is not None:
    show_job(job)
