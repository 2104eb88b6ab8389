"""Consent to be quoted (docs/HARVEST.md, "Who is speaking"): the levels, the attribution line and
the one SQL rule that keeps "room" insights out of every document."""

import pytest
from sqlalchemy import select

from workshop import tags
from workshop.domain import consent
from workshop.extensions import db
from workshop.models import Insight, Participant

TILBURG = {
    "name": "Tijs van Gisbergen",
    "role": "projectleider",
    "organisation": "gemeente Tilburg",
    "place": "Tilburg",
    "organisation_type": "municipality",
}


def speaker(**fields) -> Participant:
    return Participant(**{"name": "", "organisation": "", "role": "", "place": "", **fields})


@pytest.mark.parametrize(
    ("level", "language", "expected"),
    [
        ("name", "nl", "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"),
        ("name", "en", "Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg"),
        ("organisation", "nl", "gemeente Tilburg (Tilburg)"),
        ("anonymous", "nl", "een deelnemer (gemeente)"),
        ("anonymous", "en", "a participant (municipality)"),
        ("room", "nl", None),
    ],
)
def test_attribution_at_each_level(level, language, expected):
    line = consent.attribution(speaker(**TILBURG), level, language, tags.default())
    assert line == expected


def test_attribution_shows_only_what_was_given_and_falls_back():
    tag_set = tags.default()
    nameless = speaker(organisation_type="owners_association", place="Barneveld")
    for level in ("name", "organisation"):
        assert consent.attribution(nameless, level, "nl", tag_set) == (
            "een deelnemer (Vereniging van Eigenaars (VvE), Barneveld)"
        )
    assert consent.attribution(nameless, "anonymous", "nl", tag_set) == (
        "een deelnemer (Vereniging van Eigenaars (VvE))"
    )
    assert consent.attribution(speaker(), "organisation", "en", tag_set) == "a participant"
    other = speaker(name="Anna", organisation_type="other")
    assert consent.attribution(other, "anonymous", "nl", tag_set) == "een deelnemer"
    assert consent.attribution(None, "name", "en", tag_set) == "a participant"


def test_a_post_without_my_name_never_shows_the_name():
    insight = Insight(anonymous=True, participant=speaker(**TILBURG))
    line = consent.attribution(insight, "name", "nl", tags.default())
    assert line == "projectleider, gemeente Tilburg, Tilburg"
    assert consent.speaker(insight, "name")["name"] == ""


def test_anonymous_never_shows_name_role_organisation_or_place():
    shown = consent.speaker(speaker(**TILBURG), "anonymous")
    assert shown == {"name": "", "organisation": "", "role": "", "place": ""}
    line = consent.attribution(speaker(**TILBURG), "anonymous", "nl", tags.default())
    assert "Tijs" not in line and "Tilburg" not in line and "projectleider" not in line
    assert consent.speaker(speaker(**TILBURG), "organisation") == {
        "name": "",
        "role": "",
        "organisation": "gemeente Tilburg",
        "place": "Tilburg",
    }


def test_effective_consent_follows_the_post_then_the_participant_then_the_default():
    participant = speaker(quote_consent="name")
    assert consent.effective_consent(Insight(participant=participant)) == "name"
    own = Insight(participant=participant, quote_consent="room")
    assert consent.effective_consent(own) == "room"
    assert consent.effective_consent(Insight()) == "anonymous"
    assert consent.LEVELS == ("name", "organisation", "anonymous", "room")
    assert consent.DEFAULT == "anonymous"
    assert consent.stricter("name", "room") == "room"
    assert consent.stricter("anonymous", "organisation") == "anonymous"


def test_consent_field_names_the_allowed_values():
    from workshop.errors import Invalid

    assert consent.consent_field({"quote_consent": "room"}) == "room"
    assert consent.consent_field({}) is None
    for wrong in ("everyone", 3, ["name"], "Name"):
        with pytest.raises(Invalid) as caught:
            consent.consent_field({"quote_consent": wrong})
        assert caught.value.status == 422
        assert caught.value.extra["allowed"] == ["name", "organisation", "anonymous", "room"]


def test_quotable_is_one_rule_in_python_and_sql(app, make_session, join, post):
    room = make_session()
    named = join(room, name="Tijs", quote_consent="name")["token"]
    kept = join(room, name="Kim", quote_consent="room")["token"]
    texts = {
        "named": post(room, named, "named").json()["id"],
        "override room": post(room, named, "override room", quote_consent="room").json()["id"],
        "room": post(room, kept, "room").json()["id"],
        "override anonymous": post(room, kept, "override anon", quote_consent="anonymous").json()[
            "id"
        ],
    }
    with app.app_context():
        in_sql = set(db.session.scalars(select(Insight.id).where(Insight.quotable)))
        in_python = {i.id for i in db.session.scalars(select(Insight)) if consent.quotable(i)}
        levels = dict(db.session.execute(select(Insight.id, Insight.consent_level)).all())
    assert in_sql == in_python == {texts["named"], texts["override anonymous"]}
    assert levels[texts["override room"]] == "room" and levels[texts["named"]] == "name"


# --- HTTP: who is speaking and consent, at join, later and per post ----------------------------

ALLOWED = ["name", "organisation", "anonymous", "room"]


def participants_count(room) -> int:
    return room.api.call("GET", f"/sessions/{room.code}/stats", expect=200).json()["participants"]


def test_join_and_profile_take_who_is_speaking_and_consent(room, join):
    me = join(room, name="Tijs van Gisbergen", **{k: v for k, v in TILBURG.items() if k != "name"})
    changed = room.api.call(
        "PATCH",
        f"/sessions/{room.code}/participants/me",
        me["token"],
        200,
        json={"quote_consent": "name", "role": "wethouder", "place": "  Goirle  "},
    ).json()
    assert changed["organisation"] == "gemeente Tilburg" and changed["role"] == "wethouder"
    assert changed["place"] == "Goirle" and changed["quote_consent"] == "name"
    untouched = room.api.call(
        "PATCH", f"/sessions/{room.code}/participants/me", me["token"], 200, json={}
    ).json()
    assert untouched == changed


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"quote_consent": "everyone"}, 422, "invalid"),
        ({"quote_consent": 1}, 422, "invalid"),
        ({"organisation": ["gemeente"]}, 422, "invalid"),
        ({"organisation": 12}, 422, "invalid"),
        ({"organisation": "x" * 121}, 422, "too_long"),
        ({"role": "x" * 81}, 422, "too_long"),
        ({"place": "x" * 81}, 422, "too_long"),
        ({"place": "Tilburg\x00"}, 400, "malformed_text"),
    ],
)
def test_bad_speaker_fields_are_a_clear_4xx_and_store_nothing(room, join, body, status, code):
    before = participants_count(room)
    answer = room.api.call(
        "POST", f"/sessions/{room.code}/participants", json={"table_id": room.table, **body}
    )
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["field"] == next(iter(body))
    if "quote_consent" in body:
        assert error["allowed"] == ALLOWED and "anonymous" in error["message"]
    assert participants_count(room) == before

    me = join(room, name="Kim", organisation="Buurkracht", quote_consent="organisation")
    answer = room.api.call(
        "PATCH", f"/sessions/{room.code}/participants/me", me["token"], json=body
    )
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    kept = room.api.call(
        "PATCH", f"/sessions/{room.code}/participants/me", me["token"], 200, json={}
    ).json()
    assert (kept["organisation"], kept["quote_consent"], kept["role"]) == (
        "Buurkracht",
        "organisation",
        "",
    )


def test_a_lone_surrogate_is_refused_before_anything_is_stored(room, join):
    before = participants_count(room)
    raw = b'{"organisation": "gemeente \\ud800", "table_id": %d}' % room.table
    answer = room.api.call(
        "POST", f"/sessions/{room.code}/participants", data=raw, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "malformed_json"
    assert participants_count(room) == before


def test_a_post_carries_its_consent_and_an_unknown_one_stores_nothing(room, join, post):
    me = join(room, name="Tijs", quote_consent="organisation")["token"]
    followed = post(room, me, "Volgt mijn keuze.").json()
    assert followed["quote_consent"] == "organisation"
    own = post(room, me, "Alleen voor de zaal.", quote_consent="room").json()
    assert own["quote_consent"] == "room"
    bad = post(room, me, "Onbekende keuze.", quote_consent="public")
    assert bad.status_code == 422 and bad.json()["error"]["allowed"] == ALLOWED
    listed = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", expect=200).json()
    assert [i["text"] for i in listed["insights"]] == ["Volgt mijn keuze.", "Alleen voor de zaal."]
    # The participant changes its mind: posts without their own choice follow it.
    room.api.call(
        "PATCH",
        f"/sessions/{room.code}/participants/me",
        me,
        200,
        json={"quote_consent": "anonymous"},
    )
    listed = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", room.key, 200).json()
    consents = {i["text"]: i["quote_consent"] for i in listed["insights"]}
    assert consents == {"Volgt mijn keuze.": "anonymous", "Alleen voor de zaal.": "room"}


def test_the_console_sees_who_is_speaking_walls_do_not(room, join, post):
    me = join(room, quote_consent="name", **TILBURG)["token"]
    post(room, me, "Wie spreekt er?")
    console = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", room.key, 200)
    (seen,) = console.json()["insights"]
    assert seen["speaker"] == {
        "name": "Tijs van Gisbergen",
        "organisation_type": "municipality",
        "organisation": "gemeente Tilburg",
        "role": "projectleider",
        "place": "Tilburg",
    }
    (public,) = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", expect=200).json()[
        "insights"
    ]
    assert "speaker" not in public and "projectleider" not in str(public)
    assert public["author"] == {"name": "Tijs van Gisbergen", "organisation_type": "municipality"}


def test_the_no_javascript_form_posts_with_a_consent(app, room, join):
    client = app.test_client()
    me = join(room, name="Sanne")["token"]
    client.set_cookie(f"p_{room.code}", me)
    page = client.get(f"/j/{room.code}")
    assert page.status_code == 200
    form = {"client_id": "no-js-client-0001", "table_id": room.table, "text": "Zonder script."}
    bad = client.post(f"/j/{room.code}/post", data={**form, "quote_consent": "everyone"})
    assert bad.status_code == 422
    sent = client.post(f"/j/{room.code}/post", data={**form, "quote_consent": "room"})
    assert sent.status_code == 302
    (stored,) = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", expect=200).json()[
        "insights"
    ]
    assert stored["text"] == "Zonder script." and stored["quote_consent"] == "room"


# --- every export honours consent ------------------------------------------------------------

ROOM_TEXTS = ("ROOMONLY zaaltekst van Rik", "ROOMOVERRIDE alleen hier gezegd", "ROOMHIDDEN weg")
NEVER_OUT = ("Rik Roomsma", "Anna Anoniemstra", "vrijwilliger", "Amsterdam", "Buurkracht")
NEVER_OUT += ("Olga Orgnaam", "wijkregisseur")
FORMATS = ("csv", "xlsx", "json", "md", "docx")


def readable(fmt: str, data: bytes) -> str:
    """Every text a format holds, as one string."""
    import io

    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data))
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    if fmt == "docx":
        import docx

        document = docx.Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    text = data.decode("utf-8")
    return text.replace("\\", "") if fmt == "md" else text  # Markdown escapes, JSON too


@pytest.fixture
def consented(room, join, post):
    """A session in an event: one speaker at each level, and three posts kept to the room."""
    from tests.support import ORGANISER_TOKEN

    event = room.api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"})
    room.api.call(
        "PATCH",
        f"/sessions/{room.code}",
        ORGANISER_TOKEN,
        200,
        json={"event_id": event.json()["id"]},
    )
    tijs = join(room, quote_consent="name", **TILBURG)["token"]
    olga = join(
        room,
        name="Olga Orgnaam",
        role="wijkregisseur",
        organisation="Woonstad Rotterdam",
        place="Rotterdam",
        organisation_type="housing_corporation",
        quote_consent="organisation",
    )["token"]
    anna = join(
        room,
        name="Anna Anoniemstra",
        role="vrijwilliger",
        organisation="Buurkracht",
        place="Amsterdam",
        organisation_type="residents_initiative",
    )["token"]  # no choice: "anonymous"
    rik = join(room, name="Rik Roomsma", organisation="Buurkracht", quote_consent="room")["token"]
    voter = join(room)["token"]
    ids = {
        "named": post(room, tijs, "NAMED een VvE-Transitiecentrum helpt").json()["id"],
        "tijs anonymous": post(
            room, tijs, "TIJSANON liever anoniem", quote_consent="anonymous"
        ).json()["id"],
        "organisation": post(room, olga, "ORGTEXT gespikkeld bezit").json()["id"],
        "anonymous": post(room, anna, "ANONTEXT collectieve inkoop").json()["id"],
        "room": post(room, rik, ROOM_TEXTS[0]).json()["id"],
        "override": post(room, tijs, ROOM_TEXTS[1], quote_consent="room").json()["id"],
        "hidden": post(room, rik, ROOM_TEXTS[2]).json()["id"],
    }
    for name in ("named", "organisation", "anonymous", "room", "override"):
        room.api.call(
            "POST", f"/sessions/{room.code}/insights/{ids[name]}/vote", voter, 200
        )  # every one recognised: the report would quote each
    room.api.call(
        "PATCH",
        f"/sessions/{room.code}/insights/{ids['hidden']}",
        room.key,
        200,
        json={"status": "hidden"},
    )
    room.event = event.json()["id"]
    return room


def download(room, path: str, token: str) -> bytes:
    """An export's bytes (the Api helper reads answers as text; XLSX and DOCX are not)."""
    got = room.api.client.get("/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200, got.get_data()[:300]
    return got.get_data()


def exports(room, fmt: str, **options) -> dict[str, str]:
    from tests.support import ORGANISER_TOKEN

    query = "".join(f"&{k}={v}" for k, v in options.items())
    session = download(room, f"/sessions/{room.code}/export.{fmt}?x=1{query}", room.key)
    event = download(room, f"/events/{room.event}/export.{fmt}?x=1{query}", ORGANISER_TOKEN)
    return {"session": readable(fmt, session), "event": readable(fmt, event)}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("options", [{}, {"include_hidden": 1}, {"anonymise": 1}])
def test_no_export_holds_a_room_insight_or_more_than_was_consented(consented, fmt, options):
    for where, text in exports(consented, fmt, **options).items():
        for secret in (*ROOM_TEXTS, *NEVER_OUT):
            assert secret not in text, f"{secret!r} in the {where} {fmt} export"
        for said in ("NAMED", "ORGTEXT", "ANONTEXT", "TIJSANON"):
            assert said in text, f"{said!r} missing from the {where} {fmt} export"
        if options.get("anonymise"):
            assert "Tijs van Gisbergen" not in text and "Woonstad Rotterdam" not in text
        else:
            assert "Tijs van Gisbergen" in text and "Woonstad Rotterdam" in text


@pytest.mark.parametrize("fmt", ("md", "docx"))
def test_report_quotes_read_as_consented(consented, fmt):
    text = exports(consented, fmt)["session"]
    assert "— Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg" in text
    assert "— Woonstad Rotterdam (Rotterdam)" in text
    assert "een deelnemer (bewonersinitiatief)" in text


def test_csv_has_the_speaker_columns_as_consented(consented):
    import csv

    text = exports(consented, "csv")["session"].lstrip("\ufeff")
    rows = {r["Inzicht"]: r for r in csv.DictReader(text.splitlines(), delimiter=";")}
    named = rows["NAMED een VvE-Transitiecentrum helpt"]
    assert (named["Auteur"], named["Functie"], named["Organisatienaam"], named["Plaats"]) == (
        "Tijs van Gisbergen",
        "projectleider",
        "gemeente Tilburg",
        "Tilburg",
    )
    assert named["Citeren"] == "met naam"
    olga = rows["ORGTEXT gespikkeld bezit"]
    assert (olga["Auteur"], olga["Functie"], olga["Bronvermelding"]) == (
        "anoniem",
        "",
        "Woonstad Rotterdam (Rotterdam)",
    )
    anna = rows["ANONTEXT collectieve inkoop"]
    assert anna["Bronvermelding"] == "een deelnemer (bewonersinitiatief)"
    assert anna["Organisatie"] == "Bewonersinitiatief" and anna["Citeren"] == "anoniem"
    assert rows["TIJSANON liever anoniem"]["Auteur"] == "anoniem"


def test_json_never_links_an_anonymous_post_to_a_named_participant(consented):
    import json

    (session,) = json.loads(exports(consented, "json")["session"])["sessions"]
    people = {p["id"]: p for p in session["participants"]}
    named = {p["name"] for p in people.values() if p["name"]}
    assert named == {"Tijs van Gisbergen"}
    texts = {i["text"]: i for i in session["insights"]}
    tijs_anonymous = texts["TIJSANON liever anoniem"]
    assert tijs_anonymous["participant_id"] is None and tijs_anonymous["author"]["name"] is None
    assert tijs_anonymous["quote_consent"] == "anonymous"
    assert tijs_anonymous["author"]["attribution"] == "een deelnemer (gemeente)"
    author = people[texts["NAMED een VvE-Transitiecentrum helpt"]["participant_id"]]
    assert author["role"] == "projectleider" and author["quote_consent"] == "name"
    olga = people[texts["ORGTEXT gespikkeld bezit"]["participant_id"]]
    assert (olga["name"], olga["role"], olga["organisation"]) == ("", "", "Woonstad Rotterdam")


def test_the_organiser_download_page_holds_no_room_insight(app, consented):
    from tests.support import ORGANISER_TOKEN

    client = app.test_client()
    client.post("/o/login", data={"token": ORGANISER_TOKEN})
    for fmt in FORMATS:
        for target in (f"session={consented.code}", f"event={consented.event}"):
            got = client.get(f"/o/download?{target}&format={fmt}", follow_redirects=True)
            assert got.status_code == 200
            text = readable(fmt, got.get_data())
            assert not any(secret in text for secret in (*ROOM_TEXTS, *NEVER_OUT)), fmt
            assert "NAMED" in text


def test_the_json_import_round_trips_consent_and_who_is_speaking(app, consented, tmp_path):
    import json

    from tests.support.app import restored_app
    from workshop import domain, harvest

    backup = download(
        consented, f"/sessions/{consented.code}/export.json?include_hidden=1", consented.key
    )
    with restored_app(tmp_path, backup):
        restored = domain.get_session(consented.code)
        again = harvest.export([restored], "json", {"include_hidden": "1"}).stream.getvalue()
        report = harvest.export([restored], "md", {}).stream.getvalue().decode()
    before, after = (json.loads(d)["sessions"][0] for d in (backup, again))
    keys = ("text", "quote_consent", "author")
    assert [{k: i[k] for k in keys} for i in after["insights"]] == [
        {k: i[k] for k in keys} for i in before["insights"]
    ]
    fields = ("name", "organisation", "role", "place", "quote_consent", "organisation_type")
    # The anonymous post of a named participant comes back with an author of its own.
    assert [{k: p[k] for k in fields} for p in after["participants"]][:-1] == [
        {k: p[k] for k in fields} for p in before["participants"]
    ]
    assert "— Tijs van Gisbergen, projectleider, gemeente Tilburg, Tilburg" in report


def test_a_bad_consent_in_an_import_file_is_refused(app, consented, tmp_path):
    import json

    document = json.loads(
        consented.api.call(
            "GET", f"/sessions/{consented.code}/export.json", consented.key, 200
        ).content
    )
    document["sessions"][0]["insights"][0]["quote_consent"] = "everyone"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = app.test_cli_runner().invoke(args=["import-json", str(path)])
    assert result.exit_code != 0 and "quote_consent" in result.output


# --- Socket.IO: the same consent on the live path ----------------------------------------------


def test_a_socket_post_carries_its_consent_and_the_console_sees_who_speaks(
    make_live_session, join, sockets
):
    from tests.support.http import insight_body

    room = make_live_session()
    me = join(room, quote_consent="name", **TILBURG)["token"]
    console = sockets(room.code, "facilitator", room.key)
    wall = sockets(room.code, "wall")
    phone = sockets(room.code, "participant", me)

    refused = phone.call("insight:post", insight_body(room.table, "Fout.", quote_consent="all"))
    assert refused["ok"] is False and refused["error"]["allowed"] == ALLOWED

    ack = phone.call("insight:post", insight_body(room.table, "Zaal.", quote_consent="room"))
    assert ack["ok"] and ack["insight"]["quote_consent"] == "room"
    seen = console.wait_for("insight:new", lambda i: i["text"] == "Zaal.")
    assert seen["quote_consent"] == "room" and seen["speaker"]["role"] == "projectleider"
    on_wall = wall.wait_for("insight:new", lambda i: i["text"] == "Zaal.")  # the room may see it
    assert "speaker" not in on_wall and on_wall["quote_consent"] == "room"
    followed = phone.call("insight:post", insight_body(room.table, "Met naam."))
    assert followed["insight"]["quote_consent"] == "name"
    listed = room.api.call("GET", f"/sessions/{room.code}/insights?since=0", expect=200).json()
    assert [i["text"] for i in listed["insights"]] == ["Zaal.", "Met naam."]


@pytest.mark.parametrize("fmt", ("json", "md", "csv"))
def test_attribution_follows_the_export_language(consented, fmt):
    text = exports(consented, fmt, lang="en")["event"]
    assert "a participant (residents' initiative)" in text.replace("\\'", "'")
    assert "een deelnemer" not in text
