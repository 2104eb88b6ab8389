"""Tag sets as data: the default Wijkkompas set, a session's own set (API and CLI), bad files."""

import csv
import io
import json
from pathlib import Path

import pytest

from workshop import tags

CUSTOM = Path(__file__).parent / "data" / "buurtgesprek.json"
WIJKKOMPAS = Path(tags.__file__).parent / "data" / "wijkkompas.json"


def put_tags(api, created, body, expect=None, content_type="application/json"):
    return api.call(
        "PUT",
        f"/sessions/{created['code']}/tag-sets",
        created["facilitator_key"],
        expect,
        data=body,
        content_type=content_type,
    )


def test_default_set_is_wijkkompas_and_reads_back_unchanged():
    assert tags.for_session(None) is tags.default()
    assert tags.keys("perspectives") == [
        "residents",
        "business_owners",
        "decision_process",
        "affordability",
        "renovation_offer",
        "energy_network",
    ]
    assert tags.keys("phases") == [f"phase_{n}" for n in range(1, 7)]
    assert tags.label("phases", "phase_6", "nl") == "Realisatie en nazorg"
    assert tags.label("perspectives", "residents", "en", short=True) == "Residents"
    assert tags.label("kinds", "nonsense") == "nonsense"
    # The shipped file passes the same check a session's own file must pass.
    assert tags.parse(WIJKKOMPAS.read_bytes()) == tags.tag_sets()


def test_a_session_brings_its_own_set(room):
    created, api = room.created, room.api
    code, key = created["code"], created["facilitator_key"]
    answer = put_tags(api, created, CUSTOM.read_bytes(), 200).json()
    assert answer["name"] == "buurtgesprek" and answer["custom"] is True
    assert [k["key"] for k in answer["kinds"]] == ["idea", "worry", "question"]
    assert api.call("GET", f"/sessions/{code}/tag-sets", expect=200).json() == answer

    table = created["tables"][0]["id"]
    me = api.join(code, table, name="Fatima", organisation_type="shop")
    posted = api.post(
        code,
        me["token"],
        table,
        "Meer bankjes",
        kind="idea",
        perspectives=["green"],
        phase="decide",
    )
    assert posted.status_code == 201, posted.text
    refused = api.post(code, me["token"], table, "Oud soort", kind="lesson")
    assert refused.status_code == 422
    assert refused.json()["error"]["allowed"] == ["idea", "worry", "question"]
    assert api.post(code, me["token"], table, "x", perspectives=["residents"]).status_code == 422
    bad_org = api.call(
        "POST", f"/sessions/{code}/participants", json={"organisation_type": "grid_operator"}
    )
    assert bad_org.status_code == 422

    # Labels on the screens and in the harvest come from the session's set.
    api.client.set_cookie(f"p_{code}", me["token"], domain="localhost")
    page = api.client.get(f"/j/{code}/{table}").get_data(as_text=True)
    assert 'id="compose"' in page
    assert "Idee" in page and "Groen" in page and "Besluiten" in page and "Frustratie" not in page
    wall = api.client.get(f"/w/{code}").get_data(as_text=True)
    assert "Groen" in wall and "Bewoners doen mee" not in wall
    exported = api.call("GET", f"/sessions/{code}/export.csv", key, 200).content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(exported), delimiter=";"))
    assert (row["Soort"], row["Perspectieven"], row["Fase"], row["Organisatie"]) == (
        "Idee",
        "Groen in de buurt",
        "Besluiten",
        "Winkelier",
    )
    stats = api.call("GET", f"/sessions/{code}/stats", expect=200).json()
    assert stats["tables"][0]["perspectives"] == {
        "green": 1,
        "traffic": 0,
        "safety": 0,
        "together": 0,
    }

    # Tags in use must stay; going back to the default is refused while "idea" is used.
    smaller = json.loads(CUSTOM.read_text())
    smaller["kinds"] = smaller["kinds"][1:]
    error = put_tags(api, created, json.dumps(smaller), 422).json()["error"]
    assert error["code"] == "tag_in_use" and error["missing"] == ["idea"]
    reset = api.call("DELETE", f"/sessions/{code}/tag-sets", key)
    assert reset.status_code == 422 and reset.json()["error"]["code"] == "tag_in_use"


def test_only_the_facilitator_sets_tags(room):
    created, api = room.created, room.api
    path = f"/sessions/{created['code']}/tag-sets"
    assert api.call("PUT", path, data=CUSTOM.read_bytes()).status_code == 401
    assert api.call("PUT", path, "not-the-key", data=CUSTOM.read_bytes()).status_code == 403
    assert api.call("GET", path, expect=200).json()["name"] == "wijkkompas"


BAD_FILES = [
    ('{\n  "kinds": [\n    {"key": "a", "nl": "A", "en": "A"},\n  ]\n}', 4, "not valid JSON"),
    (
        '{\n  "kinds": [\n    {"key": "a", "nl": "A", "en": "A"},\n    {"key": "b", "nl": "B"}\n  ]\n}',
        4,
        "kinds[1] ('b') needs a label 'en'",
    ),
    (
        '{\n  "phases": [\n    {"key": "x", "nl": "X", "en": "X"},\n'
        '    {"key": "x", "nl": "Y", "en": "Y"}\n  ]\n}',
        4,
        "the key 'x' appears twice",
    ),
    ('{\n  "kinds": [\n    {"key": "Big Key", "nl": "A", "en": "A"}\n  ]\n}', 3, "needs a 'key'"),
    (
        '{\n  "kinds": [\n    {"key": "a", "nl": "A", "en": "A", "colour": "red"}\n  ]\n}',
        3,
        "colour",
    ),
    ('{\n  "kinds": [],\n  "perspectivs": []\n}', 1, "unknown field 'perspectivs'"),
    ('{"kinds": "experience"}', 1, "'kinds' must be a list"),
    ("[1, 2]", 1, "A tag set is an object"),
    ('{"kinds": []}', 1, "names none of"),
]


@pytest.mark.parametrize(("body", "line", "message"), BAD_FILES)
def test_bad_files_get_a_422_naming_the_line(room, body, line, message):
    created, api = room.created, room.api
    error = put_tags(api, created, body, 422).json()["error"]
    assert error["code"] == "invalid_tag_set"
    assert error["line"] == line, error
    assert error["message"].startswith(f"Line {line}:") and message in error["message"], error


def test_unreadable_bodies(room):
    created, api = room.created, room.api
    assert put_tags(api, created, b"", 422).json()["error"]["message"] == "The file is empty."
    assert "UTF-8" in put_tags(api, created, b"\xff\xfe{", 422).json()["error"]["message"]
    assert put_tags(api, created, b"x" * 70_000).status_code == 413


def test_cli_loads_a_tag_file(app, ctx, tmp_path):
    from workshop import domain

    session, _key = domain.create_session("CLI", "en", "wijkaanpak")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-tags", session.code, str(CUSTOM)])
    assert result.exit_code == 0, result.output
    assert "buurtgesprek" in result.output and "3 kinds, 4 perspectives" in result.output
    assert tags.for_session(domain.get_session(session.code)).keys("phases") == [
        "explore",
        "decide",
    ]

    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "kinds": [\n    {"key": "a", "en": "A"}\n  ]\n}')
    result = runner.invoke(args=["load-tags", session.code, str(bad)])
    assert result.exit_code != 0
    assert "Line 3: kinds[0] ('a') needs a label 'nl'" in result.output

    result = runner.invoke(args=["load-tags", session.code, "--default"])
    assert result.exit_code == 0 and "wijkkompas" in result.output
    assert runner.invoke(args=["load-tags", "NOPE99", str(CUSTOM)]).exit_code != 0


def test_export_filters(room):
    created, api = room.created, room.api
    code, key = created["code"], created["facilitator_key"]
    first, second = created["tables"][0]["id"], created["tables"][1]["id"]
    vve = api.join(code, first, name="Kees", organisation_type="owners_association")
    city = api.join(code, second, name="Anna", organisation_type="municipality")
    api.post(code, vve["token"], first, "Eén", kind="lesson", perspectives=["residents"])
    api.post(code, vve["token"], first, "Twee", kind="tip", phase="phase_1")
    api.post(code, city["token"], second, "Drie", kind="lesson", perspectives=["affordability"])

    def texts(query):
        reply = api.call("GET", f"/sessions/{code}/export.json?{query}", key, 200).json()
        return [i["text"] for i in reply["sessions"][0]["insights"]]

    assert texts("") == ["Eén", "Twee", "Drie"]
    assert texts("kind=lesson") == ["Eén", "Drie"]
    assert texts(f"kind=lesson&table={second}") == ["Drie"]
    assert texts("perspective=residents,affordability") == ["Eén", "Drie"]
    assert texts("phase=phase_1") == ["Twee"]
    assert texts("organisation_type=municipality") == ["Drie"]
    csv_text = api.call("GET", f"/sessions/{code}/export.csv?kind=tip", key, 200).text
    assert "Twee" in csv_text and "Eén" not in csv_text
    error = api.call("GET", f"/sessions/{code}/export.csv?kind=lessen", key, 422).json()["error"]
    assert "lesson" in error["allowed"]
    assert api.call("GET", f"/sessions/{code}/export.csv?table=999", key).status_code == 422


def test_wall_view_and_sort_settings(room):
    created, api = room.created, room.api
    path, key = f"/sessions/{created['code']}", created["facilitator_key"]
    for view in ("perspectives", "compass", "stats", "mix", "tables"):
        settings = api.call("PATCH", path, key, 200, json={"settings": {"wall_view": view}}).json()
        assert settings["settings"]["wall_view"] == view
    assert (
        api.call("PATCH", path, key, 200, json={"settings": {"wall_sort": "votes"}}).json()[
            "settings"
        ]["wall_sort"]
        == "votes"
    )
    assert api.call("PATCH", path, key, json={"settings": {"wall_sort": "loud"}}).status_code == 422
    assert api.call("PATCH", path, key, json={"settings": {"wall_view": "map"}}).status_code == 422
    theme = api.call("PATCH", path, key, 200, json={"settings": {"wall_theme": "light"}})
    assert theme.json()["settings"]["wall_theme"] == "light"
    refused = api.call("PATCH", path, key, json={"settings": {"wall_theme": "neon"}})
    assert refused.status_code == 422 and refused.json()["error"]["allowed"] == ["dark", "light"]
    wall = api.client.get(f"/w/{created['code']}").get_data(as_text=True)
    assert 'class="page-wall theme-light"' in wall
