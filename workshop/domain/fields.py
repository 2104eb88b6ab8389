"""Checks of one field of a request body: text, ids, tags, booleans, numbers.

Every domain operation validates with these, so a wrong type is one clear 400/422 everywhere.
"""

from .. import inputs, tags
from ..errors import BadRequest, Invalid
from ..inputs import is_whole
from ..models import Session

ROW_ID_LIMIT = 2**31  # ids and seq are 32-bit INTEGER columns on PostgreSQL


def is_number(value) -> bool:
    """An int or a float, not a bool."""
    return is_whole(value) or isinstance(value, float)


def is_row_id(value) -> bool:
    """Whether a value can be a row id: a larger number from a URL would overflow the database."""
    return is_whole(value) and 0 < value < ROW_ID_LIMIT


def text_field(data: dict, name: str, *, max_length: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"Field '{name}' is required.", field=name)
        return None
    if not isinstance(value, str):
        raise Invalid(f"Field '{name}' must be text.", field=name)
    value = inputs.clean_text(value, name).strip()
    if required and not value:
        raise Invalid(f"Field '{name}' must not be empty.", field=name)
    if len(value) > max_length:
        raise Invalid(
            f"Field '{name}' is {len(value)} characters; at most {max_length} are allowed.",
            code="too_long",
            field=name,
        )
    return value


def id_field(data: dict, name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None:
        if required:
            raise BadRequest(f"Field '{name}' is required.", field=name)
        return None
    value = inputs.whole_number(value)  # "12" from a form; not "²", which int() refuses
    if value is None or not 0 < value < 2**62:
        raise Invalid(f"Field '{name}' must be a positive whole number.", field=name)
    return value


def tag_field(data: dict, name: str, tag_set: str, session: Session | None = None) -> str | None:
    """A tag key from the session's own tag set (or the default one), or None."""
    value = data.get(name)
    if value in (None, ""):
        return None
    known = tags.for_session(session).keys(tag_set)
    if value not in known:
        raise Invalid(f"Unknown {name} '{value}'.", field=name, allowed=known)
    return value


def bool_field(data: dict, name: str) -> bool | None:
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise Invalid(f"Field '{name}' must be true or false.", field=name)
    return value
