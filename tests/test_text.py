"""`app_support.text.plain`: a visitor's text shown as typed. What Streamlit's Markdown makes of
it was checked in chromium (no bold, colour, image, link, emoji, icon or LaTeX); here, that every
character survives and each mark is escaped."""

from app_support.text import WORD_JOINER, plain


def test_every_character_is_kept_in_order():
    name = "**b** :red[x] ![i](http://h/p.png) `c` $x$ <b> a_b #1 me@h.io www.h.io|~>"
    shown = plain(name).replace(WORD_JOINER, "")
    assert shown.replace("\\", "") == name.replace("\\", "")
    assert "\\*\\*b\\*\\*" in shown and "\\!\\[i\\]" in shown and "\\$x\\$" in shown


def test_bare_links_are_broken_and_lines_joined():
    assert "http:" not in plain("http://h") and "www." not in plain("www.h") and "me@" not in plain("me@h.io")
    assert "\n" not in plain("one\ntwo")
