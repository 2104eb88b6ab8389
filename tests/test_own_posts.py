"""Own posts: a participant edits or withdraws its own insights (domain rules and the HTTP API)."""

import io
import json
import uuid

import pytest
from openpyxl import load_workbook

from workshop import domain
from workshop.errors import Conflict, Forbidden, NotFound
from workshop.extensions import db
from workshop.models import InsightStatus, Vote

# --- domain ---------------------------------------------------------------------------------------


@pytest.fixture
def seated(ctx):
    """An open session made in the domain, with two participants at its first table."""
    session, _key = domain.create_session(
        title="Eigen posts", language="nl", template="wijkaanpak", tables=None
    )
    domain.change_state(session, "open")
    table = session.tables[0].id
    author, _ = domain.join(session, {"name": "Sanne", "table_id": table})
    other, _ = domain.join(session, {"name": "Joost", "table_id": table})
    return session, author, other, table


def posted(session, participant, table, text="Bewoners willen eerst weten wat het kost."):
    body = {"client_id": str(uuid.uuid4()), "table_id": table, "text": text}
    return domain.post_insight(session, participant, body)[0]


def test_an_edit_keeps_the_first_text_for_the_facilitator(seated):
    session, author, _other, table = seated
    insight = posted(session, author, table, "Eerste versie")
    seq = insight.seq
    domain.edit_own_insight(session, author, insight.id, {"text": "Tweede versie"})
    domain.moderate(session, insight.id, {"text": "Tweede versie, getypt"})  # a typo fix
    domain.edit_own_insight(session, author, insight.id, {"text": "Derde versie"})
    assert insight.text == "Derde versie"
    assert insight.original_text == "Eerste versie"  # what the author first sent, whoever edited
    assert insight.seq > seq and insight.status == InsightStatus.VISIBLE


def test_the_same_text_again_changes_nothing(seated):
    session, author, _other, table = seated
    insight = posted(session, author, table, "Zelfde")
    seq = insight.seq
    domain.edit_own_insight(session, author, insight.id, {"text": "  Zelfde "})
    assert insight.seq == seq and insight.original_text is None


def test_only_the_author_may_change_it(seated):
    session, author, other, table = seated
    insight = posted(session, author, table)
    with pytest.raises(Forbidden) as refused:
        domain.edit_own_insight(session, other, insight.id, {"text": "Van mij nu"})
    assert refused.value.code == "not_your_insight"
    with pytest.raises(Forbidden):
        domain.withdraw_insight(session, other, insight.id)
    with pytest.raises(NotFound):
        domain.withdraw_insight(session, author, insight.id + 1000)


@pytest.mark.parametrize(
    ("state", "allowed"),
    [("open", True), ("paused", False), ("closed", True), ("archived", False)],
)
def test_editable_while_open_or_closed(seated, state, allowed):
    session, author, _other, table = seated
    insight = posted(session, author, table)
    if state == "archived":
        domain.change_state(session, "closed")
    domain.change_state(session, state)
    if allowed:
        domain.editable_by_author(session, insight)
        domain.edit_own_insight(session, author, insight.id, {"text": "Later bijgewerkt"})
        assert domain.withdraw_insight(session, author, insight.id).status == "withdrawn"
    else:
        with pytest.raises(Conflict) as refused:
            domain.edit_own_insight(session, author, insight.id, {"text": "Later bijgewerkt"})
        assert refused.value.code == "not_editable"
        with pytest.raises(Conflict):
            domain.withdraw_insight(session, author, insight.id)


def test_a_withdrawn_insight_keeps_nothing_but_its_tombstone(seated):
    session, author, other, table = seated
    insight = posted(session, author, table, "Weg ermee")
    domain.vote(session, other, insight.id)
    domain.moderate(session, insight.id, {"pinned": True})
    domain.set_spotlight(session, insight.id)

    domain.withdraw_insight(session, author, insight.id)
    assert (insight.status, insight.text, insight.votes, insight.pinned) == (
        "withdrawn",
        "",
        0,
        False,
    )
    assert db.session.query(Vote).filter_by(insight_id=insight.id).count() == 0
    assert session.spotlight_insight_id is None and domain.spotlight_insight(session) is None
    assert domain.counts(session)["insights"] == 0
    assert insight not in domain.all_insights(session)
    assert insight not in domain.phone_insights(session, author)
    # Nothing brings it back: not a facilitator, not a vote, not the phone's outbox.
    for moderation in ({"status": "visible"}, {"text": "Terug"}):
        with pytest.raises(Conflict) as refused:
            domain.moderate(session, insight.id, moderation)
        assert refused.value.code == "withdrawn"
    with pytest.raises(Conflict):
        domain.vote(session, other, insight.id)
    body = {"client_id": insight.client_id, "table_id": table, "text": "Weg ermee"}
    with pytest.raises(Conflict) as refused:
        domain.post_insight(session, author, body)
    assert refused.value.code == "withdrawn"
    # Withdrawing again is the same answer; editing it is not possible.
    seq = insight.seq
    assert domain.withdraw_insight(session, author, insight.id).seq == seq
    with pytest.raises(Conflict):
        domain.edit_own_insight(session, author, insight.id, {"text": "Toch"})


def test_withdraw_everything_takes_only_ones_own(seated):
    session, author, other, table = seated
    mine = [posted(session, author, table, f"Mijn punt {n}") for n in range(3)]
    theirs = posted(session, other, table, "Niet van Sanne")
    withdrawn = domain.withdraw_all(session, author)
    assert [i.id for i in withdrawn] == [i.id for i in mine]
    assert {i.status for i in mine} == {"withdrawn"} and theirs.status == "visible"
    assert domain.withdraw_all(session, author) == []
    assert domain.counts(session)["insights"] == 1


def test_a_post_withdrawn_in_silent_mode_is_not_revealed(seated):
    session, author, _other, table = seated
    domain.update_settings(session, {"silent": True})
    gone = posted(session, author, table, "Stil geschreven, toch niet")
    kept = posted(session, author, table, "Stil geschreven, blijft")
    domain.withdraw_insight(session, author, gone.id)
    domain.update_settings(session, {"silent": False})  # the reveal
    assert [i.id for i in domain.visible_insights(session)] == [kept.id]
    assert gone.status == "withdrawn" and gone.text == ""


def test_an_edit_in_a_premoderated_session_waits_for_approval_again(seated):
    session, author, _other, table = seated
    domain.update_settings(session, {"premoderation": True})
    insight = posted(session, author, table, "Netjes")
    domain.moderate(session, insight.id, {"status": "visible"})
    domain.edit_own_insight(session, author, insight.id, {"text": "Nu iets anders"})
    assert insight.status == InsightStatus.PENDING


# --- HTTP -----------------------------------------------------------------------------------------


def url(room, insight_id=None):
    return f"/sessions/{room.code}/insights" + (f"/{insight_id}" if insight_id else "")


def test_edit_over_http(room, join, post):
    token = join(room, name="Sanne")["token"]
    insight = post(room, token, "Eerst zo").json()
    edited = room.api.call(
        "PATCH", url(room, insight["id"]), token, 200, json={"text": "Nu beter gezegd"}
    ).json()
    assert edited["text"] == "Nu beter gezegd" and edited["own"] is True
    assert "original_text" not in edited  # the original is for the facilitator
    console = room.api.call("GET", url(room), room.key, 200).json()["insights"]
    assert [(i["text"], i["original_text"]) for i in console] == [("Nu beter gezegd", "Eerst zo")]
    # The facilitator's key on the same URL still moderates.
    fixed = room.api.call("PATCH", url(room, insight["id"]), room.key, 200, json={"pinned": True})
    assert fixed.json()["pinned"] is True and fixed.json()["original_text"] == "Eerst zo"


def test_edit_refuses_bad_input(room, join, post, make_session):
    token = join(room)["token"]
    other = join(room)["token"]
    insight = post(room, token, "Mijn inzicht").json()
    elsewhere = make_session()
    foreign = post(elsewhere, join(elsewhere)["token"]).json()

    def patch(insight_id, token, expect, **kwargs):
        answer = room.api.call("PATCH", url(room, insight_id), token, expect, **kwargs)
        return answer.json()["error"]["code"]

    assert patch(insight["id"], other, 403, json={"text": "Gekaapt"}) == "not_your_insight"
    assert patch(foreign["id"], token, 404, json={"text": "Elders"}) == "insight_not_found"
    assert patch(999_999, token, 404, json={"text": "Niemand"}) == "insight_not_found"
    assert patch(insight["id"], token, 422, json={"text": "x" * 501}) == "too_long"
    assert patch(insight["id"], token, 422, json={"text": "   "}) == "invalid"
    assert patch(insight["id"], token, 400, json={}) == "bad_request"
    assert patch(insight["id"], token, 403, json={"status": "visible"}) == "facilitator_only"
    assert (
        patch(insight["id"], token, 403, json={"text": "x", "pinned": True}) == "facilitator_only"
    )
    assert patch(insight["id"], token, 422, json={"text": 5}) == "invalid"
    malformed = {"data": "{text", "content_type": "application/json"}
    assert patch(insight["id"], token, 400, **malformed) == "malformed_json"
    surrogate = {"data": '{"text": "a\\ud800b"}', "content_type": "application/json"}
    assert patch(insight["id"], token, 400, **surrogate)
    assert patch(insight["id"], "not-a-token", 403, json={"text": "Wie?"}) == "wrong_key"
    unchanged = room.api.call("GET", url(room), room.key, 200).json()["insights"]
    assert [i["text"] for i in unchanged if i["id"] == insight["id"]] == ["Mijn inzicht"]


def test_withdraw_over_http_is_idempotent_and_leaves_everything(room, join, post):
    author = join(room, name="Sanne")["token"]
    voter = join(room)["token"]
    insight = post(room, author, "Dit wil ik terug").json()
    kept = post(room, voter, "Dit blijft staan").json()
    room.api.call("POST", f"{url(room, insight['id'])}/vote", voter, 200)
    room.api.call("PUT", f"/sessions/{room.code}/spotlight", room.key, 200,
                  json={"insight_id": insight["id"]})  # fmt: skip

    first = room.api.call("DELETE", url(room, insight["id"]), author, 200).json()
    assert first == {"id": insight["id"], "seq": first["seq"], "status": "withdrawn"}
    again = room.api.call("DELETE", url(room, insight["id"]), author, 200).json()
    assert again == first
    code = room.api.call("DELETE", url(room, kept["id"]), author, 403).json()["error"]["code"]
    assert code == "not_your_insight"

    since = room.api.call("GET", f"{url(room)}?since={insight['seq']}").json()["insights"]
    assert {"id": insight["id"], "seq": first["seq"], "status": "withdrawn"} in since
    public = room.api.call("GET", url(room)).json()["insights"]
    assert [i["id"] for i in public if i["status"] == "visible"] == [kept["id"]]
    console = room.api.call("GET", url(room), room.key).json()["insights"]
    assert [i for i in console if i["status"] != "withdrawn"] == [
        i for i in console if i["id"] == kept["id"]
    ]
    session = room.api.call("GET", f"/sessions/{room.code}").json()
    assert session["counts"]["insights"] == 1
    spotlight = room.api.call("PUT", f"/sessions/{room.code}/spotlight", room.key, 409,
                              json={"insight_id": insight["id"]})  # fmt: skip
    assert spotlight.json()["error"]["code"] == "insight_not_visible"
    vote = room.api.call("POST", f"{url(room, insight['id'])}/vote", voter, 409)
    assert vote.json()["error"]["code"] == "insight_not_visible"
    # The phone's outbox sends the withdrawn post again: it stays withdrawn.
    retry = room.api.call("POST", url(room), author, 409, json={
        "client_id": insight["client_id"], "table_id": room.table, "text": "Dit wil ik terug",
    })  # fmt: skip
    assert retry.json()["error"]["code"] == "withdrawn"
    restore = room.api.call(
        "PATCH", url(room, insight["id"]), room.key, 409, json={"status": "visible"}
    )
    assert restore.json()["error"]["code"] == "withdrawn"


def test_withdraw_everything_over_http(room, join, post):
    author = join(room, name="Sanne")["token"]
    other = join(room)["token"]
    mine = [post(room, author, f"Punt {n}").json()["id"] for n in range(3)]
    theirs = post(room, other, "Van een ander").json()["id"]
    me = f"/sessions/{room.code}/participants/me"
    assert room.api.call("DELETE", me, author, 200).json() == {"withdrawn": mine}
    assert room.api.call("DELETE", me, author, 200).json() == {"withdrawn": []}
    public = room.api.call("GET", url(room)).json()["insights"]
    assert [i["id"] for i in public if i["status"] == "visible"] == [theirs]
    assert room.api.call("DELETE", me, None, 401).json()["error"]["code"] == "unknown_participant"
    # It stays a participant: it may post again.
    assert post(room, author, "Opnieuw begonnen").status_code == 201


def test_withdraw_needs_an_editable_session(room, join, post):
    token = join(room)["token"]
    insight = post(room, token).json()
    room.api.call("PATCH", f"/sessions/{room.code}", room.key, 200, json={"state": "paused"})
    answer = room.api.call("DELETE", url(room, insight["id"]), token, 409).json()
    assert answer["error"]["code"] == "not_editable"
    room.api.call("PATCH", f"/sessions/{room.code}", room.key, 200, json={"state": "closed"})
    room.api.call("PATCH", url(room, insight["id"]), token, 200, json={"text": "Achteraf"})
    room.api.call("DELETE", url(room, insight["id"]), token, 200)


def test_withdrawn_insights_leave_every_export(client, room, join, post):
    author = join(room, name="Sanne Terug")["token"]
    other = join(room, name="Joost Blijft")["token"]
    gone = post(room, author, "Geheime formulering die weg moet").json()
    post(room, other, "Dit blijft in het verslag")
    room.api.call("DELETE", url(room, gone["id"]), author, 200)

    for fmt in ("csv", "json", "md", "docx", "xlsx"):
        for query in ("", "?include_hidden=1"):
            exported = client.get(
                f"/api/v1/sessions/{room.code}/export.{fmt}{query}",
                headers={"Authorization": f"Bearer {room.key}"},
            )
            assert exported.status_code == 200
            text = readable(fmt, exported.get_data())
            assert "Dit blijft in het verslag" in text, fmt
            assert "Geheime formulering" not in text and "withdrawn" not in text, (fmt, query)
    document = json.loads(
        room.api.call("GET", f"/sessions/{room.code}/export.json?include_hidden=1", room.key).text
    )
    assert gone["id"] not in [i["id"] for i in document["sessions"][0]["insights"]]
    stats = room.api.call("GET", f"/sessions/{room.code}/stats").json()
    assert stats["insights"] == 1
    assert "geheime" not in dict(stats["words"])


def readable(fmt: str, content: bytes) -> str:
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(content))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return content.decode("utf-8-sig")


def test_a_cookie_phone_edits_and_withdraws_through_the_api(client, room):
    """The phone page's JavaScript calls the API with its cookie, not a Bearer token."""
    joined = client.post(f"/j/{room.code}/join", data={"table_id": room.table, "name": "Sanne"})
    assert joined.status_code == 302
    from tests.support.http import insight_body

    created = client.post(f"/api/v1{url(room)}", json=insight_body(room.table, "Via de telefoon"))
    insight_id = created.get_json()["id"]
    edited = client.patch(f"/api/v1{url(room, insight_id)}", json={"text": "Beter"})
    assert edited.status_code == 200 and edited.get_json()["text"] == "Beter"
    # A bodiless DELETE with cookies needs the JSON content type (no cross-site form can send it).
    assert client.delete(f"/api/v1{url(room, insight_id)}").status_code == 400
    withdrawn = client.delete(f"/api/v1{url(room, insight_id)}", content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"


def test_own_post_answers_match_the_openapi_document(room, join, post):
    from tests.test_openapi import conforms

    token = join(room, name="Sanne")["token"]
    other = join(room)["token"]
    insight = post(room, token, "Volgens het boekje").json()
    one = "/sessions/{code}/insights/{insight_id}"
    at = url(room, insight["id"])
    conforms(room.api.call("PATCH", at, token, 200, json={"text": "Aangepast"}), one, "patch")
    conforms(room.api.call("PATCH", at, other, 403, json={"text": "Niet van mij"}), one, "patch")
    assert conforms(room.api.call("DELETE", at, token, 200), one, "delete")["status"] == "withdrawn"
    conforms(room.api.call("DELETE", at, other, 403), one, "delete")
    conforms(room.api.call("PATCH", at, token, 409, json={"text": "Te laat"}), one, "patch")
    me = "/sessions/{code}/participants/me"
    reply = room.api.call("DELETE", f"/sessions/{room.code}/participants/me", other, 200)
    assert conforms(reply, me, "delete") == {"withdrawn": []}
    since = room.api.call("GET", f"{url(room)}?since=0", expect=200)
    conforms(since, "/sessions/{code}/insights", "get")


def test_the_phone_without_javascript_edits_and_withdraws_with_forms(client, room):
    """The small forms under each own post (and "withdraw everything") work without JavaScript."""
    from tests.support.http import insight_body

    client.post(f"/j/{room.code}/join", data={"table_id": room.table, "name": "Sanne"})
    first = client.post(f"/api/v1{url(room)}", json=insight_body(room.table, "Zonder script"))
    second = client.post(f"/api/v1{url(room)}", json=insight_body(room.table, "Nog een"))
    first, second = first.get_json()["id"], second.get_json()["id"]
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    assert f'action="/j/{room.code}/withdraw/{first}"' in page
    assert f'action="/j/{room.code}/edit/{first}"' in page

    edited = client.post(f"/j/{room.code}/edit/{first}", data={"text": "Zonder script, beter"})
    assert edited.status_code == 302
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    assert "Zonder script, beter" in page

    too_long = client.post(f"/j/{room.code}/edit/{first}", data={"text": "x" * 501})
    assert too_long.status_code == 422 and "banner-error" in too_long.get_data(as_text=True)

    assert client.post(f"/j/{room.code}/withdraw/{first}").status_code == 302
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    assert "Zonder script, beter" not in page and "Nog een" in page
    assert client.post(f"/j/{room.code}/withdraw-all").status_code == 302
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    assert "Nog een" not in page
    public = room.api.call("GET", url(room)).json()["insights"]
    assert {(i["id"], i["status"]) for i in public} == {(first, "withdrawn"), (second, "withdrawn")}


def test_a_restore_file_with_a_withdrawn_insight_is_refused(app, room, join, post):
    """No export holds a withdrawn insight, so a backup that does was not made by us."""
    from workshop.harvest.restore import Problem, import_document

    post(room, join(room)["token"], "Gewoon zichtbaar")
    document = json.loads(
        room.api.call("GET", f"/sessions/{room.code}/export.json?include_hidden=1", room.key).text
    )
    document["sessions"][0]["code"] = "ZZZZZZ"
    document["sessions"][0]["insights"][0]["status"] = "withdrawn"
    with app.app_context(), pytest.raises(Problem, match="unknown status 'withdrawn'"):
        import_document(document)


def test_a_published_post_stays_until_the_facilitator_unpublishes(api_client, room, join, post):
    me = join(room)["token"]
    mine = post(room, me, "Wat ik eerst vond").json()
    api_client.call("PUT", f"/sessions/{room.code}/publication", room.key, 200, json={})
    path = f"/sessions/{room.code}/insights/{mine['id']}"
    edit = api_client.call("PATCH", path, me, 409, json={"text": "Toch anders"})
    assert edit.json()["error"]["code"] == "published"
    assert api_client.call("DELETE", path, me, 409).json()["error"]["code"] == "published"
    api_client.call("DELETE", f"/sessions/{room.code}/publication", room.key, 204)
    assert api_client.call("DELETE", path, me, 200).json()["status"] == "withdrawn"
