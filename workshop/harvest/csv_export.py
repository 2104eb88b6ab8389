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
    if options.delimiter == "semicolon":
        return ";"
    if options.delimiter == "comma":
        return ","
    return ";" if language == "nl" else ","


def write(sessions, options) -> bytes:
    """Export the insights of the sessions as one CSV, one row per insight."""
    language = options.language_of(sessions)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter_for(language, options), lineterminator="\r\n")
    writer.writerow(HEADERS[language])
    for session in sessions:
        for row in rows(
            session,
            include_hidden=options.include_hidden,
            anonymise=options.anonymise,
            language=language,
            filters=options.filters,
        ):
            writer.writerow([defuse(row[column]) for column in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
