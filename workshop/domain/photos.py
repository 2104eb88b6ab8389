"""Photos on insights: who may post one (setting `photos`), who may see one, the table host's seat.

The pixels are media.py's concern; here are the rules. `photo_visible` is the one rule for who
may fetch a photo by its address: pending, hidden and withheld photos are not reachable.
"""

from sqlalchemy import select

from ..errors import N_, Forbidden
from ..extensions import db
from ..models import Insight, Participant, Session, Table
from ..security import token_hash
from .hosts import table_for_host

HOST_SEAT = "host:"  # prefix of the token a host link's participant is found by
# The seat's name while the host has not given one: a session that asks for names still takes
# the host's photos, and the wall says whose they are.
HOST_LABEL = {"nl": "Tafelhost", "en": "Table host"}


def photo_visible(insight: Insight) -> bool:
    """Whether anyone may fetch this insight's photo: it follows the insight's status.

    Consent (who may be quoted where) extends this rule; keep it the one place it lives.
    """
    return insight.photo is not None and bool(insight.public)


def insight_with_photo(name: str) -> Insight | None:
    return db.session.scalar(select(Insight).filter_by(photo=name)) if name else None


def may_post_photo(session: Session, participant: Participant, host_table: Table | None) -> None:
    """403 unless the `photos` setting lets this poster add a photo at this table."""
    allowed = session.setting("photos")
    if allowed == "everyone":
        return
    if allowed == "hosts" and host_table is not None:
        return
    if allowed == "off":
        raise Forbidden(N_("Photos are switched off in this session."), code="photos_off")
    raise Forbidden(
        N_("In this session only the table host can add a photo."), code="photos_hosts_only"
    )


def host_seat(session: Session, table_id, token: str) -> tuple[Participant, Table]:
    """The participant a table host's link posts as (made on first use), and its table.

    The host page has no participant token of its own; the host link is its credential. The
    seat is found by the link's hash, so a rotated facilitator key (a new link) is a new seat.
    """
    table = table_for_host(session, table_id, token)
    hashed = token_hash(HOST_SEAT + token)
    name = table.host or HOST_LABEL.get(session.language, HOST_LABEL["en"])
    seat = db.session.scalar(select(Participant).filter_by(token_hash=hashed))
    if seat is None:
        seat = Participant(session_id=session.id, token_hash=hashed, name=name, table_id=table.id)
        db.session.add(seat)
        db.session.commit()
    elif seat.name != name:
        seat.name = name  # the host may have written its name on the host page since
        db.session.commit()
    return seat, table
