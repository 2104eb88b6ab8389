"""The library of practice stories: /library (a page, no script), /library.atom and its JSON.

Public and read-only, like the published pages it links to; `domain.search_library` decides what
may be found (docs/HARVEST.md, "Library").
"""

import hashlib
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import domain, links
from ..domain.library import FACETS, MAX_QUERY_LENGTH, TAG_KINDS, Query
from ..errors import Invalid

library = Blueprint("library", __name__)
FEED_SIZE = 30
# What XML 1.0 cannot hold (a participant may type a control character; lxml refuses it).
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def language() -> str:
    return str(get_locale() or "nl")


@library.get("/api/v1/library")
def search_json():
    query = domain.library_query(request.args)
    return jsonify(domain.search_library(query, language()))


def page_url(**changes) -> str:
    """This page's address with some arguments changed (None removes one)."""
    args = {key: value for key, value in request.args.items() if value}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for("library.page") + (f"?{urlencode(args)}" if args else "")


@library.get("/library")
def page():
    error = None
    try:
        query = domain.library_query(request.args)
    except Invalid as invalid:
        error = _(invalid.message)
        query = Query()
    found = domain.search_library(query, language())
    response = render_template(
        "library.html",
        query=query,
        found=found,
        error=error,
        facets=FACETS,
        tag_kinds=TAG_KINDS,
        max_query_length=MAX_QUERY_LENGTH,
        page_url=page_url,
        feed_url=url_for("library.feed", **{k: v for k, v in request.args.items() if v}),
    )
    return response, 422 if error else 200


def entry_id(item: dict, insight) -> str:
    """A stable id for a feed entry that names no database id."""
    digest = hashlib.sha256(f"{item['published_url']}|{insight.id}".encode()).hexdigest()[:24]
    return f"{links.public_url('/library')}#{digest}"


def xml_text(value: str) -> str:
    return NOT_XML.sub("", value or "")


@library.get("/library.atom")
def feed():
    """The newest insights of the library (with the page's filters) as an Atom feed.

    feedgen writes it: a maintained library that escapes every value and emits valid Atom.
    Imported here, on the first feed: with lxml it is 13 MB that a live session never needs.
    """
    from feedgen.feed import FeedGenerator

    query = domain.library_query(request.args)
    query.page = 1
    items = domain.library_feed(query, language(), FEED_SIZE)
    generator = FeedGenerator()
    generator.id(links.public_url("/library.atom"))
    generator.title(_("Library of practice stories") + " · Aan tafel")
    generator.subtitle(_("What was said at the tables of published sessions."))
    generator.link(href=links.public_url(page_url()), rel="alternate")
    generator.link(href=links.public_url(request.full_path.rstrip("?")), rel="self")
    generator.language(language())
    newest = max((insight.created_at for insight, _item in items), default=None)
    generator.updated(newest or datetime(2026, 1, 1, tzinfo=UTC))
    for insight, item in reversed(items):  # feedgen puts the last added entry first
        entry = generator.add_entry()
        entry.id(entry_id(item, insight))
        text = xml_text(item["text"])
        title = text.strip() or xml_text(item["attribution"])  # a photo may come without text
        entry.title(title if len(title) <= 80 else title[:79].rstrip() + "…")
        entry.author({"name": xml_text(item["attribution"])})
        entry.link(href=item["published_url"], rel="alternate")
        where = " · ".join(part for part in (item["table"], item["session"], item["event"]) if part)
        entry.content(f"{text}\n\n— {xml_text(item['attribution'])}\n{xml_text(where)}")
        entry.published(insight.created_at)
        entry.updated(insight.created_at)
    return Response(generator.atom_str(pretty=True), mimetype="application/atom+xml")
