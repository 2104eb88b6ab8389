"""The facilitator console (/f/<code>?key=...), printable table cards, and the table hosts' page."""

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import cards, domain, harvest, links, payloads
from ..errors import DomainError
from ..extensions import db
from ..session_settings import BY_NAME, CONSOLE_TOGGLES, DEFAULT_SETTINGS
from .auth import remember_console, require_facilitator
from .wall import screen_context

facilitator = Blueprint("facilitator", __name__)


def host_url(session, table) -> str:
    # The token sits in the path, so the language switch (`?lang=`) keeps it.
    token = domain.host_token(session, table)
    return links.public_url(
        url_for("facilitator.host", code=session.code, table_id=table.id, token=token)
    )


@facilitator.get("/f/<code>")
def console(code):
    session = domain.get_session(code)
    g.session_language = session.language
    key = require_facilitator(session)
    if request.args.get("key"):
        # Take the key out of the address bar (and the history); the signed cookie keeps a value
        # derived from it, never the key itself.
        remember_console(session)
        query = {k: v for k, v in request.args.items() if k != "key"}
        return redirect(url_for("facilitator.console", code=session.code, **query))
    insights = domain.all_insights(session)
    return render_template(
        "console.html",
        key=key,
        insights=[payloads.insight_payload(session, i, facilitator=True) for i in insights],
        wall_url=links.wall_url(session.code),
        host_urls={table.id: host_url(session, table) for table in session.tables},
        settings_table=BY_NAME,
        console_toggles=CONSOLE_TOGGLES,
        setting_defaults=DEFAULT_SETTINGS,
        export_formats=list(harvest.WRITERS),
        transitions={str(k): sorted(v) for k, v in domain.TRANSITIONS.items()},
        links=links,
        **screen_context(session),
    )


@facilitator.get("/f/<code>/cards")
def print_cards(code):
    """The table cards as a print-ready page: print it on A5, one card per sheet."""
    session = domain.get_session(code)
    g.session_language = session.language
    key = require_facilitator(session)
    return render_template(
        "cards.html",
        session=session,
        cards=cards.table_cards(session),
        poster=cards.poster(session),
        pdf_url=url_for("facilitator.cards_pdf", code=session.code, key=request.args.get("key")),
        key=key,
    )


@facilitator.get("/f/<code>/cards.pdf")
def cards_pdf(code):
    session = domain.get_session(code)
    require_facilitator(session)
    return Response(
        cards.cards_pdf(session),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="aantafel-{session.code}-cards.pdf"'},
    )


@facilitator.route("/h/<code>/<int:table_id>/<token>", methods=["GET", "POST"])
def host(code, table_id, token):
    """The table host's phone page: write the table's key messages for the closing wall."""
    session = domain.get_session(code)
    g.session_language = session.language
    table = domain.table_for_host(session, table_id, token)
    error, status = None, 200
    if request.method == "POST":
        try:
            domain.write_summary(
                session,
                table.id,
                {"text": request.form.get("text", ""), "host": request.form.get("host", "")},
            )
            return redirect(
                url_for(
                    "facilitator.host", code=session.code, table_id=table.id, token=token, saved=1
                )
            )
        except DomainError as failure:
            db.session.rollback()
            error, status = failure.message, failure.status
    # What the table said, most recognised first: the host writes the summary from it, live.
    insights = domain.table_insights(session, table)
    return render_template(
        "host.html",
        table=table,
        token=token,
        insights=[payloads.insight_payload(session, i) for i in insights],
        summary=request.form.get("text")
        if error
        else (table.summary.text if table.summary else ""),
        host_name=request.form.get("host") if error else table.host,
        insight_count=len(insights),
        saved=bool(request.args.get("saved")) and not error,
        error=error,
        title=_("Table host"),
        **screen_context(session),
    ), status
