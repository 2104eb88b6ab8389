"""Themes across tables: the facilitator gathers insights from any table into named themes, and
participants vote on them (one vote per participant per theme, toggled).

`themes_of` is the one read of a session's themes: the API, the live events, every export and the
published page call it, so they all show the same themes with the same insights and votes.
"""

import logging
import subprocess
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from .. import ratelimit
from ..errors import N_, BadRequest, Conflict, DomainError, Invalid, NotFound
from ..extensions import db
from ..models import Insight, InsightStatus, Participant, Session, Theme, ThemeVote
from . import changes, suggestions
from .fields import id_field, is_row_id, text_field
from .insights import get_insight
from .sessions import next_seq, require_open
from .toggles import toggle_vote

log = logging.getLogger(__name__)
MAX_THEME_NAME = 120
MAX_THEMES = 100  # per session: more than a wall can show, enough for any afternoon
MAX_SUGGESTED = 2000  # the newest insights suggestions look at (1,000 take about 1.2 s)


@dataclass
class ThemeSummary:
    """A theme with its insights (most recognised first) and its votes."""

    theme: Theme
    insights: list[Insight]

    @property
    def id(self) -> int:
        return self.theme.id

    @property
    def name(self) -> str:
        return self.theme.name

    @property
    def votes(self) -> int:
        return self.theme.votes


def themes_of(session: Session, *, public: bool = True) -> list[ThemeSummary]:
    """The session's themes in their order, each with its insights.

    `public=True` (walls, phones, exports, the published page): visible insights only;
    `public=False` (the facilitator): every insight of the theme, pending and hidden ones too.
    """
    themes = db.session.scalars(
        select(Theme).filter_by(session_id=session.id).order_by(Theme.position, Theme.id)
    ).all()
    if not themes:
        return []
    query = (
        select(Insight)
        .where(Insight.session_id == session.id, Insight.theme_id.is_not(None))
        .order_by(Insight.votes.desc(), Insight.id)
    )
    if public:
        query = query.where(Insight.public)
    by_theme: dict[int, list[Insight]] = {theme.id: [] for theme in themes}
    for insight in db.session.scalars(query):
        by_theme.setdefault(insight.theme_id, []).append(insight)
    return [ThemeSummary(theme, by_theme[theme.id]) for theme in themes]


def voted_theme_ids(participant: Participant) -> list[int]:
    """The themes this participant voted for (the phone marks them)."""
    return list(
        db.session.scalars(
            select(ThemeVote.theme_id)
            .filter_by(participant_id=participant.id)
            .order_by(ThemeVote.theme_id)
        )
    )


def get_theme(session: Session, theme_id) -> Theme:
    theme = db.session.get(Theme, theme_id) if is_row_id(theme_id) else None
    if theme is None or theme.session_id != session.id:
        raise NotFound(N_("No such theme in this session."), code="theme_not_found")
    return theme


def theme_name(data: dict) -> str:
    return text_field(data, "name", max_length=MAX_THEME_NAME)


def create_theme(session: Session, data: dict) -> Theme:
    """A new theme at the end of the list; `insight_ids` (optional) go into it at once, which is
    how the console accepts a suggested group in one click."""
    if not isinstance(data, dict):
        raise BadRequest('Send {"name": "..."}.')
    name = theme_name(data)
    insights = insights_named(session, data.get("insight_ids"))
    count = db.session.scalar(
        select(func.count()).select_from(Theme).filter_by(session_id=session.id)
    )
    if count >= MAX_THEMES:
        raise Conflict(f"A session holds at most {MAX_THEMES} themes.", code="too_many_themes")
    last = db.session.scalar(select(func.max(Theme.position)).filter_by(session_id=session.id))
    theme = Theme(session_id=session.id, name=name, position=(last or 0) + 1 if count else 0)
    db.session.add(theme)
    db.session.flush()
    made = [move_into(session, insight, theme.id) for insight in insights]
    changes.commit(*[change for change in made if change], changes.ThemesChanged(session))
    return theme


def insights_named(session: Session, insight_ids) -> list[Insight]:
    """The insights of a body's `insight_ids` (each of this session), without repeats."""
    if insight_ids is None:
        return []
    if not isinstance(insight_ids, list) or len(insight_ids) > 1000:
        raise BadRequest(
            "Field 'insight_ids' must be a list of at most 1000 insight ids.", field="insight_ids"
        )
    found = {}
    for value in insight_ids:
        insight_id = id_field({"insight_ids": value}, "insight_ids")
        found.setdefault(insight_id, get_insight(session, insight_id))
    return list(found.values())


def update_theme(session: Session, theme_id, data: dict) -> Theme:
    """Rename a theme or move it to another place in the order."""
    theme = get_theme(session, theme_id)
    if not isinstance(data, dict) or not set(data) & {"name", "order"}:
        raise BadRequest("Nothing to change: send name or order.")
    if "name" in data:
        theme.name = theme_name(data)
    if "order" in data:
        order = data["order"]
        themes = db.session.scalars(
            select(Theme).filter_by(session_id=session.id).order_by(Theme.position, Theme.id)
        ).all()
        if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order < len(themes):
            raise Invalid(
                f"Field 'order' must be a whole number from 0 to {len(themes) - 1}.",
                field="order",
            )
        themes.remove(theme)
        themes.insert(order, theme)
        for position, each in enumerate(themes):
            each.position = position
    changes.commit(changes.ThemesChanged(session))
    return theme


def delete_theme(session: Session, theme_id) -> None:
    """Remove a theme: its insights stay where they were, without a theme; its votes go."""
    theme = get_theme(session, theme_id)
    members = db.session.scalars(
        select(Insight).filter_by(session_id=session.id, theme_id=theme.id).order_by(Insight.id)
    ).all()
    made = [move_into(session, insight, None) for insight in members]
    db.session.execute(delete(ThemeVote).where(ThemeVote.theme_id == theme.id))
    db.session.delete(theme)
    changes.commit(*[change for change in made if change], changes.ThemesChanged(session))


def move_into(session: Session, insight: Insight, theme_id: int | None):
    """Put an insight in a theme (None: out of any); the change clients must see, or None."""
    if insight.theme_id == theme_id:
        return None
    if theme_id is not None and insight.merged_into_id:
        raise Conflict(
            "This insight was merged into another one; put that one in the theme.",
            code="insight_merged",
            merged_into=insight.merged_into_id,
        )
    insight.theme_id = theme_id
    insight.seq = next_seq(session)  # a change every client must see, like a pin
    return changes.InsightChanged(session, insight, was_public=insight.public)


def theme_field(session: Session, data: dict) -> int | None:
    """`theme_id` of a moderation body: a theme of this session, or null to take it out."""
    value = data.get("theme_id")
    if value is None:
        return None
    return get_theme(session, id_field(data, "theme_id")).id


def vote_theme(session: Session, participant: Participant, theme_id) -> tuple[int, bool]:
    """Toggle one participant's vote for one theme; return the theme's votes and whether it is on."""
    require_open(session, N_("The session is paused; you can vote on themes when it continues."))
    if theme_id is None:
        raise BadRequest(N_("Say which theme: send theme_id."), field="theme_id")
    theme = get_theme(session, id_field({"theme_id": theme_id}, "theme_id"))
    ratelimit.spend_action(participant, N_("Slow down a little: too many votes at once."))
    # Lock the theme's row first, so two taps of one participant take turns across
    # connections and processes (on PostgreSQL both would otherwise insert and one would fail).
    db.session.execute(update(Theme).where(Theme.id == theme.id).values(votes=Theme.votes))
    votes, added = toggle_vote(ThemeVote, Theme, "theme_id", theme.id, participant.id)
    changes.commit(changes.ThemesChanged(session))
    return votes, added


def suggestion_candidates(session: Session) -> list[Insight]:
    """What suggestions are made of: visible insights that are in no theme yet."""
    return list(
        db.session.scalars(
            select(Insight)
            .where(
                Insight.session_id == session.id,
                Insight.status == InsightStatus.VISIBLE,
                Insight.merged_into_id.is_(None),
                Insight.theme_id.is_(None),
            )
            .order_by(Insight.id)
        )
    )


def suggest_themes(session: Session) -> list[suggestions.Group]:
    """Groups of visible insights, in no theme yet, that say the same in other words."""
    ratelimit.theme_suggestions.check(
        session.id, "Suggestions take a moment to compute; ask again in a few seconds."
    )
    candidates = suggestion_candidates(session)[-MAX_SUGGESTED:]
    items = [(insight.id, insight.text) for insight in candidates]
    try:
        return suggestions.suggest_apart(items, session.language)
    except (OSError, ValueError, subprocess.SubprocessError) as error:
        log.error("theme suggestions failed: %s %s", error, getattr(error, "stderr", "") or "")
        raise DomainError(
            "The suggestions could not be computed just now; try again.",
            code="suggestions_unavailable",
            status=503,
        ) from None
