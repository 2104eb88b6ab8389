"""The harvest: every insight of one or more sessions, as files organisers can publish from.

One row builder (rows.py) feeds the data formats (CSV, XLSX, JSON); one report model (report.py)
feeds the readable formats (Markdown, DOCX). Every export reads the database as it is now, so a
facilitator can take a snapshot at the break while the session runs on.
"""

import importlib
import io
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Invalid, NotFound
from .rows import FILTERS

TRUE = ("1", "true", "yes", "on")
FALSE = ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Options:
    """What an organiser can ask of an export (query string, CLI flags)."""

    include_hidden: bool = False  # the facilitator's full export: hidden and pending ones, flagged
    anonymise: bool = False  # names removed, organisation type kept
    delimiter: str | None = None  # CSV: "semicolon" | "comma"; default follows the language
    language: str | None = None  # default: the (first) session's language
    filters: Mapping | None = None  # ?table=&kind=&perspective=&phase=&organisation_type=

    @classmethod
    def from_mapping(cls, args: Mapping) -> "Options":
        """Read options from a query string; a value we do not understand is a clear 422."""
        flags = {}
        for name in ("include_hidden", "anonymise"):
            value = str(args.get(name, "")).strip().lower()
            if value not in TRUE + FALSE:
                raise Invalid(f"'{name}' must be 1 or 0.", field=name)
            flags[name] = value in TRUE
        delimiter = args.get("delimiter") or None
        if delimiter not in (None, "semicolon", "comma"):
            raise Invalid("'delimiter' must be 'semicolon' or 'comma'.", field="delimiter")
        language = args.get("lang") or None
        if language not in (None, "nl", "en"):
            raise Invalid("'lang' must be 'nl' or 'en'.", field="lang")
        filters = {name: args.get(name) for name in FILTERS if args.get(name)}
        return cls(delimiter=delimiter, language=language, filters=filters, **flags)

    def language_of(self, sessions: list) -> str:
        return self.language or (sessions[0].language if sessions else "nl")


@dataclass
class Exported:
    stream: io.BytesIO
    mimetype: str
    extension: str


# Format -> (writer module, MIME type); the format is the export's extension (`export.zip`).
# The writers are imported on first use: openpyxl (which
# pulls in numpy), python-docx and Pillow took about 60 MB of every server process's memory
# from start-up, while most processes never export anything (docs/BENCHMARKS.md).
WRITERS = {
    "csv": ("csv_export", "text/csv; charset=utf-8"),
    "xlsx": (
        "xlsx_export",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "json": ("json_export", "application/json"),
    "md": ("markdown_export", "text/markdown; charset=utf-8"),
    "docx": (
        "docx_export",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "zip": ("bundle_export", "application/zip"),  # report.md and its photos
}
FORMATS = tuple(WRITERS)


def export(sessions: list, fmt: str, options: Mapping | Options | None = None) -> Exported:
    """Export the sessions in one format; `options` is a query string mapping or Options."""
    if fmt not in WRITERS:
        raise NotFound(
            f"Unknown export format '{fmt}'. Available: {', '.join(WRITERS)}.",
            code="unknown_format",
        )
    if not isinstance(options, Options):
        options = Options.from_mapping(options or {})
    module, mimetype = WRITERS[fmt]
    write = importlib.import_module(f".{module}", __name__).write
    return Exported(io.BytesIO(write(list(sessions), options)), mimetype, fmt)
