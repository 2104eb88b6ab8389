"""Secrets: join codes, facilitator keys and participant tokens, and how they are checked."""

import hashlib
import hmac
import secrets

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
