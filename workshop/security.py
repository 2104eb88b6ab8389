"""Secrets: join codes, facilitator keys and participant tokens, and how they are checked."""

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

# No 0/O, 1/I/L: a code read off a projector must not be ambiguous.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    return (code or "").strip().upper()[: JOIN_CODE_LENGTH + 2]


def new_token() -> str:
    """A 192-bit random token: facilitator keys and participant tokens."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """Tokens are stored hashed; they are random enough that SHA-256 without salt is sound."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def token_matches(token: str | None, stored_hash: str) -> bool:
    return bool(token) and hmac.compare_digest(token_hash(token), stored_hash)


def origin_of(url: str) -> str:
    """`https://host:port` of a URL: what a browser sends as its Origin header."""
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def socket_origin_check(public_url: str, extra_origins=()):
    """A `cors_allowed_origins` callable for python-engineio: PUBLIC_URL's origin and same-origin.

    Given a list or a callable, engineio drops its same-origin default, so it is kept here: a page
    opened as http://localhost:5000 on the facilitator's laptop still connects while PUBLIC_URL
    names the LAN address. Any other Origin is refused before the handshake (cross-site WebSocket
    hijacking). Clients that send no Origin (scripts, tests) are not browsers and are let through
    by engineio without calling this.
    """
    allowed = {origin_of(public_url), *(origin_of(o) for o in extra_origins)} - {""}

    def allow(origin, environ=None) -> bool:
        origin = (origin or "").lower()
        if origin in allowed:
            return True
        if environ is None:
            return False
        host = environ.get("HTTP_HOST", "")
        schemes = {environ.get("wsgi.url_scheme", "http")}
        forwarded = environ.get("HTTP_X_FORWARDED_PROTO")
        if forwarded:
            schemes.add(forwarded.split(",")[0].strip())
        return bool(host) and origin in {f"{scheme}://{host}".lower() for scheme in schemes}

    return allow
