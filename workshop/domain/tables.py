"""A session's tables: add, rename, reorder, remove, and the host's summary."""

from sqlalchemy import select, update

from ..errors import N_, Conflict, Invalid, NotFound
from ..extensions import db
from ..models import Insight, Participant, Session, Table, TableSummary
from . import changes
from .fields import is_row_id, is_whole, text_field

TABLE_COLOURS = 8
MAX_TABLES = 30


def get_table(session: Session, table_id) -> Table:
    table = db.session.get(Table, table_id) if is_row_id(table_id) else None
    if table is None or table.session_id != session.id:
        raise NotFound(N_("No such table in this session."), code="table_not_found")
    return table


def clean_table(spec) -> tuple[str, str]:
    if not isinstance(spec, dict):
        raise Invalid("A table is an object with a name and a question.", field="tables")
    name = text_field(spec, "name", max_length=120)
    question = text_field(spec, "question", max_length=1000, required=False) or ""
    return name, question


def add_table(session: Session, data: dict) -> Table:
    if len(session.tables) >= MAX_TABLES:
        raise Invalid(f"At most {MAX_TABLES} tables.", field="tables")
    name, question = clean_table(data)
    position = max((t.position for t in session.tables), default=-1) + 1
    table = Table(name=name, question=question, position=position, colour=position % TABLE_COLOURS)
    session.tables.append(table)
    changes.commit(changes.SessionChanged(session))
    return table


def update_table(session: Session, table_id: int, data: dict) -> Table:
    table = get_table(session, table_id)
    if "name" in data:
        table.name = text_field(data, "name", max_length=120)
    if "question" in data:
        table.question = text_field(data, "question", max_length=1000, required=False) or ""
    if "host" in data:
        table.host = text_field(data, "host", max_length=120, required=False) or ""
    if "order" in data:
        order = data["order"]
        if not is_whole(order) or order < 0:
            raise Invalid("Field 'order' must be a whole number from 0.", field="order")
        others = [t for t in session.tables if t.id != table.id]
        others.insert(min(order, len(others)), table)
        for position, each in enumerate(others):
            each.position = position
    db.session.commit()
    db.session.refresh(session)
    changes.publish(changes.SessionChanged(session))
    return table


def delete_table(session: Session, table_id: int) -> None:
    table = get_table(session, table_id)
    if db.session.scalar(select(Insight.id).filter_by(table_id=table.id).limit(1)):
        raise Conflict(
            "This table holds insights; it can be renamed but not removed.", code="table_not_empty"
        )
    db.session.execute(
        update(Participant).where(Participant.table_id == table.id).values(table_id=None)
    )
    session.tables.remove(table)  # delete-orphan: removing it from the session deletes it
    changes.commit(changes.SessionChanged(session))


def write_summary(session: Session, table_id: int, data: dict) -> TableSummary:
    table = get_table(session, table_id)
    text = text_field(data, "text", max_length=5000, required=False) or ""
    if "host" in data:  # the host may sign the summary from the host page
        table.host = text_field(data, "host", max_length=120, required=False) or ""
    summary = table.summary or TableSummary(table_id=table.id)
    summary.text = text
    table.summary = summary
    changes.commit(changes.SessionChanged(session))
    return summary
