"""The whole session as JSON (schema in docs/HARVEST.md): also the backup that import-json restores."""

import json
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select

from .. import tags
from ..domain import consent
from ..domain.themes import themes_of
from ..extensions import db
from ..models import Participant, ThemeVote, Vote
from ..payloads import iso, photo_payload, round_payload, session_fields
from .rows import entries

FORMAT = "aantafel-harvest/1"


def session_document(session, options, language: str) -> dict:
    found = entries(
        session,
        include_hidden=options.include_hidden,
        anonymise=options.anonymise,
        filters=options.filters,
    )
    insight_ids = [entry.insight.id for entry in found]
    voters = defaultdict(list)
    if insight_ids:
        for insight_id, participant_id in db.session.execute(
            select(Vote.insight_id, Vote.participant_id)
            .where(Vote.insight_id.in_(insight_ids))
            .order_by(Vote.insight_id, Vote.participant_id)
        ):
            voters[insight_id].append(participant_id)
    participants = db.session.scalars(
        select(Participant).filter_by(session_id=session.id).order_by(Participant.id)
    ).all()
    per_round = defaultdict(int)
    for entry in found:
        per_round[entry.insight.round] += 1
    return {
        **session_fields(session),
        "created_at": iso(session.created_at),
        "event": {"id": session.event.id, "name": session.event.name} if session.event else None,
        "round": round_payload(session),
        "rounds": [
            {"number": number, "insights": per_round[number]}
            for number in sorted(set(range(1, session.round_number + 1)) | set(per_round))
        ],
        "tables": [
            {
                "id": table.id,
                "name": table.name,
                "question": table.question,
                "host": "" if options.anonymise else table.host,  # a name too
                "colour": table.colour,
                "order": table.position,
                "summary": table.summary.text if table.summary else "",
                "summary_updated_at": iso(table.summary.updated_at) if table.summary else None,
                "story": table.story.text if table.story else "",  # Markdown; "" for none
            }
            for table in session.tables
        ],
        "participants": [
            participant_document(participant, options) for participant in participants
        ],
        "insights": [
            insight_document(entry, voters[entry.insight.id], session, options, language)
            for entry in found
        ],
        "themes": themes_document(session, set(insight_ids), options),
    }


def themes_document(session, exported: set[int], options) -> list[dict]:
    """The themes across tables, each with the ids of its exported insights, votes and voters."""
    summaries = themes_of(session, public=not options.include_hidden)
    voters = defaultdict(list)
    if summaries:
        for theme_id, participant_id in db.session.execute(
            select(ThemeVote.theme_id, ThemeVote.participant_id)
            .where(ThemeVote.theme_id.in_([s.id for s in summaries]))
            .order_by(ThemeVote.theme_id, ThemeVote.participant_id)
        ):
            voters[theme_id].append(participant_id)
    return [
        {
            "id": summary.id,
            "name": summary.name,
            "order": summary.theme.position,
            "votes": summary.votes,
            "voters": voters[summary.id],
            "insight_ids": [i.id for i in summary.insights if i.id in exported],
        }
        for summary in summaries
    ]


def participant_level(participant, options) -> str:
    level = participant.quote_consent or consent.DEFAULT
    return consent.stricter(level, consent.DEFAULT) if options.anonymise else level


def participant_document(participant, options) -> dict:
    """A participant with what its own consent allows: "anonymous" keeps only the type."""
    level = participant_level(participant, options)
    return {
        "id": participant.id,
        **consent.speaker(participant, level),
        "organisation_type": participant.organisation_type,
        "quote_consent": participant.quote_consent or consent.DEFAULT,
        "table_id": participant.table_id,
        "created_at": iso(participant.created_at),
    }


def insight_document(entry, voters: list[int], session, options, language: str) -> dict:
    insight = entry.insight
    participant = insight.participant
    # The author's id links the insight to the participants list; where that entry shows more
    # than this insight's own consent (a named participant, a post it wanted anonymous), the
    # link would give the name away, so it is left out.
    linked = (
        participant is not None
        and consent.OPENNESS[participant_level(participant, options)]
        <= consent.OPENNESS[entry.consent]
    )
    return {
        "id": insight.id,
        "client_id": insight.client_id,
        "seq": insight.seq,
        "table_id": insight.table_id,
        "text": insight.text,
        "original_text": insight.original_text,
        "kind": insight.kind,
        "perspectives": list(insight.perspectives or []),
        "phase": insight.phase,
        "round": insight.round,
        "votes": insight.votes,
        "voters": voters,
        "status": insight.status,
        "withheld": insight.withheld,
        "pinned": insight.pinned,
        "anonymous": insight.anonymous,
        "quote_consent": entry.consent,
        "participant_id": insight.participant_id if linked else None,
        "merged_into": insight.merged_into_id,
        "theme_id": insight.theme_id,
        "author": (
            {
                **entry.speaker,
                "name": entry.author,
                "organisation_type": entry.organisation_type,
                "attribution": entry.attribution(language, tags.for_session(session)),
            }
            if participant is not None
            else None
        ),
        "photo": photo_payload(insight),
        "created_at": iso(insight.created_at),
        "updated_at": iso(insight.updated_at),
    }


def document(sessions, options) -> dict:
    events = {s.event.id: s.event for s in sessions if s.event}
    event = next(iter(events.values())) if len(events) == 1 else None
    return {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {"include_hidden": options.include_hidden, "anonymise": options.anonymise},
        "event": {"id": event.id, "name": event.name} if event else None,
        # One language for the attributions of the whole file, as in the other formats.
        "sessions": [session_document(s, options, options.language_of(sessions)) for s in sessions],
    }


def write(sessions, options) -> bytes:
    """Export the sessions as one JSON document."""
    return json.dumps(document(sessions, options), ensure_ascii=False, indent=2).encode("utf-8")
