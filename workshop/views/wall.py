"""The projector wall (/w/<code>) and the public QR codes."""

from flask import Blueprint, Response, g, render_template
from flask_babel import get_locale

from .. import domain, links, payloads, qr, tags
from ..hyphenate import soft_hyphens
from .speaking import consent_badges, consent_choices, consent_labels

wall = Blueprint("wall", __name__)


def screen_context(session) -> dict:
    """What every screen of a session renders with: tag labels in the page's language."""
    language = str(get_locale())
    tag_set = tags.for_session(session)
    return {
        "session": session,
        "state": payloads.session_payload(session, domain.counts(session)),
        "kinds": tag_set.labels("kinds", language),
        "perspectives": tag_set.labels("perspectives", language),
        "phases": tag_set.labels("phases", language),
        "organisation_types": tag_set.labels("organisation_types", language),
        "join_url": links.join_url(session.code),
        "consent_choices": consent_choices(),
        "consent_badges": consent_badges,
        "consent_labels": consent_labels,
        # Themes across tables, with their visible insights: walls, phones and the console draw
        # them; `theme:update` keeps them current.
        "themes": payloads.themes_payload(domain.themes_of(session))["themes"],
    }


@wall.get("/w/<code>")
def show(code):
    session = domain.get_session(code)
    g.session_language = session.language
    insights = domain.visible_insights(session)
    spotlight = domain.spotlight_insight(session)
    context = screen_context(session)
    language = str(get_locale())
    context["perspectives"] = [  # long names break between syllables on the wall
        {**p, "hyphenated": soft_hyphens(p["short"], language)} for p in context["perspectives"]
    ]
    return render_template(
        "wall.html",
        insights=[payloads.insight_payload(session, i) for i in insights],
        spotlight=payloads.insight_payload(session, spotlight) if spotlight else None,
        **context,
    )


def qr_response(url: str, fmt: str) -> Response:
    if fmt == "svg":
        return Response(qr.qr_svg(url), mimetype="image/svg+xml")
    return Response(qr.qr_png(url), mimetype="image/png")


@wall.get("/qr/<code>.<any(svg, png):fmt>")
def session_qr(code, fmt):
    session = domain.get_session(code)
    return qr_response(links.join_url(session.code), fmt)


@wall.get("/qr/<code>/<int:table_id>.<any(svg, png):fmt>")
def table_qr(code, table_id, fmt):
    session = domain.get_session(code)
    table = domain.get_table(session, table_id)
    return qr_response(links.join_url(session.code, table.id), fmt)
