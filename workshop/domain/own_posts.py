"""A participant's hand on its own posts: change the text, withdraw one, or withdraw them all.

When an author may still do so is one rule, `editable_by_author`. Withdrawing leaves a tombstone:
the row keeps its id, client id and seq, so a phone's outbox cannot post it again and a resync can
say it is gone, but it loses its text, votes, pin and spotlight, and nothing shows or exports it.

An edit keeps the text as first posted in `original_text` for the facilitator. A facilitator's
typo fix does the same, so `original_text` is always what the author first sent, whoever edited
after (the console shows it beside the current text). In a pre-moderated session an edit of an
approved insight waits for approval again: the facilitator approved the text, not the author.
"""

from sqlalchemy import delete, select

from .. import media, ratelimit
from ..errors import N_, BadRequest, Conflict, Forbidden
from ..extensions import db
from ..models import Insight, InsightStatus, Participant, Session, SessionState, Vote
from . import changes
from .fields import text_field
from .insights import get_insight
from .sessions import next_seq

EDITABLE_STATES = (SessionState.OPEN, SessionState.CLOSED)
MODERATION_FIELDS = {"status", "pinned"}


def editable_by_author(session: Session, insight: Insight) -> None:
    """409 `not_editable` unless its author may still change or withdraw this insight.

    The session must be open or closed (a paused session stands still; an archived one is done),
    and not published: what a published page quotes changes only when the facilitator unpublishes
    (409 `published`; the author asks the facilitator).
    """
    if session.state not in EDITABLE_STATES:
        if session.state == SessionState.PAUSED:
            message = N_("The session is paused; you can change your posts when it continues.")
        else:
            message = N_("Posts in this session can no longer be changed.")
        raise Conflict(message, code="not_editable")
    if session.publication_slug:
        raise Conflict(
            N_("This session's harvest is published; ask the facilitator to change your post."),
            code="published",
        )
    if insight.status == InsightStatus.WITHDRAWN:
        raise Conflict(N_("You withdrew this insight."), code="withdrawn", id=insight.id)


def own_insight(session: Session, participant: Participant, insight_id) -> Insight:
    """The insight, if it is this participant's: 404 for no such insight, 403 for another's."""
    insight = get_insight(session, insight_id)
    if insight.participant_id != participant.id:
        raise Forbidden(N_("You can only change your own insights."), code="not_your_insight")
    return insight


def edit_own_insight(session: Session, participant: Participant, insight_id, data: dict) -> Insight:
    """The author's new text: validated as a post is, kept with the original for the facilitator."""
    if not isinstance(data, dict):
        raise BadRequest('Send {"text": "..."}.')
    if set(data) & MODERATION_FIELDS:
        raise Forbidden(
            "Only the facilitator approves, hides or pins insights; send just the text.",
            code="facilitator_only",
        )
    insight = own_insight(session, participant, insight_id)
    editable_by_author(session, insight)
    text = text_field(data, "text", max_length=session.setting("max_length"))
    if text == insight.text:
        return insight  # nothing changed: no new seq, no event
    ratelimit.spend_action(participant, N_("Slow down a little: too many changes at once."))
    seq = next_seq(session)  # the session's write lock, as a vote or a moderation takes it
    db.session.refresh(insight)  # a withdrawal or a hide may have come first
    editable_by_author(session, insight)
    was_public = insight.public
    insight.original_text = insight.original_text or insight.text
    insight.text = text
    if session.setting("premoderation") and insight.status == InsightStatus.VISIBLE:
        insight.status = InsightStatus.PENDING
    insight.seq = seq
    made: list = [changes.InsightChanged(session, insight, was_public=was_public)]
    if session.spotlight_insight_id == insight.id and not insight.public:
        session.spotlight_insight_id = None
        made.insert(0, changes.SpotlightChanged(session, None))
    changes.commit(*made)
    return insight


def withdraw_insight(session: Session, participant: Participant, insight_id) -> Insight:
    """Withdraw one own insight; withdrawing it again answers the same tombstone (idempotent)."""
    insight = own_insight(session, participant, insight_id)
    if insight.status == InsightStatus.WITHDRAWN:
        return insight
    editable_by_author(session, insight)
    seq = next_seq(session)
    db.session.refresh(insight)
    if insight.status == InsightStatus.WITHDRAWN:  # a second tap raced this one
        db.session.rollback()
        return insight
    photo = insight.photo
    made = tombstone(session, insight, seq)
    changes.commit(*made, changes.CountsChanged(session))
    media.delete(photo)
    return insight


def withdraw_all(session: Session, participant: Participant) -> list[Insight]:
    """Withdraw everything this participant posted; return what this call withdrew."""
    mine = own_live_insights(session, participant)
    for insight in mine:
        editable_by_author(session, insight)
    if not mine:
        return []
    next_seq(session)  # the lock first, then read again: a racing withdrawal may have come first
    mine = own_live_insights(session, participant)
    made, photos = [], [insight.photo for insight in mine]
    for insight in mine:
        made += tombstone(session, insight, next_seq(session))
    changes.commit(*made, changes.CountsChanged(session))
    for photo in photos:
        media.delete(photo)
    return mine


def own_live_insights(session: Session, participant: Participant) -> list[Insight]:
    return db.session.scalars(
        select(Insight)
        .where(
            Insight.session_id == session.id,
            Insight.participant_id == participant.id,
            Insight.status != InsightStatus.WITHDRAWN,
        )
        .order_by(Insight.id)
        .execution_options(populate_existing=True)
    ).all()


def tombstone(session: Session, insight: Insight, seq: int) -> list:
    """Make the insight a withdrawn tombstone; return the changes to report."""
    was_public = insight.public
    db.session.execute(delete(Vote).where(Vote.insight_id == insight.id))
    insight.status = InsightStatus.WITHDRAWN
    insight.text = ""
    insight.original_text = None
    insight.votes = 0
    insight.pinned = False
    insight.withheld = False  # silent mode's reveal has nothing left to show
    # The photo goes too: its files are deleted once this is committed (the callers).
    insight.photo = insight.photo_width = insight.photo_height = None
    insight.seq = seq
    made: list = [changes.InsightWithdrawn(session, insight, was_public=was_public)]
    if session.spotlight_insight_id == insight.id:
        session.spotlight_insight_id = None
        made.insert(0, changes.SpotlightChanged(session, None))
    return made
