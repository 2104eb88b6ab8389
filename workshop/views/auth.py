"""Who is asking: bearer tokens, console keys and participant cookies, shared by every blueprint.

The signed session cookie is readable by whoever holds it (it is signed, not encrypted), so it never
carries a key: the console keeps the session's console token (an HMAC of the key's stored hash) and
a signed-in organiser an HMAC of the organiser token's hash (docs/SECURITY.md).
"""

from flask import request
from flask import session as cookie

from .. import domain
from ..errors import Forbidden, Unauthorized
from ..models import Participant, Session


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def presented_key() -> str | None:
    """A key sent with this request: the Authorization header or `?key=`."""
    return bearer_token() or request.args.get("key") or None


def remember_console(session: Session) -> None:
    """Let this browser open the session's console from now on, without keeping the key."""
    keys = dict(cookie.get("facilitator_keys", {}))
    keys[session.code] = domain.console_token(session)
    cookie["facilitator_keys"] = keys
    cookie.permanent = True


def sign_in_organiser() -> None:
    cookie.pop("organiser_token", None)  # the token itself, as older versions kept it
    cookie["organiser"] = domain.organiser_sign_in()
    cookie.permanent = True


def sign_out_organiser() -> None:
    cookie.pop("organiser", None)
    cookie.pop("organiser_token", None)


def organiser_signed_in() -> bool:
    return domain.is_organiser_sign_in(cookie.get("organiser"))


def require_facilitator(session: Session) -> str:
    """Check the caller may run this session; return the credential its pages hand to scripts
    (the presented key, or the console token when the browser's cookie opened it)."""
    key = presented_key()
    if key:
        domain.check_facilitator(session, key)
        return key
    held = cookie.get("facilitator_keys", {}).get(session.code)
    if domain.is_console_token(session, held) or organiser_signed_in():
        return domain.console_token(session)
    if held or cookie.get("organiser"):  # a console of a rotated key, or an old sign-in
        raise Forbidden("That facilitator key is not valid for this session.", code="wrong_key")
    raise Unauthorized("This needs the facilitator key.", code="facilitator_key_required")


def require_organiser() -> None:
    token = presented_key()
    if token:
        if not domain.is_organiser(token):
            raise Forbidden("That organiser token is not valid.", code="wrong_token")
        return
    if organiser_signed_in():
        return
    if cookie.get("organiser"):
        raise Forbidden("That organiser token is not valid.", code="wrong_token")
    raise Unauthorized("This needs the organiser token.", code="organiser_token_required")


def participant_cookie_name(session: Session) -> str:
    return f"p_{session.code}"


def current_participant(session: Session, *, required: bool = True) -> Participant | None:
    token = bearer_token() or request.cookies.get(participant_cookie_name(session))
    if not token and not required:
        return None
    try:
        return domain.participant_for(session, token)
    except Unauthorized:
        if required:
            raise
        return None


def participant_asking(session: Session) -> Participant | None:
    """The participant, when this request's credential is a participant's; None for a facilitator's.

    One URL serves both (an author's edit, a facilitator's typo fix), so the credential decides:
    a Bearer token when one is sent (a participant token of this session, else it must be a
    facilitator key); without one, `?key=` is a facilitator's and the phone's cookie a
    participant's. The console sends its key as Bearer, the phone page only its cookie.
    """
    token = bearer_token()
    if token is not None:
        try:
            return domain.participant_for(session, token)
        except Unauthorized:
            return None  # not a participant of this session: the facilitator check decides
    if request.args.get("key"):
        return None
    cookie_token = request.cookies.get(participant_cookie_name(session))
    return domain.participant_for(session, cookie_token) if cookie_token else None


def is_facilitator(session: Session) -> bool:
    """Whether the caller may see what a facilitator sees (public lists show more to one).

    A participant's own token sent to such a list is not a wrong key and does not spend the
    address's wrong-key budget.
    """
    token = bearer_token()
    if token and domain.is_participant_token(session, token):
        return False
    try:
        require_facilitator(session)
    except (Unauthorized, Forbidden):
        return False
    return True
