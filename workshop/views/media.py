"""Photos by address (/media/<name>.jpg): only while the insight is visible, cached for a year.

The names are random (128 bits) and a stored photo never changes, so a visible photo is served
as immutable. A pending, hidden or withheld photo answers 404 to everyone except the session's
facilitator (the console shows it for moderation) and its author, and is never cached.
"""

import re

from flask import Blueprint, abort, send_file

from .. import domain, media
from .auth import current_participant, is_facilitator

photos = Blueprint("media", __name__)
NAME = re.compile(r"[A-Za-z0-9_-]{16,40}")
YEAR = 365 * 24 * 3600


@photos.get("/media/<name>.jpg")
def photo(name):
    thumb = name.endswith(".thumb")
    name = name.removesuffix(".thumb")
    insight = domain.insight_with_photo(name) if NAME.fullmatch(name) else None
    if insight is None:
        abort(404)
    public = domain.photo_visible(insight)
    if not public and not may_moderate_or_own(insight):
        abort(404)
    path = media.path_of(name, thumb)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=media.MIMETYPE, conditional=True, etag=True)
    if public:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def may_moderate_or_own(insight) -> bool:
    session = insight.table.session
    if is_facilitator(session):
        return True
    me = current_participant(session, required=False)
    return me is not None and me.id == insight.participant_id
