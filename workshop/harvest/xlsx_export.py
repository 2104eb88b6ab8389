"""XLSX: a summary sheet with the counts, then one sheet per table with one row per insight."""

import io
import re
from collections import Counter
from copy import copy
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .. import tags
from ..domain.themes import themes_of
from .csv_export import FORMULA_STARTS
from .rows import COLUMNS, HEADERS, entries, row, xml_safe

SHEET_NAME_LIMIT = 31
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
WIDTHS = {"text": 60, "question": 40, "perspectives": 36, "session": 24, "table": 24, "theme": 24}
WRAPPED = {"text", "question", "perspectives", "session", "table", "theme"}
WORDS = {
    "nl": {
        "summary": "Samenvatting",
        "exported": "Geëxporteerd op",
        "insights": "Inzichten",
        "participants": "Deelnemers",
        "votes": "Herkend",
        "none": "(geen)",
        "session": "Sessie",
        "table": "Tafel",
        "kind": "Soort",
        "perspective": "Perspectief",
        "organisation_type": "Organisatie",
        "theme": "Thema",
        "theme_votes": "Stemmen",
    },
    "en": {
        "summary": "Summary",
        "exported": "Exported at",
        "insights": "Insights",
        "participants": "Participants",
        "votes": "Recognised",
        "none": "(none)",
        "session": "Session",
        "table": "Table",
        "kind": "Kind",
        "perspective": "Perspective",
        "organisation_type": "Organisation",
        "theme": "Theme",
        "theme_votes": "Votes",
    },
}
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def sheet_names(names: list[str], taken: set[str]) -> list[str]:
    """Excel's rules: at most 31 characters, no []:*?/\\, not starting or ending with ', unique."""
    out = []
    seen = {name.lower() for name in taken} | {"history"}
    for name in names:
        base = NOT_IN_SHEET_NAMES.sub(" ", xml_safe(name)).strip().strip("'").strip() or "-"
        candidate = base[:SHEET_NAME_LIMIT].strip()
        number = 2
        while candidate.lower() in seen:
            suffix = f" ({number})"
            candidate = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip() + suffix
            number += 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def put(sheet, row_number: int, column: int, value, alignment=None, styles=None):
    """Write one cell; text is always stored as text, never as a formula.

    `styles` caches the cell style per alignment: assigning an Alignment makes openpyxl hash it
    every time, which was most of the time of a large export.
    """
    cell = sheet.cell(row=row_number, column=column)
    if alignment is not None:
        cached = styles.get(id(alignment)) if styles is not None else None
        if cached is None:
            cell.alignment = alignment
            if styles is not None:
                styles[id(alignment)] = copy(cell._style)
        else:
            cell._style = copy(cached)
    if isinstance(value, str):
        value = xml_safe(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def write(sessions, options) -> bytes:
    """Export the insights of the sessions as an XLSX workbook."""
    language = options.language_of(sessions)
    words = WORDS[language]
    workbook = Workbook()
    summary = workbook.active
    summary.title = words["summary"]

    styles = {}
    per_table = []  # (session, table, [entries])
    for session in sessions:
        found = entries(
            session,
            include_hidden=options.include_hidden,
            anonymise=options.anonymise,
            filters=options.filters,
        )
        for table in session.tables:
            per_table.append((session, table, [e for e in found if e.table.id == table.id]))

    write_summary(summary, sessions, per_table, language, options)
    names = sheet_names([table.name for _, table, _ in per_table], {summary.title})
    for name, (session, _table, table_entries) in zip(names, per_table, strict=True):
        sheet = workbook.create_sheet(name)
        for column, header in enumerate(HEADERS[language], start=1):
            cell = put(sheet, 1, column, header, WRAP)
            cell.font, cell.fill = BOLD, HEADER_FILL
        for number, entry in enumerate(table_entries, start=2):
            values = row(session, entry, language)
            for column, key in enumerate(COLUMNS, start=1):
                put(sheet, number, column, values[key], WRAP if key in WRAPPED else TOP, styles)
        sheet.freeze_panes = "A2"
        for column, key in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[sheet.cell(1, column).column_letter].width = WIDTHS.get(key, 16)
        if table_entries:
            sheet.auto_filter.ref = sheet.dimensions

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_summary(sheet, sessions, per_table, language: str, options) -> None:
    words = WORDS[language]
    everything = [entry for _, _, table_entries in per_table for entry in table_entries]
    line = 1
    put(sheet, line, 1, " · ".join(s.title for s in sessions) or words["summary"]).font = Font(
        bold=True, size=14
    )
    line += 1
    put(sheet, line, 1, words["exported"])
    put(sheet, line, 2, datetime.now(UTC).isoformat(timespec="seconds"))
    line += 2

    def block(headers, values):
        nonlocal line
        for column, header in enumerate(headers, start=1):
            cell = put(sheet, line, column, header)
            cell.font, cell.fill = BOLD, HEADER_FILL
        line += 1
        for value_row in values:
            for column, value in enumerate(value_row, start=1):
                put(sheet, line, column, value, WRAP if column <= 2 else TOP)
            line += 1
        line += 1

    block(
        (words["session"], words["table"], words["insights"], words["votes"]),
        [
            (session.title, table.name, len(found), sum(e.insight.votes for e in found))
            for session, table, found in per_table
        ],
    )
    kinds = Counter(entry.insight.kind for entry in everything)
    block(
        (words["kind"], words["insights"]),
        [(tags.label("kinds", key, language), kinds[key]) for key in tags.keys("kinds")]
        + ([(words["none"], kinds[None])] if kinds[None] else []),
    )
    perspectives = Counter(p for entry in everything for p in entry.insight.perspectives or [])
    block(
        (words["perspective"], words["insights"]),
        [
            (tags.label("perspectives", key, language), perspectives[key])
            for key in tags.keys("perspectives")
        ],
    )
    organisations = Counter(entry.organisation_type for entry in everything)
    block(
        (words["organisation_type"], words["insights"]),
        [
            (tags.label("organisation_types", key, language), organisations[key])
            for key in tags.keys("organisation_types")
        ]
        + ([(words["none"], organisations[None])] if organisations[None] else []),
    )
    themed = [
        (session.title, summary.name, len(summary.insights), summary.votes)
        for session in sessions
        for summary in themes_of(session, public=not options.include_hidden)
    ]
    if themed:
        block((words["session"], words["theme"], words["insights"], words["theme_votes"]), themed)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 14
    sheet.column_dimensions["D"].width = 14
