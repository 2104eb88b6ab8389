"""Table hosts: a signed link per table that lets its host write that table's summary only."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import Forbidden
from ..models import Session, Table
from .tables import get_table


def host_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="aantafel.table-host")


def host_token(session: Session, table: Table) -> str:
    """A signed token that lets one table's host write that table's summary, and nothing else.

    It carries a fragment of the facilitator key's hash, so rotating the key revokes host links too.
    """
    return host_serializer().dumps(host_scope(session, table))


def host_scope(session: Session, table: Table) -> list:
    """What a host token signs: the table (with its nonce, so a reused id is another table) and
    a fragment of the facilitator key's hash. Tables made before the nonce keep the old scope."""
    scope = [session.id, table.id, session.facilitator_key_hash[:12]]
    return [*scope, table.host_nonce] if table.host_nonce else scope


def table_for_host(session: Session, table_id, token: str | None) -> Table:
    """The table this host token opens, or 403."""
    table = get_table(session, table_id)
    if not token:
        raise Forbidden("This needs the table's host link.", code="host_token_required")
    try:
        scope = host_serializer().loads(token)
    except BadSignature:
        scope = None
    if scope != host_scope(session, table):
        raise Forbidden(
            "This host link is not valid for this table (any more).", code="wrong_host_token"
        )
    return table
