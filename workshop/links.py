"""Public links: what phones reach, built on PUBLIC_URL rather than the address the server sees."""

from flask import current_app


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
