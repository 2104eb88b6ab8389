"""The harvest: every insight of one or more sessions, as files organisers can publish from.

One row builder (rows.py) feeds one writer per format.
"""

import io
from dataclasses import dataclass

from ..errors import NotFound
from . import csv_export, json_export


@dataclass
class Exported:
    stream: io.BytesIO
    mimetype: str
    extension: str


WRITERS = {
    "csv": (csv_export.write, "text/csv; charset=utf-8"),
    "json": (json_export.write, "application/json"),
}


def export(sessions: list, fmt: str, options) -> Exported:
    if fmt not in WRITERS:
        raise NotFound(
            f"Unknown export format '{fmt}'. Available: {', '.join(WRITERS)}.",
            code="unknown_format",
        )
    write, mimetype = WRITERS[fmt]
    return Exported(io.BytesIO(write(sessions, options)), mimetype, fmt)
