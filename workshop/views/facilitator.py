"""The facilitator console (/f/<code>?key=...): runs the room through the same API as organisers' tools."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import session as cookie
from sqlalchemy import select

from .. import links, payloads, sessions
from ..extensions import db
from ..models import Insight
from .auth import require_facilitator
from .wall import screen_context

facilitator = Blueprint("facilitator", __name__)


@facilitator.get("/f/<code>")
def console(code):
    session = sessions.get_session(code)
    g.session_language = session.language
    key = require_facilitator(session)
    if request.args.get("key"):
        # Keep the key in the signed cookie and take it out of the address bar (and the history).
        keys = dict(cookie.get("facilitator_keys", {}))
        keys[session.code] = key
        cookie["facilitator_keys"] = keys
        cookie.permanent = True
        query = {k: v for k, v in request.args.items() if k != "key"}
        return redirect(url_for("facilitator.console", code=session.code, **query))
    insights = db.session.scalars(
        select(Insight)
        .filter_by(session_id=session.id)
        .order_by(Insight.created_at.desc(), Insight.id.desc())
    ).all()
    return render_template(
        "console.html",
        key=key,
        insights=[payloads.insight_payload(session, i, facilitator=True) for i in insights],
        wall_url=links.wall_url(session.code),
        **screen_context(session),
    )
