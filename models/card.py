"""`MODEL_CARD.md` of a saved model (the Hugging Face convention: YAML front matter, then sections), written
from what the model directory holds: its config, its evaluation figures and its fairness audit."""

from __future__ import annotations

from pathlib import Path

from data.registry import EVALUATION_SETS, SOURCES
from emotions import EMOTIONS
from models import store

# How a run's `train_source` names the bundled collections → their registry names (the whole part first, then the
# collection before its "/").
_SOURCE_NAMES = {"wassa2017": "wassa", "relabels": "relabels", "wassa_agreed": "wassa_agreed", "goemotions": "goemotions",
                 "fer2013": "fer", "fer2013/train_sample": "fer_sample"}

# A limit only of a model that reads images.
IMAGE_LIMIT = ("The bundled data has no tweet with an image: the fusion of text and image was trained on tweets alone, "
               "faces alone and random same-label pairs; FER2013 faces are 48x48 greyscale, unlike tweet photos. A "
               "photo that is not a face lies outside what the image branch learned and would be read as confidently "
               "as a face: an image whose standardised CNN features spread beyond 1.25 times the widest of the "
               "training images' (`image_spread_limit_`) is still scored, with a note in its row's `error`, but a "
               "grey photo shrunk to 48x48, or noise, passes unnoticed (README, Image features). Give images of "
               "faces.")
WASSA_LABELS = ("WASSA-2017's labels are the query words its tweets were collected with (#angry, #scared, ...), not "
                "what readers perceive")
# Sources of human judgements of which emotions a text carries.
JUDGED = {"relabels", "wassa_agreed", "goemotions"}
LIMITS = [
    WASSA_LABELS,
    "English only; tweets and Reddit comments. Other registers (news, reviews, other languages) are untested.",
    "Four emotions only (anger, fear, joy, sadness); `none` means none of these four, not a neutral tweet.",
    "A collection unlike every training source costs about 0.06-0.17 in macro-F1 or none F1 on its own texts "
    "(README, \"Leave one collection out\"); trained without WASSA-2017's gold intensities, a model gives no "
    "intensity.",
    IMAGE_LIMIT,
]
# A limit of a text model that learns from labels: what the human-judged collections teach about denial.
NEGATION_LIMIT = ("A denied emotion (\"I'm not angry at all\") is often read as that emotion: in the human-judged "
                  "collections (GoEmotions, the WASSA-2017 relabels, SemEval-2018 E-c) a text with a negated anger word "
                  "is judged angry more often than their other texts (README, Benchmarks: bench/negated_words.py).")
# A limit of every model that reads text: words are read for what they mean alone.
LITERAL_LIMIT = ("Words are read for what they usually mean, whatever their case or their neighbours: an emotion word "
                 "in a name or a title (\"Happy Hour 5-7pm\", \"Angry Birds\", \"Fear Street trailer\") is read as that "
                 "emotion, and sarcasm (\"Oh great, another Monday.\") as what it says (README, Benchmarks: "
                 "bench/behaviour.py).")
# A limit of a model that learns from GoEmotions: what its Ekman grouping files under joy.
GOEMOTIONS_JOY = ("GoEmotions' Ekman grouping files approval, gratitude, admiration, caring, desire and optimism under "
                  "joy, and this model learned from it: thanks, agreement and polite requests (\"thanks\", \"ok\", "
                  "\"yes\", \"Can someone recommend a good plumber?\") can be read as joy.")
PERSONS_SKIPPED = ("Persons: pronouns, gendered nouns and first names (1990 US Census list) are not read as emotion "
                   "evidence; names outside that list still are.")
PERSONS_READ = ("Persons: it reads every word as an n-gram, pronouns, gendered nouns and names too, so two tweets "
                "that differ only in the person (\"she\" or \"he\", one name or another) can score differently "
                "(Fairness above); the project's other text models do not read such words.")


def _sources(train_source: str) -> list[tuple[str, str, str]]:
    """(name, description, terms) of each collection the run was trained on."""
    found = []
    for part in str(train_source).split("+"):
        name = _SOURCE_NAMES.get(part) or _SOURCE_NAMES.get(part.split("/")[0])
        source = SOURCES.get(name) if name else None
        found.append((name, source.description, source.terms) if source else
                     (part, "the user's own data", "the user's own terms"))
    return found


def _wassa_limit(sources: list[tuple[str, str, str]], learns: bool = True) -> str:
    """What WASSA-2017's query-word labels mean for this model, by what it was trained on (`learns`: whether it
    learns from its labels more than a fallback)."""
    names = {name for name, _, _ in sources}
    if not learns:
        return (f"{WASSA_LABELS}: this model learns nothing from its training data but the emotion it answers when "
                f"no lexicon word is found (the most frequent), so those words do not shape it; its figures on "
                f"WASSA-2017 test measure agreement with them.")
    if not names & {"wassa", "wassa_agreed"}:
        return f"{WASSA_LABELS}: its figures on WASSA-2017 test measure agreement with those words."
    if "wassa" in names and names & JUDGED:
        return (f"{WASSA_LABELS}: this model keeps every tweet's query word as its label (`wassa`), even where "
                f"readers found its emotion absent, beside human judgements ({', '.join(sorted(names & JUDGED))}): "
                f"it agrees with WASSA-2017's labels more than a model taught only the query words readers agree "
                f"with (`wassa_agreed`, as the default model is), and with readers of other collections less.")
    if names & JUDGED:
        return (f"{WASSA_LABELS}: a model trained on them learns those words, so this one was also trained on "
                f"human judgements ({', '.join(sorted(names & JUDGED))}).")
    return (f"{WASSA_LABELS}: this model was trained on them and no human judgement, so it reads those words more "
            f"than emotion and does far worse on other collections (README, \"The model zoo\"); the default model "
            f"adds human judgements.")


def _figure(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _outputs(config: dict) -> str:
    """What the model's scored columns mean; the intensities only of the emotions it gives one for (`no_intensity`
    in its config: those it was trained with too few gold intensities of, which score as empty cells)."""
    if config.get("outputs") == "presence":
        line = ("independent presence probabilities `prob_<e>` (two can be high), `emotion` = the strongest present "
                f"emotion or `none` below {config.get('none_threshold')}"
                + (f" ({config['none_threshold_note']})" if config.get("none_threshold_note") else "") + ", ")
        intensity = "`intensity_<e>` = P(present) × strength, near 0 for an absent emotion."
    else:
        line = "a 4-way choice: `prob_<e>` sum to 1, `emotion` is the largest, "
        intensity = "`intensity_<e>` is the strength of each."
    missing = [e for e in EMOTIONS if e in config.get("no_intensity", [])]
    why = "its training data had too few gold intensities to learn one from"
    if len(missing) == len(EMOTIONS):
        return line + f"and no intensity: every `intensity_<e>` is empty ({why})."
    if missing:
        columns = ", ".join(f"`intensity_{e}`" for e in missing)
        return line + intensity + f" None for {' or '.join(missing)}: {columns} empty ({why})."
    return line + intensity


def _percent(share: float, below_half: bool = False) -> str:
    """A share as a whole percentage; one below half (`below_half`) is never rounded up to 50 %."""
    value = round(share * 100)
    return f"{min(value, 49) if below_half else value} %"


def _misread_words(fairness: dict) -> list[str]:
    """The card's lines on the emotion words the model misreads (`misread_words` of the audit); none for an audit
    saved before it reported them."""
    if "misread_words" not in fairness:
        return []
    words = fairness["misread_words"]
    if not words:
        return ["", "Emotion words it misreads: none (it names every word's emotion in at least half of its "
                "sentences)."]
    lines = ["", "Emotion words it misreads (named as their emotion in the corpus in fewer than half of their "
             "sentences), worst first:", "", "| word | its emotion | named it in | most common other answer |",
             "|---|---|---|---|"]
    for item in words:
        answer = item["answer"] or "no answer"
        lines.append(f"| {item['word']} | {item['emotion']} | {_percent(item['named'], below_half=True)} of "
                     f"{item['sentences']} | {answer} ({_percent(item['answer_share'])}) |")
    return lines


def _rows(result: dict) -> str:
    """An evaluation's rows as the card gives them: all it scored, and those with none of the four emotions. Its `n`
    leaves those out of single-label data (its 4-way figures are over the others) and counts them in multi-label
    data (one 2×2 confusion matrix per emotion)."""
    n, none = result.get("n"), result.get("none_rows")
    if not isinstance(n, int):
        return "–"
    if not isinstance(none, int) or not none:
        return f"{n:,}"
    total = n if isinstance(result.get("confusion_matrix"), dict) else n + none
    return f"{total:,} ({none:,} with none)"


def _stopped(stopped: dict) -> list[str]:
    """The card's line on a training stopped by hand (the Train page's Stop), from config.json's record of it."""
    if not stopped:
        return []
    networks, trained = "", stopped.get("networks")
    if stopped.get("of_networks", 1) != 1:
        model = "is that network alone" if trained == 1 else f"averages the {trained} trained"
        networks = f", in network {trained} of {stopped.get('of_networks')} (the model {model})"
    return [f"- **Stopped by hand** after epoch {stopped.get('epoch')} of at most {stopped.get('of_epochs')}"
            f"{networks}: the weights are those of the epoch best on the validation rows until then."]


def _trained_on(sources: list[tuple[str, str, str]]) -> str:
    """What the title adds to the model's name, so that two models of one kind have two titles: the collections
    it was trained on ("fused_net on wassa_agreed + goemotions + fer")."""
    names = [name for name, _, _ in sources if name]
    return f" on {' + '.join(names)}" if names else ""


def _model_class(name):
    """The registered class of a model name; None for a name this version does not know."""
    from models.registry import model_class

    try:
        return model_class(name)
    except ValueError:
        return None


def _versions(versions) -> str:
    """config.json's package versions as the card lists them; a value of another shape (an edited file: the audit
    rewrites the card of a folder that loads) as it is."""
    if isinstance(versions, dict):
        return ", ".join(f"{k} {v}" for k, v in versions.items())
    return "not recorded" if versions is None else store.shown_value(versions)


def model_card(config: dict, metrics: dict, fairness: dict) -> str:
    """The card's Markdown."""
    name = config.get("model", "?")
    cls = _model_class(name)
    settings = config.get("settings", {})
    sources = _sources(config.get("train_source", ""))
    stopped = config.get("stopped_by_hand") if isinstance(config.get("stopped_by_hand"), dict) else {}
    networks = stopped.get("networks", settings.get("members", 1))  # a run stopped by hand may have fewer
    lines = ["---", "language: en", "license: other", "tags: [emotion-classification, tweets, anger, fear, joy, sadness]",
             f"model_name: {name}", "---", "", f"# Model card: `{name}`{_trained_on(sources)}", "",
             "## Model details", "",
             f"- **Model**: `{name}`{f', {cls.description}' if cls else ''}; reads "
             f"{' and '.join(config.get('modalities', []))}.",
             f"- **Outputs**: {_outputs(config)}",
             *([f"- **Calibration**: after training, each emotion's logit was shifted by "
                f"{', '.join(f'{e} {-o:+.2f}' for e, o in zip(EMOTIONS, config['presence_offsets']))} "
                "(`presence_calibration` × its F1-best threshold on the validation rows)."]
               if config.get("presence_offsets") else []),
             *([f"- **Networks**: {networks}, trained from seeds {config.get('seed')}, "
                f"{config.get('seed', 0) + 1}, … on the same features; their logits and intensities are averaged."]
               if networks > 1 else []),
             f"- **Emotions**: {', '.join(config.get('emotions', EMOTIONS))}.",
             f"- **Settings**: `{settings}`.",
             f"- **Trained**: seed {config.get('seed')}, {config.get('train_rows')} rows, "
             f"{config.get('train_seconds')} s; data fingerprint `{str(config.get('train_fingerprint', ''))[:16]}`.",
             *_stopped(stopped),
             *([f"- **Speed**: {config['tweets_per_s']:,} tweets/s, text only (the WASSA-2017 test tweets scored in "
                f"one process when it was trained, the fastest of three runs; the machine's load moves it)."]
               if isinstance(config.get("tweets_per_s"), int) else []),
             f"- **Versions**: {_versions(config.get('versions'))}.",
             "", "## Intended use", "",
             "Scoring the emotions of English tweets, one at a time (dashboard) or in batches (`python cli.py score "
             "--model-dir DIR`), and comparing models. Not for decisions about a person: the outputs are estimates "
             "with the errors below.", "",
             "## Training data", "", "| collection | what it is | terms |", "|---|---|---|"]
    lines += [f"| `{source}` | {description} | {terms} |" for source, description, terms in sources]
    lines += ["", "## Evaluation", "",
              "Every figure measured when the model was trained (`metrics.json`); macro-F1 over the four emotions "
              "(presence F1 where the set has human multi-labels). Rows: the set's rows it scored (a row it cannot "
              "read, such as a wordless tweet, is left out), with how many have none of the four emotions; a 4-way macro-F1 "
              "is over the others, the none F1 over all.", "",
              "| set | what it is | rows | macro-F1 | none F1 | intensity Pearson |", "|---|---|---|---|---|---|"]
    for set_name, result in metrics.items():
        what = EVALUATION_SETS[set_name].description if set_name in EVALUATION_SETS else "validation rows"
        lines.append(f"| `{set_name}` | {what} | {_rows(result)} | {_figure(result.get('macro_f1'))} | "
                     f"{_figure(result.get('none_f1'))} | {_figure(result.get('pearson_mean'))} |")
    lines += ["", "## Fairness", ""]
    if fairness:
        lines += ["`python cli.py audit --model-dir DIR` on the Equity Evaluation Corpus: per emotion, mean / largest "
                  "gap between sentences that differ only in the person (`fairness.json` has the p-values). "
                  f"Emotion-word accuracy: {fairness['emotion_word_accuracy']:.3f}.", "",
                  "| attribute | score | " + " | ".join(EMOTIONS) + " |", "|---|---|" + "---|" * len(EMOTIONS)]
        for attribute in ("gender", "race"):
            part = fairness[attribute]
            for kind in ("probability", "intensity"):
                cells = [f"{part[e][kind]['mean_gap']:+.3f} / {part[e][kind]['largest_gap']:.3f}"
                         if kind in part.get(e, {}) else "–" for e in EMOTIONS]
                lines.append(f"| {part['comparison']} | {kind} | " + " | ".join(cells) + " |")
        lines += _misread_words(fairness)
    else:
        lines.append("Not audited (the model reads no text, or it was trained without the bundled evaluation).")
    limits = [_wassa_limit(sources, cls.learns_from_labels if cls else True) if limit is WASSA_LABELS else limit
              for limit in LIMITS if limit is not IMAGE_LIMIT or "image" in config.get("modalities", [])]
    if "text" in config.get("modalities", []):
        limits.append(PERSONS_READ if cls and not cls.skips_person_words else PERSONS_SKIPPED)
        if cls is None or cls.learns_from_labels:
            limits.append(NEGATION_LIMIT)
            if "goemotions" in {name for name, _, _ in sources}:
                limits.append(GOEMOTIONS_JOY)
        limits.append(LITERAL_LIMIT)
    if config.get("emotions_unseen"):
        unseen = config["emotions_unseen"]
        limits.insert(0, f"Its training data had no example of {' or '.join(unseen)}: it may never say "
                         f"{'them' if len(unseen) > 1 else 'it'}.")
    lines += ["", "## Known limits", ""] + [f"- {limit}" for limit in limits] + [""]
    return "\n".join(lines)


def rewrite_card(directory: str | Path, fairness: dict | None = None, audited: dict | None = None) -> Path:
    """Writes a saved model's `MODEL_CARD.md` again from what its folder holds (config, metrics, fairness audit),
    and the card's new checksum into `config.json`; no other file is touched, so the weights stay as they are.
    For a card written by an older version of this module, or a config corrected by hand. With `fairness` (a new
    audit, as `python cli.py audit --save` makes it), that audit replaces `fairness.json`, its checksum goes into
    `config.json` too, and the card is written from it. The folder must pass its checksums first; the files are
    replaced in a copy of the folder that then takes its place (`store.rewrite_folder`), so that a stop leaves
    the folder whole, old or new. One rewrite at a time per
    folder (`store.folder_lock`): two at once each wrote their files in turn, and config.json could end with the
    checksum of the other's fairness.json. `audited`: the folder's `store.model_files` when the audit was made; a
    folder whose model has changed since (another model saved there) is refused rather than given that audit."""
    directory = Path(directory)
    from models.registry import saved_model_class

    with store.folder_lock(directory):
        config = store.read_config(directory)
        saved_model_class(directory, config).check_folder(directory, config)  # within the limits of its model's files (the weights' are its own)
        if audited is not None and store.model_files(config) != audited:
            raise store.ModelLoadError(f"{directory}: another model was saved here since it was audited; audit it "
                                       f"again")
        described = {k: v for k, v in config.items() if k not in ("files", "format")}  # as `save` hands it to the card
        audit = store.read_json(directory / store.FAIRNESS_FILE, {}) if fairness is None else fairness
        card = model_card(described, store.read_json(directory / "metrics.json", {}), audit)

        def update(copy: Path) -> None:
            if fairness is not None:
                store.replace_file(copy / store.FAIRNESS_FILE, lambda path: store.write_json(path, fairness))
                config["files"][store.FAIRNESS_FILE] = store.sha256_file(copy / store.FAIRNESS_FILE)
            store.replace_file(copy / store.CARD_FILE, lambda path: path.write_text(card, encoding="utf-8"))
            config["files"][store.CARD_FILE] = store.sha256_file(copy / store.CARD_FILE)
            store.replace_file(copy / "config.json", lambda path: store.write_json(path, config))

        store.rewrite_folder(directory, update)
    return directory / store.CARD_FILE
