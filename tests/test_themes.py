"""Themes across tables: the facilitator gathers insights into named themes, phones vote on them,
and every export and screen shows them (docs/HARVEST.md, workshop/domain/themes.py)."""

import csv
import io
import json

import pytest

from tests.support import ORGANISER_TOKEN, insight_body
from workshop.extensions import socketio

TEXTS = [
    "Niemand weet wat een aansluiting op het warmtenet gaat kosten.",
    "De kosten van aansluiten op het warmtenet zijn voor bewoners onduidelijk.",
    "Keukentafelgesprekken werken beter dan informatieavonden.",
    "Het energielabel van woningen is vaak verouderd.",
]


@pytest.fixture
def themed(make_session, join, post):
    """An open session with two authors at two tables and four insights, and a voter."""
    room = make_session()
    anna = join(room, name="Anna")["token"]
    joost = join(room, room.tables[1], name="Joost")["token"]
    ids = [
        post(room, anna if n % 2 == 0 else joost, text, room.tables[n % 2]).json()["id"]
        for n, text in enumerate(TEXTS)
    ]
    voter = join(room, name="Piet")["token"]
    return room, ids, voter


def themes_url(room, rest=""):
    return f"/sessions/{room.code}/themes{rest}"


def create(room, name="Kosten van het warmtenet", **body):
    return room.api.call(
        "POST", themes_url(room), room.key, 201, json={"name": name, **body}
    ).json()


def assign(room, insight_id, theme_id, expect=200):
    return room.api.call(
        "PATCH",
        f"/sessions/{room.code}/insights/{insight_id}",
        room.key,
        expect,
        json={"theme_id": theme_id},
    ).json()


# --- HTTP: create, list, assign, rename, reorder, delete -------------------------------------


def test_facilitator_creates_a_theme_and_gathers_insights_from_two_tables(themed):
    room, ids, _ = themed
    theme = create(room)
    assert theme["name"] == "Kosten van het warmtenet" and theme["insight_ids"] == []
    assert set(theme) >= {"id", "name", "votes", "order"} and theme["votes"] == 0
    first = assign(room, ids[0], theme["id"])
    assert first["theme_id"] == theme["id"]
    assign(room, ids[1], theme["id"])  # the other table
    listed = room.api.call("GET", themes_url(room), expect=200).json()["themes"]
    assert listed == [
        {
            "id": theme["id"],
            "name": "Kosten van het warmtenet",
            "order": 0,
            "votes": 0,
            "insight_ids": [ids[0], ids[1]],
        }
    ]
    # The insight itself says which theme it is in, for walls and phones too.
    public = room.api.call("GET", f"/sessions/{room.code}/insights").json()["insights"]
    assert {i["id"]: i["theme_id"] for i in public}[ids[1]] == theme["id"]
    assign(room, ids[1], None)
    listed = room.api.call("GET", themes_url(room)).json()["themes"]
    assert listed[0]["insight_ids"] == [ids[0]]


def test_a_hidden_insight_leaves_the_public_theme_but_not_the_facilitators(themed):
    room, ids, _ = themed
    theme = create(room, insight_ids=[ids[0], ids[2]])
    assert sorted(theme["insight_ids"]) == sorted([ids[0], ids[2]])
    room.api.call(
        "PATCH",
        f"/sessions/{room.code}/insights/{ids[2]}",
        room.key,
        200,
        json={"status": "hidden"},
    )
    public = room.api.call("GET", themes_url(room)).json()["themes"][0]
    facilitator = room.api.call("GET", themes_url(room), room.key).json()["themes"][0]
    assert public["insight_ids"] == [ids[0]]
    assert sorted(facilitator["insight_ids"]) == sorted([ids[0], ids[2]])


def test_rename_reorder_and_delete(themed):
    room, ids, _ = themed
    first = create(room, "Eerste", insight_ids=[ids[0]])
    second = create(room, "Tweede")
    renamed = room.api.call(
        "PATCH", themes_url(room, f"/{second['id']}"), room.key, 200, json={"name": "Vertrouwen"}
    ).json()
    assert renamed["name"] == "Vertrouwen"
    room.api.call("PATCH", themes_url(room, f"/{second['id']}"), room.key, 200, json={"order": 0})
    names = [t["name"] for t in room.api.call("GET", themes_url(room)).json()["themes"]]
    assert names == ["Vertrouwen", "Eerste"]
    room.api.call("DELETE", themes_url(room, f"/{first['id']}"), room.key, 204)
    names = [t["name"] for t in room.api.call("GET", themes_url(room)).json()["themes"]]
    assert names == ["Vertrouwen"]
    insight = room.api.call("GET", f"/sessions/{room.code}/insights").json()["insights"]
    assert {i["id"]: i["theme_id"] for i in insight}[ids[0]] is None  # kept, out of the theme
    room.api.call("DELETE", themes_url(room, f"/{first['id']}"), room.key, 404)


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({}, 400, "bad_request"),
        ({"name": ""}, 422, "invalid"),
        ({"name": "   "}, 422, "invalid"),
        ({"name": "x" * 121}, 422, "too_long"),
        ({"name": 12}, 422, "invalid"),
        ({"name": "Goed", "insight_ids": "1"}, 400, "bad_request"),
        ({"name": "Goed", "insight_ids": ["een"]}, 422, "invalid"),
        ({"name": "Goed", "insight_ids": [99999]}, 404, "insight_not_found"),
    ],
)
def test_bad_theme_names_and_ids_are_clear_client_errors(themed, body, status, code):
    room, _ids, _ = themed
    reply = room.api.call("POST", themes_url(room), room.key, status, json=body)
    assert reply.json()["error"]["code"] == code


def test_a_lone_surrogate_in_a_theme_name_is_refused(themed):
    room, _ids, _ = themed
    raw = '{"name": "Thema \\ud800"}'
    reply = room.api.call(
        "POST", themes_url(room), room.key, 400, data=raw, content_type="application/json"
    )
    assert reply.json()["error"]["code"] == "malformed_json"
    assert room.api.call("GET", themes_url(room)).json()["themes"] == []


def test_theme_of_another_session_unknown_and_non_integer_ids(themed, make_session):
    room, ids, _ = themed
    other = make_session(title="Elders")
    foreign = create(other, "Van een andere sessie")
    reply = assign(room, ids[0], foreign["id"], expect=404)
    assert reply["error"]["code"] == "theme_not_found"
    assert assign(room, ids[0], 999999, expect=404)["error"]["code"] == "theme_not_found"
    assert assign(room, ids[0], "twee", expect=422)["error"]["field"] == "theme_id"
    assert assign(room, ids[0], True, expect=422)["error"]["field"] == "theme_id"
    assert assign(room, ids[0], 10**30, expect=422)["error"]["field"] == "theme_id"
    path = themes_url(room, f"/{foreign['id']}")
    assert room.api.call("PATCH", path, room.key, 404, json={"name": "Gekaapt"})
    assert room.api.call("DELETE", path, room.key, 404)
    assert room.api.call(
        "PATCH", themes_url(room, "/3000000000"), room.key, 404, json={"name": "x"}
    )
    theme = create(room)
    bad = (({"order": 5}, 422), ({"order": "0"}, 422), ({"order": True}, 422), ({}, 400))
    for body, status in (*bad, ({"name": None}, 400), ({"name": ""}, 422)):
        reply = room.api.call(
            "PATCH", themes_url(room, f"/{theme['id']}"), room.key, status, json=body
        )
        assert reply.json()["error"]["code"], body
    # Nothing was put in the other session's theme.
    other_themes = other.api.call("GET", themes_url(other), other.key).json()["themes"]
    assert other_themes[0]["insight_ids"] == []


def test_only_the_facilitator_makes_themes(themed):
    room, ids, voter = themed
    assert room.api.call("POST", themes_url(room), voter, 403, json={"name": "x"})
    assert room.api.call("POST", themes_url(room), None, 401, json={"name": "x"})
    assert room.api.call("GET", themes_url(room, "/suggestions"), None, 401)
    assert room.api.call("POST", themes_url(room), ORGANISER_TOKEN, 201, json={"name": "x"})


def test_merging_carries_the_theme_to_the_kept_insight(themed):
    room, ids, _ = themed
    theme = create(room, insight_ids=[ids[0]])
    room.api.call(
        "POST",
        f"/sessions/{room.code}/insights/{ids[0]}/merge",
        room.key,
        200,
        json={"into": ids[1]},
    )
    assert room.api.call("GET", themes_url(room)).json()["themes"][0]["insight_ids"] == [ids[1]]
    assert assign(room, ids[0], theme["id"], expect=409)["error"]["code"] == "insight_merged"


# --- suggestions over HTTP -----------------------------------------------------------------------


@pytest.mark.slow  # seconds, not milliseconds: outside the fast tiers
def test_suggestions_group_what_says_the_same_and_skip_themed_insights(themed):
    room, ids, _ = themed
    groups = room.api.call("GET", themes_url(room, "/suggestions"), room.key, 200).json()["groups"]
    assert groups and groups[0]["insight_ids"] == [ids[0], ids[1]]
    assert "warmtenet" in groups[0]["label"].lower()
    assert all(ids[3] not in g["insight_ids"] for g in groups)  # says something else
    # Accepting the group as a theme in one request; then it is no longer suggested.
    create(room, groups[0]["label"], insight_ids=groups[0]["insight_ids"])
    groups = room.api.call("GET", themes_url(room, "/suggestions"), room.key, 200).json()["groups"]
    assert all(ids[0] not in g["insight_ids"] for g in groups)


def test_suggestions_of_an_empty_session(make_session):
    room = make_session()
    assert room.api.call("GET", themes_url(room, "/suggestions"), room.key, 200).json() == {
        "groups": []
    }


# --- votes: the socket event, in process ----------------------------------------------------------


def phone(app, client, room, token):
    return socketio.test_client(
        app,
        auth={"session": room.code, "role": "participant", "token": token},
        flask_test_client=client,
    )


def test_theme_vote_toggles_once_per_participant(app, client, themed, join):
    room, ids, voter = themed
    theme = create(room, insight_ids=[ids[0]])
    piet = phone(app, client, room, voter)
    other = phone(app, client, room, join(room, name="Kees")["token"])
    assert piet.is_connected() and other.is_connected()
    piet.get_received()
    other.get_received()
    vote = {"theme_id": theme["id"]}
    assert piet.emit("theme:vote", vote, callback=True) == {"ok": True, "votes": 1, "voted": True}
    assert other.emit("theme:vote", vote, callback=True) == {"ok": True, "votes": 2, "voted": True}
    assert piet.emit("theme:vote", vote, callback=True) == {"ok": True, "votes": 1, "voted": False}
    updates = [m["args"][0] for m in other.get_received() if m["name"] == "theme:update"]
    assert [u["themes"][0]["votes"] for u in updates] == [1, 2, 1]
    assert updates[-1]["themes"][0]["insight_ids"] == [ids[0]]
    listed = room.api.call("GET", themes_url(room)).json()["themes"][0]
    assert listed["votes"] == 1


@pytest.mark.parametrize(
    "data, code",
    [
        ({}, "bad_request"),
        ({"theme_id": "een"}, "invalid"),
        ({"theme_id": 1.5}, "invalid"),
        ({"theme_id": True}, "invalid"),
        ({"theme_id": 999999}, "theme_not_found"),
        ({"theme_id": "\ud800"}, "malformed_json"),
        ("geen object", "bad_request"),
    ],
)
def test_bad_theme_votes_get_an_error_ack(app, client, themed, data, code):
    room, _ids, voter = themed
    piet = phone(app, client, room, voter)
    answer = piet.emit("theme:vote", data, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == code, answer


def test_a_vote_on_a_theme_of_another_session_is_refused(app, client, themed, make_session):
    room, _ids, voter = themed
    other = make_session(title="Elders")
    foreign = create(other, "Elders")
    piet = phone(app, client, room, voter)
    answer = piet.emit("theme:vote", {"theme_id": foreign["id"]}, callback=True)
    assert answer["ok"] is False and answer["error"]["code"] == "theme_not_found"
    assert "thema" in answer["error"]["message"]  # the phone's language: Dutch
    assert other.api.call("GET", themes_url(other)).json()["themes"][0]["votes"] == 0


def test_walls_and_consoles_cannot_vote_and_a_paused_session_refuses(app, client, themed):
    room, _ids, voter = themed
    theme = create(room)
    wall = socketio.test_client(
        app, auth={"session": room.code, "role": "wall"}, flask_test_client=client
    )
    answer = wall.emit("theme:vote", {"theme_id": theme["id"]}, callback=True)
    assert answer["error"]["code"] == "participants_only"
    room.api.call("PATCH", f"/sessions/{room.code}", room.key, 200, json={"state": "paused"})
    answer = phone(app, client, room, voter).emit(
        "theme:vote", {"theme_id": theme["id"]}, callback=True
    )
    assert answer["error"]["code"] == "session_not_open"


def test_theme_votes_are_rate_limited_like_insight_votes(app, client, themed):
    room, _ids, voter = themed
    theme = create(room)
    piet = phone(app, client, room, voter)
    answers = [piet.emit("theme:vote", {"theme_id": theme["id"]}, callback=True) for _ in range(40)]
    refused = [a for a in answers if not a["ok"]]
    assert refused and refused[0]["error"]["code"] == "rate_limited"
    assert refused[0]["error"]["retry_after"] >= 1
    assert sum(a["ok"] for a in answers) <= 31


def test_a_connecting_screen_gets_the_themes_first(app, client, themed):
    room, ids, _ = themed
    create(room, insight_ids=[ids[0], ids[1]])
    wall = socketio.test_client(
        app, auth={"session": room.code, "role": "wall"}, flask_test_client=client
    )
    names = [m["name"] for m in wall.get_received()]
    assert names[:4] == ["session:update", "round:update", "spotlight", "theme:update"]


def test_assigning_sends_the_insight_change_and_the_themes(app, client, themed):
    room, ids, _ = themed
    theme = create(room)
    wall = socketio.test_client(
        app, auth={"session": room.code, "role": "wall"}, flask_test_client=client
    )
    wall.get_received()
    assign(room, ids[2], theme["id"])
    received = wall.get_received()
    changed = [m["args"][0] for m in received if m["name"] == "insight:update"]
    assert changed[0]["id"] == ids[2] and changed[0]["theme_id"] == theme["id"]
    themes = [m["args"][0] for m in received if m["name"] == "theme:update"]
    assert themes[-1]["themes"][0]["insight_ids"] == [ids[2]]


# --- exports --------------------------------------------------------------------------------------


@pytest.fixture
def voted(app, client, themed):
    room, ids, voter = themed
    theme = create(room, "Kosten van het warmtenet", insight_ids=[ids[0], ids[1]])
    phone(app, client, room, voter).emit("theme:vote", {"theme_id": theme["id"]}, callback=True)
    return room, ids, theme


def export(room, fmt, **query):
    """The export's bytes (the Api helper reads every answer as text; XLSX and DOCX are not)."""
    response = room.api.client.get(
        f"/api/v1/sessions/{room.code}/export.{fmt}",
        headers={"Authorization": f"Bearer {room.key}"},
        query_string=query,
    )
    assert response.status_code == 200
    return response.data


def test_csv_and_xlsx_have_a_theme_column(voted):
    room, ids, theme = voted
    data = export(room, "csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data), delimiter=";"))
    by_text = {r["Inzicht"]: r for r in rows}
    assert by_text[TEXTS[0]]["Thema"] == "Kosten van het warmtenet"
    assert by_text[TEXTS[0]]["Stemmen op thema"] == "1"
    assert by_text[TEXTS[2]]["Thema"] == "" and by_text[TEXTS[2]]["Stemmen op thema"] == ""

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(export(room, "xlsx")))
    sheet = book.worksheets[1]
    header = [c.value for c in sheet[1]]
    column = header.index("Thema")
    values = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert "Kosten van het warmtenet" in values
    summary = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert ["Aan tafel met de wijkaanpak", "Kosten van het warmtenet", 2, 1] in [
        row[:4] for row in summary
    ]


def test_json_lists_the_themes_with_insight_ids_votes_and_voters(voted):
    room, ids, theme = voted
    document = json.loads(export(room, "json"))
    (session,) = document["sessions"]
    (listed,) = session["themes"]
    assert listed["name"] == "Kosten van het warmtenet" and listed["votes"] == 1
    assert sorted(listed["insight_ids"]) == sorted([ids[0], ids[1]])
    assert len(listed["voters"]) == 1
    assert {i["id"]: i["theme_id"] for i in session["insights"]}[ids[0]] == theme["id"]


def test_markdown_and_docx_have_a_themes_section(voted):
    room, _ids, _theme = voted
    markdown = export(room, "md").decode()
    section = markdown.split("## Thema's over de tafels heen", 1)[1]
    assert "### Kosten van het warmtenet (1 stem)" in section
    assert "Niemand weet wat een aansluiting op het warmtenet gaat kosten." in section
    assert "Representatie van bewoners" in section  # each insight names its table

    from docx import Document

    document = Document(io.BytesIO(export(room, "docx")))
    texts = [p.text for p in document.paragraphs]
    assert "Thema's over de tafels heen" in texts
    assert "Kosten van het warmtenet (1 stem)" in texts
    assert any(t.startswith("Niemand weet wat een aansluiting") for t in texts)


def test_english_report_and_no_themes_section_without_themes(themed):
    room, _ids, _ = themed
    assert "Thema's" not in export(room, "md").decode()
    create(room, "Trust")
    english = export(room, "md", lang="en").decode()
    assert "## Themes across tables" in english and "### Trust (0 votes)" in english


# --- the domain read the published page calls -------------------------------------------------


def test_themes_of_gives_each_theme_its_visible_insights_most_recognised_first(ctx):
    from workshop import domain

    session, _ = domain.create_session("Thema's", "nl", "wijkaanpak")
    domain.change_state(session, "open")
    table = session.tables[0].id
    people = [domain.join(session, {"name": f"P{n}", "table_id": table})[0] for n in range(3)]
    posted = [
        domain.post_insight(session, people[0], insight_body(table, text))[0] for text in TEXTS[:3]
    ]
    theme = domain.create_theme(
        session, {"name": "Warmtenet", "insight_ids": [posted[0].id, posted[1].id]}
    )
    domain.vote(session, people[1], posted[1].id)
    assert domain.vote_theme(session, people[2], theme.id) == (1, True)
    assert domain.vote_theme(session, people[1], theme.id) == (2, True)
    (summary,) = domain.themes_of(session)
    assert (summary.name, summary.votes) == ("Warmtenet", 2)
    assert [i.id for i in summary.insights] == [posted[1].id, posted[0].id]  # 1 vote first
    domain.moderate(session, posted[1].id, {"status": "hidden"})
    assert [i.id for i in domain.themes_of(session)[0].insights] == [posted[0].id]
    assert len(domain.themes_of(session, public=False)[0].insights) == 2
    assert domain.voted_theme_ids(people[2]) == [theme.id]
    deleted = domain.delete_session(session)
    assert deleted["themes"] == 1 and deleted["theme_votes"] == 2


def test_the_server_process_never_loads_scikit_learn(tmp_path):
    """scikit-learn and SciPy take about 95 MB: not at start-up, and not after suggestions either
    (a child process computes them and ends)."""
    import subprocess
    import sys

    code = f"""
import sys
from pathlib import Path
from tests.support import Api, make_app
app = make_app(Path({str(tmp_path)!r}))
api = Api(app.test_client())
room = api.create_session()
token = api.join(room["code"], room["tables"][0]["id"], name="Anna")["token"]
for text in {TEXTS[:2]!r}:
    api.post(room["code"], token, room["tables"][0]["id"], text)
groups = api.call("GET", "/sessions/" + room["code"] + "/themes/suggestions",
                  room["facilitator_key"], 200).json()["groups"]
print(len(groups), sorted(m for m in ("sklearn", "scipy") if m in sys.modules))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "1 []"


def test_a_failing_suggestion_child_is_a_clear_503(themed, monkeypatch):
    from workshop.domain import suggestions

    room, _ids, _ = themed
    monkeypatch.setattr(suggestions, "CHILD_TIMEOUT", 0.001)
    reply = room.api.call("GET", themes_url(room, "/suggestions"), room.key, 503)
    assert reply.json()["error"]["code"] == "suggestions_unavailable"


# --- live: real Socket.IO clients against `python app.py` -----------------------------------------


def test_two_phones_vote_live_and_every_screen_follows(api, make_live_session, sockets):
    room = make_live_session()
    author = api.join(room.code, room.table, name="Anna")["token"]
    posted = api.post(room.code, author, room.table, TEXTS[0]).json()
    theme = create(room, "Kosten van het warmtenet", insight_ids=[posted["id"]])
    first = api.join(room.code, room.tables[1], name="Piet")["token"]
    second = api.join(room.code, room.tables[2], name="Kees")["token"]
    wall = sockets(room.code)
    console = sockets(room.code, "facilitator", room.key)
    phone_one = sockets(room.code, "participant", first)
    phone_two = sockets(room.code, "participant", second)
    for screen in (wall, console, phone_one, phone_two):  # the themes come with the first state
        screen.wait_for("theme:update", lambda d: d["themes"][0]["insight_ids"] == [posted["id"]])

    vote = {"theme_id": theme["id"]}
    assert phone_one.call("theme:vote", vote) == {"ok": True, "votes": 1, "voted": True}
    assert phone_two.call("theme:vote", vote) == {"ok": True, "votes": 2, "voted": True}
    for screen in (wall, console, phone_one, phone_two):
        screen.wait_for("theme:update", lambda d: d["themes"][0]["votes"] == 2)
    assert phone_one.call("theme:vote", vote) == {"ok": True, "votes": 1, "voted": False}
    wall.wait_for("theme:update", lambda d: d["themes"][0]["votes"] == 1)
    assert api.call("GET", f"/sessions/{room.code}/themes").json()["themes"][0]["votes"] == 1

    # A theme of another session: a clear error ack, nothing counted anywhere.
    other = make_live_session(title="Elders")
    foreign = create(other, "Elders")
    answer = phone_two.call("theme:vote", {"theme_id": foreign["id"]})
    assert answer["ok"] is False and answer["error"]["code"] == "theme_not_found"
    assert api.call("GET", f"/sessions/{other.code}/themes").json()["themes"][0]["votes"] == 0


def test_a_double_tap_from_two_connections_of_one_phone_counts_once(
    api, make_live_session, sockets
):
    """Two sockets of one participant vote at the same moment: the taps take turns, so the
    count always equals the votes stored (0 or 1), never 2 or a failed tap."""
    import threading

    room = make_live_session()
    theme = create(room, "Vertrouwen")
    token = api.join(room.code, room.table, name="Piet")["token"]
    taps = [sockets(room.code, "participant", token) for _ in range(2)]
    answers = []
    threads = [
        threading.Thread(
            target=lambda s=s: answers.append(s.call("theme:vote", {"theme_id": theme["id"]}))
        )
        for s in taps
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert all(a["ok"] for a in answers), answers
    assert sorted(a["votes"] for a in answers) == [0, 1]
    assert api.call("GET", f"/sessions/{room.code}/themes").json()["themes"][0]["votes"] == 0


def test_a_json_backup_restores_the_themes_their_insights_and_votes(voted, tmp_path):
    from tests.support.app import restored_app
    from workshop import domain, harvest

    room, ids, _theme = voted
    backup = export(room, "json", include_hidden="1")
    with restored_app(tmp_path, backup):
        restored = domain.get_session(room.code)
        (summary,) = domain.themes_of(restored)
        assert (summary.name, summary.votes) == ("Kosten van het warmtenet", 1)
        assert sorted(i.text for i in summary.insights) == sorted(TEXTS[:2])
        again = json.loads(
            harvest.export([restored], "json", {"include_hidden": "1"}).stream.read()
        )
    (before,) = json.loads(backup)["sessions"][0]["themes"]
    (after,) = again["sessions"][0]["themes"]
    ignored = ("id", "voters", "insight_ids")  # ids are each instance's own
    assert {k: v for k, v in after.items() if k not in ignored} == {
        k: v for k, v in before.items() if k not in ignored
    }
    assert len(after["voters"]) == 1 and len(after["insight_ids"]) == 2


def test_a_backup_with_a_broken_theme_is_refused_whole(voted, tmp_path):
    from tests.support import make_app

    room, _ids, _theme = voted
    document = json.loads(export(room, "json"))
    document["sessions"][0]["themes"][0]["voters"] = [424242]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    (tmp_path / "fresh").mkdir()
    fresh = make_app(tmp_path / "fresh")
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["import-json", str(path)])
        assert result.exit_code != 0
        assert "theme 1: 'voters' must list participants of the file" in result.output
        from workshop import domain

        assert domain.all_sessions() == []


# --- hostile input: generated bodies never meet a 500 or an internal error ack -------------------


def test_theme_bodies_and_votes_survive_generated_hostile_input(app, client, themed):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from workshop import ratelimit

    room, ids, voter = themed
    theme = create(room)
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=130)
        | st.sampled_from(["\ud800", "²", "12", str(theme["id"]), "", " "])
        | st.just(theme["id"])
    )
    values = scalars | st.lists(scalars, max_size=4) | st.dictionaries(st.text(max_size=5), scalars)
    piet = phone(app, client, room, voter)
    calls = []

    @settings(
        max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        field=st.sampled_from(["name", "insight_ids", "order", "theme_id"]),
        value=values,
        target=st.sampled_from(["create", "rename", "assign", "vote"]),
    )
    def run(field, value, target):
        calls.append(target)
        ratelimit.reset_all()
        body = {field: value}
        if target == "vote":
            answer = piet.emit("theme:vote", body, callback=True)
            assert answer["ok"] is True or answer["error"]["code"] != "internal_error", answer
            return
        method, path = {
            "create": ("POST", themes_url(room)),
            "rename": ("PATCH", themes_url(room, f"/{theme['id']}")),
            "assign": ("PATCH", f"/sessions/{room.code}/insights/{ids[0]}"),
        }[target]
        reply = room.api.call(method, path, room.key, json=body)
        assert reply.status_code < 500, (target, body, reply.text)
        if reply.status_code >= 400:
            assert reply.json()["error"]["code"]

    run()
    assert len(calls) >= 40 and set(calls) == {"create", "rename", "assign", "vote"}


def test_suggestions_are_rate_limited_per_session(make_session):
    room = make_session()  # no insights: the answers are quick, the budget is what is measured
    answers = [room.api.call("GET", themes_url(room, "/suggestions"), room.key) for _ in range(7)]
    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert answers[5].status_code == 429 and int(answers[5].headers["Retry-After"]) >= 1
    assert answers[5].json()["error"]["code"] == "rate_limited"


def test_revealing_silent_writing_shows_the_themed_insights_in_their_theme(
    app, client, make_session, join, post
):
    room = make_session()
    room.api.call(
        "PATCH", f"/sessions/{room.code}", room.key, 200, json={"settings": {"silent": True}}
    )
    token = join(room, name="Anna")["token"]
    first = post(room, token, TEXTS[0]).json()["id"]
    theme = create(room, insight_ids=[first])  # the facilitator sees it; walls do not yet
    wall = socketio.test_client(
        app, auth={"session": room.code, "role": "wall"}, flask_test_client=client
    )
    first_state = [m["args"][0] for m in wall.get_received() if m["name"] == "theme:update"]
    assert first_state[-1]["themes"][0]["insight_ids"] == []
    room.api.call(
        "PATCH", f"/sessions/{room.code}", room.key, 200, json={"settings": {"silent": False}}
    )
    updates = [m["args"][0] for m in wall.get_received() if m["name"] == "theme:update"]
    assert updates[-1]["themes"] == [
        {
            "id": theme["id"],
            "name": "Kosten van het warmtenet",
            "order": 0,
            "votes": 0,
            "insight_ids": [first],
        }
    ]


def test_a_phone_without_javascript_votes_on_a_theme_with_the_plain_form(client, themed):
    room, _ids, voter = themed
    theme = create(room, "Vertrouwen")
    client.set_cookie(f"p_{room.code}", voter)
    page = client.get(f"/j/{room.code}").get_data(as_text=True)
    action = f"/j/{room.code}/themes/{theme['id']}/vote"
    assert f'action="{action}"' in page and "Vertrouwen" in page
    answer = client.post(action, data={})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#themes")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "✓ Gestemd · <span data-theme-votes>1</span>" in page
    other = client.post(f"/j/{room.code}/themes/999999/vote", data={})
    assert other.status_code == 404 and "Dit thema bestaat niet in deze sessie." in other.get_data(
        as_text=True
    )
