"""What the pages share: the highlighted tweet, the model card."""

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.shared import fitted_domain, highlight_html, inert_markdown, nested_headings
from explain.tokens import explain_text
from models.store import sha256_file

ROOT = Path(__file__).resolve().parents[2]


def test_highlighted_html_escapes_the_tweet():
    html = highlight_html(explain_text('<script>alert("x")</script> so happy'))
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<span style="background:#E69F0033' in html and ">happy</span>" in html


def test_a_highlighted_tweet_stays_one_line_of_html_whatever_its_line_breaks():
    """After a blank line the HTML block ended: "# HUGE" became a heading and the page's spans showed as text."""
    html = highlight_html(explain_text("so sad today\n\n# HUGE **bold**\r\n\r\n> quoted\r---"))
    assert "\n" not in html and "\r" not in html
    assert html.endswith("today<br><br># HUGE **bold**<br><br>&gt; quoted<br>---")


def test_a_highlighted_emoji_keeps_its_selector_skin_tone_and_joined_parts():
    """Cut at its one code point, ❤️ showed as a black ❤ and 👍🏽 as 👍 and a loose brown square."""
    html_text = highlight_html(explain_text("love you ❤️ great job 👍🏽 ❤️\u200d🔥 end"))
    shown = re.sub(r"<span[^>]*>", "[", html_text).replace("</span>", "]")
    assert shown == "[love] you [❤️] great job [👍🏽] [❤️\u200d🔥] end"


def test_a_card_is_made_to_fetch_nothing():
    card = ("# Card\n![pix](http://example.invalid/track.png) ![ref][t]\n\n[t]: http://example.invalid/t.png\n"
            "<img src=x onerror=alert(2)><iframe src='https://example.com'></iframe>\n"
            "[a link](https://example.com) `prob_<e>` a < b\n```\n<b>code</b>\n```\n")
    assert inert_markdown(card) == (
        "# Card\n!\\[pix](http://example.invalid/track.png) !\\[ref][t]\n\n[t]: http://example.invalid/t.png\n"
        "&lt;img src=x onerror=alert(2)>&lt;iframe src='https://example.com'>&lt;/iframe>\n"
        "[a link](https://example.com) `prob_<e>` a < b\n```\n<b>code</b>\n```\n")


def test_the_shipped_cards_are_shown_as_written():
    for card in sorted((ROOT / "models").glob("**/MODEL_CARD.md")):
        text = card.read_text(encoding="utf-8")
        assert inert_markdown(text) == text, card


def _card_page(directory, label="the model"):
    import streamlit as st

    from app_pages.shared import show_model_card

    show_model_card(st, directory, label)


def _shown(folder):
    at = AppTest.from_function(_card_page, args=(str(folder),), default_timeout=30).run()
    assert not at.exception
    return at


@pytest.fixture
def folder(tmp_path):
    return Path(shutil.copytree(ROOT / "models" / "zoo" / "lexicon_rule", tmp_path / "run"))


def test_the_card_is_shown_once_its_checksum_matches(folder):
    at = _shown(folder)
    assert at.expander[0].label == "Model card: the model" and "# Model card: `lexicon_rule`" in at.markdown[0].value
    assert not at.warning


def test_a_shown_cards_headings_sit_below_the_pages_own(folder):
    """Open on Compare, a card's "# Model card" was as large as the page's title and its "## Fairness" larger than
    the page's own Fairness section (a subheader, level 3)."""
    shown = _shown(folder).markdown[0].value
    assert shown.startswith("#### Model card: `lexicon_rule`") and "\n##### Fairness\n" in shown
    assert not re.search(r"^#{1,3} ", shown, re.M)


def test_headings_are_nested_outside_code_only():
    card = "# Card\n\n## Part\n###### deepest\nnot # a heading\n```\n# a comment\n```\n~~~~\n## code\n```\n~~~~\n#tag"
    assert nested_headings(card) == ("#### Card\n\n##### Part\n###### deepest\nnot # a heading\n```\n# a comment\n```"
                                     "\n~~~~\n## code\n```\n~~~~\n#tag")


def test_a_card_linked_to_another_file_is_not_shown(folder, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (folder / "MODEL_CARD.md").unlink()
    (folder / "MODEL_CARD.md").symlink_to(secret)
    at = _shown(folder)
    assert not at.expander and all("root:x" not in element.value for element in at.markdown)
    assert at.warning[0].value.startswith("The model card of the model is not shown: ")
    assert at.warning[0].value.endswith("MODEL_CARD.md: a symbolic link; a model folder's files must be its own, not "
                                        "links to other files (refusing to read it)")


def test_an_edited_card_is_not_shown_and_a_card_with_an_image_shows_its_text(folder):
    (folder / "MODEL_CARD.md").write_text("# Card\n![pix](http://example.invalid/track.png)\n")
    at = _shown(folder)
    assert not at.expander and "MODEL_CARD.md: checksum differs from config.json" in at.warning[0].value
    config = json.loads((folder / "config.json").read_text())
    config["files"]["MODEL_CARD.md"] = sha256_file(folder / "MODEL_CARD.md")  # as someone crafting a folder would
    (folder / "config.json").write_text(json.dumps(config))
    assert _shown(folder).markdown[0].value == "#### Card\n!\\[pix](http://example.invalid/track.png)"


def test_a_folder_named_as_an_image_fetches_nothing(tmp_path):
    folder = Path(shutil.copytree(ROOT / "models" / "zoo" / "lexicon_rule", tmp_path / "![x](http:example.invalid)"))
    at = AppTest.from_function(_card_page, args=(str(folder), folder.name), default_timeout=30).run()
    assert at.expander[0].label == "Model card: !\\[x](http:example.invalid)"


def _load_page(directory):
    from app_pages.shared import model_or_stop

    model_or_stop(directory)


def test_a_model_that_cannot_load_is_named_as_the_picker_names_it_not_by_its_server_path(folder):
    (folder / "config.json").write_text("[]")
    at = AppTest.from_function(_load_page, args=(str(folder),), default_timeout=30).run()
    assert not at.exception and at.error[0].value.startswith("Cannot load this model: ")
    assert str(folder) not in at.error[0].value and str(folder.parent) not in at.error[0].value
    assert f"{folder.parent.name}/run" in at.error[0].value
    (folder / "MODEL_CARD.md").write_text("edited")
    assert str(folder.parent) not in _shown(folder).warning[0].value


def test_a_run_replaced_in_its_folder_is_loaded_anew(tmp_path):
    """`train --out` replaces a run, and a deleted run's name can be used again: the pages' cache of loaded models
    (and of what they computed with them) is keyed on the folder's config.json, not on its path alone."""
    from app_pages.shared import cached_model, model_stamp

    run = tmp_path / "mine"
    shutil.copytree(ROOT / "models" / "zoo" / "text_net", run)
    first, stamp = cached_model(run), model_stamp(run)
    assert first.name == "text_net" and cached_model(str(run)) is first
    shutil.rmtree(run)
    shutil.copytree(ROOT / "models" / "zoo" / "lexicon_rule", run)
    assert model_stamp(run) != stamp and cached_model(run).name == "lexicon_rule"
    assert model_stamp(tmp_path / "gone") == "unreadable"


def test_a_negation_word_that_negates_nothing_is_not_bold_and_a_cue_is():
    assert "font-weight:bold" not in highlight_html(explain_text("I've never been happier"))
    assert re.search(r'font-weight:bold[^>]*>not<', highlight_html(explain_text("I'm not happy")))


def test_an_axis_is_fitted_to_its_values_with_a_margin():
    """The speed chart's points, 6,605 to 22,088 tweets/s and 0.47 to 0.73, on Vega's own axes (1,000 to 100,000
    and 0 to 0.8) were four models within a dot's width."""
    low, high = fitted_domain([9292, 6605, 22088, 10185], log=True)  # a tenth of the span in powers of ten
    assert low == pytest.approx(6605 / (22088 / 6605) ** 0.1) and high == pytest.approx(22088 * (22088 / 6605) ** 0.1)
    assert fitted_domain([0.47, 0.73, float("nan")]) == pytest.approx([0.444, 0.756])  # NaN: no point
    assert fitted_domain([0.5, 0.98], margin=0.25, within=(0, 1)) == pytest.approx([0.38, 1.0])
    assert fitted_domain([0.5]) == pytest.approx([0.475, 0.525])  # one model: centred, not a span of nothing
    assert fitted_domain([1000], log=True) == pytest.approx([10 ** 2.95, 10 ** 3.05])
    assert fitted_domain([0.0]) == pytest.approx([-0.05, 0.05])
    with pytest.raises(ValueError, match="needs values above 0"):
        fitted_domain([0, -1], log=True)


def test_each_emotion_is_marked_by_a_line_style_too_not_by_colour_alone():
    """Anger and joy (and, to a protanope, fear and sadness) are told apart by colour alone; a negated word's wavy
    line was #555, faint on the dark theme."""
    html_text = highlight_html(explain_text("furious and terrified, happy but sad, not glad"))
    for mark in ("3px solid #D55E00", "3px dashed #CC79A7", "3px dotted #E69F00", "3px double #0072B2"):
        assert mark in html_text
    assert "underline wavy currentColor" in html_text
