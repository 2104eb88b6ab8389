"""Changing a session's settings, checked against the one table in workshop/session_settings.py."""

from ..errors import Invalid
from ..models import Session
from ..session_settings import BY_NAME, DEFAULT_SETTINGS
from . import changes
from .moderation import reveal_withheld


def update_settings(session: Session, changes_asked: dict) -> Session:
    if not isinstance(changes_asked, dict):
        raise Invalid("Field 'settings' must be an object.", field="settings")
    settings = dict(DEFAULT_SETTINGS, **(session.settings or {}))
    for name, value in changes_asked.items():
        if name not in BY_NAME:
            raise Invalid(f"Unknown setting '{name}'.", field=name, allowed=list(BY_NAME))
        BY_NAME[name].check(value)
        settings[name] = value
    revealing = session.setting("silent") and not settings["silent"]
    session.settings = settings
    changes.commit(changes.SessionChanged(session))
    if revealing:
        reveal_withheld(session)
    return session
