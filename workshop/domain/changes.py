"""What a domain operation changed, handed after its commit to whoever subscribed (the publisher).

The domain knows nothing of Socket.IO: it commits, then reports its changes in order.
`create_app` subscribes the realtime publisher, which turns them into events for the rooms.
"""

from collections.abc import Callable
from dataclasses import dataclass

from ..extensions import db
from ..models import Insight, Participant, Session


@dataclass(frozen=True)
class OfSession:
    """A change that concerns one session as a whole."""

    session: Session


@dataclass(frozen=True)
class InsightChanged(OfSession):
    """An insight was posted or changed; `was_public=None` means it is new."""

    insight: Insight
    was_public: bool | None


@dataclass(frozen=True)
class InsightWithdrawn(OfSession):
    """Its author withdrew it: it leaves every wall, phone and console."""

    insight: Insight
    was_public: bool


class SessionChanged(OfSession):
    """Title, state, settings, tables or tag set: everyone gets the whole session again."""


class CountsChanged(OfSession):
    """Only the counts moved (silent mode shows counts, not texts)."""


class RoundChanged(OfSession):
    """A round started, or its timer changed or stopped."""


class ThemesChanged(OfSession):
    """A theme was made, renamed, moved, removed or voted on, or its insights changed."""


class FacilitatorKeyRotated(OfSession):
    """The old key and every console and host link made with it stop working."""


@dataclass(frozen=True)
class SpotlightChanged(OfSession):
    insight: Insight | None


@dataclass(frozen=True)
class ParticipantMoved:
    participant: Participant
    old_table_id: int | None


Change = (
    InsightChanged
    | InsightWithdrawn
    | SessionChanged
    | CountsChanged
    | RoundChanged
    | SpotlightChanged
    | ParticipantMoved
    | FacilitatorKeyRotated
    | ThemesChanged
)
subscribers: list[Callable[[Change], None]] = []


def subscribe(subscriber: Callable[[Change], None]) -> None:
    """Hand every change to `subscriber` from now on (once, however many apps are created)."""
    if subscriber not in subscribers:
        subscribers.append(subscriber)


def publish(*changes: Change) -> None:
    """Report changes that are committed already, in the order they were made."""
    for change in changes:
        for subscriber in subscribers:
            subscriber(change)


def commit(*changes: Change) -> None:
    """Commit, then report: a wall never shows what the database does not hold."""
    db.session.commit()
    publish(*changes)
