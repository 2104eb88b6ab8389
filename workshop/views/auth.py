"""Who is asking: bearer tokens, console keys and participant cookies, shared by every blueprint."""

from flask import request
from flask import session as cookie

from .. import sessions
from ..errors import Forbidden, Unauthorized
from ..models import Participant, Session


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def facilitator_key(session: Session) -> str | None:
    """The key from the Authorization header, `?key=`, or the console's signed cookie."""
    return (
        bearer_token()
        or request.args.get("key")
        or cookie.get("facilitator_keys", {}).get(session.code)
        or cookie.get("organiser_token")
    )


def require_facilitator(session: Session) -> str:
    key = facilitator_key(session)
    if not key:
        raise Unauthorized("This needs the facilitator key.", code="facilitator_key_required")
    sessions.check_facilitator(session, key)
    return key


def require_organiser() -> None:
    token = bearer_token() or request.args.get("key") or cookie.get("organiser_token")
    if not token:
        raise Unauthorized("This needs the organiser token.", code="organiser_token_required")
    if not sessions.is_organiser(token):
        raise Forbidden("That organiser token is not valid.", code="wrong_token")


def participant_cookie_name(session: Session) -> str:
    return f"p_{session.code}"


def current_participant(session: Session, *, required: bool = True) -> Participant | None:
    token = bearer_token() or request.cookies.get(participant_cookie_name(session))
    if not token and not required:
        return None
    try:
        return sessions.participant_for(session, token)
    except Unauthorized:
        if required:
            raise
        return None


def is_facilitator(session: Session) -> bool:
    key = facilitator_key(session)
    if not key:
        return False
    try:
        sessions.check_facilitator(session, key)
    except Forbidden:
        return False
    return True
