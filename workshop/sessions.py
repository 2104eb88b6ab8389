"""Domain operations. Views, the API, socket handlers and the CLI all call these.

Each operation validates, writes, commits, and only then broadcasts: a wall never shows what the
database does not hold.
"""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy import text as text_sql
from sqlalchemy.exc import IntegrityError

from . import broadcast, inputs, payloads, ratelimit, tags
from .errors import N_, BadRequest, Conflict, Forbidden, Invalid, NotFound
from .extensions import db
from .models import (
    DEFAULT_SETTINGS,
    Event,
    Insight,
    InsightStatus,
    Participant,
    Session,
    SessionState,
    Table,
    TableSummary,
    Vote,
)
from .security import new_join_code, new_token, normalise_join_code, token_hash

TABLE_COLOURS = 8
MAX_TABLES = 30
TRANSITIONS = {
    SessionState.DRAFT: {SessionState.OPEN, SessionState.CLOSED},
    SessionState.OPEN: {SessionState.PAUSED, SessionState.CLOSED},
    SessionState.PAUSED: {SessionState.OPEN, SessionState.CLOSED},
    SessionState.CLOSED: {SessionState.OPEN, SessionState.ARCHIVED},
    SessionState.ARCHIVED: {SessionState.CLOSED},
}
WALL_VIEWS = ("tables", "perspectives", "compass", "stats", "summaries", "mix")
WALL_SORTS = ("newest", "votes")
WALL_THEMES = ("dark", "light")


# --- validation helpers -------------------------------------------------------------------------


def text_field(data: dict, name: str, *, max_length: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"Field '{name}' is required.", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid(f"Field '{name}' must be text.", field=name)
    value = inputs.clean_text(value, name).strip()
    if required and not value:
        raise Invalid(f"Field '{name}' must not be empty.", field=name)
    if len(value) > max_length:
        raise Invalid(
            f"Field '{name}' is {len(value)} characters; at most {max_length} are allowed.",
            code="too_long",
            field=name,
        )
    return value


def id_field(data: dict, name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"Field '{name}' is required.", field=name)
        return None
    value = inputs.whole_number(value)  # "12" from a form; not "²", which int() refuses
    if value is None or not 0 < value < 2**62:
        raise Invalid(f"Field '{name}' must be a positive whole number.", field=name)
    return value


def tag_field(data: dict, name: str, tag_set: str, session: Session | None = None) -> str | None:
    """A tag key from the session's own tag set (or the default one), or None."""
    value = data.get(name)
    if value in (None, ""):
        return None
    known = tags.for_session(session).keys(tag_set)
    if value not in known:
        raise Invalid(f"Unknown {name} '{value}'.", field=name, allowed=known)
    return value


def bool_field(data: dict, name: str) -> bool | None:
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid(f"Field '{name}' must be true or false.", field=name)
    return value


# --- sessions and tables ------------------------------------------------------------------------


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


def check_facilitator(session: Session, key: str | None) -> None:
    """Allow the session's facilitator key, its console token or the organiser token."""
    if not key:
        raise Forbidden("This needs the facilitator key.", code="facilitator_key_required")
    accepted = (session.facilitator_key_hash, token_hash(console_token(session)), organiser_hash())
    if not key_matches(key, *accepted):
        raise Forbidden("That facilitator key is not valid for this session.", code="wrong_key")


def is_organiser(token: str | None) -> bool:
    return bool(token) and key_matches(token, organiser_hash())


def organiser_hash() -> str:
    return token_hash(current_app.config["ORGANISER_TOKEN"])


def key_matches(key: str, *stored_hashes: str) -> bool:
    """Whether a presented key is one of these; 429 while this address keeps sending wrong keys.

    Keys this address has used successfully before are still checked while it is throttled, so
    an open console or a script with the right key keeps working next to someone guessing.
    """
    address = ratelimit.client_address()
    presented = token_hash(key)
    ratelimit.key_guessing.check(address, presented)
    if any(hmac.compare_digest(presented, stored) for stored in stored_hashes):
        ratelimit.key_guessing.found(address, presented)
        return True
    ratelimit.key_guessing.missed(address)
    return False


def derived_secret(purpose: str, material: str) -> str:
    """An HMAC of stored material under SECRET_KEY: what signed cookies hold instead of a key."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{purpose}:{material}".encode(), hashlib.sha256).hexdigest()


def console_token(session: Session) -> str:
    """The console's credential in its cookie and page, instead of the facilitator key.

    Derived from the key's stored hash, so it cannot be turned back into the key, and it stops
    working when the key is rotated (or SECRET_KEY changes).
    """
    return derived_secret("console", session.facilitator_key_hash)


def is_console_token(session: Session, value) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and hmac.compare_digest(value, console_token(session))
    )


def organiser_sign_in() -> str:
    """What the signed cookie of /o/ holds for a signed-in organiser instead of the token."""
    return derived_secret("organiser", organiser_hash())


def is_organiser_sign_in(value) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and hmac.compare_digest(value, organiser_sign_in())
    )


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


def clean_table(spec) -> tuple[str, str]:
    if not isinstance(spec, dict):
        raise Invalid("A table is an object with a name and a question.", field="tables")
    name = text_field(spec, "name", max_length=120)
    question = text_field(spec, "question", max_length=1000, required=False) or ""
    return name, question


def rotate_facilitator_key(session: Session) -> str:
    key = new_token()
    session.facilitator_key_hash = token_hash(key)
    db.session.commit()
    broadcast.facilitator_key_rotated(session)
    return key


def get_table(session: Session, table_id) -> Table:
    table = db.session.get(Table, table_id) if is_row_id(table_id) else None
    if table is None or table.session_id != session.id:
        raise NotFound(N_("No such table in this session."), code="table_not_found")
    return table


def add_table(session: Session, data: dict) -> Table:
    if len(session.tables) >= MAX_TABLES:
        raise Invalid(f"At most {MAX_TABLES} tables.", field="tables")
    name, question = clean_table(data)
    position = max((t.position for t in session.tables), default=-1) + 1
    table = Table(name=name, question=question, position=position, colour=position % TABLE_COLOURS)
    session.tables.append(table)
    db.session.commit()
    broadcast.session_changed(session)
    return table


def update_table(session: Session, table_id: int, data: dict) -> Table:
    table = get_table(session, table_id)
    if "name" in data:
        table.name = text_field(data, "name", max_length=120)
    if "question" in data:
        table.question = text_field(data, "question", max_length=1000, required=False) or ""
    if "host" in data:
        table.host = text_field(data, "host", max_length=120, required=False) or ""
    if "order" in data:
        order = data["order"]
        if not isinstance(order, int) or isinstance(order, bool) or order < 0:
            raise Invalid("Field 'order' must be a whole number from 0.", field="order")
        others = [t for t in session.tables if t.id != table.id]
        others.insert(min(order, len(others)), table)
        for position, each in enumerate(others):
            each.position = position
    db.session.commit()
    db.session.refresh(session)
    broadcast.session_changed(session)
    return table


def delete_table(session: Session, table_id: int) -> None:
    table = get_table(session, table_id)
    if db.session.scalar(select(Insight.id).filter_by(table_id=table.id).limit(1)):
        raise Conflict(
            "This table holds insights; it can be renamed but not removed.", code="table_not_empty"
        )
    db.session.execute(
        update(Participant).where(Participant.table_id == table.id).values(table_id=None)
    )
    session.tables.remove(table)  # delete-orphan: removing it from the session deletes it
    db.session.commit()
    broadcast.session_changed(session)


def write_summary(session: Session, table_id: int, data: dict) -> TableSummary:
    table = get_table(session, table_id)
    text = text_field(data, "text", max_length=5000, required=False) or ""
    if "host" in data:  # the host may sign the summary from the host page
        table.host = text_field(data, "host", max_length=120, required=False) or ""
    summary = table.summary or TableSummary(table_id=table.id)
    summary.text = text
    table.summary = summary
    db.session.commit()
    broadcast.session_changed(session)
    return summary


# --- state, settings, rounds, spotlight ---------------------------------------------------------


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
    db.session.commit()
    broadcast.session_changed(session)
    if first_open or stop_timer:
        broadcast.round_changed(session)
    return session


def update_settings(session: Session, changes: dict) -> Session:
    if not isinstance(changes, dict):
        raise Invalid("Field 'settings' must be an object.", field="settings")
    settings = dict(DEFAULT_SETTINGS, **(session.settings or {}))
    for name, value in changes.items():
        if name not in DEFAULT_SETTINGS:
            raise Invalid(f"Unknown setting '{name}'.", field=name, allowed=list(DEFAULT_SETTINGS))
        if isinstance(DEFAULT_SETTINGS[name], bool) and not isinstance(value, bool):
            raise Invalid(f"Setting '{name}' must be true or false.", field=name)
        if name == "max_length" and (
            not isinstance(value, int) or isinstance(value, bool) or not 20 <= value <= 5000
        ):
            raise Invalid("Setting 'max_length' must be a number from 20 to 5000.", field=name)
        if name == "tag_sets" and (
            not isinstance(value, list)
            or not all(isinstance(kind, str) for kind in value)
            or not set(value) <= {"kinds", "perspectives", "phases"}
        ):
            raise Invalid(
                "Setting 'tag_sets' lists some of kinds, perspectives, phases.", field=name
            )
        if name == "wall_view" and value not in WALL_VIEWS:
            raise Invalid("Unknown wall view.", field=name, allowed=list(WALL_VIEWS))
        if name == "wall_sort" and value not in WALL_SORTS:
            raise Invalid("Unknown wall sort order.", field=name, allowed=list(WALL_SORTS))
        if name == "wall_theme" and value not in WALL_THEMES:
            raise Invalid("Unknown wall theme.", field=name, allowed=list(WALL_THEMES))
        settings[name] = value
    revealing = session.setting("silent") and not settings["silent"]
    session.settings = settings
    db.session.commit()
    broadcast.session_changed(session)
    if revealing:
        reveal_withheld(session)
    return session


def reveal_withheld(session: Session) -> None:
    """End silent writing: every withheld insight becomes visible, each with a new seq."""
    withheld = db.session.scalars(
        select(Insight).filter_by(session_id=session.id, withheld=True).order_by(Insight.id)
    ).all()
    for insight in withheld:
        insight.withheld = False
        insight.seq = next_seq(session)
    db.session.commit()
    for insight in withheld:
        broadcast.insight_changed(session, insight, was_public=False)


def require_running(session: Session) -> None:
    """Rounds change only while the session runs (open or paused), as the console offers."""
    if session.state not in (SessionState.OPEN, SessionState.PAUSED):
        raise Conflict(session_not_open_message(session), code="session_not_open")


def round_is_empty(session: Session) -> bool:
    return not db.session.scalar(
        select(func.count(Insight.id)).filter_by(session_id=session.id, round=session.round_number)
    )


def start_round(session: Session, data: dict) -> Session:
    """Start the next round; while the current one holds no insight yet, give it the title and
    timer instead, so the first "start round" after opening is round 1 (DESIGN section 10)."""
    title = text_field(data, "title", max_length=200, required=False) or ""
    minutes = data.get("minutes")
    if minutes is not None and (
        not isinstance(minutes, int | float) or isinstance(minutes, bool) or not 0 < minutes <= 600
    ):
        raise Invalid("Field 'minutes' must be a number from 0 to 600.", field="minutes")
    require_running(session)
    if session.round_number == 0 or not round_is_empty(session):
        session.round_number += 1
    session.round_title = title
    session.round_ends_at = datetime.now(UTC) + timedelta(minutes=minutes) if minutes else None
    db.session.commit()
    broadcast.round_changed(session)
    return session


def set_spotlight(session: Session, insight_id: int | None) -> Insight | None:
    insight = None
    if insight_id is not None:
        insight = get_insight(session, insight_id)
        if not insight.public:
            raise Conflict("Only a visible insight can be spotlighted.", code="insight_not_visible")
    session.spotlight_insight_id = insight.id if insight else None
    db.session.commit()
    broadcast.spotlight_changed(session, insight)
    return insight


def spotlight_insight(session: Session) -> Insight | None:
    if session.spotlight_insight_id is None:
        return None
    insight = db.session.get(Insight, session.spotlight_insight_id)
    return insight if insight is not None and insight.public else None


# --- tag sets -----------------------------------------------------------------------------------


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
    db.session.commit()
    broadcast.session_changed(session)
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


# --- participants -------------------------------------------------------------------------------


def join(session: Session, data: dict) -> tuple[Participant, str]:
    """Register a phone; return the participant and its token (kept in a cookie or by the client)."""
    require_open(session, N_("The session is paused; you can join as soon as it continues."))
    name = text_field(data, "name", max_length=80, required=False) or ""
    organisation_type = tag_field(data, "organisation_type", "organisation_types", session)
    table_id = id_field(data, "table_id", required=False)
    if table_id is not None:
        get_table(session, table_id)
    token = new_token()
    participant = Participant(
        session_id=session.id,
        token_hash=token_hash(token),
        name=name,
        organisation_type=organisation_type,
        table_id=table_id,
    )
    db.session.add(participant)
    db.session.commit()
    return participant, token


def participant_for(session: Session, token: str | None) -> Participant:
    if not token:
        raise_unauthorized("Join the session first: no participant token was sent.")
    participant = db.session.scalar(select(Participant).filter_by(token_hash=token_hash(token)))
    if participant is None or participant.session_id != session.id:
        raise_unauthorized("Unknown participant token for this session; join again.")
    return participant


def is_participant_token(session: Session, token: str) -> bool:
    return (
        db.session.scalar(
            select(Participant.id).filter_by(session_id=session.id, token_hash=token_hash(token))
        )
        is not None
    )


def raise_unauthorized(message: str):
    from .errors import Unauthorized

    raise Unauthorized(message, code="unknown_participant")


def update_participant(session: Session, participant: Participant, data: dict) -> Participant:
    """Move a phone to another table, or change its name and organisation type."""
    old_table = participant.table_id
    if "table_id" in data:
        table_id = id_field(data, "table_id", required=False)
        participant.table_id = get_table(session, table_id).id if table_id else None
    if "name" in data:
        participant.name = text_field(data, "name", max_length=80, required=False) or ""
    if "organisation_type" in data:
        participant.organisation_type = tag_field(
            data, "organisation_type", "organisation_types", session
        )
    db.session.commit()
    if participant.table_id != old_table:
        broadcast.participant_moved(participant, old_table)
    return participant


def require_open(session: Session, while_paused: str | None = None) -> None:
    """Joins, posts and votes only while the session is open (DESIGN.md section 2): 409.

    `while_paused` says what a paused session means for this action, if not the post's message.
    """
    if not session.accepts_posts:
        message = session_not_open_message(session)
        if while_paused and session.state == SessionState.PAUSED:
            message = while_paused
        raise Conflict(message, code="session_not_open")


def session_not_open_message(session: Session) -> str:
    return {
        SessionState.DRAFT: N_("This session has not started yet."),
        SessionState.PAUSED: N_("The session is paused; your text is kept until it reopens."),
    }.get(session.state, N_("This session is closed."))


# --- insights -----------------------------------------------------------------------------------


def next_seq(session: Session) -> int:
    """Take the session's next change number, atomically across processes."""
    return db.session.execute(
        update(Session.__table__)
        .where(Session.__table__.c.id == session.id)
        .values(seq=Session.__table__.c.seq + 1)
        .returning(Session.__table__.c.seq)
    ).scalar_one()


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


def post_insight(session: Session, participant: Participant, data: dict) -> tuple[Insight, bool]:
    """Store an insight once per client id; return it and whether this call created it."""
    if not isinstance(data, dict):
        raise BadRequest("The insight must be a JSON object.")
    client_id = valid_client_id(data)
    existing = find_by_client_id(session, client_id)
    if existing is not None:
        return stored_retry(existing, participant), False
    require_open(session)
    charged = (session.id, participant.id, client_id)
    if charged not in charged_client_ids:
        ratelimit.spend_action(participant, N_("Slow down a little: too many posts at once."))
        remember_charged(charged)

    active = session.setting("tag_sets")
    table = get_table(session, id_field(data, "table_id"))
    text = text_field(data, "text", max_length=session.setting("max_length"))
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
    anonymous = bool_field(data, "anonymous") or not participant.name
    if anonymous and not session.setting("anonymous_allowed"):
        raise Invalid(
            N_("This session asks for your name with each insight."), code="name_required"
        )

    insight = Insight(
        session_id=session.id,
        table_id=table.id,
        participant_id=participant.id,
        client_id=client_id,
        text=text,
        kind=kind,
        perspectives=sorted(set(perspectives), key=known_perspectives.index),
        phase=phase,
        anonymous=anonymous,
        status=InsightStatus.PENDING if session.setting("premoderation") else InsightStatus.VISIBLE,
        withheld=bool(session.setting("silent")),
        round=session.round_number,
        seq=next_seq(session),
    )
    db.session.add(insight)
    try:
        commit_keeping_loaded()
    except IntegrityError:
        # The same client id raced in through another connection or process: answer the stored one.
        db.session.rollback()
        existing = find_by_client_id(session, client_id)
        if existing is None:
            raise
        return stored_retry(existing, participant), False
    broadcast.insight_changed(session, insight, was_public=None)
    return insight, True


def commit_keeping_loaded() -> None:
    """Commit without expiring the objects this event already holds.

    The broadcast and the ack right after a post read the new insight, its author and the
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


# Client ids that already paid their rate-limit token in this process, per session and participant.
# Retries of one post that race each other (socket and HTTP at once, on PostgreSQL truly in
# parallel) all arrive before it is stored; they are one post and cost one token (retries are
# free). Keyed by whose post it is: a client id alone would let anyone post for free by reusing
# the ids of another session's public insights.
charged_client_ids: dict[tuple[int, int, str], None] = {}
CHARGED_CLIENT_IDS_KEPT = 50_000


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
    return insight


def vote(session: Session, participant: Participant, insight_id) -> tuple[int, bool]:
    """Toggle "herkenbaar" for one participant on one insight."""
    require_open(
        session, N_("The session is paused; you can recognise insights when it continues.")
    )
    insight = get_insight(session, id_field({"insight_id": insight_id}, "insight_id"))
    if not insight.public:
        raise Conflict(N_("Only a visible insight can be recognised."), code="insight_not_visible")
    if insight.participant_id == participant.id:
        raise Conflict(N_("You cannot recognise your own insight."), code="own_insight")
    ratelimit.spend_action(participant, N_("Slow down a little: too many votes at once."))
    # Count with `votes = votes +/- 1` in the database and only for a row really added or
    # removed, so concurrent clicks (other processes, other participants) never double-count.
    removed = db.session.execute(
        delete(Vote).where(Vote.insight_id == insight.id, Vote.participant_id == participant.id)
    ).rowcount
    if not removed:
        db.session.add(Vote(insight_id=insight.id, participant_id=participant.id))
    try:
        db.session.flush()
    except IntegrityError:  # a double tap raced itself: the first one counts
        db.session.rollback()
        db.session.refresh(insight)
        return insight.votes, True
    db.session.execute(
        update(Insight)
        .where(Insight.id == insight.id)
        .values(votes=Insight.votes + (-1 if removed else 1), seq=next_seq(session))
    )
    db.session.commit()
    db.session.refresh(insight)
    broadcast.insight_changed(session, insight, was_public=True)
    return insight.votes, not removed


def voted_ids(participant: Participant | None) -> set[int]:
    if participant is None:
        return set()
    return set(db.session.scalars(select(Vote.insight_id).filter_by(participant_id=participant.id)))


def moderate(session: Session, insight_id, data: dict) -> Insight:
    """Facilitator changes: status (approve, hide, restore), pin, or a typo fix."""
    insight = get_insight(session, insight_id)
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
    if not (set(data) & {"status", "pinned", "text"}):
        raise BadRequest("Nothing to change: send status, pinned or text.")
    insight.seq = next_seq(session)
    db.session.commit()
    if session.spotlight_insight_id == insight.id and not insight.public:
        set_spotlight(session, None)
    broadcast.insight_changed(session, insight, was_public=was_public)
    return insight


def insights_since(session: Session, since: int, viewer) -> list[dict]:
    """Every insight changed after `since` as the viewer may see it now (DESIGN.md section 10)."""
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since < ROW_ID_LIMIT:
        raise Invalid("'since' must be a whole number from 0.", field="since")
    query = select(Insight).where(Insight.session_id == session.id, Insight.seq > since)
    if viewer.role == "participant":
        query = query.where(
            (Insight.table_id == viewer.table_id)
            | (Insight.participant_id == viewer.participant_id)
        )
    elif viewer.role == "host":
        query = query.where(Insight.table_id == viewer.table_id)
    insights = db.session.scalars(query.order_by(Insight.seq)).all()
    return [payloads.payload_for(session, insight, viewer) for insight in insights]


def counts(session: Session) -> dict:
    """Visible insights per table (withheld ones too: silent mode shows counts, not texts)."""
    # One grouped query gives both the visible counts per table and the pending total: every
    # page and socket connect asks for counts, so each query saved counts in a join storm.
    rows = db.session.execute(
        select(Insight.table_id, Insight.status, func.count())
        .where(
            Insight.session_id == session.id,
            Insight.status.in_((InsightStatus.VISIBLE, InsightStatus.PENDING)),
        )
        .group_by(Insight.table_id, Insight.status)
    ).all()
    per_table = {str(table.id): 0 for table in session.tables}
    per_table.update(
        {str(table_id): n for table_id, status, n in rows if status == InsightStatus.VISIBLE}
    )
    pending = sum(n for _, status, n in rows if status == InsightStatus.PENDING)
    participants = db.session.scalar(
        select(func.count()).select_from(Participant).filter_by(session_id=session.id)
    )
    return {
        "insights": sum(per_table.values()),
        "tables": per_table,
        "participants": participants,
        "pending": pending,
    }


# --- the facilitator console: round timer, merging duplicates, table hosts ----------------------

MAX_ROUND_MINUTES = 600


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
        not isinstance(minutes, int | float)
        or isinstance(minutes, bool)
        or not 0 < abs(minutes) <= MAX_ROUND_MINUTES
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
    db.session.commit()
    broadcast.round_changed(session)
    return session


def merge_insights(session: Session, insight_id, data: dict) -> tuple[Insight, Insight]:
    """Fold a duplicate into the insight that is kept; return (merged, kept).

    The duplicate is hidden and points to the kept one; its "herkenbaar" votes move over, counted
    once per participant (and never for the kept one's own author).
    """
    if not isinstance(data, dict):
        raise BadRequest('Send {"into": <id of the insight to keep>}.')
    merged = get_insight(session, insight_id)
    kept = get_insight(session, id_field(data, "into"))
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
    merged_was_public, kept_was_public = merged.public, kept.public
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
    merged.status = InsightStatus.HIDDEN
    merged.pinned = False
    merged.merged_into_id = kept.id
    merged.seq = next_seq(session)
    kept.seq = next_seq(session)
    db.session.commit()
    if session.spotlight_insight_id == merged.id:
        set_spotlight(session, None)
    broadcast.insight_changed(session, merged, was_public=merged_was_public)
    broadcast.insight_changed(session, kept, was_public=kept_was_public)
    return merged, kept


def host_serializer():
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="aantafel.table-host")


def host_token(session: Session, table: Table) -> str:
    """A signed token that lets one table's host write that table's summary, and nothing else.

    It carries a fragment of the facilitator key's hash, so rotating the key revokes host links too.
    """
    return host_serializer().dumps(host_scope(session, table))


def host_scope(session: Session, table: Table) -> list:
    """What a host token signs: the table (with its nonce, so a reused id is another table) and
    a fragment of the facilitator key's hash. Tables made before the nonce keep the old scope."""
    scope = [session.id, table.id, session.facilitator_key_hash[:12]]
    return [*scope, table.host_nonce] if table.host_nonce else scope


def table_for_host(session: Session, table_id, token: str | None) -> Table:
    """The table this host token opens, or 403."""
    from itsdangerous import BadSignature

    table = get_table(session, table_id)
    if not token:
        raise Forbidden("This needs the table's host link.", code="host_token_required")
    try:
        scope = host_serializer().loads(token)
    except BadSignature:
        scope = None
    if scope != host_scope(session, table):
        raise Forbidden(
            "This host link is not valid for this table (any more).", code="wrong_host_token"
        )
    return table


# --- events and erasure (organisers) ------------------------------------------------------------


ROW_ID_LIMIT = 2**31  # ids and seq are 32-bit INTEGER columns on PostgreSQL


def is_row_id(value) -> bool:
    """Whether a value can be a row id: a larger number from a URL would overflow the database."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < ROW_ID_LIMIT


def get_event(event_id) -> Event:
    event = db.session.get(Event, event_id) if is_row_id(event_id) else None
    if event is None:
        raise NotFound(N_("No event with that id."), code="event_not_found")
    return event


def create_event(name) -> Event:
    """Create an event: a container for sessions that organisers export across."""
    event = Event(name=text_field({"name": name}, "name", max_length=200))
    db.session.add(event)
    db.session.commit()
    return event


def assign_event(session: Session, event_id: int | None) -> Session:
    """Put a session in an event (None takes it out)."""
    if event_id is not None:
        get_event(event_id)
    session.event_id = event_id
    db.session.commit()
    return session


def delete_session(session: Session) -> dict:
    """Erase a session and everything about its participants (GDPR); return what was deleted.

    Explicit deletes in dependency order rather than cascades, so nothing depends on the
    database enforcing foreign keys. On SQLite, secure_delete overwrites the freed pages and a
    checkpoint empties the write-ahead log, so the texts do not linger in the files either.
    """
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text_sql("PRAGMA secure_delete = ON"))
    insight_ids = select(Insight.id).where(Insight.session_id == session.id).scalar_subquery()
    participant_ids = (
        select(Participant.id).where(Participant.session_id == session.id).scalar_subquery()
    )
    table_ids = select(Table.id).where(Table.session_id == session.id).scalar_subquery()
    deleted = {}
    session.spotlight_insight_id = None
    db.session.flush()
    db.session.execute(
        update(Insight).where(Insight.session_id == session.id).values(merged_into_id=None)
    )
    for name, statement in (
        ("votes", delete(Vote).where(Vote.insight_id.in_(insight_ids))),
        ("votes_cast", delete(Vote).where(Vote.participant_id.in_(participant_ids))),
        ("insights", delete(Insight).where(Insight.session_id == session.id)),
        ("participants", delete(Participant).where(Participant.session_id == session.id)),
        ("summaries", delete(TableSummary).where(TableSummary.table_id.in_(table_ids))),
        ("tables", delete(Table).where(Table.session_id == session.id)),
        ("sessions", delete(Session).where(Session.id == session.id)),
    ):
        deleted[name] = db.session.execute(statement).rowcount
    db.session.commit()
    if sqlite:
        db.session.execute(text_sql("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    deleted["votes"] += deleted.pop("votes_cast")
    return deleted
