"""Rounds: start the next one with a title and a timer, extend its timer or stop it."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from ..errors import BadRequest, Conflict, Invalid
from ..extensions import db
from ..models import Insight, Session
from . import changes
from .fields import bool_field, is_number, text_field
from .sessions import require_running

MAX_ROUND_MINUTES = 600


def round_is_empty(session: Session) -> bool:
    return not db.session.scalar(
        select(func.count(Insight.id)).filter_by(session_id=session.id, round=session.round_number)
    )


def start_round(session: Session, data: dict) -> Session:
    """Start the next round; while the current one holds no insight yet, give it the title and
    timer instead, so the first "start round" after opening is round 1."""
    title = text_field(data, "title", max_length=200, required=False) or ""
    minutes = data.get("minutes")
    if minutes is not None and (not is_number(minutes) or not 0 < minutes <= MAX_ROUND_MINUTES):
        raise Invalid(
            f"Field 'minutes' must be a number from 0 to {MAX_ROUND_MINUTES}.", field="minutes"
        )
    require_running(session)
    if session.round_number == 0 or not round_is_empty(session):
        session.round_number += 1
    session.round_title = title
    session.round_ends_at = datetime.now(UTC) + timedelta(minutes=minutes) if minutes else None
    changes.commit(changes.RoundChanged(session))
    return session


def update_round(session: Session, data: dict) -> Session:
    """Extend the current round's timer by some minutes, or stop the round now (time is up)."""
    require_running(session)
    if session.round_number == 0:
        raise Conflict("No round has started yet; open the session first.", code="no_round")
    if not set(data) & {"minutes_added", "stop"}:
        raise BadRequest("Nothing to change: send minutes_added or stop.")
    stop = bool_field(data, "stop")
    minutes = data.get("minutes_added")
    if minutes is not None and (
        not is_number(minutes) or not 0 < abs(minutes) <= MAX_ROUND_MINUTES
    ):
        raise Invalid(
            f"Field 'minutes_added' must be a number from -{MAX_ROUND_MINUTES} to "
            f"{MAX_ROUND_MINUTES}, not 0.",
            field="minutes_added",
        )
    if stop and minutes is not None:
        raise Invalid("Send either minutes_added or stop, not both.", field="stop")
    now = datetime.now(UTC)
    if stop:
        session.round_ends_at = now
    elif minutes is not None:
        # A round without a timer, or whose time is up, gets its minutes from now.
        start = max(session.round_ends_at or now, now)
        ends_at = start + timedelta(minutes=minutes)
        if ends_at <= now:
            raise Invalid(
                "That would end the round in the past; stop it instead.", field="minutes_added"
            )
        if ends_at - now > timedelta(minutes=MAX_ROUND_MINUTES):
            raise Invalid(
                f"A round lasts at most {MAX_ROUND_MINUTES} minutes from now.",
                field="minutes_added",
            )
        session.round_ends_at = ends_at
    else:
        raise BadRequest("Nothing to change: send minutes_added or stop.")
    changes.commit(changes.RoundChanged(session))
    return session
