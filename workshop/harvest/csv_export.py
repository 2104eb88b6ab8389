"""CSV that opens in Dutch Excel: UTF-8 with BOM, `;` for Dutch sessions, formula cells defused."""

import csv
import io

from .rows import COLUMNS, HEADERS, rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Prefix a quote to text Excel would run as a formula (OWASP); nothing is dropped."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def delimiter_for(language: str, options) -> str:
    chosen = options.get("delimiter")
    if chosen == "semicolon":
        return ";"
    if chosen == "comma":
        return ","
    return ";" if language == "nl" else ","


def write(sessions, options) -> bytes:
    language = sessions[0].language if sessions else "nl"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter_for(language, options), lineterminator="\r\n")
    writer.writerow(HEADERS[language])
    for session in sessions:
        for row in rows(session, filters=options):
            writer.writerow([defuse(row[column]) for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
