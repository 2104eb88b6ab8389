"""Stories and publishing in the browser (/f/<code>/stories): a form per table, no script needed.

The facilitator (console cookie or key) and the signed-in organiser edit each table's story here
and publish or unpublish the session; the API does the same over JSON (views/api.py).
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import domain, links
from ..errors import DomainError
from ..extensions import db
from .auth import remember_console, require_facilitator, require_organiser

stories = Blueprint("stories", __name__)


def publication_of(target) -> dict | None:
    if not target.publication_slug:
        return None
    return {
        "url": links.public_url(f"/p/{target.publication_slug}"),
        "listed": target.publication_listed,
        "published_at": target.published_at,
    }


@stories.get("/f/<code>/stories")
def edit(code):
    session = domain.get_session(code)
    g.session_language = session.language
    require_facilitator(session)
    if request.args.get("key"):  # as the console does: the key leaves the address bar
        remember_console(session)
        query = {k: v for k, v in request.args.items() if k != "key"}
        return redirect(url_for("stories.edit", code=session.code, **query))
    return editor(session)


def editor(session, typed: dict | None = None, error: str | None = None, status: int = 200):
    """The editor page; `typed`: {table id: text} sent but not saved, shown again as typed."""
    typed = typed or {}
    tables = []
    for table in session.tables:
        text, draft = domain.get_story(session, table.id)
        tables.append({"table": table, "text": typed.get(table.id, text), "draft": draft})
    return render_template(
        "stories.html",
        session=session,
        tables=tables,
        publication=publication_of(session),
        max_length=domain.MAX_STORY_LENGTH,
        error=error,
    ), status


def back_to(session, anchor: str = ""):
    return redirect(url_for("stories.edit", code=session.code) + anchor)


@stories.post("/f/<code>/stories/<int:table_id>")
def save(code, table_id):
    session = domain.get_session(code)
    require_facilitator(session)
    reset = request.form.get("action") == "draft"
    text = "" if reset else request.form.get("text", "")
    try:
        domain.write_story(session, table_id, {"text": text})
    except DomainError as error:  # shown again with the text as typed: nothing is lost
        db.session.rollback()
        g.session_language = session.language
        return editor(session, {table_id: text}, _(error.message), error.status)
    flash(_("Back to the draft.") if reset else _("Story saved."), "success")
    return back_to(session, f"#story-{table_id}")


@stories.post("/f/<code>/publication")
def publish(code):
    session = domain.get_session(code)
    require_facilitator(session)
    if request.form.get("action") == "unpublish":
        if session.publication_slug:
            domain.unpublish(session)
            flash(_("Unpublished: the page is gone."), "success")
    else:
        domain.publish(session, {"listed": request.form.get("listed") == "1"})
        flash(_("Published."), "success")
    return back_to(session, "#publication")


@stories.post("/o/events/<int:event_id>/publication")
def publish_event(event_id):
    require_organiser()
    event = domain.get_event(event_id)
    if request.form.get("action") == "unpublish":
        if event.publication_slug:
            domain.unpublish(event)
            flash(_("Unpublished: the page is gone."), "success")
    else:
        domain.publish(event, {"listed": request.form.get("listed") == "1"})
        flash(_("Published."), "success")
    return redirect(url_for("organiser.index") + f"#event-{event.id}")
