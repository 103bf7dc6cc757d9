"""Text from visitors (an upload's file name) shown as what it is, not as Markdown.

Streamlit renders labels, captions and markdown as Markdown with its own extensions: a file
named `**big** :red[alert] ![x](https://host/pixel.png).mp4` would show in bold and red and
load an image from anywhere. `plain` escapes every character that could start any of it.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; escaped, none starts markup (bold,
# links, images, code, headings, lists, tables), Streamlit's `:color[...]` and `:material/...:`
# directives, or `$...$` LaTeX
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# GitHub's bare-URL links (http://..., www...., a@b.c) survive escaping; an invisible word
# joiner before each ':', '.' and '@' breaks every one of them
_LINK_MARKS = re.compile(r"([:.@])")
WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """`text` escaped so that Streamlit's Markdown shows it character for character, on one line."""
    joined = _LINK_MARKS.sub(rf"{WORD_JOINER}\1", " ".join(text.splitlines()))
    return _PUNCTUATION.sub(r"\\\1", joined)
