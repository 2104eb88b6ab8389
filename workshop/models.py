"""The domain's tables: Event, Session, Table, Participant, Insight, Vote, TableSummary, Story,
Theme, ThemeVote."""

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, UniqueConstraint, and_, func, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .session_settings import DEFAULT_SETTINGS, defaults


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(db.TypeDecorator):
    """Store UTC, always hand back aware datetimes (SQLite forgets the zone)."""

    impl = db.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class SessionState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    ARCHIVED = "archived"


class InsightStatus(StrEnum):
    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"  # by its author: a tombstone without text, shown nowhere


class QuoteConsent(StrEnum):
    """How a participant agreed to be quoted after the session (domain/consent.py), most open first."""

    NAME = "name"  # name, role, organisation and place
    ORGANISATION = "organisation"  # organisation and place, no name
    ANONYMOUS = "anonymous"  # "een deelnemer", with the organisation type
    ROOM = "room"  # wall and console during the session only: never in an export or on a page


class Published:
    """A published page at /p/<slug>: a random slug while published, None otherwise."""

    publication_slug: Mapped[str | None] = mapped_column(db.String(64), unique=True)
    publication_listed: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Published, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sessions: Mapped[list["Session"]] = relationship(back_populates="event")


class Session(Published, db.Model):
    """One workshop session: its tables, participants and insights, and the live state of the room."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(db.String(6), unique=True)
    title: Mapped[str] = mapped_column(db.String(200))
    description: Mapped[str] = mapped_column(db.Text, default="")
    language: Mapped[str] = mapped_column(db.String(2), default="nl")
    state: Mapped[str] = mapped_column(db.String(10), default=SessionState.DRAFT)
    facilitator_key_hash: Mapped[str] = mapped_column(db.String(64))
    settings: Mapped[dict] = mapped_column(JSON, default=defaults)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    seq: Mapped[int] = mapped_column(default=0)
    round_number: Mapped[int] = mapped_column(default=0)
    round_title: Mapped[str] = mapped_column(db.String(200), default="")
    round_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    spotlight_insight_id: Mapped[int | None] = mapped_column(
        ForeignKey("insight.id", ondelete="SET NULL", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The session's own tag set (same shape as data/wijkkompas.json); None: the Wijkkompas set.
    tag_set: Mapped[dict | None] = mapped_column(JSON)

    event: Mapped[Event | None] = relationship(back_populates="sessions")
    tables: Mapped[list["Table"]] = relationship(
        back_populates="session", order_by="Table.position", cascade="all, delete-orphan"
    )

    def setting(self, name: str):
        return (self.settings or {}).get(name, DEFAULT_SETTINGS.get(name))

    @property
    def accepts_posts(self) -> bool:
        return self.state == SessionState.OPEN


class Table(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(db.String(120))
    question: Mapped[str] = mapped_column(db.Text, default="")
    host: Mapped[str] = mapped_column(db.String(120), default="")
    colour: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    # Part of the host link's signed scope: a table that gets a deleted table's id (SQLite reuses
    # the last id) must not open for that table's old host link. NULL for tables made before it.
    host_nonce: Mapped[str | None] = mapped_column(
        db.String(16), default=lambda: secrets.token_hex(6)
    )

    session: Mapped[Session] = relationship(back_populates="tables")
    summary: Mapped["TableSummary | None"] = relationship(cascade="all, delete-orphan")
    story: Mapped["Story | None"] = relationship(cascade="all, delete-orphan")


class Participant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    name: Mapped[str] = mapped_column(db.String(80), default="")
    organisation_type: Mapped[str | None] = mapped_column(db.String(40))
    organisation: Mapped[str] = mapped_column(db.String(120), default="", server_default="")
    role: Mapped[str] = mapped_column(db.String(80), default="", server_default="")
    place: Mapped[str] = mapped_column(db.String(80), default="", server_default="")
    quote_consent: Mapped[str] = mapped_column(
        db.String(20), default=QuoteConsent.ANONYMOUS, server_default=QuoteConsent.ANONYMOUS
    )
    # When the participant answered the consent question; None: not asked yet (the phone asks
    # before the first post, and until then "anonymous" holds).
    consent_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("table.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Insight(db.Model):
    """One post. `seq` is the session's change counter at this insight's last visible change."""

    __table_args__ = (
        UniqueConstraint("session_id", "client_id", name="uq_insight_client_id"),
        Index("ix_insight_session_seq", "session_id", "seq"),
        UniqueConstraint("photo", name="uq_insight_photo"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("session.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("table.id", ondelete="RESTRICT"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    client_id: Mapped[str] = mapped_column(db.String(64))
    text: Mapped[str] = mapped_column(db.Text)
    original_text: Mapped[str | None] = mapped_column(db.Text)
    kind: Mapped[str | None] = mapped_column(db.String(40))
    perspectives: Mapped[list] = mapped_column(JSON, default=list)
    phase: Mapped[str | None] = mapped_column(db.String(40))
    anonymous: Mapped[bool] = mapped_column(default=False)
    # This post's own consent to be quoted; None: the participant's choice (`consent_level`).
    quote_consent: Mapped[str | None] = mapped_column(db.String(20))
    status: Mapped[str] = mapped_column(db.String(10), default=InsightStatus.VISIBLE)
    withheld: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    votes: Mapped[int] = mapped_column(default=0)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("insight.id"))
    # The facilitator's theme across tables (domain/themes.py); an insight is in one at most.
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), index=True
    )
    round: Mapped[int] = mapped_column(default=0)
    seq: Mapped[int] = mapped_column(default=0)
    # The photo's random file name stem in MEDIA_DIR (workshop/media.py), or None: no photo.
    photo: Mapped[str | None] = mapped_column(db.String(40))
    photo_width: Mapped[int | None] = mapped_column()
    photo_height: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    table: Mapped[Table] = relationship()
    participant: Mapped[Participant | None] = relationship()

    @hybrid_property
    def public(self) -> bool:
        """Whether walls and phones may see it (facilitators see everything); also a SQL filter."""
        return self.status == InsightStatus.VISIBLE and not self.withheld

    @public.inplace.expression
    @classmethod
    def _public_where(cls):
        return and_(cls.status == InsightStatus.VISIBLE, cls.withheld.is_(False))

    @hybrid_property
    def consent_level(self) -> str:
        """The consent this post is quoted by: its own, else its author's, else "anonymous"."""
        if self.quote_consent:
            return self.quote_consent
        if self.participant is not None and self.participant.quote_consent:
            return self.participant.quote_consent
        return QuoteConsent.ANONYMOUS

    @consent_level.inplace.expression
    @classmethod
    def _consent_level_sql(cls):
        author = (
            select(Participant.quote_consent)
            .where(Participant.id == cls.participant_id)
            .scalar_subquery()
        )
        return func.coalesce(cls.quote_consent, author, QuoteConsent.ANONYMOUS.value)

    @hybrid_property
    def quotable(self) -> bool:
        """Whether a document may quote it: public, and not kept to the room ("room")."""
        return self.public and self.consent_level != QuoteConsent.ROOM

    @quotable.inplace.expression
    @classmethod
    def _quotable_where(cls):
        return and_(cls.public, cls.consent_level != QuoteConsent.ROOM.value)


class Vote(db.Model):
    """A "herkenbaar": one participant recognises one insight."""

    insight_id: Mapped[int] = mapped_column(
        ForeignKey("insight.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TableSummary(db.Model):
    """The table host's key messages, written at the end of the session."""

    table_id: Mapped[int] = mapped_column(
        ForeignKey("table.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(db.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Story(db.Model):
    """The table's narrative (Markdown), edited by the facilitator or organiser for publishing."""

    table_id: Mapped[int] = mapped_column(
        ForeignKey("table.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(db.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Theme(db.Model):
    """A named theme the facilitator gathers insights into, from any table of the session."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(db.String(120))
    position: Mapped[int] = mapped_column(default=0)
    votes: Mapped[int] = mapped_column(default=0)  # the ThemeVote rows, counted at each vote
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ThemeVote(db.Model):
    """One participant's vote for one theme (one per participant per theme, toggled)."""

    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
