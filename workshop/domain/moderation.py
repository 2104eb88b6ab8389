"""The facilitator's hand on insights: approve, hide, pin, fix a typo, put in a theme, merge,
spotlight, reveal."""

from sqlalchemy import func, select

from ..errors import BadRequest, Conflict, Invalid
from ..extensions import db
from ..models import Insight, InsightStatus, Session, Vote
from . import changes
from .fields import bool_field, id_field, text_field
from .insights import get_insight
from .sessions import next_seq
from .themes import move_into, theme_field


def moderate(session: Session, insight_id, data: dict) -> Insight:
    """Facilitator changes: status (approve, hide, restore), pin, a typo fix, or its theme."""
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with status, pinned, text or theme_id.")
    insight = not_withdrawn(get_insight(session, insight_id))
    was_public = insight.public
    if insight.merged_into_id and data.get("status") == InsightStatus.VISIBLE:
        raise Conflict(
            "This insight was merged into another one; it cannot be shown again.",
            code="insight_merged",
            merged_into=insight.merged_into_id,
        )
    if "status" in data:
        if data["status"] not in (InsightStatus.VISIBLE, InsightStatus.HIDDEN):
            raise Invalid("Status must be 'visible' or 'hidden'.", field="status")
        insight.status = data["status"]
    pinned = bool_field(data, "pinned")
    if pinned is not None:
        insight.pinned = pinned
    if "text" in data:
        text = text_field(data, "text", max_length=session.setting("max_length"))
        if text != insight.text:
            insight.original_text = insight.original_text or insight.text
            insight.text = text
    theme_moved = False
    if "theme_id" in data:
        theme_id = theme_field(session, data)
        theme_moved = insight.theme_id != theme_id
        move_into(session, insight, theme_id)
    if not (set(data) & {"status", "pinned", "text", "theme_id"}):
        raise BadRequest("Nothing to change: send status, pinned, text or theme_id.")
    insight.seq = next_seq(session)
    made = [changes.InsightChanged(session, insight, was_public=was_public)]
    if theme_moved or (insight.theme_id and was_public != insight.public):
        made.append(changes.ThemesChanged(session))  # a theme's (visible) insights changed
    if session.spotlight_insight_id == insight.id and not insight.public:
        session.spotlight_insight_id = None
        made.insert(0, changes.SpotlightChanged(session, None))
    changes.commit(*made)
    return insight


def not_withdrawn(insight: Insight) -> Insight:
    """A withdrawn insight is its author's decision: no moderation brings it back."""
    if insight.status == InsightStatus.WITHDRAWN:
        raise Conflict("Its author withdrew this insight.", code="withdrawn")
    return insight


def merge_insights(session: Session, insight_id, data: dict) -> tuple[Insight, Insight]:
    """Fold a duplicate into the insight that is kept; return (merged, kept).

    The duplicate is hidden and points to the kept one; its "herkenbaar" votes move over, counted
    once per participant (and never for the kept one's own author).
    """
    if not isinstance(data, dict):
        raise BadRequest('Send {"into": <id of the insight to keep>}.')
    merged = not_withdrawn(get_insight(session, insight_id))
    kept = not_withdrawn(get_insight(session, id_field(data, "into")))
    if kept.id == merged.id:
        raise Conflict("An insight cannot be merged into itself.", code="merge_into_self")
    if merged.merged_into_id:
        raise Conflict(
            "This insight was already merged.", code="already_merged", into=merged.merged_into_id
        )
    if kept.merged_into_id or kept.status == InsightStatus.HIDDEN:
        raise Conflict(
            "Keep an insight that is visible or waiting, not a hidden or merged one.",
            code="insight_not_visible",
        )
    # Seq first: the session's write lock, taken before the votes as a vote takes it (no deadlock).
    # Then both are read again: a vote committed while this waited changed their counts, and the
    # ORM writes `merged.votes = 0` only if it differs from what it last read.
    merged_seq, kept_seq = next_seq(session), next_seq(session)
    db.session.refresh(merged)
    db.session.refresh(kept)
    merged_was_public, kept_was_public = merged.public, kept.public
    merged.seq, kept.seq = merged_seq, kept_seq
    voters = set(db.session.scalars(select(Vote.participant_id).filter_by(insight_id=merged.id)))
    already = set(db.session.scalars(select(Vote.participant_id).filter_by(insight_id=kept.id)))
    db.session.execute(Vote.__table__.delete().where(Vote.__table__.c.insight_id == merged.id))
    for participant_id in sorted(voters - already - {kept.participant_id}):
        db.session.add(Vote(insight_id=kept.id, participant_id=participant_id))
    db.session.flush()
    kept.votes = db.session.scalar(
        select(func.count()).select_from(Vote).filter_by(insight_id=kept.id)
    )
    merged.votes = 0
    themed = bool(merged.theme_id or kept.theme_id)
    kept.theme_id = kept.theme_id or merged.theme_id  # the kept one carries the theme on
    merged.theme_id = None
    merged.status = InsightStatus.HIDDEN
    merged.pinned = False
    merged.merged_into_id = kept.id
    made = [
        changes.InsightChanged(session, merged, was_public=merged_was_public),
        changes.InsightChanged(session, kept, was_public=kept_was_public),
    ]
    if session.spotlight_insight_id == merged.id:
        session.spotlight_insight_id = None
        made.insert(0, changes.SpotlightChanged(session, None))
    if themed:
        made.append(changes.ThemesChanged(session))
    changes.commit(*made)
    return merged, kept


def set_spotlight(session: Session, insight_id: int | None) -> Insight | None:
    insight = None
    if insight_id is not None:
        insight = get_insight(session, insight_id)
        if not insight.public:
            raise Conflict("Only a visible insight can be spotlighted.", code="insight_not_visible")
    session.spotlight_insight_id = insight.id if insight else None
    changes.commit(changes.SpotlightChanged(session, insight))
    return insight


def reveal_withheld(session: Session) -> None:
    """End silent writing: every withheld insight becomes visible, each with a new seq."""
    withheld = db.session.scalars(
        select(Insight).filter_by(session_id=session.id, withheld=True).order_by(Insight.id)
    ).all()
    for insight in withheld:
        insight.withheld = False
        insight.seq = next_seq(session)
    made = [changes.InsightChanged(session, i, was_public=False) for i in withheld]
    if any(insight.theme_id for insight in withheld):
        made.append(changes.ThemesChanged(session))  # their themes show them now
    changes.commit(*made)
