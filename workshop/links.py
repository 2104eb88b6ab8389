"""Public links: what phones reach, built on PUBLIC_URL rather than the address the server sees."""

from flask import current_app

from . import media


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"] + path


def join_url(code: str, table_id: int | None = None) -> str:
    return public_url(f"/j/{code}" + (f"/{table_id}" if table_id else ""))


def wall_url(code: str) -> str:
    return public_url(f"/w/{code}")


def facilitator_url(code: str, key: str | None = None) -> str:
    return public_url(f"/f/{code}" + (f"?key={key}" if key else ""))


def organiser_url() -> str:
    return public_url("/o/")


def photo_path(name: str, thumb: bool = False) -> str:
    """A photo's address on this server, without PUBLIC_URL: the wall's CSP allows images from
    its own origin only, and a wall opened on another address than PUBLIC_URL must still show them."""
    return "/media/" + media.file_name(name, thumb)
