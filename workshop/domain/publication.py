"""Publishing a session or an event at /p/<slug>: a random slug while published, none after.

The slug is the only key to an unlisted page, so it is random (128 bits) and never reused:
unpublishing forgets it (the old address answers 404 from then on) and publishing again makes
a new one. `listed` only says whether search engines may index the page.
"""

import secrets

from sqlalchemy import select

from ..errors import N_, Conflict, NotFound
from ..extensions import db
from ..models import Event, Session, utcnow
from .fields import bool_field

SLUG_BYTES = 16  # 128 bits, 22 URL-safe characters


def publish(target: Session | Event, data: dict) -> Session | Event:
    """Publish (or change `listed` of an already published page, keeping its slug)."""
    listed = bool_field(data, "listed")
    if target.publication_slug is None:
        target.publication_slug = secrets.token_urlsafe(SLUG_BYTES)
        target.published_at = utcnow()
        target.publication_listed = bool(listed)
    elif listed is not None:
        target.publication_listed = listed
    db.session.commit()
    return target


def unpublish(target: Session | Event) -> None:
    if target.publication_slug is None:
        raise Conflict(N_("This is not published."), code="not_published")
    target.publication_slug = None
    target.publication_listed = False
    target.published_at = None
    db.session.commit()


def published(slug: str) -> Session | Event:
    """The session or event published under this slug, or 404."""
    if isinstance(slug, str) and 0 < len(slug) <= 64:
        for model in (Session, Event):
            found = db.session.scalar(select(model).filter_by(publication_slug=slug))
            if found is not None:
                return found
    raise NotFound(N_("Nothing is published at this address."), code="page_not_found")


def published_sessions(event: Event) -> list[Session]:
    """An event's sessions that are published themselves, oldest first."""
    return sorted(
        (s for s in event.sessions if s.publication_slug), key=lambda s: (s.created_at, s.id)
    )
