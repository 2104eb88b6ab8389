"""The phone (/j/<code>): join, post, vote. Works as plain HTML forms; phone.js makes it live."""

import uuid

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import domain, payloads
from ..errors import N_, DomainError
from ..models import SessionState
from ..ratelimit import joins_per_address
from .auth import current_participant, participant_cookie_name
from .wall import screen_context

participant = Blueprint("participant", __name__)
COOKIE_DAYS = 3
SPEAKER_FIELDS = ("organisation", "role", "place")


@participant.get("/")
def home():
    code = request.args.get("code")
    if code:
        return redirect(url_for("participant.phone", code=code.strip().upper()))
    return render_template("home.html")


def table_feed(session, participant) -> list[dict]:
    """The table's visible insights and the participant's own posts, newest first."""
    if participant is None or participant.table_id is None:
        return []
    viewer = payloads.Viewer("participant", participant.id, participant.table_id)
    insights = domain.phone_insights(session, participant)
    feed = [payloads.payload_for(session, insight, viewer) for insight in insights]
    return [item for item in feed if item.get("status") != "hidden" or item.get("own")]


def render_phone(session, participant, table_id=None, error=None, draft=None, status=200):
    table = None
    if participant and participant.table_id:
        table = domain.get_table(session, participant.table_id)
    return (
        render_template(
            "phone.html",
            participant=participant,
            table=table,
            chosen_table_id=table_id,
            feed=table_feed(session, participant),
            voted=domain.voted_ids(participant),
            voted_themes=domain.voted_theme_ids(participant) if participant else [],
            client_id=str(uuid.uuid4()),
            error=error,
            draft=draft or {},
            not_open_message=None
            if session.state == SessionState.OPEN
            else _(domain.session_not_open_message(session)),
            **screen_context(session),
        ),
        status,
    )


@participant.get("/j/<code>")
@participant.get("/j/<code>/<int:table_id>")
def phone(code, table_id=None):
    session = domain.get_session(code)
    g.session_language = session.language
    if table_id is not None:
        domain.get_table(session, table_id)
    me = current_participant(session, required=False)
    if me and table_id and me.table_id != table_id:
        domain.update_participant(session, me, {"table_id": table_id})
    return render_phone(session, me, table_id=table_id)


@participant.post("/j/<code>/join")
def join(code):
    session = domain.get_session(code)
    g.session_language = session.language
    form = request.form
    data = {
        "name": form.get("name", ""),
        "organisation_type": form.get("organisation_type") or None,
        "table_id": form.get("table_id") or None,
        **{name: form[name] for name in SPEAKER_FIELDS if name in form},
    }
    try:
        joins_per_address.check(request.remote_addr, N_("Too many joins from this network."))
        me, token = domain.join(session, data)
    except DomainError as error:
        return render_phone(session, None, error=_(error.message), status=error.status)
    response = redirect(url_for("participant.phone", code=session.code, table_id=me.table_id))
    response.set_cookie(
        participant_cookie_name(session),
        token,
        max_age=COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure or current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@participant.post("/j/<code>/table")
def choose_table(code):
    session = domain.get_session(code)
    me = current_participant(session)
    domain.update_participant(session, me, {"table_id": request.form.get("table_id") or None})
    return redirect(url_for("participant.phone", code=session.code, table_id=me.table_id))


@participant.post("/j/<code>/post")
def post(code):
    """The no-JavaScript post: the client id comes from a hidden field the server made."""
    session = domain.get_session(code)
    g.session_language = session.language
    me = current_participant(session)
    form = request.form
    data = {
        "client_id": form.get("client_id", ""),
        "table_id": form.get("table_id") or me.table_id,
        "text": form.get("text", ""),
        "kind": form.get("kind") or None,
        "perspectives": form.getlist("perspectives"),
        "phase": form.get("phase") or None,
        "anonymous": form.get("anonymous") == "on",
        "quote_consent": form.get("quote_consent") or None,
    }
    photo = request.files.get("photo")
    try:
        if form.get("my_consent"):  # the answer to the question asked before the first post
            domain.update_participant(session, me, {"quote_consent": form["my_consent"]})
        domain.post_insight(session, me, data, photo=photo.stream if photo else None)
    except DomainError as error:
        return render_phone(session, me, error=_(error.message), draft=data, status=error.status)
    return redirect(url_for("participant.phone", code=session.code, table_id=me.table_id))


@participant.post("/j/<code>/profile")
def profile(code):
    """Who is speaking and the consent to be quoted, changed later (the "About you" form)."""
    fields = ("name", "organisation_type", *SPEAKER_FIELDS, "quote_consent")
    data = {name: request.form[name] or None for name in fields if name in request.form}
    return phone_form(code, lambda session, me: domain.update_participant(session, me, data))


@participant.post("/j/<code>/themes/<int:theme_id>/vote")
def vote_theme(code, theme_id):
    """A vote for a theme from the plain form (phone.js votes over Socket.IO instead)."""
    return phone_form(code, lambda session, me: domain.vote_theme(session, me, theme_id), "themes")


@participant.post("/j/<code>/vote/<int:insight_id>")
def vote(code, insight_id):
    return phone_form(code, lambda session, me: domain.vote(session, me, insight_id))


@participant.post("/j/<code>/edit/<int:insight_id>")
def edit(code, insight_id):
    """The no-JavaScript edit of an own insight (the form under its "Edit")."""
    return phone_form(
        code, lambda session, me: domain.edit_own_insight(session, me, insight_id, request.form)
    )


@participant.post("/j/<code>/withdraw/<int:insight_id>")
def withdraw(code, insight_id):
    """The no-JavaScript withdrawal of an own insight (the form under its "Withdraw")."""
    return phone_form(code, lambda session, me: domain.withdraw_insight(session, me, insight_id))


@participant.post("/j/<code>/withdraw-all")
def withdraw_all(code):
    return phone_form(code, domain.withdraw_all)


def phone_form(code, operation, anchor: str | None = None):
    """A form of the phone without JavaScript: do `operation(session, me)`, then back to the phone
    page (at `anchor`), or the page again with the error."""
    session = domain.get_session(code)
    g.session_language = session.language
    me = current_participant(session)
    try:
        operation(session, me)
    except DomainError as error:
        return render_phone(session, me, error=_(error.message), status=error.status)
    return redirect(
        url_for("participant.phone", code=session.code, table_id=me.table_id, _anchor=anchor)
    )
