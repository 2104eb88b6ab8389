"""The published page of a session or event (/p/<slug>) and the same content as data (.json).

Public and read-only: no script, no live connection, rendered on the server. A page that is not
`listed` tells search engines not to index it (meta robots and the X-Robots-Tag header).
"""

from flask import Blueprint, g, jsonify, make_response, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import domain, markup
from ..harvest import page as pages

published = Blueprint("published", __name__)


def found(slug: str):
    target = domain.published(slug)
    g.session_language = pages.language_of(target)
    return target


def robots(response, listed: bool):
    """Not indexed unless listed; never kept by a cache unchecked, so unpublishing takes hold."""
    response.headers["Cache-Control"] = "no-cache"
    if not listed:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@published.get("/p/<slug>.json")
def page_json(slug):
    target = found(slug)
    content = pages.build(target, str(get_locale()))
    return robots(jsonify(content), target.publication_listed)


@published.get("/p/<slug>")
def page(slug):
    target = found(slug)
    language = str(get_locale())
    content = pages.build(target, language)
    sessions = content["sessions"] if content["kind"] == "event" else [content]
    tables = [table for session in sessions for table in session["tables"]]
    description = (content.get("description") or "").strip() or _(
        "What the tables learned: %(tables)s", tables=", ".join(t["name"] for t in tables)
    )
    response = make_response(
        render_template(
            "published.html",
            page=content,
            sessions=sessions,
            og_description=description[:300],
            story_html=markup.to_html,
            json_url=f"{content['url']}.json",
        )
    )
    return robots(response, content["listed"])
