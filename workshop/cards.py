"""Printable table cards: one A5 page per table (name, question, big QR, code, short URL) + a poster.

The same content feeds the print page (templates/cards.html, print CSS) and the PDF drawn here with
ReportLab (cards_pdf.py). QR codes are drawn as vector squares, so they stay sharp at any printer
resolution.
"""

from dataclasses import dataclass

from . import links
from .models import Session

# The table colours of static/css/app.css (--c0 .. --c7).
COLOURS = ("#0d9488", "#d97706", "#7c3aed", "#e11d48", "#0284c7", "#65a30d", "#ea580c", "#db2777")


@dataclass(frozen=True)
class Card:
    """What one printed card shows."""

    name: str
    question: str
    join_url: str
    short_url: str
    code: str
    colour: int
    table_id: int | None = None


def short_url(url: str) -> str:
    """The join URL without its scheme: what people type when the QR does not scan."""
    return url.split("://", 1)[-1]


def table_cards(session: Session) -> list[Card]:
    cards = []
    for table in session.tables:
        url = links.join_url(session.code, table.id)
        cards.append(
            Card(
                table.name,
                table.question,
                url,
                short_url(url),
                session.code,
                table.colour,
                table.id,
            )
        )
    return cards


def poster(session: Session) -> Card:
    url = links.join_url(session.code)
    return Card(session.title, session.description, url, short_url(url), session.code, 0)


def cards_pdf(session: Session) -> bytes:
    """The session's table cards as a PDF: one A5 page per table, then the session poster.

    ReportLab is imported on the first print, not at start-up: it took about 17 MB of every
    server process's memory, which most processes never use (docs/BENCHMARKS.md).
    """
    from .cards_pdf import render

    return render(session)
