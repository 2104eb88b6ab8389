"""Domain operations: sessions, tables, joining, posting, voting, moderation, resync."""

import time
import uuid

import pytest

from tests.support.factories import open_domain_session, post_in
from workshop import domain
from workshop.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound, RateLimited
from workshop.models import Insight, Session
from workshop.payloads import FACILITATOR, WALL, Viewer
from workshop.security import JOIN_CODE_ALPHABET, token_hash


@pytest.fixture
def room(ctx):
    """An open wijkaanpak session with one seated participant."""
    session, key, (participant,) = open_domain_session(("Fatima",))
    return session, key, participant


def post(session, participant, text="Vertrouwen begint bij luisteren.", **extra):
    return post_in(session, participant, text, **extra)


def test_wijkaanpak_template_creates_its_three_tables(ctx):
    session, key = domain.create_session("Aan tafel", "nl", "wijkaanpak")
    assert [t.name for t in session.tables] == [
        "Representatie van bewoners",
        "Gespikkeld bezit",
        "Particulieren in de wijkaanpak",
    ]
    assert all(t.question for t in session.tables)
    assert session.state == "draft"


def test_join_code_is_unambiguous_and_key_is_stored_hashed(ctx):
    session, key = domain.create_session("Blank", "en", None)
    assert len(session.code) == 6 and set(session.code) <= set(JOIN_CODE_ALPHABET)
    assert not set(session.code) & set("0O1IL")
    assert len(key) >= 32  # 192 bits, URL-safe base64
    assert (
        session.facilitator_key_hash == token_hash(key) and key not in session.facilitator_key_hash
    )
    domain.check_facilitator(session, key)
    with pytest.raises(Forbidden):
        domain.check_facilitator(session, key + "x")


def test_create_session_rejects_bad_input(ctx):
    with pytest.raises(Invalid):
        domain.create_session("", "nl")
    with pytest.raises(Invalid):
        domain.create_session("Titel", "de")
    with pytest.raises(Invalid):
        domain.create_session("Titel", "nl", "unknown-template")
    with pytest.raises(BadRequest):  # a missing field is malformed (400), not out of range (422)
        domain.create_session("Titel", "nl", None, tables=[{"question": "no name"}])
    assert Session.query.count() == 0


def test_tables_are_added_renamed_reordered_and_removed(ctx):
    session, _ = domain.create_session("Blank", "nl", None)
    a = domain.add_table(session, {"name": "A", "question": "?"})
    b = domain.add_table(session, {"name": "B"})
    c = domain.add_table(session, {"name": "C"})
    domain.update_table(session, c.id, {"order": 0, "name": "C2"})
    assert [t.name for t in session.tables] == ["C2", "A", "B"]
    domain.delete_table(session, b.id)
    assert [t.name for t in session.tables] == ["C2", "A"]
    with pytest.raises(NotFound):
        domain.update_table(session, 999, {"name": "x"})
    assert a.question == "?"


def test_table_with_insights_cannot_be_removed(room):
    session, _, participant = room
    post(session, participant)
    with pytest.raises(Conflict):
        domain.delete_table(session, session.tables[0].id)


def test_post_is_stored_once_per_client_id(room):
    session, _, participant = room
    data = {"client_id": str(uuid.uuid4()), "table_id": session.tables[0].id, "text": "Eén keer"}
    first, created = domain.post_insight(session, participant, data)
    again, created_again = domain.post_insight(session, participant, dict(data))
    assert created and not created_again
    assert first.id == again.id
    assert Insight.query.count() == 1


def test_a_process_forgets_a_post_it_charged_once_the_post_is_stored(room):
    """A long event's posts do not pile up in memory: once stored, retries find them by client id.

    One that paid and was then refused stays remembered, so sending it again is not charged twice.
    """
    from workshop.domain.insights import charged_client_ids

    session, _, participant = room
    stored = {"client_id": str(uuid.uuid4()), "table_id": session.tables[0].id, "text": "Goed"}
    refused = {**stored, "client_id": str(uuid.uuid4()), "text": "x" * 10_000}
    domain.post_insight(session, participant, stored)
    with pytest.raises(Invalid):
        domain.post_insight(session, participant, refused)
    assert (session.id, participant.id, stored["client_id"]) not in charged_client_ids
    assert (session.id, participant.id, refused["client_id"]) in charged_client_ids
    again, created = domain.post_insight(session, participant, dict(stored))
    assert not created and again.text == "Goed"


def test_seq_increases_with_every_visible_change(room):
    session, _, participant = room
    one, _ = post(session, participant)
    two, _ = post(session, participant)
    assert two.seq > one.seq
    other, _ = domain.join(session, {"table_id": session.tables[0].id})
    domain.vote(session, other, one.id)
    assert one.seq > two.seq  # a vote is a change clients must see


def test_posting_validates_every_field(room):
    session, _, participant = room
    with pytest.raises(Invalid):
        post(session, participant, text="   ")
    with pytest.raises(Invalid):
        post(session, participant, text="x" * 501)
    with pytest.raises(Invalid):
        post(session, participant, kind="rant")
    with pytest.raises(Invalid):
        post(session, participant, perspectives=["residents", "weather"])
    with pytest.raises(Invalid):
        post(session, participant, phase="phase_9")
    with pytest.raises(NotFound):
        domain.post_insight(
            session, participant, {"client_id": str(uuid.uuid4()), "table_id": 999, "text": "x"}
        )
    assert Insight.query.count() == 0


def test_posts_only_while_open(room):
    session, _, participant = room
    domain.change_state(session, "paused")
    with pytest.raises(Conflict) as error:
        post(session, participant)
    assert error.value.code == "session_not_open"


def test_invalid_state_transition_is_refused(ctx):
    session, _ = domain.create_session("Blank", "nl", None)
    with pytest.raises(Conflict):
        domain.change_state(session, "paused")  # draft cannot pause
    with pytest.raises(Invalid):
        domain.change_state(session, "exploded")
    domain.change_state(session, "open")
    assert session.round_number == 1


def test_votes_toggle_and_never_on_own_insight(room):
    session, _, author = room
    insight, _ = post(session, author)
    voter, _ = domain.join(session, {"table_id": session.tables[0].id})
    assert domain.vote(session, voter, insight.id) == (1, True)
    assert domain.vote(session, voter, insight.id) == (0, False)
    with pytest.raises(Conflict):
        domain.vote(session, author, insight.id)


def test_rate_limit_allows_a_burst_then_one_per_second(room):
    session, _, participant = room
    for _ in range(30):
        post(session, participant)
    with pytest.raises(RateLimited) as refused:
        post(session, participant)
    assert refused.value.extra["retry_after"] == 1
    time.sleep(1.05)  # one token back: one more post, and then none until the next second
    post(session, participant)
    with pytest.raises(RateLimited):
        post(session, participant)


def test_premoderation_hides_until_approved_and_resync_reports_it(room):
    session, _, participant = room
    domain.update_settings(session, {"premoderation": True})
    insight, _ = post(session, participant, text="Wacht op goedkeuring")
    assert insight.status == "pending"
    assert domain.insights_since(session, 0, WALL) == [
        {"id": insight.id, "seq": insight.seq, "status": "hidden"}
    ]
    mine = domain.insights_since(session, 0, Viewer("participant", participant.id, None))
    assert mine[0]["text"] == "Wacht op goedkeuring" and mine[0]["status"] == "pending"
    before = insight.seq
    domain.moderate(session, insight.id, {"status": "visible"})
    changed = domain.insights_since(session, before, WALL)
    assert [i["text"] for i in changed] == ["Wacht op goedkeuring"]


def test_edit_keeps_the_original_text(room):
    session, _, participant = room
    insight, _ = post(session, participant, text="Bewonres")
    domain.moderate(session, insight.id, {"text": "Bewoners"})
    assert insight.text == "Bewoners" and insight.original_text == "Bewonres"
    assert domain.insights_since(session, 0, FACILITATOR)[0]["original_text"] == "Bewonres"


def test_silent_mode_withholds_until_reveal(room):
    session, _, participant = room
    domain.update_settings(session, {"silent": True})
    insight, _ = post(session, participant, text="Stil geschreven")
    assert domain.insights_since(session, 0, WALL)[0]["status"] == "hidden"
    assert domain.counts(session)["insights"] == 1
    domain.update_settings(session, {"silent": False})
    assert domain.insights_since(session, 0, WALL)[0]["text"] == "Stil geschreven"


def test_hide_authors_removes_names_from_public_payloads(room):
    session, _, participant = room
    post(session, participant)
    assert domain.insights_since(session, 0, WALL)[0]["author"]["name"] == "Fatima"
    domain.update_settings(session, {"hide_authors": True})
    assert domain.insights_since(session, 0, WALL)[0]["author"] is None
    assert domain.insights_since(session, 0, FACILITATOR)[0]["author"]["name"] == "Fatima"


def test_spotlight_only_for_visible_insights(room):
    session, _, participant = room
    insight, _ = post(session, participant)
    domain.set_spotlight(session, insight.id)
    assert domain.spotlight_insight(session).id == insight.id
    domain.moderate(session, insight.id, {"status": "hidden"})
    assert domain.spotlight_insight(session) is None
    with pytest.raises(Conflict):
        domain.set_spotlight(session, insight.id)


def test_rounds_carry_an_end_time_and_tag_new_insights(room):
    session, _, participant = room
    domain.start_round(session, {"title": "Verkennen", "minutes": 10})
    assert session.round_number == 1 and session.round_ends_at is not None
    insight, _ = post(session, participant)
    assert insight.round == 1
    domain.start_round(session, {"title": "Oplossingen", "minutes": 10})
    assert session.round_number == 2 and session.round_title == "Oplossingen"
    insight, _ = post(session, participant)
    assert insight.round == 2
    with pytest.raises(Invalid):
        domain.start_round(session, {"minutes": -3})
