"""Posting an insight (once per client id) and recognising one ("herkenbaar")."""

import threading

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import media, ratelimit, tags
from ..errors import N_, BadRequest, Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Insight, InsightStatus, Participant, Session, Table, Vote
from . import changes
from .consent import consent_field
from .fields import bool_field, id_field, is_row_id, tag_field, text_field
from .photos import may_post_photo
from .sessions import next_seq, require_open
from .tables import get_table
from .toggles import toggle_vote

# Client ids that already paid their rate-limit token in this process, per session and participant.
# Retries of one post that race each other (socket and HTTP at once, on PostgreSQL truly in
# parallel) all arrive before it is stored; they are one post and cost one token (retries are
# free). Keyed by whose post it is: a client id alone would let anyone post for free by reusing
# the ids of another session's public insights.
charged_client_ids: dict[tuple[int, int, str], None] = {}
CHARGED_CLIENT_IDS_KEPT = 50_000
# Posts whose token is being spent right now, for their racing retries to wait on.
paying: dict[tuple[int, int, str], threading.Event] = {}


def get_insight(session: Session, insight_id) -> Insight:
    insight = db.session.get(Insight, insight_id) if is_row_id(insight_id) else None
    if insight is None or insight.session_id != session.id:
        raise NotFound("No such insight in this session.", code="insight_not_found")
    return insight


def valid_client_id(data: dict) -> str:
    client_id = data.get("client_id")
    if client_id is None:
        raise BadRequest("Field 'client_id' is required.", field="client_id")
    if (
        not isinstance(client_id, str)
        or not 8 <= len(client_id) <= 64
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in client_id)
    ):
        raise Invalid(
            "Field 'client_id' must be 8-64 letters, digits, '-' or '_' (a UUID).",
            field="client_id",
        )
    return client_id


def post_insight(
    session: Session,
    participant: Participant,
    data: dict,
    *,
    photo=None,
    host_table: Table | None = None,
) -> tuple[Insight, bool]:
    """Store an insight once per client id; return it and whether this call created it.

    `photo` is an uploaded file (a stream); `host_table` the table whose host link came with it.
    With a photo the text may be empty.
    """
    if not isinstance(data, dict):
        raise BadRequest("The insight must be a JSON object.")
    client_id = valid_client_id(data)
    existing = find_by_client_id(session, client_id)
    if existing is not None:
        return stored_retry(existing, participant), False
    require_open(session)
    if photo is not None:
        may_post_photo(session, participant, host_table)
    charged = (session.id, participant.id, client_id)
    pay_once(charged, participant)

    active = session.setting("tag_sets")
    table = get_table(session, id_field(data, "table_id"))
    text = text_field(
        data, "text", max_length=session.setting("max_length"), required=photo is None
    )
    kind = tag_field(data, "kind", "kinds", session) if "kinds" in active else None
    phase = tag_field(data, "phase", "phases", session) if "phases" in active else None
    known_perspectives = tags.for_session(session).keys("perspectives")
    perspectives = data.get("perspectives") or []
    if not isinstance(perspectives, list) or any(p not in known_perspectives for p in perspectives):
        raise Invalid(
            "Field 'perspectives' must be a list of known perspectives.",
            field="perspectives",
            allowed=known_perspectives,
        )
    if "perspectives" not in active:
        perspectives = []
    quote_consent = consent_field(data)
    anonymous = bool_field(data, "anonymous") or not participant.name
    if anonymous and not session.setting("anonymous_allowed"):
        raise Invalid(
            N_("This session asks for your name with each insight."), code="name_required"
        )

    # 413 / 422 before anything is stored, and before the session's change counter is taken.
    read = media.read(photo) if photo is not None else None
    insight = Insight(
        session_id=session.id,
        table_id=table.id,
        participant_id=participant.id,
        client_id=client_id,
        text=text or "",
        photo_width=read.width if read else None,
        photo_height=read.height if read else None,
        kind=kind,
        perspectives=sorted(set(perspectives), key=known_perspectives.index),
        phase=phase,
        anonymous=anonymous,
        quote_consent=quote_consent,
        status=InsightStatus.PENDING if session.setting("premoderation") else InsightStatus.VISIBLE,
        withheld=bool(session.setting("silent")),
        round=session.round_number,
        seq=next_seq(session),
    )
    photo_name = insight.photo = media.store(read) if read else None
    db.session.add(insight)
    try:
        commit_keeping_loaded()
    except IntegrityError:
        # The same client id raced in through another connection or process: answer the stored one.
        db.session.rollback()
        charged_client_ids.pop(charged, None)
        media.delete(photo_name)
        existing = find_by_client_id(session, client_id)
        if existing is None:
            raise
        return stored_retry(existing, participant), False
    except Exception:
        media.delete(photo_name)  # no file without its insight
        raise
    # Stored: its retries now find it in the database before paying, so this process forgets it
    # (else every post of a long event stayed in memory until the 50,000th).
    charged_client_ids.pop(charged, None)
    made = [changes.InsightChanged(session, insight, was_public=None)]
    if insight.withheld:  # silent mode: walls and phones see the counts move instead
        made.append(changes.CountsChanged(session))
    changes.publish(*made)
    return insight, True


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects this event already holds.

    The published change and the ack right after a post read the new insight, its author and the
    session. A plain commit expires them all, and each was then reloaded with a SELECT of its
    own: three per post, on the database connection every other post waits for (py-spy profile
    of bench/versus.py, docs/BENCHMARKS.md). What they hold is what this event just wrote.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def pay_once(charged: tuple[int, int, str], participant: Participant) -> None:
    """Spend the post's rate-limit token once, however many of its retries race each other.

    With budgets in Redis the spend yields to other greenlets: a retry arriving meanwhile waits
    for the first one's outcome instead of paying again (or slipping through unpaid).
    """
    if charged in charged_client_ids:
        return
    first = paying.get(charged)
    if first is not None:
        first.wait(5)
        if charged in charged_client_ids:
            return
    paying[charged] = done = threading.Event()
    try:
        ratelimit.spend_action(participant, N_("Slow down a little: too many posts at once."))
        remember_charged(charged)
    finally:
        paying.pop(charged, None)
        done.set()


def remember_charged(charged: tuple[int, int, str]) -> None:
    charged_client_ids[charged] = None
    if len(charged_client_ids) > CHARGED_CLIENT_IDS_KEPT:
        for oldest in list(charged_client_ids)[: CHARGED_CLIENT_IDS_KEPT // 2]:
            charged_client_ids.pop(oldest, None)


def find_by_client_id(session: Session, client_id: str) -> Insight | None:
    return db.session.scalar(select(Insight).filter_by(session_id=session.id, client_id=client_id))


def stored_retry(insight: Insight, participant: Participant) -> Insight:
    if insight.participant_id != participant.id:
        raise Conflict("That client id belongs to another post.", code="client_id_taken")
    if insight.status == InsightStatus.WITHDRAWN:
        # A phone's outbox may send a post again after its author withdrew it: it stays withdrawn.
        raise Conflict(N_("You withdrew this insight."), code="withdrawn", id=insight.id)
    return insight


def vote(session: Session, participant: Participant, insight_id) -> tuple[int, bool]:
    """Toggle "herkenbaar" for one participant on one insight."""
    require_open(
        session, N_("The session is paused; you can recognise insights when it continues.")
    )
    insight = get_insight(session, id_field({"insight_id": insight_id}, "insight_id"))
    check_votable(insight, participant)
    ratelimit.spend_action(participant, N_("Slow down a little: too many votes at once."))
    # The session's change counter is its write lock: taking the seq first makes the votes in
    # a session take turns across connections and processes, so every tap of a double tap
    # toggles the state the tap before it left (on PostgreSQL they raced, and the loser was
    # dropped). The count is then read from the Vote rows, so it is always their number.
    seq = next_seq(session)
    db.session.refresh(insight)  # a merge or a hide may have come first
    check_votable(insight, participant)
    votes, added = toggle_vote(Vote, Insight, "insight_id", insight.id, participant.id, seq=seq)
    db.session.commit()
    db.session.refresh(insight)  # may already hold a later tap; the answer is this tap's count
    changes.publish(changes.InsightChanged(session, insight, was_public=True))
    return votes, added


def check_votable(insight: Insight, participant: Participant) -> None:
    if not insight.public:
        raise Conflict(N_("Only a visible insight can be recognised."), code="insight_not_visible")
    if insight.participant_id == participant.id:
        raise Conflict(N_("You cannot recognise your own insight."), code="own_insight")
