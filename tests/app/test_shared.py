"""What the pages share: the highlighted tweet."""

from app_pages.shared import highlight_html
from explain.tokens import explain_text


def test_highlighted_html_escapes_the_tweet():
    html = highlight_html(explain_text('<script>alert("x")</script> so happy'))
    assert "<script>" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<span style="background:#E69F0033' in html and ">happy</span>" in html
