"""Untrusted input at the edge: JSON bodies, whole numbers and text, each checked in one place.

Python accepts three things the rest of the app cannot use: `json` parses nesting thousands deep
by recursion (RecursionError), it accepts lone surrogates such as "\\ud800" that UTF-8 refuses
later (at the database, in a page or an export), and `str.isdigit()` is true for "²" and other
digits that `int()` refuses. The HTTP API reads its bodies with `json_object`, socket events are
checked with `check_value`, the domain's text fields with `clean_text`, and every number that
arrives as text goes through `whole_number`.
"""

import json
import re

from .errors import BadRequest

# Deeper than any body of the API (the deepest, a tag set file, is 3 levels).
MAX_DEPTH = 20
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
SURROGATE = re.compile("[\ud800-\udfff]")
# Lone surrogates cannot be encoded; NUL cannot be stored in a PostgreSQL text column.
UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def is_whole(value) -> bool:
    """An int, not a bool (JSON true is an int to Python): the one place this is checked."""
    return isinstance(value, int) and not isinstance(value, bool)


def whole_number(value) -> int | None:
    """An int (not a bool), or text of ASCII digits as an int; None for anything else."""
    if is_whole(value):
        return value
    if isinstance(value, str) and ASCII_DIGITS.fullmatch(value):
        return int(value)
    return None


def has_surrogate(text: str) -> bool:
    return SURROGATE.search(text) is not None


def clean_text(value: str, field: str) -> str:
    """Text a person typed, refused (400) if it holds a lone surrogate or NUL: neither can be
    stored (PostgreSQL refuses NUL) or shown."""
    if UNSTORABLE.search(value):
        raise BadRequest(
            f"Field '{field}' holds a character that cannot be stored (NUL or a lone surrogate).",
            code="malformed_text",
            field=field,
        )
    return value


def check_value(value) -> None:
    """Refuse (400) a decoded JSON value nested deeper than MAX_DEPTH or holding a lone surrogate.

    Iterative, so it cannot itself run out of stack.
    """
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                raise BadRequest(
                    "The data holds text that is not valid Unicode (a lone surrogate).",
                    code="malformed_json",
                )
            continue
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise BadRequest(
                    f"The data is nested deeper than {MAX_DEPTH} levels.", code="malformed_json"
                )
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def loads(raw: bytes | str):
    """Parse JSON from a client: 400 `malformed_json` for anything the app could not use."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest(
            f"The data is nested deeper than {MAX_DEPTH} levels.", code="malformed_json"
        ) from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise BadRequest("The body is not valid JSON.", code="malformed_json") from None
    check_value(value)
    return value


def json_object(raw: bytes | str) -> dict:
    """A JSON object from a request body, or a clear 400."""
    value = loads(raw)
    if not isinstance(value, dict):
        raise BadRequest("The body must be a JSON object.")
    return value
