"""Phones: join a session, find a participant by token, move to another table."""

from sqlalchemy import select

from ..errors import N_, BadRequest, Unauthorized
from ..extensions import db
from ..models import Participant, Session, utcnow
from ..security import new_token, token_hash
from . import changes
from .consent import consent_field, speaker_fields
from .fields import id_field, tag_field, text_field
from .sessions import require_open
from .tables import get_table


def join(session: Session, data: dict) -> tuple[Participant, str]:
    """Register a phone; return the participant and its token (kept in a cookie or by the client)."""
    require_open(session, N_("The session is paused; you can join as soon as it continues."))
    name = text_field(data, "name", max_length=80, required=False) or ""
    organisation_type = tag_field(data, "organisation_type", "organisation_types", session)
    speaking = speaker_fields(data)
    quote_consent = consent_field(data)
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
        **speaking,
        **({"quote_consent": quote_consent, "consent_given_at": utcnow()} if quote_consent else {}),
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
    raise Unauthorized(message, code="unknown_participant")


def update_participant(session: Session, participant: Participant, data: dict) -> Participant:
    """Move a phone to another table, or change who is speaking and the consent to be quoted.

    Every field is checked before any is changed, so a bad one leaves the participant as it was.
    """
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    speaking = speaker_fields(data)
    quote_consent = consent_field(data)
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
    for name, value in speaking.items():
        setattr(participant, name, value)
    if quote_consent:
        participant.quote_consent, participant.consent_given_at = quote_consent, utcnow()
    moved = participant.table_id != old_table
    changes.commit(*([changes.ParticipantMoved(participant, old_table)] if moved else []))
    return participant
