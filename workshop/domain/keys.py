"""Credentials: the facilitator key, the console token, the organiser token and its sign-in."""

import hashlib
import hmac

from flask import current_app

from .. import ratelimit
from ..errors import Forbidden
from ..models import Session
from ..security import token_hash


def check_facilitator(session: Session, key: str | None) -> None:
    """Allow the session's facilitator key, its console token or the organiser token."""
    if not key:
        raise Forbidden("This needs the facilitator key.", code="facilitator_key_required")
    accepted = (session.facilitator_key_hash, token_hash(console_token(session)), organiser_hash())
    if not key_matches(key, *accepted):
        raise Forbidden("That facilitator key is not valid for this session.", code="wrong_key")


def is_organiser(token: str | None) -> bool:
    return bool(token) and key_matches(token, organiser_hash())


def organiser_hash() -> str:
    return token_hash(current_app.config["ORGANISER_TOKEN"])


def key_matches(key: str, *stored_hashes: str) -> bool:
    """Whether a presented key is one of these; 429 while this address keeps sending wrong keys.

    Keys this address has used successfully before are still checked while it is throttled, so
    an open console or a script with the right key keeps working next to someone guessing.
    """
    address = ratelimit.client_address()
    presented = token_hash(key)
    ratelimit.key_guessing.check(address, presented)
    if any(hmac.compare_digest(presented, stored) for stored in stored_hashes):
        ratelimit.key_guessing.found(address, presented)
        return True
    ratelimit.key_guessing.missed(address)
    return False


def derived_secret(purpose: str, material: str) -> str:
    """An HMAC of stored material under SECRET_KEY: what signed cookies hold instead of a key."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{purpose}:{material}".encode(), hashlib.sha256).hexdigest()


def console_token(session: Session) -> str:
    """The console's credential in its cookie and page, instead of the facilitator key.

    Derived from the key's stored hash, so it cannot be turned back into the key, and it stops
    working when the key is rotated (or SECRET_KEY changes).
    """
    return derived_secret("console", session.facilitator_key_hash)


def is_console_token(session: Session, value) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and hmac.compare_digest(value, console_token(session))
    )


def organiser_sign_in() -> str:
    """What the signed cookie of /o/ holds for a signed-in organiser instead of the token."""
    return derived_secret("organiser", organiser_hash())


def is_organiser_sign_in(value) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and hmac.compare_digest(value, organiser_sign_in())
    )
