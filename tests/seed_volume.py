"""A wall at real volume: 200 insights over 3 tables (70, 66, 64), two pinned per table.

Texts are real sentences of a Dutch neighbourhood-approach session, short and long, so the wall
has to page cards of different heights. Used by tests/e2e/test_wall_volume.py and the README
screenshot.
"""

import itertools

SENTENCES = [
    "Bewoners willen eerst weten wat de overstap hen per maand kost.",
    "De VvE besluit pas als iedereen dezelfde cijfers ziet.",
    "Een buurtcoach bouwt sneller vertrouwen dan een brief van de gemeente.",
    "Gespikkeld bezit vraagt één aanpak voor het hele blok, huur en koop samen.",
    "Collectieve inkoop van warmtepompen maakte het voor de VvE betaalbaar.",
    "Renovatieaanbod moet passen bij oude portiekflats én nieuwe rijwoningen.",
    "Tip: begin met een keukentafelgesprek, niet met een informatieavond.",
    "Wie spreekt namens de wijk? Niet alleen de mensen die altijd komen.",
    "In Amsterdam-Noord werkte een spreekuur in de bibliotheek beter dan een website.",
    "Subsidies verlopen vaak voordat de VvE kan besluiten; dat frustreert iedereen.",
    "Buurkracht hielp ons de eerste bijeenkomst te organiseren.",
    "De netbeheerder moet vroeg aan tafel, anders loopt het warmtenet vertraging op.",
    "Particuliere eigenaren willen keuzevrijheid, maar ook ontzorging.",
    "Laat zien wat het oplevert: een voorbeeldwoning in de straat overtuigt meer dan een folder.",
    "Zakelijke vastgoedeigenaren reageren pas als er een concreet businessplan ligt.",
    "Maak het besluitvormingsproces zichtbaar met een tijdlijn die iedereen kan volgen.",
]

PERSPECTIVES = [
    ["residents"],
    ["affordability"],
    ["residents", "decision_process"],
    ["renovation_offer"],
    [],
    ["business_owners", "energy_network"],
    ["affordability", "renovation_offer"],
]
KINDS = ["experience", "lesson", "tip", "question", "frustration", "success"]
PER_TABLE = [70, 66, 64]
AUTHORS_PER_TABLE = 3  # each under the participant rate limit (burst 30)
NAMES = ["Marieke", "Ahmed", "Sanne", "Joost", "Fatima", "Pieter", "Noor", "Bram", "Lotte"]


def text_for(n: int) -> str:
    """One, two or three sentences, so cards differ in height like real ones."""
    length = (1, 2, 1, 3, 1, 2)[n % 6]
    start = (n * 7) % len(SENTENCES)
    return " ".join(SENTENCES[(start + k * 5) % len(SENTENCES)] for k in range(length))


def seed_volume(api, created) -> dict:
    """Post 200 insights through the HTTP API and pin two per table; returns ids per table."""
    code = created["code"]
    names = itertools.cycle(NAMES)
    ids = {}
    counter = itertools.count()
    for table, count in zip(created["tables"], PER_TABLE, strict=False):
        authors = [
            api.join(code, table["id"], name=next(names))["token"] for _ in range(AUTHORS_PER_TABLE)
        ]
        ids[table["id"]] = []
        for k in range(count):
            n = next(counter)
            body = {"kind": KINDS[n % len(KINDS)], "perspectives": PERSPECTIVES[n % 7]}
            reply = api.post(code, authors[k % AUTHORS_PER_TABLE], table["id"], text_for(n), **body)
            assert reply.status_code == 201, reply.text
            ids[table["id"]].append(reply.json()["id"])
    pinned = {}
    for table_id, table_ids in ids.items():
        pinned[table_id] = [table_ids[3], table_ids[10]]  # older ones: pinning brings them up
        for insight_id in pinned[table_id]:
            api.call(
                "PATCH",
                f"/sessions/{code}/insights/{insight_id}",
                created["facilitator_key"],
                200,
                json={"pinned": True},
            )
    return {"ids": ids, "pinned": pinned}
