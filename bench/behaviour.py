"""Behavioural tests of a saved model, CheckList-style (Ribeiro et al. 2020, "Beyond Accuracy"): what it says on
short template tweets, capability by capability.

    python bench/behaviour.py [--model-dir models/default] [--json]

Cases come from the templates and word lists below (everyday words and phrases written for this script, not
read from the NRC lexicons). Three kinds of test, as in CheckList:
- `mft` (minimum functionality): one text and what the model's `emotion` must be (an emotion, `none`, not an
  emotion, one of a few), or an emotion that must be present;
- `inv` (invariance): an original text and a changed one (a URL, a name, a typo ...); the case fails when the
  `emotion` column changes, whatever the original's answer was;
- `dir` (directional): "I'm furious" and "I'm so furious"; the case fails when `intensity_<e>` of the template's
  emotion e drops by more than DIR_TOLERANCE.
`emotion` is the model's own answer (`Prediction.emotions`: the strongest present emotion, `none` below the
model's `none_threshold`). "Present" is the rule of `explain.explanation.present` (probability at or above
`none_threshold`); for a 4-way model, which has no threshold and so would find every emotion present, it is
the emotion it chose. Every text is scored in one `predict` call.

Prints, per capability, its kind, the number of cases and the failure rate, with up to 3 failures (text,
expected, got); with --json one JSON object instead. The last line is `overall_failure_rate=X` (failed cases
over all cases).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from itertools import permutations

import _path  # noqa: F401
import numpy as np

from emotions import EMOTION_INDEX, EMOTIONS, NONE
from models.registry import load_model

# A rise of the intensity is wanted, a fall within this is noise: intensities are printed to 2 decimals.
DIR_TOLERANCE = 0.01
EXAMPLES_SHOWN = 3

# --- word lists ---------------------------------------------------------------------------------------------
# How a person says they feel: "I feel ___", "I'm ___".
FEELINGS = {
    "anger": ["furious", "angry", "mad", "pissed off", "livid", "fuming", "annoyed", "outraged"],
    "fear": ["scared", "terrified", "afraid", "frightened", "nervous", "anxious", "worried", "petrified"],
    "joy": ["happy", "thrilled", "delighted", "overjoyed", "excited", "cheerful", "glad", "ecstatic"],
    "sadness": ["sad", "heartbroken", "depressed", "miserable", "devastated", "gutted", "lonely", "unhappy"],
}
# How a person says a thing makes them feel: "this is so ___".
QUALITIES = {
    "anger": ["infuriating", "outrageous", "annoying", "unacceptable", "disgraceful"],
    "fear": ["terrifying", "scary", "creepy", "frightening", "alarming"],
    "joy": ["wonderful", "amazing", "lovely", "fantastic", "awesome"],
    "sadness": ["sad", "heartbreaking", "depressing", "tragic", "upsetting"],
}
# Whole everyday phrases, no template.
PHRASES = {
    "anger": ["I want to scream at someone right now", "I hate this so much", "Stop lying to me, I'm sick of it",
              "How dare they treat us like this", "Seriously, who does that? Unbelievable. I'm raging"],
    "fear": ["I'm shaking, I heard someone outside my window", "What if something goes wrong tomorrow",
             "My heart is pounding, I'm so scared", "Please let the test results be ok, I'm terrified"],
    "joy": ["Best day ever!", "I got the job!!", "Had the best time with my friends tonight",
            "Finally on holiday, life is good", "We won!! So proud of this team"],
    "sadness": ["I miss her so much", "I cried all night", "My dog died this morning",
                "Nobody came to my birthday", "Feeling so alone tonight"],
}
# Plain facts: no emotion of the four.
NEUTRAL = [
    "The meeting is at 3 pm.", "The train leaves from platform 4.", "I had pasta for lunch.",
    "The store closes at 9 on Sundays.", "My phone battery is at 50 percent.", "The package arrives on Tuesday.",
    "We moved the desk to the other room.", "The bus was on time today.", "The report has twelve pages.",
    "She works at the library downtown.", "The new update is available for download.", "It is 18 degrees outside.",
    "I bought milk and bread.", "The office is on the second floor.", "The game starts at 8.",
    "He parked the car in the garage.", "The form needs a signature.", "Our flight is at 6 in the morning.",
    "The museum opens at 10.", "I'm reading a book about trees.",
]
# Things a feeling can be about; the second word of each gets the typo in the typo test.
TOPICS = ["the meeting", "the results", "the weather", "the neighbours", "the news", "the traffic",
          "the exam", "the election"]
# Given names from many places and both genders; the first is the original the others replace.
NAMES = ["Emily", "Jamal", "Mei", "Santiago", "Aisha", "Dmitri", "Priya", "Kwame", "Ingrid", "Hiroshi",
         "Lakisha", "Connor", "Fatima", "Nguyen", "Olga", "Mohammed"]
NEUTRAL_HASHTAGS = ["#tuesday", "#news", "#london", "#photo"]
EMOJI = {"anger": ["😡", "😠", "🤬"], "fear": ["😱", "😨", "😰"], "joy": ["😂", "😍", "😁"],
         "sadness": ["😭", "😢", "💔"]}
COMPARATIVES = {"anger": ["angrier", "more furious"], "fear": ["more scared", "more terrified"],
                "joy": ["happier", "more excited"], "sadness": ["sadder", "more heartbroken"]}
KEEP_GOING = {"anger": ["swearing", "shouting"], "fear": ["shaking", "worrying"], "joy": ["smiling", "laughing"],
              "sadness": ["crying", "sobbing"]}
LOOKING_FORWARD = ["the weekend", "my holiday", "tonight", "the concert", "Friday", "summer", "to see you"]
# An emotion word in a name or a title, in a plain announcement: no emotion of the four.
TITLES = ["Happy Hour 5-7pm at the bar downtown", "Angry Birds is free on the app store today",
          "Fear Street trailer drops tomorrow", "The Joy Luck Club is on TV tonight at 9",
          "Sad Boys album out now on all platforms", "Rage Against the Machine announce a tour",
          "Panic! at the Disco tickets on sale Friday", "Happy Valley season 3 starts Sunday",
          "The Angry Chef opens a second restaurant on Main Street", "Cry Baby is playing at the cinema this week",
          "Happy Meal toys change every month", "Scary Movie 6 release date announced"]
# Sarcasm: praise that means the opposite; whatever the model answers, not joy.
SARCASM = ["Oh great, another Monday.", "I just love being stuck in traffic for two hours",
           "Fantastic, my flight is delayed again", "Wonderful, the printer jammed. Again.",
           "Yay, more emails to answer at midnight", "Perfect timing, the bus left right as I got there",
           "Thanks a lot for eating my lunch, really appreciate it", "Love it when my phone dies at 2 percent",
           "Best. Weekend. Ever. Spent it doing taxes.", "Awesome, it's raining on my day off"]
# Short replies with no emotion of the four.
REPLIES = ["ok", "okay", "yes", "no", "sure", "k", "got it", "noted", "will do", "on my way", "see you at 5",
           "10 minutes"]


# --- expectations -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    """What an `mft` case asks of the model's answer: `is_` one of these, `not_` this one, or `present` this."""

    is_: tuple[str, ...] = ()
    not_: str | None = None
    present: str | None = None

    def __str__(self) -> str:
        if self.is_:
            return " or ".join(self.is_)
        return f"not {self.not_}" if self.not_ else f"{self.present} present"


@dataclass
class Case:
    text: str
    expect: Expect | None = None  # mft
    original: str | None = None  # inv and dir: the text `text` was changed from
    emotion: str | None = None  # dir: whose intensity must not drop


@dataclass
class Capability:
    name: str
    kind: str  # "mft", "inv" or "dir"
    cases: list[Case] = field(default_factory=list)


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _elongated(word: str) -> str:
    return word + word[-1] * 2


def _typo(word: str) -> str:
    """Two letters in the middle of the word swapped, as a fast thumb does: "meeting" → "meeitng"."""
    i = len(word) // 2
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _emotional_tweets() -> list[tuple[str, str]]:
    """(text, emotion) a few per emotion, the originals of the invariance tests."""
    out = []
    for emotion, words in FEELINGS.items():
        for k, word in enumerate(words[:4]):
            out.append((f"I'm so {word} about {TOPICS[(k + EMOTIONS.index(emotion)) % len(TOPICS)]}", emotion))
    return out


def build_capabilities() -> list[Capability]:
    caps: list[Capability] = []

    # Minimum functionality: plain statements of each emotion, and plain facts.
    for emotion in EMOTIONS:
        cases = [Case(text, Expect(is_=(emotion,)))
                 for word in FEELINGS[emotion]
                 for text in (f"I feel {word}", f"I'm {word} right now", f"Honestly so {word} today")]
        cases += [Case(text, Expect(is_=(emotion,)))
                  for word in QUALITIES[emotion] for text in (f"this is so {word}", f"That was {word}.")]
        cases += [Case(text, Expect(is_=(emotion,))) for text in PHRASES[emotion]]
        caps.append(Capability(f"statement -> {emotion}", "mft", cases))
    caps.append(Capability("neutral fact -> none", "mft", [Case(text, Expect(is_=(NONE,))) for text in NEUTRAL]))
    caps.append(Capability("short reply -> none", "mft", [Case(text, Expect(is_=(NONE,))) for text in REPLIES]))
    caps.append(Capability("emotion word in a name or title -> none", "mft",
                           [Case(text, Expect(is_=(NONE,))) for text in TITLES]))
    caps.append(Capability("sarcasm -> not joy", "mft", [Case(text, Expect(not_="joy")) for text in SARCASM]))

    # Negation of the emotion word.
    cases = [Case(text, Expect(not_=emotion))
             for emotion in EMOTIONS for word in FEELINGS[emotion][:4]
             for text in (f"I'm not {word}", f"I don't feel {word} anymore", f"I am not {word} at all",
                          f"No longer {word} about it")]
    caps.append(Capability("negation -> not the emotion", "mft", cases))

    # Negation words in idioms that keep, or strengthen, the emotion.
    cases = []
    for emotion in EMOTIONS:
        for word in COMPARATIVES[emotion]:
            cases += [Case(text, Expect(is_=(emotion,)))
                      for text in (f"I've never been {word}", f"I couldn't be {word}", f"Never been {word} in my life")]
        cases += [Case(f"I can't stop {verb}", Expect(is_=(emotion,))) for verb in KEEP_GOING[emotion]]
    cases += [Case(f"can't wait for {thing}" if not thing.startswith("to ") else f"can't wait {thing}",
                   Expect(is_=("joy", NONE))) for thing in LOOKING_FORWARD]
    cases += [Case(text, Expect(is_=("joy",))) for text in (
        "no doubt the best day ever", "Nothing makes me happier than this", "not gonna lie I'm thrilled",
        "I don't think I've ever been this happy", "No way, I got the job!!")]
    caps.append(Capability("negation idiom -> emotion kept", "mft", cases))

    # Intensifiers, elongation, capitals and punctuation: the answer stays.
    cases = []
    for emotion in EMOTIONS:
        for word in (w for w in FEELINGS[emotion] if " " not in w):
            original = f"I'm so {word}"
            for changed in (f"I'm SOOO {_elongated(word).upper()}!!!", f"I'm soooo {_elongated(word)}",
                            f"I'M SO {word.upper()}", f"I'm so {word}!!!"):
                cases.append(Case(changed, original=original))
    caps.append(Capability("caps / elongation / !!! -> same", "inv", cases))

    # Irrelevant changes: the answer stays.
    originals = _emotional_tweets() + [(text, NONE) for text in NEUTRAL[:8]]
    caps.append(Capability("add URL -> same", "inv",
                           [Case(f"{text} https://t.co/x7Qm2b", original=text) for text, _ in originals]))
    caps.append(Capability("add @mention -> same", "inv",
                           [Case(f"@sam_r {text}", original=text) for text, _ in originals]))
    caps.append(Capability("add neutral hashtag -> same", "inv",
                           [Case(f"{text} {NEUTRAL_HASHTAGS[i % len(NEUTRAL_HASHTAGS)]}", original=text)
                            for i, (text, _) in enumerate(originals)]))
    name_templates = [f"{{}} just told me the news and I'm {FEELINGS[e][0]}" for e in EMOTIONS] + [
        "{} made me so happy today", "{} yelled at me again, I'm so angry", "{} is scared of the dark",
        "{} moved away and I miss them", "Dinner with {} on Friday", "{} is at the office until 6"]
    caps.append(Capability("swap name -> same", "inv",
                           [Case(template.format(name), original=template.format(NAMES[0]))
                            for template in name_templates for name in NAMES[1:]]))
    cases = []
    for text, _ in originals:
        topic = next((t for t in TOPICS if t in text), None)
        word = topic.split()[1] if topic else max(text.rstrip(".").split()[1:], key=len)
        cases.append(Case(text.replace(word, _typo(word), 1), original=text))
    caps.append(Capability("typo in a non-emotion word -> same", "inv", cases))

    # Emoji, alone and after a plain fact.
    caps.append(Capability("emoji alone -> its emotion", "mft",
                           [Case(text, Expect(is_=(emotion,))) for emotion in EMOTIONS for e in EMOJI[emotion]
                            for text in (e, e * 2)]))
    caps.append(Capability("fact + emoji -> its emotion", "mft",
                           [Case(f"{NEUTRAL[i].rstrip('.')} {e}", Expect(is_=(emotion,)))
                            for emotion in EMOTIONS for k, e in enumerate(EMOJI[emotion])
                            for i in (k, k + 5, k + 10)]))

    # Directional: an intensifier does not lower the emotion's intensity.
    cases = []
    for emotion in EMOTIONS:
        for word in FEELINGS[emotion][:5]:
            for adverb in ("so", "very"):
                cases.append(Case(f"I'm {adverb} {word}", original=f"I'm {word}", emotion=emotion))
        for word in QUALITIES[emotion][:3]:
            for adverb in ("so", "very"):
                cases.append(Case(f"this is {adverb} {word}", original=f"this is {word}", emotion=emotion))
    caps.append(Capability("add so/very -> intensity not lower", "dir", cases))

    # Contrast: the feeling after "but now" is present.
    cases = []
    for before, after in permutations(EMOTIONS, 2):
        for k in range(2):
            first, then = FEELINGS[before][k], FEELINGS[after][k]
            cases += [Case(f"I was {first} at first but now I'm {then}", Expect(present=after)),
                      Case(f"{_cap(first)} this morning, but now I'm {then}", Expect(present=after))]
    caps.append(Capability("contrast 'X but now Y' -> Y present", "mft", cases))
    return caps


# --- running ------------------------------------------------------------------------------------------------

def _present(probabilities: np.ndarray, answer: str, emotion: str, none_threshold: float | None) -> bool:
    if none_threshold is None:  # a 4-way model: present is what it chose
        return answer == emotion
    return bool(probabilities[EMOTION_INDEX[emotion]] >= none_threshold)


def spread(failures: list, k: int = EXAMPLES_SHOWN) -> list:
    """Up to k failures evenly spaced over the list: the cases are generated emotion by emotion, template by
    template, so the first k would often show one word k times."""
    if len(failures) <= k:
        return failures
    return [failures[i * len(failures) // k] for i in range(k)]


def run(model, capabilities: list[Capability]) -> dict:
    """Scores every text of every case in one `predict` call; the report as a JSON-ready dict."""
    texts = sorted({t for cap in capabilities for case in cap.cases for t in (case.text, case.original) if t})
    prediction = model.predict(texts, [None] * len(texts))
    row = {text: i for i, text in enumerate(texts)}
    answers = prediction.emotions
    threshold = model.none_threshold

    def answer(text):
        return answers[row[text]]

    report = []
    for cap in capabilities:
        failures = []
        for case in cap.cases:
            got = answer(case.text)
            if cap.kind == "mft":
                e = case.expect
                if e.present:
                    probs = prediction.probabilities[row[case.text]]
                    ok = _present(probs, got, e.present, threshold)
                    shown = f"{got} ({e.present} {probs[EMOTION_INDEX[e.present]]:.2f})"
                else:
                    ok = got in e.is_ if e.is_ else got != e.not_
                    shown = got
                if not ok:
                    failures.append({"text": case.text, "expected": str(e), "got": shown})
            elif cap.kind == "inv":
                before = answer(case.original)
                if got != before:
                    failures.append({"text": case.text, "expected": f"{before}, as for {case.original!r}",
                                     "got": got})
            else:
                j = EMOTION_INDEX[case.emotion]
                before = prediction.intensities[row[case.original], j]
                after = prediction.intensities[row[case.text], j]
                if not after >= before - DIR_TOLERANCE:
                    failures.append({"text": case.text,
                                     "expected": f"intensity_{case.emotion} >= {before:.2f}, that of {case.original!r}",
                                     "got": f"{after:.2f}"})
        n = len(cap.cases)
        report.append({"name": cap.name, "kind": cap.kind, "cases": n, "failures": len(failures),
                       "failure_rate": len(failures) / n if n else 0.0, "examples": spread(failures)})
    cases = sum(c["cases"] for c in report)
    failed = sum(c["failures"] for c in report)
    return {"capabilities": report, "cases": cases, "failures": failed,
            "mean_capability_failure_rate": float(np.mean([c["failure_rate"] for c in report])) if report else 0.0,
            "overall_failure_rate": failed / cases if cases else 0.0}


def format_report(report: dict) -> str:
    lines = [f"model: {report.get('model_dir', '?')}  ({report['cases']} cases, {report.get('texts', '?')} distinct "
             f"texts, {report.get('seconds', float('nan')):.1f} s)"]
    for cap in report["capabilities"]:
        lines.append(f"{cap['name']:<40} {cap['kind']:<4} {cap['cases']:>4} cases  "
                     f"failure rate {cap['failure_rate']:.3f} ({cap['failures']})")
        for ex in cap["examples"]:
            lines.append(f"    {ex['text']!r}  expected {ex['expected']}, got {ex['got']}")
    lines.append(f"mean failure rate over {len(report['capabilities'])} capabilities "
                 f"{report['mean_capability_failure_rate']:.3f}; {report['failures']} of {report['cases']} cases failed")
    lines.append(f"overall_failure_rate={report['overall_failure_rate']:.3f}")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=None, help="a saved model folder (default: the shipped default model)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    model = load_model(args.model_dir)
    capabilities = build_capabilities()
    report = run(model, capabilities)
    report["model_dir"] = args.model_dir or "models/default"
    report["texts"] = len({t for cap in capabilities for case in cap.cases for t in (case.text, case.original) if t})
    report["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))


if __name__ == "__main__":
    main()
