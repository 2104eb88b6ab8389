"""The harvest: every format is read back with a real reader and must hold the known data exactly."""

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from html.parser import HTMLParser

import docx
import openpyxl
import pytest
from markdown_it import MarkdownIt
from PIL import Image

from tests.support import ORGANISER_TOKEN, make_app
from tests.support.factories import post_in
from workshop import domain, harvest
from workshop.harvest.csv_export import defuse
from workshop.harvest.rows import HEADERS
from workshop.harvest.xlsx_export import sheet_names

# Texts with everything that breaks naive writers: quotes, separators, newlines, formulas,
# Markdown, emoji and Dutch diacritics.
TEXTS = [
    'Bewoners willen eerst weten wat het kost; "gratis" bestaat niet.',
    "Regel één: café, ëën, ĳsselmeer 🌱🏘️\nRegel twee, met komma; en puntkomma",
    "=SUM(A1) begint als een formule",
    "@buurman zegt: +31 6 12345678 is het nummer",
    "*vet* [link](https://example.org) <b>html</b> | pijp # hekje & 1. lijst",
    "Tip: 30% subsidie & meer, \"dubbele\" en 'enkele' aanhalingstekens",
    "- opsomming\n\nnieuwe alinea met \\ backslash",
    "Zonder perspectief; wél met ; puntkomma's",
]


def post(session, participant, table, text, **fields):
    insight, created = post_in(session, participant, text, table, **fields)
    assert created
    return insight


def build_known_session(language="nl", title="Aan tafel met de wijkaanpak"):
    """The known data set: 8 insights over 2 of 3 tables, one hidden; votes, summary, event."""
    event = domain.create_event("Energy-Up 2026")
    session, key = domain.create_session(title, language, "wijkaanpak", event_id=event.id)
    domain.change_state(session, "open")
    a, b, _c = session.tables
    join = lambda **data: domain.join(session, data)[0]  # noqa: E731
    named = {"quote_consent": "name"}  # they agreed to be quoted by name
    joost = join(name="Joost", organisation_type="municipality", table_id=a.id, **named)
    anouk = join(name='Anouk O\'Brien; "de Boer"', organisation_type="owners_association", **named)
    nameless = join(organisation_type="grid_operator", table_id=a.id, **named)
    emile = join(name="Émile", organisation_type="housing_corporation", **named)
    voters = [join() for _ in range(3)]

    i = [
        post(session, joost, a, TEXTS[0], kind="experience", perspectives=["residents"]),
        post(
            session,
            joost,
            a,
            TEXTS[1],
            kind="lesson",
            perspectives=["affordability", "residents"],
            phase="phase_1",
        ),
        post(session, nameless, a, TEXTS[2], kind="question", perspectives=["decision_process"]),
        post(
            session, emile, a, TEXTS[3], kind="tip", perspectives=["affordability"], anonymous=True
        ),
    ]
    domain.start_round(session, {"title": "Ronde 2"})
    i += [
        post(session, anouk, b, TEXTS[4], perspectives=["residents", "energy_network"]),
        post(session, anouk, b, TEXTS[5], kind="success", perspectives=["business_owners"]),
        post(session, anouk, b, TEXTS[6], kind="frustration", perspectives=["residents"]),
        post(session, joost, a, TEXTS[7], kind="lesson"),
    ]
    for insight, n in ((i[0], 3), (i[1], 2), (i[2], 1), (i[3], 1)):
        for voter in voters[:n]:
            domain.vote(session, voter, insight.id)
    domain.moderate(session, i[6].id, {"status": "hidden"})
    domain.write_summary(
        session, a.id, {"text": 'Vertrouwen komt te voet; "luisteren" eerst.\nTweede regel 🌱'}
    )
    return session, key, i


@pytest.fixture
def known(ctx):
    return build_known_session()


def export(session_or_list, fmt, **options) -> bytes:
    chosen = session_or_list if isinstance(session_or_list, list) else [session_or_list]
    return harvest.export(chosen, fmt, options).stream.getvalue()


VISIBLE = [t for n, t in enumerate(TEXTS) if n != 6]


# --- CSV -------------------------------------------------------------------------------------


def read_csv(data: bytes, delimiter=";") -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_round_trips_every_field(known):
    session, _, insights = known
    table = read_csv(export(session, "csv"))
    assert table[0] == list(HEADERS["nl"])
    rows = [dict(zip(HEADERS["nl"], r, strict=True)) for r in table[1:]]
    assert sorted(r["Inzicht"] for r in rows) == sorted(defuse(t) for t in VISIBLE)
    by_text = {r["Inzicht"]: r for r in rows}
    second = by_text[TEXTS[1]]
    assert second["Tafel"] == "Representatie van bewoners"
    assert second["Vraag"].startswith("Wie spreekt er namens de wijk")
    assert second["Soort"] == "Les" and second["Fase"] == "Samen starten"
    assert (
        second["Perspectieven"] == "Bewoners doen mee, De overstap is betaalbaar en financierbaar"
    )
    assert (second["Ronde"], second["Herkend"], second["Auteur"]) == ("1", "2", "Joost")
    assert second["Organisatie"] == "Gemeente" and second["Status"] == "zichtbaar"
    assert datetime.fromisoformat(second["Tijd"]).utcoffset() is not None
    assert by_text["'" + TEXTS[2]]["Auteur"] == "anoniem"  # no name given
    anonymous = by_text["'" + TEXTS[3]]  # '@' defused; posted anonymously
    assert anonymous["Auteur"] == "anoniem" and anonymous["Organisatie"] == "Woningcorporatie"
    assert by_text[TEXTS[4]]["Auteur"] == 'Anouk O\'Brien; "de Boer"'
    assert by_text[TEXTS[4]]["Ronde"] == "2"


def test_csv_variants_hidden_and_anonymised(ctx, known):
    session, _, _ = known
    comma = read_csv(export(session, "csv", delimiter="comma"), delimiter=",")
    assert len(comma) == 1 + len(VISIBLE) and comma[0][0] == "Sessie"
    full = read_csv(export(session, "csv", include_hidden="1"))
    hidden = [r for r in full if r[3] == "'" + TEXTS[6]]
    assert len(full) == 1 + len(TEXTS) and hidden[0][-1] == "verborgen"
    anonymised = export(session, "csv", anonymise="1").decode("utf-8-sig")
    assert "Joost" not in anonymised and "Anouk" not in anonymised and "Émile" not in anonymised
    assert "Gemeente" in anonymised and "Vereniging van Eigenaars (VvE)" in anonymised
    english, _, _ = build_known_session("en", "At the table")
    table = read_csv(export(english, "csv"), delimiter=",")
    assert table[0][:4] == ["Session", "Table", "Question", "Insight"]
    assert {r[9] for r in table[1:]} >= {"anonymous", "Joost"}


# --- XLSX ------------------------------------------------------------------------------------


def test_xlsx_has_a_summary_and_one_sheet_per_table(known):
    session, _, _ = known
    data = export(session, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Samenvatting",
        "Representatie van bewoners",
        "Gespikkeld bezit",
        "Particulieren in de wijkaanpak",
    ]
    summary = {
        row[0]: row[1:] for row in book["Samenvatting"].iter_rows(values_only=True) if row[0]
    }
    counts = [
        r
        for r in book["Samenvatting"].iter_rows(values_only=True)
        if r[1] in dict((t.name, 1) for t in session.tables)
    ]
    assert [(r[1], r[2], r[3]) for r in counts] == [
        ("Representatie van bewoners", 5, 7),
        ("Gespikkeld bezit", 2, 0),
        ("Particulieren in de wijkaanpak", 0, 0),
    ]
    assert summary["Les"][0] == 2 and summary["Tip"][0] == 1 and summary["(geen)"][0] == 1
    assert summary["Bewoners doen mee"][0] == 3
    assert summary["De overstap is betaalbaar en financierbaar"][0] == 2
    assert summary["Het fossielvrije energienetwerk is betrouwbaar"][0] == 1
    assert summary["Gemeente"][0] == 3 and summary["Vereniging van Eigenaars (VvE)"][0] == 2

    sheet = book["Representatie van bewoners"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(HEADERS["nl"])
    assert sheet.column_dimensions["D"].width == 60
    texts = [sheet.cell(r, 4) for r in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in texts) == sorted(VISIBLE[:4] + [TEXTS[7]])  # exactly as typed
    assert all(c.data_type == "s" and c.alignment.wrap_text for c in texts)
    formula = next(c for c in texts if c.value == TEXTS[2])
    assert formula.quotePrefix
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert not any("<f>" in archive.read(n).decode() for n in sheets)  # no formula anywhere
    assert book["Particulieren in de wijkaanpak"].max_row == 1


def test_sheet_names_are_cut_cleaned_and_unique():
    long = "Een heel lange tafelnaam die niet past in Excel"
    names = sheet_names(
        [long, long, "Wat/nu? [x]", "Samenvatting", "'quoted'", ""], {"Samenvatting"}
    )
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names} | {"samenvatting"}) == len(names) + 1
    assert names[0] == long[:31].strip() and names[1].endswith(" (2)")
    assert not re.search(r"[\[\]:*?/\\]", names[2]) and names[3] == "Samenvatting (2)"
    assert names[4] == "quoted" and names[5] == "-"


# --- JSON ------------------------------------------------------------------------------------


def normalised(document: dict) -> list[dict]:
    """The sessions of a JSON harvest with database ids replaced by positions."""
    out = []
    for s in document["sessions"]:
        tables = {t["id"]: n for n, t in enumerate(s["tables"])}
        people = {p["id"]: n for n, p in enumerate(s["participants"])}
        insights = {i["id"]: n for n, i in enumerate(s["insights"])}
        out.append(
            {
                **{k: v for k, v in s.items() if k not in ("tables", "participants", "insights")},
                "event": s["event"]["name"] if s["event"] else None,
                "tables": [{k: v for k, v in t.items() if k != "id"} for t in s["tables"]],
                "participants": [
                    {**p, "id": None, "table_id": tables.get(p["table_id"])}
                    for p in s["participants"]
                ],
                "insights": [
                    {
                        **i,
                        "id": None,
                        "table_id": tables[i["table_id"]],
                        "participant_id": people.get(i["participant_id"]),
                        "voters": [people[v] for v in i["voters"]],
                        "merged_into": insights.get(i["merged_into"]),
                    }
                    for i in s["insights"]
                ],
            }
        )
    return out


def test_json_holds_the_whole_session(known):
    session, _, _ = known
    document = json.loads(export(session, "json"))
    assert (
        document["format"] == "aantafel-harvest/1" and document["event"]["name"] == "Energy-Up 2026"
    )
    (item,) = document["sessions"]
    assert sorted(i["text"] for i in item["insights"]) == sorted(VISIBLE)
    assert item["tables"][0]["summary"].endswith("Tweede regel 🌱")
    assert item["round"]["number"] == 2 and [r["number"] for r in item["rounds"]] == [1, 2]
    first = next(i for i in item["insights"] if i["text"] == TEXTS[0])
    assert first["votes"] == 3 and len(first["voters"]) == 3
    assert first["author"]["name"] == "Joost" and first["quote_consent"] == "name"
    assert first["author"]["organisation_type"] == "municipality"
    assert first["author"]["attribution"] == "Joost, gemeente"
    assert len(item["participants"]) == 7
    full = json.loads(export(session, "json", include_hidden="1"))["sessions"][0]
    assert any(i["status"] == "hidden" and i["text"] == TEXTS[6] for i in full["insights"])
    anonymised = export(session, "json", anonymise="1").decode()
    assert "Joost" not in anonymised and "municipality" in anonymised


def test_json_import_restores_the_session_in_a_fresh_instance(known, tmp_path):
    session, _, _ = known
    backup = export(session, "json", include_hidden="1")
    readable = {fmt: export(session, fmt) for fmt in ("csv", "md")}
    path = tmp_path / "backup.json"
    path.write_bytes(backup)
    (tmp_path / "fresh").mkdir()
    fresh = make_app(tmp_path / "fresh", PUBLIC_URL="http://restored.test")
    with fresh.app_context():  # the CLI runs in the active app context: this fresh instance
        result = fresh.test_cli_runner().invoke(args=["import-json", str(path)])
        assert result.exit_code == 0, result.output
        assert f"code {session.code}" in result.output and "restored.test/f/" in result.output
        restored = domain.get_session(session.code)
        again = export(restored, "json", include_hidden="1")
        for fmt in ("csv", "md"):  # the readable formats agree too
            assert export(restored, fmt) == readable[fmt]
        # A second import into the same instance gets a new code rather than clashing.
        result = fresh.test_cli_runner().invoke(args=["import-json", str(path)])
        assert result.exit_code == 0 and f"code {session.code}" not in result.output
    assert normalised(json.loads(again)) == normalised(json.loads(backup))


def test_import_rejects_a_bad_file_cleanly(app, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.json"
    for content in ("not json", '{"format": "other"}', '{"format": "aantafel-harvest/1"}'):
        bad.write_text(content)
        result = runner.invoke(args=["import-json", str(bad)])
        assert (
            result.exit_code == 1 and "Error:" in result.output and "Traceback" not in result.output
        )


# --- Markdown and DOCX reports ----------------------------------------------------------------


class Blocks(HTMLParser):
    """HTML as a list of (block tag, its text), e.g. ("h3", "Meest herkend"), ("li", "...")."""

    BLOCKS = {"h1", "h2", "h3", "h4", "h5", "p", "li", "blockquote", "td", "th"}

    def __init__(self, html: str):
        super().__init__()
        self.blocks, self.stack = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS and tag != "blockquote":
            self.stack.append([tag, ""])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1][0] == tag:
            self.blocks.append(tuple(self.stack.pop()))

    def handle_data(self, data):
        if self.stack:
            self.stack[-1][1] += data


def squash(text: str) -> str:
    return " ".join(text.split())


def sections(blocks, level: str) -> dict:
    """Blocks grouped under each heading of one level."""
    out, current = {}, None
    for tag, text in blocks:
        if tag == level:
            current = out.setdefault(text, [])
        elif current is not None:
            current.append((tag, text))
    return out


def test_markdown_report_reads_like_an_event_report(known):
    session, _, _ = known
    markdown = export(session, "md").decode("utf-8")
    blocks = Blocks(MarkdownIt("commonmark").enable("table").render(markdown)).blocks
    assert blocks[0] == ("h1", "Aan tafel met de wijkaanpak")
    assert "Energy-Up 2026" in blocks[1][1] and re.search(r"\d+ \w+ 20\d\d", blocks[1][1])
    tables = sections(blocks, "h2")
    assert list(tables)[:3] == [t.name for t in session.tables]
    first = tables["Representatie van bewoners"]
    assert any(t.startswith("Vraag: Wie spreekt er namens de wijk") for _, t in first)
    parts = sections(first, "h3")
    summary = [text for tag, text in parts["Samenvatting van de tafel"] if tag == "p"]
    assert summary == ['Vertrouwen komt te voet; "luisteren" eerst.', "Tweede regel 🌱"]
    quotes = " ".join(t for tag, t in parts["Meest herkend"] if tag == "p")
    credits = re.split(r" ?— ", quotes)
    assert [squash(q) for q in credits[0:1]] == [squash(f"“{TEXTS[0]}”")]
    assert credits[1].startswith("Joost, gemeente · 3× herkend “Regel één")
    assert credits[3].startswith("een deelnemer (netbeheerder) · 1× herkend")
    for text in TEXTS[:3]:  # each line of a quote its own paragraph: all there, in order
        assert squash(text.replace("\n", " ")) in squash(quotes)
    groups = sections(parts["Inzichten per perspectief"], "h4")
    assert list(groups) == ["De overstap is betaalbaar en financierbaar", "Zonder perspectief"]
    rest = groups["De overstap is betaalbaar en financierbaar"][0][1]
    assert (
        squash(rest) == squash(TEXTS[3]) + " (Tip · een deelnemer (woningcorporatie) · 1× herkend)"
    )
    assert squash(groups["Zonder perspectief"][0][1]).startswith(squash(TEXTS[7]))
    second = sections(tables["Gespikkeld bezit"], "h4")
    # Listed once, under its first perspective, the other one named in its details.
    assert squash(second["Bewoners doen mee"][0][1]).startswith(squash(TEXTS[4]))
    assert squash(second["Bewoners doen mee"][0][1]).endswith("ook: Energienetwerk)")
    assert "Het fossielvrije energienetwerk is betrouwbaar" not in second
    assert sum(squash(TEXTS[4]) in squash(text) for _, text in blocks) == 1
    assert not any(squash(TEXTS[6]) in squash(text) for _, text in blocks)  # hidden stays out
    assert ("p", "Aan deze tafel zijn (nog) geen inzichten gedeeld.") in tables[
        "Particulieren in de wijkaanpak"
    ]
    coverage = [t for tag, t in tables["Perspectiefdekking"] if tag == "td"]
    assert coverage[:7] == ["Representatie van bewoners", "2", "–", "1", "2", "–", "–"]


def test_docx_report_holds_the_texts_and_the_coverage_chart(known):
    session, _, _ = known
    document = docx.Document(io.BytesIO(export(session, "docx")))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert paragraphs[0] == ("Title", "Aan tafel met de wijkaanpak")
    headings = [t for style, t in paragraphs if style == "Heading 1"]
    assert headings == [t.name for t in session.tables] + ["Perspectiefdekking"]
    quotes = [t for style, t in paragraphs if style == "Quote"]
    assert quotes == [f"“{t}”" for t in TEXTS[:3]]  # exact, the line break included
    bullets = [t for style, t in paragraphs if style == "List Bullet"]
    assert bullets[0] == TEXTS[3] + "  (Tip · een deelnemer (woningcorporatie) · 1× herkend)"
    assert sum(t.startswith(TEXTS[4]) for t in bullets) == 1  # two perspectives, listed once
    assert next(t for t in bullets if t.startswith(TEXTS[4])).endswith("ook: Energienetwerk)")
    assert not any(TEXTS[6] in t for _, t in paragraphs)
    assert document.core_properties.title == session.title
    (picture,) = document.inline_shapes
    blob = picture._inline.graphic.graphicData.pic.blipFill.blip.embed
    image = Image.open(io.BytesIO(document.part.related_parts[blob].blob))
    assert image.format == "PNG" and image.width > 1000


def test_english_report_and_anonymised_report(ctx, known):
    english, _, _ = build_known_session("en", "At the table")
    markdown = export(english, "md").decode()
    assert "### Most recognised" in markdown and "— a participant (grid operator)" in markdown
    assert "## Perspective coverage" in markdown
    anonymised = export(known[0], "docx", anonymise="1")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(anonymised)).paragraphs)
    assert "Joost" not in text and "een deelnemer (gemeente)" in text


# --- over HTTP, at any moment ----------------------------------------------------------------


MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "md": "text/markdown",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def test_every_export_works_while_the_session_is_live(api_client):
    created = api_client.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]["id"]
    me = api_client.join(code, table, name="Joost", organisation_type="municipality")
    assert api_client.post(code, me["token"], table, text="Eerste inzicht").status_code == 201
    for fmt, mimetype in MIMETYPES.items():
        reply = api_client.client.get(f"/api/v1/sessions/{code}/export.{fmt}?key={key}")
        assert reply.status_code == 200 and reply.mimetype == mimetype, fmt
        assert f"aantafel-{code}.{fmt}" in reply.headers["Content-Disposition"]
    before = read_csv(api_client.call("GET", f"/sessions/{code}/export.csv", key, 200).content)
    api_client.post(code, me["token"], table, text="Tweede inzicht, tijdens de pauze")
    after = read_csv(api_client.call("GET", f"/sessions/{code}/export.csv", key, 200).content)
    assert len(after) == len(before) + 1 and after[-1][3] == "Tweede inzicht, tijdens de pauze"


def test_event_export_and_option_errors(api_client):
    event = api_client.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"})
    first = api_client.create_session(event_id=event.json()["id"])
    second = api_client.create_session(title="Middag", event_id=event.json()["id"])
    path = f"/events/{event.json()['id']}/export"
    document = api_client.call("GET", path + ".json", ORGANISER_TOKEN, 200).json()
    assert [s["code"] for s in document["sessions"]] == [first["code"], second["code"]]
    xlsx = api_client.client.get(f"/api/v1{path}.xlsx?key={ORGANISER_TOKEN}")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert len(book.sheetnames) == 1 + 6 and book.sheetnames[4] == "Representatie van bewoners (2)"
    wrong = api_client.client.get(f"/api/v1{path}.docx?key={first['facilitator_key']}")
    assert wrong.status_code == 403
    bad = api_client.call("GET", path + ".csv?anonymise=maybe", ORGANISER_TOKEN)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "anonymise"
    unknown = api_client.call("GET", path + ".pdf", ORGANISER_TOKEN)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_format"
    missing = api_client.call("GET", "/events/999/export.csv", ORGANISER_TOKEN)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "event_not_found"


# --- the organiser page ----------------------------------------------------------------------


def test_organiser_page_lists_events_and_offers_every_download(client, api_client):
    assert b"Organiser sign-in" in client.get("/o/?lang=en").data
    client.post("/o/login", data={"token": ORGANISER_TOKEN})
    created = api_client.create_session()
    client.post("/o/events", data={"name": "Energy-Up 2026"})
    page = client.get("/o/?lang=en").get_data(as_text=True)
    event_id = int(re.search(r'id="event-(\d+)"', page).group(1))
    assert "Energy-Up 2026" in page and "0 sessions" in page
    moved = client.post(f"/o/sessions/{created['code']}/event", data={"event_id": event_id})
    assert moved.status_code == 302
    me = api_client.join(created["code"], created["tables"][0]["id"], name="Joost")
    api_client.post(created["code"], me["token"], created["tables"][0]["id"])
    page = client.get("/o/?lang=en").get_data(as_text=True)
    assert "1 session · 1 insight · 1 participant" in page
    links = set(re.findall(r'href="(/api/v1/[^"]+)"', page))
    expected = {f"/api/v1/sessions/{created['code']}/export.{fmt}" for fmt in MIMETYPES}
    expected |= {f"/api/v1/events/{event_id}/export.{fmt}" for fmt in MIMETYPES}
    assert expected <= links
    for link in expected:  # the signed-in organiser downloads with the cookie alone
        reply = client.get(link)
        assert reply.status_code == 200 and len(reply.data) > 100, link
    chosen = client.get(f"/o/download?session={created['code']}&format=csv&anonymise=1")
    assert chosen.status_code == 302 and chosen.location.endswith("export.csv?anonymise=1")
    assert "Joost" not in client.get(chosen.location).get_data(as_text=True)
    assert client.get("/o/download?format=exe&session=x").status_code == 422
    client.post(f"/o/sessions/{created['code']}/event", data={"event_id": ""})
    assert "0 sessions" in client.get("/o/?lang=en").get_data(as_text=True)


def test_organiser_forms_need_the_token(client):
    assert client.post("/o/events", data={"name": "x"}).status_code == 401
    assert client.get("/o/download?format=csv&session=ABCDEF").status_code == 401


# --- a real room's report (issue 14 items 6, 11; issue 13 item 7) ---------------------------------


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_markdown_lists_each_insight_once_and_writes_no_backslash_breaks(known):
    session, _, _ = known
    markdown = export(session, "md").decode("utf-8")
    assert not [line for line in markdown.splitlines() if re.search(r"(?<!\\)\\$", line)]
    blocks = Blocks(MarkdownIt("commonmark").enable("table").render(markdown)).blocks
    by_perspective = {}
    for table in session.tables:
        parts = sections(sections(blocks, "h2").get(table.name, []), "h3")
        by_perspective[table.name] = [
            t for tag, t in parts.get("Inzichten per perspectief", []) if tag == "li"
        ]
    listed = [text for items in by_perspective.values() for text in items]
    # 7 visible insights, 3 of them quoted as most recognised: 4 bullets, each one once.
    assert len(listed) == 4
    for text in (TEXTS[3], TEXTS[4], TEXTS[5], TEXTS[7]):
        assert sum(squash(text.replace("\n", " ")) in squash(t) for t in listed) == 1
    # The coverage overview still counts an insight under each of its perspectives.
    coverage = [t for tag, t in sections(blocks, "h2")["Perspectiefdekking"] if tag == "td"]
    assert coverage[7:14] == ["Gespikkeld bezit", "1", "1", "–", "–", "–", "1"]


OWN_TAG_SET = {
    "name": "Buurtgesprek",
    "kinds": [{"key": "idee", "nl": "Idee", "en": "Idea"}],
    "perspectives": [
        {"key": "wonen", "nl": "Wonen en woonlasten", "en": "Housing", "short_nl": "Wonen"},
        {"key": "groen", "nl": "Groen en klimaat", "en": "Green", "short_nl": "Groen"},
        {"key": "samen", "nl": "Samen doen", "en": "Together", "short_nl": "Samen"},
    ],
}


def test_a_session_with_its_own_tag_set_keeps_every_insight_in_the_report(ctx):
    session, _ = domain.create_session("Buurtgesprek", "nl", "wijkaanpak")
    domain.set_tag_set(session, OWN_TAG_SET)
    domain.change_state(session, "open")
    table = session.tables[0]
    person = domain.join(session, {"name": "Sanne", "table_id": table.id, "quote_consent": "name"})[
        0
    ]
    spread = [["wonen"], ["groen"], ["samen"], ["wonen", "groen"], []]
    texts = [f"Inzicht nummer {n} over de buurt." for n in range(16)]
    for n, text in enumerate(texts):
        post(session, person, table, text, kind="idee", perspectives=spread[n % len(spread)])
    markdown = export(session, "md").decode("utf-8")
    word = docx_text(export(session, "docx"))
    for text in texts:
        assert markdown.count(text) == 1, text
        assert word.count(text) == 1, text
    assert "#### Wonen en woonlasten" in markdown and "#### Groen en klimaat" in markdown
    assert "| Tafel | Wonen | Groen | Samen |" in markdown
    assert "Bewoners doen mee" not in markdown and "Bewoners" not in word
    assert "(Idee · Sanne · ook: Groen)" in markdown
    # An event with a Wijkkompas session next to it: each session in its own terms.
    plain, _ = domain.create_session("Gewone sessie", "nl", "wijkaanpak")
    domain.change_state(plain, "open")
    guest = domain.join(plain, {"table_id": plain.tables[0].id})[0]
    post(plain, guest, plain.tables[0], "Een gewoon inzicht.", perspectives=["residents"])
    both = export([session, plain], "md").decode("utf-8")
    assert all(both.count(text) == 1 for text in [*texts, "Een gewoon inzicht."])
    assert "| Tafel | Wonen | Groen | Samen |" in both and "| Tafel | Bewoners |" in both


def test_anonymised_exports_hold_no_personal_name_at_all(ctx, known):
    session, _, _ = known
    domain.update_table(session, session.tables[0].id, {"host": "Marieke"})
    domain.update_table(session, session.tables[1].id, {"host": "Ingrid"})
    for fmt in ("csv", "xlsx", "json", "md", "docx"):
        data = export(session, fmt, anonymise="1")
        if fmt == "docx":
            text = docx_text(data)
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(io.BytesIO(data))
            text = " ".join(
                str(c) for s in book for row in s.iter_rows(values_only=True) for c in row
            )
        else:
            text = data.decode("utf-8-sig")
        for name in ("Marieke", "Ingrid", "Joost", "Émile", "Anouk"):
            assert name not in text, (fmt, name)
    named = export(session, "md").decode()
    assert "**Tafelhost:** Marieke" in named  # without anonymise the host is named


def test_docx_chart_has_alt_text_and_the_document_names_its_author_and_language(known):
    """Read back: the chart says in words what it shows; Word shows the app, not python-docx."""
    session, _, _ = known
    document = docx.Document(io.BytesIO(export(session, "docx")))
    properties = document.core_properties
    assert properties.title == "Aan tafel met de wijkaanpak"
    assert properties.author == "Aan tafel" and properties.last_modified_by == "Aan tafel"
    assert properties.language == "nl-NL"
    assert "python-docx" not in (
        properties.author,
        properties.comments,
        properties.last_modified_by,
    )
    (picture,) = document.inline_shapes
    description = picture._inline.docPr.get("descr")
    assert picture._inline.docPr.get("title") == "Perspectiefdekking"
    assert description.startswith("Perspectiefdekking. Representatie van bewoners: Bewoners 2,")
    assert all(table.name in description for table in session.tables)

    english, _, _ = build_known_session("en", "At the table")
    properties = docx.Document(io.BytesIO(export(english, "docx"))).core_properties
    assert properties.language == "en-GB" and properties.title == "At the table"
