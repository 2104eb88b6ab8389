"""Import a JSON harvest into this instance: backup and restore, or moving a session to a server.

The document is checked completely before anything is written, and the whole import is one
transaction: a bad file leaves the database as it was. Sessions keep their join code when it is
free here (printed table cards keep working); they get a new facilitator key (keys are stored
hashed, so the old one cannot travel), and participants get new tokens nobody holds: a restored
session is complete for the harvest, but phones join again.
"""

from datetime import datetime

from sqlalchemy import select

from .. import tags
from ..domain import MAX_STORY_LENGTH, consent, unused_join_code
from ..errors import Invalid
from ..extensions import db
from ..inputs import is_whole
from ..models import (
    Event,
    Insight,
    InsightStatus,
    Participant,
    Session,
    SessionState,
    Story,
    Table,
    TableSummary,
    Theme,
    ThemeVote,
    Vote,
)
from ..security import new_token, token_hash
from ..session_settings import DEFAULT_SETTINGS
from .json_export import FORMAT


class Problem(Invalid):
    code = "invalid_import"


def need(condition, message: str) -> None:
    if not condition:
        raise Problem(message)


def text(data: dict, name: str, where: str, *, limit: int, required: bool = True) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    need(isinstance(value, str), f"{where}: '{name}' must be text.")
    need(len(value) <= limit, f"{where}: '{name}' is longer than {limit} characters.")
    return value


def number(data: dict, name: str, where: str, *, optional: bool = False) -> int | None:
    value = data.get(name)
    if value is None and optional:
        return None
    need(
        is_whole(value) and value >= 0,
        f"{where}: '{name}' must be a whole number.",
    )
    return value


def moment(data: dict, name: str, where: str, *, optional: bool = False) -> datetime | None:
    value = data.get(name)
    if value is None and optional:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Problem(f"{where}: '{name}' must be an ISO 8601 time.") from None
    need(parsed.tzinfo is not None, f"{where}: '{name}' needs a UTC offset.")
    return parsed


def tag(value, tag_set: str, where: str) -> str | None:
    need(value is None or value in tags.keys(tag_set), f"{where}: unknown {tag_set} '{value}'.")
    return value


def consent_level(value, where: str, *, optional: bool) -> str | None:
    if value is None and optional:
        return None
    need(
        value in consent.LEVELS,
        f"{where}: 'quote_consent' must be one of {', '.join(consent.LEVELS)}.",
    )
    return value


def unlinked_author(spec: dict, session: Session, where: str) -> Participant | None:
    """The author of an insight the file does not link to a participant, made from its author.

    An export leaves the link out where the participants list would show more than the post's
    consent (a named participant's anonymous post); the author block still says what may be
    said, so the restored post is attributed as before, by a participant of its own.
    """
    author = spec.get("author")
    if not isinstance(author, dict):
        return None
    participant = Participant(
        session_id=session.id,
        token_hash=token_hash(new_token()),
        name=text(author, "name", where + " author", limit=80, required=False) or "",
        organisation_type=tag(author.get("organisation_type"), "organisation_types", where),
        **{
            name: text(author, name, where + " author", limit=limit, required=False)
            for name, limit in consent.SPEAKER_LIMITS.items()
        },
        quote_consent=consent_level(
            spec.get("quote_consent", consent.DEFAULT), where, optional=False
        ),
        created_at=moment(spec, "created_at", where),
    )
    db.session.add(participant)
    db.session.flush()
    return participant


def import_document(document) -> list[tuple[Session, str]]:
    """Create the sessions of a JSON harvest; return each with its new facilitator key."""
    need(isinstance(document, dict), "The file is not a JSON harvest (an object is expected).")
    need(
        document.get("format") == FORMAT,
        f"Unknown format {document.get('format')!r}; this instance reads '{FORMAT}'.",
    )
    items = document.get("sessions")
    need(isinstance(items, list) and items, "The file holds no sessions.")
    created = []
    try:
        event = None
        if isinstance(document.get("event"), dict):
            event = find_or_create_event(text(document["event"], "name", "event", limit=200))
        for number_, item in enumerate(items, start=1):
            created.append(import_session(item, f"session {number_}", event))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created


def find_or_create_event(name: str) -> Event:
    event = db.session.scalar(select(Event).filter_by(name=name).order_by(Event.id))
    if event is None:
        event = Event(name=name)
        db.session.add(event)
        db.session.flush()
    return event


def import_session(item, where: str, event: Event | None) -> tuple[Session, str]:
    need(isinstance(item, dict), f"{where} is not an object.")
    language = item.get("language")
    need(language in ("nl", "en"), f"{where}: 'language' must be 'nl' or 'en'.")
    state = item.get("state", SessionState.CLOSED)
    need(state in set(SessionState), f"{where}: unknown state {state!r}.")
    settings = item.get("settings") or {}
    need(isinstance(settings, dict), f"{where}: 'settings' must be an object.")
    if event is None and isinstance(item.get("event"), dict):
        event = find_or_create_event(text(item["event"], "name", where + " event", limit=200))
    code = item.get("code")
    taken = not isinstance(code, str) or db.session.scalar(select(Session.id).filter_by(code=code))
    key = new_token()
    round_ = item.get("round") or {}
    session = Session(
        code=unused_join_code() if taken or len(code) != 6 else code,
        title=text(item, "title", where, limit=200),
        description=text(item, "description", where, limit=2000, required=False),
        language=language,
        state=state,
        facilitator_key_hash=token_hash(key),
        settings={
            **DEFAULT_SETTINGS,
            **{k: v for k, v in settings.items() if k in DEFAULT_SETTINGS},
        },
        event_id=event.id if event else None,
        seq=number(item, "seq", where, optional=True) or 0,
        round_number=number(round_, "number", where + " round", optional=True) or 0,
        round_title=text(round_, "title", where + " round", limit=200, required=False),
        round_ends_at=moment(round_, "ends_at", where + " round", optional=True),
        created_at=moment(item, "created_at", where),
    )
    db.session.add(session)
    db.session.flush()

    tables = {}
    need(isinstance(item.get("tables"), list), f"{where}: 'tables' must be a list.")
    for position, spec in enumerate(item["tables"]):
        at = f"{where} table {position + 1}"
        need(isinstance(spec, dict), f"{at} is not an object.")
        table = Table(
            session_id=session.id,
            name=text(spec, "name", at, limit=120),
            question=text(spec, "question", at, limit=1000, required=False),
            host=text(spec, "host", at, limit=120, required=False),
            colour=number(spec, "colour", at, optional=True) or 0,
            position=number(spec, "order", at, optional=True) or position,
        )
        db.session.add(table)
        db.session.flush()
        summary = text(spec, "summary", at, limit=5000, required=False)
        if summary:
            db.session.add(
                TableSummary(
                    table_id=table.id,
                    text=summary,
                    updated_at=moment(spec, "summary_updated_at", at, optional=True)
                    or session.created_at,
                )
            )
        story = text(spec, "story", at, limit=MAX_STORY_LENGTH, required=False)
        if story:
            db.session.add(Story(table_id=table.id, text=story))
        tables[number(spec, "id", at)] = table

    participants = {}
    for position, spec in enumerate(item.get("participants") or []):
        at = f"{where} participant {position + 1}"
        need(isinstance(spec, dict), f"{at} is not an object.")
        table_id = number(spec, "table_id", at, optional=True)
        participant = Participant(
            session_id=session.id,
            token_hash=token_hash(new_token()),
            name=text(spec, "name", at, limit=80, required=False),
            organisation_type=tag(spec.get("organisation_type"), "organisation_types", at),
            **{
                name: text(spec, name, at, limit=limit, required=False)
                for name, limit in consent.SPEAKER_LIMITS.items()
            },
            # A file from before consent was asked: nobody agreed to more than "anonymous".
            quote_consent=consent_level(
                spec.get("quote_consent", consent.DEFAULT), at, optional=False
            ),
            table_id=tables[table_id].id if table_id in tables else None,
            created_at=moment(spec, "created_at", at, optional=True) or session.created_at,
        )
        db.session.add(participant)
        participants[number(spec, "id", at)] = participant
    db.session.flush()

    insights, merges, client_ids = {}, [], set()
    need(isinstance(item.get("insights"), list), f"{where}: 'insights' must be a list.")
    for position, spec in enumerate(item["insights"]):
        at = f"{where} insight {position + 1}"
        need(isinstance(spec, dict), f"{at} is not an object.")
        need(number(spec, "table_id", at) in tables, f"{at}: its table is not in the file.")
        author = number(spec, "participant_id", at, optional=True)
        need(author is None or author in participants, f"{at}: its author is not in the file.")
        client_id = text(spec, "client_id", at, limit=64)
        need(client_id not in client_ids, f"{at}: client_id {client_id!r} appears twice.")
        client_ids.add(client_id)
        perspectives = spec.get("perspectives") or []
        need(isinstance(perspectives, list), f"{at}: 'perspectives' must be a list.")
        status = spec.get("status", InsightStatus.VISIBLE)
        # No export holds a withdrawn insight; a file that does is not one of ours.
        exported = set(InsightStatus) - {InsightStatus.WITHDRAWN}
        need(status in exported, f"{at}: unknown status {status!r}.")
        voters = spec.get("voters") or []
        need(
            isinstance(voters, list) and all(v in participants for v in voters),
            f"{at}: 'voters' must list participants of the file.",
        )
        speaker = participants[author] if author is not None else unlinked_author(spec, session, at)
        insight = Insight(
            session_id=session.id,
            table_id=tables[spec["table_id"]].id,
            participant_id=speaker.id if speaker is not None else None,
            client_id=client_id,
            text=text(spec, "text", at, limit=5000),
            original_text=spec.get("original_text")
            if isinstance(spec.get("original_text"), str)
            else None,
            kind=tag(spec.get("kind"), "kinds", at),
            perspectives=[tag(p, "perspectives", at) for p in perspectives],
            phase=tag(spec.get("phase"), "phases", at),
            anonymous=bool(spec.get("anonymous")),
            quote_consent=consent_level(spec.get("quote_consent"), at, optional=True),
            status=status,
            withheld=bool(spec.get("withheld")),
            pinned=bool(spec.get("pinned")),
            votes=len(set(voters)) if "voters" in spec else number(spec, "votes", at) or 0,
            round=number(spec, "round", at, optional=True) or 0,
            seq=number(spec, "seq", at, optional=True) or 0,
            created_at=moment(spec, "created_at", at),
            updated_at=moment(spec, "updated_at", at, optional=True)
            or moment(spec, "created_at", at),
        )
        db.session.add(insight)
        db.session.flush()
        for voter in set(voters):
            db.session.add(Vote(insight_id=insight.id, participant_id=participants[voter].id))
        insights[number(spec, "id", at)] = insight
        if spec.get("merged_into") is not None:
            merges.append((insight, spec["merged_into"]))
    for insight, target in merges:
        insight.merged_into_id = insights[target].id if target in insights else None
    db.session.flush()
    import_themes(item, where, session, insights, participants)
    return session, key


def import_themes(item, where: str, session: Session, insights: dict, participants: dict) -> None:
    """The themes across tables, their insights and their votes (files without them: none)."""
    specs = item.get("themes") or []
    need(isinstance(specs, list), f"{where}: 'themes' must be a list.")
    for position, spec in enumerate(specs):
        at = f"{where} theme {position + 1}"
        need(isinstance(spec, dict), f"{at} is not an object.")
        voters = spec.get("voters") or []
        need(
            isinstance(voters, list) and all(v in participants for v in voters),
            f"{at}: 'voters' must list participants of the file.",
        )
        members = spec.get("insight_ids") or []
        need(isinstance(members, list), f"{at}: 'insight_ids' must be a list.")
        theme = Theme(
            session_id=session.id,
            name=text(spec, "name", at, limit=120),
            position=number(spec, "order", at, optional=True) or position,
            votes=len(set(voters)) if "voters" in spec else number(spec, "votes", at) or 0,
        )
        db.session.add(theme)
        db.session.flush()
        for voter in set(voters):
            db.session.add(ThemeVote(theme_id=theme.id, participant_id=participants[voter].id))
        for member in members:
            if member in insights:  # an insight left out of the file stays out of the theme
                insights[member].theme_id = theme.id
    db.session.flush()
