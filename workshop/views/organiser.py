"""The organiser page (/o/): events and sessions with their counts, and every harvest download."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from .. import domain, harvest, inputs, links, tags
from ..errors import DomainError, Invalid
from .auth import organiser_signed_in, require_organiser, sign_in_organiser, sign_out_organiser

organiser = Blueprint("organiser", __name__, url_prefix="/o")
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel", "json": "JSON", "md": "Markdown", "docx": "Word"}


def signed_in() -> bool:
    return organiser_signed_in()


def totals(rows: list) -> dict:
    return {
        "sessions": len(rows),
        "insights": sum(counts["insights"] for _, counts in rows),
        "participants": sum(counts["participants"] for _, counts in rows),
    }


@organiser.get("/")
def index():
    if not signed_in():
        return render_template("organiser_login.html")
    events = domain.all_events(newest_first=True)
    rows = [(s, domain.counts(s)) for s in domain.all_sessions()]
    groups = [(event, [r for r in rows if r[0].event_id == event.id]) for event in events]
    loose = [r for r in rows if r[0].event_id is None]
    chosen = request.args.get("event", "")  # the event just created: new sessions go there
    return render_template(
        "organiser.html",
        groups=[(event, mine, totals(mine)) for event, mine in groups],
        loose=loose,
        events=events,
        chosen_event=int(chosen) if chosen.isascii() and chosen.isdigit() else None,
        templates=list(tags.session_templates()),
        template_titles={
            name: {language: spec[language].get("title", "") for language in ("nl", "en")}
            for name, spec in tags.session_templates().items()
        },
        formats={**FORMAT_LABELS, "zip": _("Markdown with photos (zip)")},
        links=links,
    )


@organiser.get("/events/<int:event_id>/live")
def live_event(event_id):
    """The live dashboard of one event: its sessions at a glance (realtime/dashboard.py)."""
    if not signed_in():
        return render_template("organiser_login.html")
    event = domain.get_event(event_id)
    tag_set = tags.for_session(None)
    return render_template(
        "organiser_live.html",
        event=event,
        data={
            "event": event.id,
            "token": domain.organiser_sign_in(),
            "perspectives": {
                entry["key"]: entry["short"]
                for entry in tag_set.labels("perspectives", str(get_locale()))
            },
        },
    )


@organiser.post("/login")
def login():
    token = request.form.get("token", "").strip()
    if not domain.is_organiser(token):
        flash(_("That organiser token is not valid."), "error")
        return redirect(url_for("organiser.index"))
    sign_in_organiser()
    return redirect(url_for("organiser.index"))


@organiser.post("/logout")
def logout():
    sign_out_organiser()
    return redirect(url_for("organiser.index"))


def event_from_form(name: str = "event_id") -> int | None:
    value = request.form.get(name, "")
    if not value:
        return None
    event_id = inputs.whole_number(value)
    if event_id is None:
        raise Invalid(_("Choose an event from the list."), field=name)
    return event_id


@organiser.post("/sessions")
def create_session():
    require_organiser()
    form = request.form
    try:
        session, key = domain.create_session(
            title=form.get("title", ""),
            language=form.get("language", "nl"),
            template=form.get("template") or None,
            event_id=event_from_form(),
        )
    except DomainError as error:
        flash(_(error.message), "error")
        return redirect(url_for("organiser.index"))
    return redirect(url_for("facilitator.console", code=session.code, key=key))


@organiser.post("/events")
def create_event():
    require_organiser()
    try:
        event = domain.create_event(request.form.get("name", ""))
    except DomainError as error:
        flash(_(error.message), "error")
    else:
        flash(_("Event “%(name)s” created.", name=event.name), "success")
        return redirect(url_for("organiser.index", event=event.id) + "#new-session")
    return redirect(url_for("organiser.index"))


@organiser.post("/sessions/<code>/event")
def assign_event(code):
    require_organiser()
    session = domain.get_session(code)
    try:
        domain.assign_event(session, event_from_form())
    except DomainError as error:
        flash(_(error.message), "error")
    return redirect(url_for("organiser.index") + f"#session-{session.code}")


@organiser.get("/download")
def download():
    """The download form's target: hand over to the API's export with the chosen options."""
    require_organiser()
    fmt = request.args.get("format", "")
    if fmt not in harvest.FORMATS:
        raise Invalid(_("Choose a file type."), field="format")
    options = {
        name: "1" for name in ("anonymise", "include_hidden") if request.args.get(name) == "1"
    }
    if request.args.get("event"):
        event_id = inputs.whole_number(request.args["event"])
        if event_id is None:
            raise Invalid(_("Choose an event from the list."), field="event")
        target = url_for("api.export_event", event_id=event_id, fmt=fmt, **options)
    else:
        code = domain.get_session(request.args.get("session", "")).code
        target = url_for("api.export_session", code=code, fmt=fmt, **options)
    return redirect(target)
