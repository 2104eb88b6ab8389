"""The whole session as JSON: tables, questions, summaries, rounds and every visible insight."""

import json

from .. import payloads
from .rows import insights_of


def session_document(session, options=None) -> dict:
    return {
        "code": session.code,
        "title": session.title,
        "description": session.description,
        "language": session.language,
        "state": session.state,
        "settings": session.settings,
        "created_at": session.created_at.isoformat(),
        "rounds": session.round_number,
        "tables": [
            {
                "id": table.id,
                "name": table.name,
                "question": table.question,
                "host": table.host,
                "summary": table.summary.text if table.summary else "",
            }
            for table in session.tables
        ],
        "insights": [
            public_fields(payloads.insight_payload(session, i, facilitator=True))
            for i in insights_of(session, filters=options)
        ],
    }


def write(sessions, options) -> bytes:
    document = {
        "format": "aantafel-harvest/1",
        "sessions": [session_document(s, options) for s in sessions],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def public_fields(insight: dict) -> dict:
    """Authors as in the export (hide_authors is for the wall only), without internal ids."""
    return {k: v for k, v in insight.items() if k not in ("participant_id", "withheld")}
