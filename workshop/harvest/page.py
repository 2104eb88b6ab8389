"""What a published page shows, as data: the page at /p/<slug> renders it, /p/<slug>.json is it.

Per table: the question, the story (the saved Markdown, else the host's summary as plain text),
the insights that may be quoted with their attribution, and the perspective coverage of those.
Nothing else leaves: no hidden, pending or unquotable insight, no ids, no tokens, no name that
was not consented to (`domain.quotable_insights` and `domain.attribution` decide), and not the
table host's name either (a host never agreed to be published).
"""

from babel.dates import format_date

from .. import domain, links, payloads, tags
from ..models import Event, Session


def url_of(target: Session | Event) -> str:
    return links.public_url(f"/p/{target.publication_slug}")


def quote(insight, language: str, tag_set) -> dict:
    return {
        "text": insight.text,
        "kind": tag_set.label("kinds", insight.kind, language) if insight.kind else None,
        "perspectives": [
            tag_set.label("perspectives", key, language) for key in insight.perspectives or []
        ],
        "phase": tag_set.label("phases", insight.phase, language) if insight.phase else None,
        "attribution": domain.attribution(insight, language, tag_set),
        "votes": insight.votes,
        "photo": photo(insight),
    }


def photo(insight) -> dict | None:
    """The photo at full size (a flip chart must be readable), with addresses that work anywhere."""
    shown = payloads.photo_payload(insight)
    if shown is None:
        return None
    return shown | {key: links.public_url(shown[key]) for key in ("url", "thumb_url")}


def table_page(session: Session, table, language: str, tag_set) -> dict:
    insights = domain.quotable_insights(session, table)
    covered = domain.coverage(session, insights)
    return {
        "name": table.name,
        "question": table.question,
        "story": domain.saved_story(table) or "",
        "summary": table.summary.text if table.summary and table.summary.text else "",
        "quotes": [quote(insight, language, tag_set) for insight in insights],
        "coverage": [
            {
                "key": key,
                "label": tag_set.label("perspectives", key, language),
                "short": tag_set.label("perspectives", key, language, short=True),
                "insights": n,
            }
            for key, n in covered.items()
        ],
    }


def session_page(session: Session, language: str) -> dict:
    tag_set = tags.for_session(session)
    return {
        "kind": "session",
        "title": session.title,
        "description": session.description or "",
        "language": session.language,
        "date": format_date(session.created_at.date(), format="long", locale=language),
        "event": session.event.name if session.event else None,
        "url": url_of(session) if session.publication_slug else None,
        "listed": session.publication_listed,
        "tables": [table_page(session, t, language, tag_set) for t in session.tables],
        "themes": themes_page(session, language, tag_set),
    }


def themes_page(session: Session, language: str, tag_set) -> list[dict]:
    """The facilitator's themes across tables with their quotable insights and votes."""
    tables = {table.id: table.name for table in session.tables}
    return [
        {
            "name": summary.name,
            "votes": summary.votes,
            "quotes": [
                quote(insight, language, tag_set) | {"table": tables.get(insight.table_id, "")}
                for insight in summary.insights
                if insight.quotable
            ],
        }
        for summary in domain.themes_of(session)
    ]


def event_page(event: Event, language: str) -> dict:
    return {
        "kind": "event",
        "title": event.name,
        "url": url_of(event),
        "listed": event.publication_listed,
        "sessions": [session_page(s, language) for s in domain.published_sessions(event)],
    }


def build(target: Session | Event, language: str) -> dict:
    """The page of a published session or event, in `language` ("nl" or "en")."""
    if isinstance(target, Event):
        return event_page(target, language)
    return session_page(target, language)


def language_of(target: Session | Event) -> str:
    """The page's own language: the session's, or for an event that of its first session."""
    if isinstance(target, Event):
        sessions = domain.published_sessions(target) or target.sessions
        return sessions[0].language if sessions else "nl"
    return target.language
