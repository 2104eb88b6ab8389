"""The facilitator console (/f/<code>?key=...), printable table cards, and the table hosts' page."""

import uuid

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import cards, domain, harvest, links, payloads
from ..errors import N_, DomainError
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
        posted=bool(request.args.get("posted")) and not error,
        photo_client_id=str(uuid.uuid4()),
        photos_on=session.setting("photos") != "off",
        photo_error=photo_error_message(request.args.get("photo_error")),
        error=error,
        title=_("Table host"),
        **screen_context(session),
    ), status


@facilitator.post("/h/<code>/<int:table_id>/<token>/photo")
def host_photo(code, table_id, token):
    """The table host posts a photo (a flip chart, the table at work) with an optional caption."""
    session = domain.get_session(code)
    g.session_language = session.language
    seat, table = domain.host_seat(session, table_id, token)
    photo = request.files.get("photo")
    data = {
        "client_id": request.form.get("client_id", ""),
        "table_id": table.id,
        "text": request.form.get("text", ""),
    }
    back = {"code": session.code, "table_id": table.id, "token": token}
    if not photo:
        return redirect(url_for("facilitator.host", **back, photo_error="not_an_image"))
    try:
        domain.post_insight(session, seat, data, photo=photo.stream, host_table=table)
    except DomainError as failure:
        db.session.rollback()
        return redirect(url_for("facilitator.host", **back, photo_error=failure.code))
    return redirect(url_for("facilitator.host", **back, posted=1))


PHOTO_ERRORS = {
    "not_an_image": N_(
        "That file is not a photo we can read: send a JPEG, PNG, WebP or HEIC image."
    ),
    "photo_too_large": N_("That photo is larger than 15 MB."),
    "image_too_large": N_("That photo has too many pixels (at most 50 megapixels)."),
    "photos_off": N_("Photos are switched off in this session."),
}


def photo_error_message(code: str | None) -> str | None:
    """The message for a photo the host page could not post (a redirect carries only its code)."""
    if not code:
        return None
    return _(PHOTO_ERRORS.get(code, N_("The photo could not be posted. Try again.")))
