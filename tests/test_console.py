"""The facilitator console: states, rounds, moderation, merging, hosts, cards, and who may do what."""

import re
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
import socketio

from tests.support import ORGANISER_TOKEN, SocketClient
from tests.support.factories import open_domain_session, post_in
from workshop import domain
from workshop.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound
from workshop.models import SessionState, Vote
from workshop.payloads import FACILITATOR, WALL

STATES = [s.value for s in SessionState]


@pytest.fixture
def room(ctx):
    """An open wijkaanpak session with three seated participants."""
    return open_domain_session(("Fatima", "Joost", "Anouk"))


def post(session, participant, text="Vertrouwen begint bij luisteren.", table=0):
    return post_in(session, participant, text, session.tables[table])[0]


# --- session states -----------------------------------------------------------------------------


def session_in(state: str):
    """A fresh session brought to `state` along allowed transitions."""
    session, _ = domain.create_session("Staten", "nl", "wijkaanpak")
    path = {
        "draft": [],
        "open": ["open"],
        "paused": ["open", "paused"],
        "closed": ["closed"],
        "archived": ["closed", "archived"],
    }[state]
    for step in path:
        domain.change_state(session, step)
    assert session.state == state
    return session


@pytest.mark.parametrize("source", STATES)
@pytest.mark.parametrize("target", STATES)
def test_every_state_transition_is_allowed_or_clearly_refused(ctx, source, target):
    session = session_in(source)
    allowed = target == source or target in domain.TRANSITIONS[SessionState(source)]
    if allowed:
        domain.change_state(session, target)
        assert session.state == target
    else:
        with pytest.raises(Conflict) as refused:
            domain.change_state(session, target)
        assert refused.value.code == "invalid_transition"
        assert source in refused.value.message and target in refused.value.message
        assert session.state == source


def test_the_lifecycle_of_a_session_including_the_archive(ctx):
    session = session_in("draft")
    for state in ("open", "paused", "open", "closed", "archived", "closed", "open"):
        domain.change_state(session, state)
        assert session.state == state
    assert session.round_number == 1  # round 1 started at the first opening, not at the reopening


def test_unknown_state_is_invalid(ctx):
    session = session_in("open")
    with pytest.raises(Invalid):
        domain.change_state(session, "running")


@pytest.mark.parametrize("state", ["draft", "paused", "closed", "archived"])
def test_only_an_open_session_takes_posts(ctx, state):
    session = session_in("open")
    participant, _ = domain.join(session, {"table_id": session.tables[0].id})
    if state != "draft":
        domain.change_state(session, "closed" if state == "archived" else state)
        if state == "archived":
            domain.change_state(session, "archived")
    else:
        session.state = "draft"
    with pytest.raises(Conflict) as refused:
        post(session, participant)
    assert refused.value.code == "session_not_open"


# --- rounds -------------------------------------------------------------------------------------


def test_extend_and_stop_the_round(room):
    session, _, _ = room
    domain.start_round(session, {"minutes": 10, "title": "Oplossingen"})
    ends = session.round_ends_at
    domain.update_round(session, {"minutes_added": 5})
    assert session.round_ends_at - ends == timedelta(minutes=5)
    domain.update_round(session, {"minutes_added": -3})
    assert session.round_ends_at - ends == timedelta(minutes=2)
    domain.update_round(session, {"stop": True})
    assert abs(session.round_ends_at - datetime.now(UTC)) < timedelta(seconds=2)
    # Extending a stopped round gives it fresh minutes from now.
    domain.update_round(session, {"minutes_added": 1})
    left = session.round_ends_at - datetime.now(UTC)
    assert timedelta(seconds=55) < left <= timedelta(minutes=1)
    assert session.round_number == 1 and session.round_title == "Oplossingen"


def test_a_round_without_timer_gets_one_when_extended(room):
    session, _, _ = room
    assert session.round_ends_at is None
    domain.update_round(session, {"minutes_added": 10})
    assert timedelta(minutes=9) < session.round_ends_at - datetime.now(UTC) <= timedelta(minutes=10)


@pytest.mark.parametrize(
    "body, error",
    [
        ({}, BadRequest),
        ({"minutes_added": 0}, Invalid),
        ({"minutes_added": "5"}, Invalid),
        ({"minutes_added": True}, Invalid),
        ({"minutes_added": 601}, Invalid),
        ({"minutes_added": -20}, Invalid),  # would end in the past
        ({"stop": "yes"}, Invalid),
        ({"stop": True, "minutes_added": 5}, Invalid),
        ({"stop": False}, BadRequest),
    ],
)
def test_bad_round_changes_are_refused(room, body, error):
    session, _, _ = room
    domain.start_round(session, {"minutes": 10})
    ends = session.round_ends_at
    with pytest.raises(error):
        domain.update_round(session, body)
    assert session.round_ends_at == ends


def test_a_round_cannot_be_extended_before_the_session_opens(ctx):
    session = session_in("draft")
    with pytest.raises(Conflict) as refused:
        domain.update_round(session, {"minutes_added": 5})
    assert refused.value.code == "session_not_open"


def test_extending_is_capped_at_ten_hours(room):
    session, _, _ = room
    domain.start_round(session, {"minutes": 600})
    with pytest.raises(Invalid):
        domain.update_round(session, {"minutes_added": 5})


# --- moderation ---------------------------------------------------------------------------------


def test_premoderation_approve_hide_restore_pin(room):
    session, _, (fatima, *_) = room
    domain.update_settings(session, {"premoderation": True})
    insight = post(session, fatima)
    assert insight.status == "pending" and not insight.public
    seq = insight.seq
    domain.moderate(session, insight.id, {"status": "visible"})
    assert insight.public and insight.seq > seq
    domain.moderate(session, insight.id, {"pinned": True})
    assert insight.pinned
    domain.moderate(session, insight.id, {"status": "hidden"})
    assert not insight.public
    assert domain.insights_since(session, seq, WALL)[-1] == {
        "id": insight.id,
        "seq": insight.seq,
        "status": "hidden",
    }
    domain.moderate(session, insight.id, {"status": "visible", "pinned": False})
    assert insight.public and not insight.pinned


def test_edit_a_typo_keeps_the_original(room):
    session, _, (fatima, *_) = room
    insight = post(session, fatima, "Bewoners wilen meedenken.")
    domain.moderate(session, insight.id, {"text": "Bewoners willen meedenken."})
    domain.moderate(session, insight.id, {"text": "Bewoners willen echt meedenken."})
    assert insight.text == "Bewoners willen echt meedenken."
    assert insight.original_text == "Bewoners wilen meedenken."  # the first words stay on record
    assert domain.insights_since(session, 0, FACILITATOR)[0]["original_text"] == (
        "Bewoners wilen meedenken."
    )
    assert "original_text" not in domain.insights_since(session, 0, WALL)[0]


@pytest.mark.parametrize(
    "body, error",
    [
        ({}, BadRequest),
        ({"status": "pending"}, Invalid),
        ({"status": "deleted"}, Invalid),
        ({"pinned": "yes"}, Invalid),
        ({"text": ""}, Invalid),
        ({"text": "x" * 501}, Invalid),
        ({"text": 12}, Invalid),
    ],
)
def test_bad_moderation_is_refused(room, body, error):
    session, _, (fatima, *_) = room
    insight = post(session, fatima)
    with pytest.raises(error):
        domain.moderate(session, insight.id, body)


def test_moderating_an_unknown_or_foreign_insight_is_not_found(room):
    session, _, (fatima, *_) = room
    other, _ = domain.create_session("Andere sessie", "nl", "wijkaanpak")
    domain.change_state(other, "open")
    stranger, _ = domain.join(other, {"table_id": other.tables[0].id})
    foreign = post(other, stranger)
    for insight_id in (foreign.id, 999999, "1"):
        with pytest.raises(NotFound):
            domain.moderate(session, insight_id, {"status": "hidden"})


def test_hiding_the_spotlighted_insight_releases_the_spotlight(room):
    session, _, (fatima, *_) = room
    insight = post(session, fatima)
    domain.set_spotlight(session, insight.id)
    domain.moderate(session, insight.id, {"status": "hidden"})
    assert session.spotlight_insight_id is None
    with pytest.raises(Conflict):
        domain.set_spotlight(session, insight.id)


# --- merging duplicates -------------------------------------------------------------------------


def vote_for(session, people, insight):
    for person in people:
        domain.vote(session, person, insight.id)


def test_merge_adds_votes_of_distinct_voters_and_points_to_the_kept_one(room):
    session, _, (fatima, joost, anouk) = room
    extra, _ = domain.join(session, {"table_id": session.tables[0].id})
    kept = post(session, fatima, "Eerst luisteren, dan plannen.")
    duplicate = post(session, joost, "Luister eerst naar bewoners.")
    vote_for(session, [joost, anouk], kept)
    vote_for(session, [fatima, anouk, extra], duplicate)  # Fatima wrote the kept one: not counted

    merged, kept_after = domain.merge_insights(session, duplicate.id, {"into": kept.id})
    assert merged.id == duplicate.id and kept_after.id == kept.id
    assert duplicate.status == "hidden" and duplicate.merged_into_id == kept.id
    assert not duplicate.pinned and duplicate.votes == 0
    voters = {v.participant_id for v in ctx_votes(kept)}
    assert voters == {joost.id, anouk.id, extra.id}
    assert kept.votes == 3
    assert ctx_votes(duplicate) == []
    assert duplicate.seq < kept.seq  # both changed: walls and phones learn of both
    as_facilitator = {i["id"]: i for i in domain.insights_since(session, 0, FACILITATOR)}
    assert as_facilitator[duplicate.id]["merged_into"] == kept.id
    # A merged insight stays down: it cannot be shown again, nor merged twice.
    with pytest.raises(Conflict) as refused:
        domain.moderate(session, duplicate.id, {"status": "visible"})
    assert refused.value.code == "insight_merged"
    with pytest.raises(Conflict) as again:
        domain.merge_insights(session, duplicate.id, {"into": kept.id})
    assert again.value.code == "already_merged"


def ctx_votes(insight):
    from workshop.extensions import db

    return db.session.scalars(db.select(Vote).filter_by(insight_id=insight.id)).all()


def test_merging_a_pending_duplicate_into_a_visible_one(room):
    session, _, (fatima, joost, _) = room
    kept = post(session, fatima)
    domain.update_settings(session, {"premoderation": True})
    duplicate = post(session, joost)
    domain.merge_insights(session, duplicate.id, {"into": kept.id})
    assert duplicate.status == "hidden" and kept.public


def test_merging_the_spotlighted_duplicate_releases_the_spotlight(room):
    session, _, (fatima, joost, _) = room
    kept, duplicate = post(session, fatima), post(session, joost)
    domain.set_spotlight(session, duplicate.id)
    domain.merge_insights(session, duplicate.id, {"into": kept.id})
    assert session.spotlight_insight_id is None


@pytest.mark.parametrize(
    "into, error, code",
    [
        ("self", Conflict, "merge_into_self"),
        ("hidden", Conflict, "insight_not_visible"),
        ("merged", Conflict, "insight_not_visible"),
        (None, BadRequest, "bad_request"),
        (999999, NotFound, "insight_not_found"),
        ("abc", Invalid, "invalid"),
    ],
)
def test_bad_merges_are_refused(room, into, error, code):
    session, _, (fatima, joost, anouk) = room
    duplicate = post(session, fatima)
    target = post(session, joost)
    if into == "self":
        into = duplicate.id
    elif into == "hidden":
        domain.moderate(session, target.id, {"status": "hidden"})
        into = target.id
    elif into == "merged":
        domain.merge_insights(session, target.id, {"into": post(session, anouk).id})
        into = target.id
    with pytest.raises(error) as refused:
        domain.merge_insights(session, duplicate.id, {"into": into} if into else {})
    assert refused.value.code == code
    assert duplicate.merged_into_id is None and duplicate.status == "visible"


# --- table hosts --------------------------------------------------------------------------------


def test_host_token_opens_its_own_table_only_until_the_key_rotates(room):
    session, _, _ = room
    first, second = session.tables[0], session.tables[1]
    token = domain.host_token(session, first)
    assert domain.table_for_host(session, first.id, token) is first
    for table_id, bad in ((second.id, token), (first.id, token + "x"), (first.id, None)):
        with pytest.raises(Forbidden):
            domain.table_for_host(session, table_id, bad)
    domain.rotate_facilitator_key(session)
    with pytest.raises(Forbidden):
        domain.table_for_host(session, first.id, token)


# --- over HTTP: the console's API, the host page, the cards -------------------------------------


@pytest.fixture
def http_room(api_client):
    created = api_client.create_session()
    code, key = created["code"], created["facilitator_key"]
    people = [api_client.join(code, created["tables"][0]["id"], name=n) for n in ("Eva", "Bram")]
    return api_client, created, code, key, people


def test_round_endpoint(http_room):
    api, created, code, key, _ = http_room
    started = api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 10}).json()
    extended = api.call(
        "PATCH", f"/sessions/{code}/rounds/current", key, 200, json={"minutes_added": 5}
    ).json()
    assert extended["number"] == started["number"] == 1
    delta = datetime.fromisoformat(extended["ends_at"]) - datetime.fromisoformat(started["ends_at"])
    assert delta == timedelta(minutes=5)
    stopped = api.call("PATCH", f"/sessions/{code}/rounds/current", key, 200, json={"stop": True})
    assert datetime.fromisoformat(stopped.json()["ends_at"]) <= datetime.now(UTC)
    bad = api.call("PATCH", f"/sessions/{code}/rounds/current", key, 422, json={"minutes_added": 0})
    assert bad.json()["error"]["field"] == "minutes_added"
    api.call("PATCH", f"/sessions/{code}/rounds/current", key, 400, data="nope")


def test_merge_endpoint(http_room):
    api, created, code, key, (eva, bram) = http_room
    table = created["tables"][0]["id"]
    kept = api.post(code, eva["token"], table, "Samen inkopen.").json()
    duplicate = api.post(code, bram["token"], table, "Samen inkopen!").json()
    answer = api.call(
        "POST",
        f"/sessions/{code}/insights/{duplicate['id']}/merge",
        key,
        200,
        json={"into": kept["id"]},
    ).json()
    assert answer["merged"]["status"] == "hidden" and answer["merged"]["merged_into"] == kept["id"]
    assert answer["kept"]["id"] == kept["id"]
    public = api.call("GET", f"/sessions/{code}/insights").json()["insights"]
    assert [i["id"] for i in public] == [kept["id"]]
    api.call(
        "POST",
        f"/sessions/{code}/insights/{duplicate['id']}/merge",
        key,
        409,
        json={"into": kept["id"]},
    )
    api.call(
        "POST", f"/sessions/{code}/insights/{kept['id']}/merge", key, 404, json={"into": 99999}
    )
    api.call("POST", f"/sessions/{code}/insights/99999/merge", key, 404, json={"into": kept["id"]})
    api.call("POST", f"/sessions/{code}/insights/{kept['id']}/merge", key, 400, json={})


def test_participants_and_walls_can_do_no_facilitator_action_over_http(http_room):
    api, created, code, key, (eva, bram) = http_room
    table = created["tables"][0]["id"]
    insight = api.post(code, eva["token"], table).json()
    other = api.post(code, bram["token"], table, "Nog een inzicht.").json()
    actions = [
        ("PATCH", f"/sessions/{code}", {"state": "closed"}),
        ("PATCH", f"/sessions/{code}", {"settings": {"premoderation": True}}),
        ("PATCH", f"/sessions/{code}/insights/{insight['id']}", {"status": "hidden"}),
        # Someone else's text (its own, its author may edit: tests/test_own_posts.py).
        ("PATCH", f"/sessions/{code}/insights/{other['id']}", {"text": "Gewijzigd"}),
        ("POST", f"/sessions/{code}/insights/{other['id']}/merge", {"into": insight["id"]}),
        ("POST", f"/sessions/{code}/rounds", {"minutes": 5}),
        ("PATCH", f"/sessions/{code}/rounds/current", {"stop": True}),
        ("PUT", f"/sessions/{code}/spotlight", {"insight_id": insight["id"]}),
        ("POST", f"/sessions/{code}/tables", {"name": "Nieuw"}),
        ("PATCH", f"/sessions/{code}/tables/{table}", {"name": "Anders"}),
        ("DELETE", f"/sessions/{code}/tables/{created['tables'][2]['id']}", None),
        ("PUT", f"/sessions/{code}/tables/{table}/summary", {"text": "Kern"}),
        ("POST", f"/sessions/{code}/facilitator-key", None),
    ]
    for method, path, body in actions:
        as_wall = api.call(method, path, None, json=body)
        as_participant = api.call(method, path, eva["token"], json=body)
        assert as_wall.status_code == 401, (method, path, as_wall.text)
        assert as_participant.status_code == 403, (method, path, as_participant.text)
    state = api.call("GET", f"/sessions/{code}").json()
    assert state["state"] == "open" and state["settings"]["premoderation"] is False
    assert [t["name"] for t in state["tables"]][0] != "Anders" and len(state["tables"]) == 3
    assert (
        api.call("GET", f"/sessions/{code}/insights").json()["insights"][0]["status"] == "visible"
    )


def test_host_writes_the_summary_on_the_host_page(http_room, client, app):
    api, created, code, key, _ = http_room
    table = created["tables"][1]
    console = client.get(f"/f/{code}?key={key}", follow_redirects=True)
    assert console.status_code == 200
    html = console.get_data(as_text=True)
    marker = f"/h/{code}/{table['id']}/"
    start = html.index(marker)
    host_url = html[start : html.index('"', start)]
    token = host_url.rsplit("/", 1)[1]

    page = client.get(host_url)
    assert page.status_code == 200 and table["name"] in page.get_data(as_text=True)
    saved = client.post(
        host_url,
        data={
            "host": "Ingrid",
            "text": "Eigenaren willen zekerheid.\nSamen inkopen werkt.",
        },
    )
    assert saved.status_code == 302
    state = api.call("GET", f"/sessions/{code}").json()
    shown = next(t for t in state["tables"] if t["id"] == table["id"])
    assert shown["summary"] == "Eigenaren willen zekerheid.\nSamen inkopen werkt."
    assert shown["host"] == "Ingrid"
    # The same token over the API, for the table's own summary only.
    api.call(
        "PUT", f"/sessions/{code}/tables/{table['id']}/summary", token, 200, json={"text": "Kort."}
    )
    other = created["tables"][0]["id"]
    api.call("PUT", f"/sessions/{code}/tables/{other}/summary", token, 403, json={"text": "Nee."})
    api.call("PATCH", f"/sessions/{code}/insights/1", token, 403, json={"status": "hidden"})
    assert client.get(f"/h/{code}/{other}/{token}").status_code == 403
    assert client.get(f"/h/{code}/{table['id']}/forged").status_code == 403
    assert client.get(f"/h/{code}/{table['id']}").status_code == 404
    too_long = client.post(host_url, data={"text": "x" * 5001})
    assert too_long.status_code == 422 and "x" * 100 in too_long.get_data(as_text=True)


def test_cards_page_needs_the_key_and_shows_every_table(http_room, client):
    api, created, code, key, _ = http_room
    assert client.get(f"/f/{code}/cards").status_code == 401
    assert client.get(f"/f/{code}/cards?key=wrong").status_code == 403
    assert (
        client.get(f"/f/{code}/cards.pdf", headers={"Authorization": "Bearer nope"}).status_code
        == 403
    )
    page = client.get(f"/f/{code}/cards?key={key}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for table in created["tables"]:
        assert table["name"] in html and f"/qr/{code}/{table['id']}.svg" in html
        assert f"aantafel.test/j/{code}/{table['id']}" in html
    assert html.count('<article class="print-card') == len(created["tables"]) + 1  # + the poster
    assert "size: A5" in client.get("/static/css/app.css").get_data(as_text=True)


def decode_qr_codes(png_path) -> list[str]:
    found = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sqrcode.enable", str(png_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in found.stdout.splitlines() if line]


@pytest.mark.skipif(
    not shutil.which("pdftoppm") or not shutil.which("zbarimg"), reason="poppler/zbar"
)
def test_cards_pdf_has_one_a5_page_per_table_and_its_qr_decodes(http_room, client, tmp_path):
    api, created, code, key, _ = http_room
    response = client.get(f"/f/{code}/cards.pdf", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(response.get_data())
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert int(fields["Pages"]) == len(created["tables"]) + 1
    width, _, height = fields["Page size"].split()[:3]
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (148, 210)  # A5
    subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == len(created["tables"]) + 1
    for table, png in zip(created["tables"], pages, strict=False):
        assert decode_qr_codes(png) == [table["join_url"]]
    assert decode_qr_codes(pages[-1]) == [created["join_url"]]  # the poster: the session QR
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert code in text and created["tables"][0]["name"] in text
    # ?key= works too, for the link in the console
    assert client.get(f"/f/{code}/cards.pdf?key={key}").status_code == 200


def test_cards_pdf_survives_awkward_text(client, api_client):
    created = api_client.create_session(
        title="R&D <sessie> “quotes”",
        template=None,
        tables=[{"name": "A & B <b>vet</b>", "question": "Wat kost het? " * 40}],
    )
    response = client.get(
        f"/f/{created['code']}/cards.pdf",
        headers={"Authorization": f"Bearer {created['facilitator_key']}"},
    )
    assert response.status_code == 200 and response.get_data()[:5] == b"%PDF-"


def test_organiser_token_opens_the_console(http_room, client):
    _, _, code, _, _ = http_room
    assert client.get(f"/f/{code}?key={ORGANISER_TOKEN}").status_code == 302


# --- Socket.IO: each action reaches walls, phones and a second facilitator -----------------------


@pytest.fixture
def live_room(api, sockets):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]["id"]
    eva = api.join(code, table, name="Eva")
    bram = api.join(code, table, name="Bram")
    screens = {
        "wall": sockets(code, "wall"),
        "phone": sockets(code, "participant", bram["token"]),
        "fac1": sockets(code, "facilitator", key),
        "fac2": sockets(code, "facilitator", key),
    }
    return created, code, key, table, eva, bram, screens


def patch(api, code, key, path, body, expect=200):
    return api.call("PATCH", f"/sessions/{code}{path}", key, expect, json=body).json()


def test_state_round_and_settings_reach_every_screen(api, live_room):
    created, code, key, table, eva, bram, screens = live_room
    patch(api, code, key, "", {"state": "paused"})
    patch(api, code, key, "", {"settings": {"rotation_hint": True}})
    api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 10})
    extended = patch(api, code, key, "/rounds/current", {"minutes_added": 5})
    stopped = patch(api, code, key, "/rounds/current", {"stop": True})
    for name, screen in screens.items():
        screen.wait_for("session:update", lambda s: s.get("state") == "paused")
        screen.wait_for("session:update", lambda s: (s.get("settings") or {}).get("rotation_hint"))
        screen.wait_for("round:update", lambda r: r["ends_at"] == extended["ends_at"])
        got = screen.wait_for("round:update", lambda r: r["ends_at"] == stopped["ends_at"])
        assert got == {"number": 1, "title": "", "ends_at": stopped["ends_at"]}, name


def test_moderation_reaches_wall_phone_and_the_other_facilitator(api, live_room):
    created, code, key, table, eva, bram, screens = live_room
    wall, phone, fac1, fac2 = screens["wall"], screens["phone"], screens["fac1"], screens["fac2"]
    patch(api, code, key, "", {"settings": {"premoderation": True}})
    insight = api.post(code, eva["token"], table, "Wachten op goedkeuring.").json()
    for fac in (fac1, fac2):
        assert (
            fac.wait_for("insight:new", lambda i: i["id"] == insight["id"])["status"] == "pending"
        )

    patch(api, code, key, f"/insights/{insight['id']}", {"status": "visible"})
    for screen in (wall, phone):
        screen.wait_for("insight:new", lambda i: i["id"] == insight["id"])
    fac2.wait_for("insight:update", lambda i: i["id"] == insight["id"] and i["status"] == "visible")

    patch(api, code, key, f"/insights/{insight['id']}", {"text": "Wachten op goedkeuring!"})
    for screen in (wall, phone, fac2):
        screen.wait_for("insight:update", lambda i: i.get("text") == "Wachten op goedkeuring!")
    got = fac2.wait_for("insight:update", lambda i: i.get("text") == "Wachten op goedkeuring!")
    assert got["original_text"] == "Wachten op goedkeuring."

    patch(api, code, key, f"/insights/{insight['id']}", {"pinned": True})
    for screen in (wall, phone, fac2):
        screen.wait_for("insight:update", lambda i: i["id"] == insight["id"] and i.get("pinned"))

    api.call("PUT", f"/sessions/{code}/spotlight", key, 200, json={"insight_id": insight["id"]})
    for screen in (wall, fac2):
        screen.wait_for("spotlight", lambda s: s["insight"] and s["insight"]["id"] == insight["id"])

    patch(api, code, key, f"/insights/{insight['id']}", {"status": "hidden"})
    for screen in (wall, phone):
        screen.wait_for("insight:remove", lambda i: i["id"] == insight["id"])
    fac2.wait_for("insight:update", lambda i: i["id"] == insight["id"] and i["status"] == "hidden")
    wall.wait_for("spotlight", lambda s: s["insight"] is None)

    patch(api, code, key, f"/insights/{insight['id']}", {"status": "visible"})
    for screen in (wall, phone):
        screen.wait_for(
            "insight:new", lambda i: i["id"] == insight["id"] and i["seq"] > insight["seq"] + 3
        )


def test_merge_reaches_wall_phone_and_the_other_facilitator(api, live_room):
    created, code, key, table, eva, bram, screens = live_room
    kept = api.post(code, eva["token"], table, "Eén loket voor bewoners.").json()
    duplicate = api.post(code, bram["token"], table, "Eén loket, graag!").json()
    voter = api.join(code, table)
    api.call("POST", f"/sessions/{code}/insights/{duplicate['id']}/vote", voter["token"], 200)
    api.call(
        "POST",
        f"/sessions/{code}/insights/{duplicate['id']}/merge",
        key,
        200,
        json={"into": kept["id"]},
    )
    for screen in (screens["wall"], screens["phone"]):
        screen.wait_for("insight:remove", lambda i: i["id"] == duplicate["id"])
        got = screen.wait_for("insight:update", lambda i: i["id"] == kept["id"] and i["votes"] == 1)
        assert "merged_into" not in got
    merged = screens["fac2"].wait_for(
        "insight:update", lambda i: i["id"] == duplicate["id"] and i["status"] == "hidden"
    )
    assert merged["merged_into"] == kept["id"]
    screens["fac2"].wait_for("insight:update", lambda i: i["id"] == kept["id"] and i["votes"] == 1)


def test_summary_reaches_the_wall(api, live_room):
    created, code, key, table, eva, bram, screens = live_room
    api.call(
        "PUT", f"/sessions/{code}/tables/{table}/summary", key, 200, json={"text": "Luisteren."}
    )
    state = screens["wall"].wait_for(
        "session:update",
        lambda s: any(t.get("summary") == "Luisteren." for t in s.get("tables", [])),
    )
    assert state["tables"][0]["id"] == table


def test_sockets_without_the_key_never_get_facilitator_rights(api, live_room, sockets):
    import socketio

    created, code, key, table, eva, bram, screens = live_room
    for token in (None, "wrong-key", eva["token"]):
        with pytest.raises(socketio.exceptions.ConnectionError):
            sockets(code, "facilitator", token)
    patch(api, code, key, "", {"settings": {"premoderation": True}})
    pending = api.post(code, eva["token"], table, "Nog niet zichtbaar.").json()
    screens["fac1"].wait_for("insight:new", lambda i: i["id"] == pending["id"])
    # A wall and a phone see neither the pending text nor facilitator fields, live or on resync.
    for screen in (screens["wall"], screens["phone"]):
        found = screen.call("resync", {"since": 0})["insights"]
        assert all(i.get("text") != "Nog niet zichtbaar." for i in found)
        assert all("original_text" not in i and "participant_id" not in i for i in found)
        # Events with facilitator names do nothing: there is no such handler for them.
        for event in ("insight:moderate", "session:update", "spotlight", "round:update"):
            screen.sio.emit(event, {"insight_id": pending["id"], "status": "visible"})
    assert screens["wall"].received("insight:new") == []
    state = api.call("GET", f"/sessions/{code}/insights", key).json()["insights"]
    assert next(i for i in state if i["id"] == pending["id"])["status"] == "pending"


def test_rotating_the_key_revokes_facilitator_sockets(api, live_room, sockets):
    created, code, key, table, eva, bram, screens = live_room
    patch(api, code, key, "", {"settings": {"premoderation": True}})
    pending = api.post(code, eva["token"], table, "Geheim tot goedkeuring.").json()
    new_key = api.call("POST", f"/sessions/{code}/facilitator-key", key, 200).json()[
        "facilitator_key"
    ]
    screens["fac2"].wait_for("facilitator:revoked")
    deadline = time.monotonic() + 5
    while screens["fac2"].sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not screens["fac2"].sio.connected  # the old key's socket is cut off at once
    patch(api, code, key, f"/insights/{pending['id']}", {"status": "visible"}, expect=403)
    fresh = sockets(code, "facilitator", new_key)
    found = fresh.call("resync", {"since": 0})["insights"]
    assert any(i.get("text") == "Geheim tot goedkeuring." for i in found)


# --- rounds in a real room (issue 14, item 3) ----------------------------------------------------


def test_the_first_round_start_after_opening_is_round_one(http_room):
    """Round 1 starts without a timer on opening; the first "start round" gives it title and
    timer, so the harvest never shows an empty round 1 next to a "Ronde 2"."""
    api, created, code, key, (eva, _) = http_room
    first = api.call(
        "POST", f"/sessions/{code}/rounds", key, 201, json={"title": "Verkennen", "minutes": 10}
    ).json()
    assert first["number"] == 1 and first["title"] == "Verkennen" and first["ends_at"]
    again = api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 5}).json()
    assert again["number"] == 1  # still empty: the same round, a new timer
    posted = api.post(code, eva["token"], created["tables"][0]["id"]).json()
    assert posted["round"] == 1
    second = api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"title": "Oplossen"})
    assert second.json()["number"] == 2
    harvest = api.call("GET", f"/sessions/{code}/export.json", key, 200).json()
    assert [r["number"] for r in harvest["sessions"][0]["rounds"]] == [1, 2]
    assert harvest["sessions"][0]["rounds"][0]["insights"] == 1


def test_a_closed_session_refuses_round_changes_and_stops_the_timer(api, live_room):
    created, code, key, table, eva, bram, screens = live_room
    api.call("POST", f"/sessions/{code}/rounds", key, 201, json={"minutes": 10})
    screens["wall"].wait_for("round:update", lambda r: r["ends_at"])
    patch(api, code, key, "", {"state": "closed"})
    for name, screen in screens.items():
        stopped = screen.wait_for("round:update", lambda r: r["ends_at"] is None)
        assert stopped["number"] == 1, name
    for method, path, body in (
        ("POST", "/rounds", {"minutes": 5}),
        ("PATCH", "/rounds/current", {"minutes_added": 5}),
        ("PATCH", "/rounds/current", {"stop": True}),
    ):
        refused = api.call(method, f"/sessions/{code}{path}", key, 409, json=body).json()
        assert refused["error"]["code"] == "session_not_open"
    assert api.call("GET", f"/sessions/{code}").json()["round"]["ends_at"] is None


# --- the host page, live (issue 14, item 4) -----------------------------------------------------


def host_links(api, created) -> dict[int, str]:
    """The host links the console hands out, by table id."""
    html = requests.get(created["facilitator_url"], timeout=10).text
    found = re.findall(r'data-copy-host="([^"]+)"', html)
    return {int(url.split("/h/")[1].split("/")[1]): url for url in found}


def test_the_host_page_lists_its_tables_insights_most_recognised_first(api):
    created = api.create_session()
    code, (first, second, _) = created["code"], created["tables"]
    people = [api.join(code, first["id"], name=n) for n in ("Eva", "Bram", "Noor")]
    quiet = api.post(code, people[0]["token"], first["id"], "Weinig herkend inzicht.").json()
    loud = api.post(code, people[0]["token"], first["id"], "Veel herkend inzicht.").json()
    api.post(code, people[1]["token"], second["id"], "Van een andere tafel.")
    for voter in people[1:]:
        api.call("POST", f"/sessions/{code}/insights/{loud['id']}/vote", voter["token"], 200)
    page = requests.get(host_links(api, created)[first["id"]] + "?lang=nl", timeout=10).text
    assert page.index("Veel herkend inzicht.") < page.index("Weinig herkend inzicht.")
    assert "Van een andere tafel." not in page
    assert quiet["id"] and "Wat je tafel deelde" in page


def test_a_host_socket_follows_its_own_table_live_and_needs_the_host_link(api, sockets):
    created = api.create_session()
    code, key, (first, second, _) = created["code"], created["facilitator_key"], created["tables"]
    link = host_links(api, created)[first["id"]]
    token = link.rstrip("/").rsplit("/", 1)[1]
    eva = api.join(code, first["id"], name="Eva")
    earlier = api.post(code, eva["token"], first["id"], "Al gedeeld voor de host keek.").json()
    host = SocketClient(
        api.base.removesuffix("/api/v1"),
        {"session": code, "role": "host", "token": token, "table": first["id"]},
    )
    try:
        answer = host.call("resync", {"since": 0})
        assert [i["id"] for i in answer["insights"]] == [earlier["id"]]
        mine = api.post(code, eva["token"], first["id"], "Nieuw aan mijn tafel.").json()
        assert host.wait_for("insight:new", lambda i: i["id"] == mine["id"])["text"]
        bram = api.join(code, second["id"], name="Bram")
        other = api.post(code, bram["token"], second["id"], "Een andere tafel.").json()
        api.call("POST", f"/sessions/{code}/insights/{mine['id']}/vote", bram["token"], 200)
        assert host.wait_for("insight:update", lambda i: i["id"] == mine["id"])["votes"] == 1
        assert other["id"] not in [i["id"] for i in host.received("insight:new")]
        refused = host.call(
            "insight:post", {"client_id": str(uuid.uuid4()), "table_id": first["id"], "text": "x"}
        )
        assert refused["error"]["code"] == "participants_only"
        api.call(
            "PATCH", f"/sessions/{code}/insights/{mine['id']}", key, 200, json={"status": "hidden"}
        )
        assert (
            host.wait_for("insight:remove", lambda i: i["id"] == mine["id"])["status"] == "hidden"
        )
    finally:
        host.close()
    for auth in (
        {"role": "host", "token": token, "table": second["id"]},  # another table's link
        {"role": "host", "token": "forged", "table": first["id"]},
        {"role": "host", "token": token, "table": "²"},
        {"role": "host", "table": first["id"]},
    ):
        with pytest.raises(socketio.exceptions.ConnectionError):
            SocketClient(api.base.removesuffix("/api/v1"), {"session": code, **auth})
