"""The organiser page (/o/): sign in with the organiser token, create sessions, download harvests."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from sqlalchemy import select

from .. import sessions, tags
from ..errors import DomainError
from ..extensions import db
from ..models import Event, Session
from .auth import require_organiser

organiser = Blueprint("organiser", __name__, url_prefix="/o")


def signed_in() -> bool:
    return sessions.is_organiser(cookie.get("organiser_token"))


@organiser.get("/")
def index():
    if not signed_in():
        return render_template("organiser_login.html")
    all_sessions = db.session.scalars(select(Session).order_by(Session.created_at.desc())).all()
    events = db.session.scalars(select(Event).order_by(Event.name)).all()
    return render_template(
        "organiser.html",
        sessions=[(s, sessions.counts(s)) for s in all_sessions],
        events=events,
        templates=list(tags.session_templates()),
    )


@organiser.post("/login")
def login():
    token = request.form.get("token", "").strip()
    if not sessions.is_organiser(token):
        flash(_("That organiser token is not valid."), "error")
        return redirect(url_for("organiser.index"))
    cookie["organiser_token"] = token
    cookie.permanent = True
    return redirect(url_for("organiser.index"))


@organiser.post("/logout")
def logout():
    cookie.pop("organiser_token", None)
    return redirect(url_for("organiser.index"))


@organiser.post("/sessions")
def create_session():
    require_organiser()
    form = request.form
    try:
        session, key = sessions.create_session(
            title=form.get("title", ""),
            language=form.get("language", "nl"),
            template=form.get("template") or None,
        )
    except DomainError as error:
        flash(_(error.message), "error")
        return redirect(url_for("organiser.index"))
    return redirect(url_for("facilitator.console", code=session.code, key=key))
