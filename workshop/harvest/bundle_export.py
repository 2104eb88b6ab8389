"""The Markdown bundle (export.zip): report.md and the photos it shows, linked by relative paths.

Unpacked anywhere, or uploaded to a knowledge site or a Git repository, the report shows its
photos without this server: each is the stored, re-encoded full-size JPEG (no EXIF, no GPS).
"""

import io
import zipfile

from .. import media
from .markdown_export import render
from .report import build, photos

REPORT = "report.md"
FOLDER = "images"


def write(sessions, options) -> bytes:
    """Export the sessions as a zip of report.md and its images."""
    report = build(sessions, options)
    files = {}
    for number, name in enumerate(dict.fromkeys(photos(report)), start=1):
        path = media.path_of(name)
        if path.is_file():  # a photo whose file was removed is left out, never a broken link
            files[name] = (f"{FOLDER}/photo-{number:03d}.{media.EXTENSION}", path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        images = {name: inside for name, (inside, _) in files.items()}
        bundle.writestr(REPORT, render(report, images))
        for inside, path in files.values():
            bundle.write(path, inside, compress_type=zipfile.ZIP_STORED)  # JPEG is compressed
    return buffer.getvalue()
