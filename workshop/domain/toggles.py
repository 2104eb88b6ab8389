"""A participant's vote that a second tap takes back: "herkenbaar" on insights, votes on themes."""

from sqlalchemy import delete, func, select, update

from ..extensions import db


def toggle_vote(vote_model, counted_model, owner: str, owner_id: int, participant_id: int, **also):
    """Add the participant's vote row, or remove it if there is one; store the new count on the
    voted row (`counted_model.votes`, read from the vote rows, so it is always their number).

    The caller holds a lock that makes one participant's taps take turns. Returns (votes, added);
    `also` are further columns to set on the voted row with the count (e.g. its seq).
    """
    key = {owner: owner_id, "participant_id": participant_id}
    removed = db.session.execute(delete(vote_model).filter_by(**key)).rowcount
    if not removed:
        db.session.add(vote_model(**key))
        db.session.flush()
    counted = select(func.count()).select_from(vote_model).filter_by(**{owner: owner_id})
    votes = db.session.execute(
        update(counted_model)
        .where(counted_model.id == owner_id)
        .values(votes=counted.scalar_subquery(), **also)
        .returning(counted_model.votes)
    ).scalar_one()
    return votes, not removed
