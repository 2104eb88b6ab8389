"""Markdown both ways: escape a participant's text into Markdown, render a story to safe HTML.

Stories are Markdown typed by facilitators and organisers and shown on a public page, so they are
rendered with raw HTML switched off (markdown-it-py escapes it and refuses `javascript:` links);
participants' text quoted in a story or a report is escaped so it reads exactly as typed.
"""

import functools
import re

from markupsafe import Markup

INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
LINE_START = re.compile(r"^(\s*)([-+=>]|\d+[.)])", re.MULTILINE)


@functools.cache
def renderer():
    """CommonMark plus tables and strikethrough; no raw HTML, no images (the page's photos come
    from the insights, never from an address typed in a story), no bare-URL linking.

    Made on the first story rendered: markdown-it is 6 MB that a live session never needs.
    """
    from markdown_it import MarkdownIt

    return (
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
    return Markup(renderer().render(text or ""))


def tokens(text: str):
    """The parsed blocks of a story (for writers that are not HTML, such as the Word report)."""
    return renderer().parse(text or "")


def demote_headings(text: str, below: int) -> str:
    """The story with its headings moved under a heading of level `below` (at most level 6).

    A story's "# Wat we leerden" inside a report's table section becomes "### Wat we leerden",
    so the report's outline stays whole; underlined (setext) headings become "#" headings too.
    """
    lines = text.splitlines()
    for token in tokens(text):
        if token.type != "heading_open" or not token.map:
            continue
        level = min(6, int(token.tag[1]) + below)
        first, end = token.map
        if token.markup.startswith("#"):
            if not lines[first].lstrip().startswith(token.markup):
                continue  # inside a quote or a list item: left as it is
            lines[first] = "#" * level + lines[first].lstrip()[len(token.markup) :]
        else:  # setext: the text lines, then the underline
            content = " ".join(line.strip() for line in lines[first : end - 1])
            lines[first:end] = ["#" * level + " " + content] + [""] * (end - first - 1)
    return "\n".join(lines)
