"""Markdown both ways: escape a participant's text into Markdown, render a story to safe HTML.

Stories are Markdown typed by facilitators and organisers and shown on a public page, so they are
rendered with raw HTML switched off (markdown-it-py escapes it and refuses `javascript:` links);
participants' text quoted in a story or a report is escaped so it reads exactly as typed.
"""

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)

# CommonMark plus tables and strikethrough; no raw HTML, no images (the page's photos come from
# the insights, never from an address typed in a story), no bare-URL linking.
renderer = (
    MarkdownIt("commonmark", {"html": False, "linkify": False})
    .enable(["table", "strikethrough"])
    .disable("image")
)


def escape(text: str) -> str:
    """The text as Markdown that renders to exactly that text."""
    text = INLINE.sub(r"\\\1", text)
    return LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def to_html(text: str) -> Markup:
    """A story's Markdown as HTML that is safe to put on a public page."""
    return Markup(renderer.render(text or ""))


def tokens(text: str):
    """The parsed blocks of a story (for writers that are not HTML, such as the Word report)."""
    return renderer.parse(text or "")
