"""A session's life: create it, find it by code, move it through its states, its tag set."""

from sqlalchemy import select, update

from .. import inputs, tags
from ..errors import N_, Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Insight, Participant, Session, SessionState, Table
from ..security import new_join_code, new_token, normalise_join_code, token_hash
from ..session_settings import DEFAULT_SETTINGS
from . import changes
from .events import get_event
from .fields import text_field
from .tables import MAX_TABLES, TABLE_COLOURS, clean_table

TRANSITIONS = {
    SessionState.DRAFT: {SessionState.OPEN, SessionState.CLOSED},
    SessionState.OPEN: {SessionState.PAUSED, SessionState.CLOSED},
    SessionState.PAUSED: {SessionState.OPEN, SessionState.CLOSED},
    SessionState.CLOSED: {SessionState.OPEN, SessionState.ARCHIVED},
    SessionState.ARCHIVED: {SessionState.CLOSED},
}


def get_session(code: str) -> Session:
    code = normalise_join_code(code)
    # Only letters and digits can be a code; anything else (NUL, which PostgreSQL refuses in a
    # query, or a lone surrogate) is simply not one.
    found = code.isascii() and code.isalnum()
    session = db.session.scalar(select(Session).filter_by(code=code)) if found else None
    if session is None:
        raise NotFound(
            "No session with that code. Check the code on the screen.", code="session_not_found"
        )
    return session


def create_session(
    title: str,
    language: str = "nl",
    template: str | None = None,
    tables: list | None = None,
    event_id: int | None = None,
    description: str | None = None,
) -> tuple[Session, str]:
    """Create a session in draft with its tables; return it with its facilitator key (shown once).

    Without a title, a template's own title (in the session's language) is used.
    """
    if language not in ("nl", "en"):
        raise Invalid("Language must be 'nl' or 'en'.", field="language")
    if template not in (None, "", *tags.session_templates()):
        raise Invalid(f"Unknown template '{template}'.", field="template")
    if template and (title is None or (isinstance(title, str) and not title.strip())):
        title = tags.session_templates()[template][language].get("title") or title
    title = text_field({"title": title}, "title", max_length=200)
    if description is not None:
        description = inputs.clean_text(description, "description")
    if tables is not None and not isinstance(tables, list):
        raise Invalid("Field 'tables' must be a list of {name, question}.", field="tables")
    if event_id is not None:
        get_event(event_id)
    table_specs = list(tables or [])
    if template:
        preset = tags.session_templates()[template][language]
        table_specs = preset["tables"] + table_specs
        description = description or preset["description"]
    if len(table_specs) > MAX_TABLES:
        raise Invalid(f"At most {MAX_TABLES} tables.", field="tables")
    cleaned = [clean_table(spec) for spec in table_specs]

    key = new_token()
    session = Session(
        code=unused_join_code(),
        title=title,
        description=(description or "")[:2000],
        language=language,
        state=SessionState.DRAFT,
        facilitator_key_hash=token_hash(key),
        settings=dict(DEFAULT_SETTINGS),
        event_id=event_id,
    )
    for position, (name, question) in enumerate(cleaned):
        session.tables.append(
            Table(name=name, question=question, position=position, colour=position % TABLE_COLOURS)
        )
    db.session.add(session)
    db.session.commit()
    return session, key


def unused_join_code() -> str:
    for _ in range(50):
        code = new_join_code()
        if not db.session.scalar(select(Session.id).filter_by(code=code)):
            return code
    raise RuntimeError("Could not find a free join code")


def rotate_facilitator_key(session: Session) -> str:
    key = new_token()
    session.facilitator_key_hash = token_hash(key)
    changes.commit(changes.FacilitatorKeyRotated(session))
    return key


def change_state(session: Session, state: str) -> Session:
    try:
        target = SessionState(state)
    except ValueError:
        raise Invalid(
            f"Unknown state '{state}'.", field="state", allowed=[s.value for s in SessionState]
        ) from None
    current = SessionState(session.state)
    if target == current:
        return session
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"A session cannot go from {current} to {target}.", code="invalid_transition"
        )
    session.state = target
    first_open = target == SessionState.OPEN and session.round_number == 0
    if first_open:
        session.round_number = 1
    # Closing ends the round: no timer keeps counting down on the wall of a finished session.
    stop_timer = target in (SessionState.CLOSED, SessionState.ARCHIVED) and session.round_ends_at
    if stop_timer:
        session.round_ends_at = None
    made = [changes.SessionChanged(session)]
    if first_open or stop_timer:
        made.append(changes.RoundChanged(session))
    changes.commit(*made)
    return session


def require_open(session: Session, while_paused: str | None = None) -> None:
    """Joins, posts and votes only while the session is open: 409.

    `while_paused` says what a paused session means for this action, if not the post's message.
    """
    if not session.accepts_posts:
        message = session_not_open_message(session)
        if while_paused and session.state == SessionState.PAUSED:
            message = while_paused
        raise Conflict(message, code="session_not_open")


def require_running(session: Session) -> None:
    """Rounds change only while the session runs (open or paused), as the console offers."""
    if session.state not in (SessionState.OPEN, SessionState.PAUSED):
        raise Conflict(session_not_open_message(session), code="session_not_open")


def session_not_open_message(session: Session) -> str:
    return {
        SessionState.DRAFT: N_("This session has not started yet."),
        SessionState.PAUSED: N_("The session is paused; your text is kept until it reopens."),
    }.get(session.state, N_("This session is closed."))


def next_seq(session: Session) -> int:
    """Take the session's next change number, atomically across processes."""
    return db.session.execute(
        update(Session.__table__)
        .where(Session.__table__.c.id == session.id)
        .values(seq=Session.__table__.c.seq + 1)
        .returning(Session.__table__.c.seq)
    ).scalar_one()


def set_tag_set(session: Session, source) -> Session:
    """Give a session its own tag set (JSON/YAML text or an already parsed object), or None to go
    back to the Wijkkompas set. Tags that insights or participants already use must stay."""
    if source is None:
        document = None
    else:
        try:
            document = (
                tags.parse(source) if isinstance(source, str | bytes) else tags.validate(source)
            )
        except tags.TagSetError as error:
            raise Invalid(
                error.message, code="invalid_tag_set", line=error.line, path=error.path
            ) from None
    new = tags.for_session(None) if document is None else tags.TagSet(document)
    for kind, column in (("kinds", Insight.kind), ("phases", Insight.phase)):
        used = db.session.scalars(
            select(column).distinct().where(Insight.session_id == session.id, column.is_not(None))
        ).all()
        missing_in_use(kind, used, new)
    used_perspectives = {
        p
        for row in db.session.scalars(select(Insight.perspectives).filter_by(session_id=session.id))
        for p in row or []
    }
    missing_in_use("perspectives", used_perspectives, new)
    organisations = db.session.scalars(
        select(Participant.organisation_type)
        .distinct()
        .where(Participant.session_id == session.id, Participant.organisation_type.is_not(None))
    ).all()
    missing_in_use("organisation_types", organisations, new)
    session.tag_set = document
    changes.commit(changes.SessionChanged(session))
    return session


def missing_in_use(kind: str, used, tag_set) -> None:
    missing = sorted(set(used) - set(tag_set.keys(kind)))
    if missing:
        raise Invalid(
            f"The session already uses {kind} {', '.join(missing)}; keep them in the new tag set.",
            code="tag_in_use",
            field=kind,
            missing=missing,
        )


def rename_session(session: Session, data: dict) -> Session:
    session.title = text_field(data, "title", max_length=200)
    db.session.commit()
    return session
