"""A session, a participant and an insight, made through the API as a client makes them."""

from dataclasses import dataclass

from .http import Api, insight_body


@dataclass
class Room:
    """A session made through `api`: its creation answer and the ids tests reach for."""

    api: Api
    created: dict

    @property
    def code(self) -> str:
        return self.created["code"]

    @property
    def key(self) -> str:
        """The facilitator key."""
        return self.created["facilitator_key"]

    @property
    def tables(self) -> list[int]:
        return [table["id"] for table in self.created["tables"]]

    @property
    def table(self) -> int:
        """The first table's id."""
        return self.tables[0]


def make_session(api: Api, **body) -> Room:
    """An open session (`state="draft"` for one not yet open) with the template's tables."""
    return Room(api, api.create_session(**body))


def join(room: Room, table_id: int | None = None, **body) -> dict:
    """A participant at `table_id` (default the first table): the join answer, with its token."""
    return room.api.join(room.code, table_id or room.table, **body)


def post(room: Room, token: str, text: str | None = None, table_id: int | None = None, **body):
    """An insight posted by the participant with `token`: the HTTP response."""
    extra = {"text": text} if text is not None else {}
    return room.api.post(room.code, token, table_id or room.table, **extra, **body)


# --- in the domain layer (no HTTP), inside an app context --------------------------------------


def open_domain_session(names=(), title="Aan tafel", template="wijkaanpak"):
    """An open session made by the domain layer, with a participant at the first table for each
    of `names`: (session, facilitator key, participants)."""
    from workshop import domain

    session, key = domain.create_session(title, "nl", template)
    domain.change_state(session, "open")
    seat = session.tables[0].id if session.tables else None
    people = [domain.join(session, {"name": name, "table_id": seat})[0] for name in names]
    return session, key, people


def post_in(session, participant, text=None, table=None, **fields):
    """An insight posted by the domain layer at `table` (default the first): what
    `domain.post_insight` returns, (insight, created)."""
    from workshop import domain

    table_id = (table or session.tables[0]).id
    body = insight_body(table_id, **({"text": text} if text is not None else {}), **fields)
    return domain.post_insight(session, participant, body)
