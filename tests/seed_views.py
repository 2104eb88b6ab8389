"""A known data set for the wall views: 3 tables, 40 insights, votes, seated organisation types.

Shared by tests/test_stats.py (in-process) and tests/e2e/test_views.py (live server).
"""

TEXTS = [
    "Bewoners willen eerst weten wat de overstap hen kost per maand.",
    "De VvE besluit pas als iedereen dezelfde cijfers ziet.",
    "Een buurtcoach in de wijk bouwt vertrouwen sneller dan een brief.",
    "Het warmtenet is pas betrouwbaar als de netbeheerder vroeg aan tafel zit.",
    "Gespikkeld bezit vraagt één aanpak voor het hele blok.",
    "Frustratie: subsidies verlopen voordat de VvE kan besluiten.",
    "Tip: begin met een keukentafelgesprek, niet met een informatieavond.",
    "Wie spreekt namens de wijk? Niet alleen de mensen die altijd komen.",
    "Particuliere eigenaren willen keuzevrijheid, maar ook ontzorging.",
    "Renovatieaanbod moet passen bij oude portiekflats én nieuwe rijwoningen.",
]
# (table index, kind, perspectives, phase) for each of 40 insights
PLAN = [
    (0, "experience", ["residents"], "phase_1"),
    (0, "lesson", ["residents", "decision_process"], "phase_1"),
    (0, "frustration", ["residents"], None),
    (0, "tip", ["residents", "affordability"], "phase_2"),
    (0, "question", ["decision_process"], None),
    (0, "success", ["residents"], "phase_6"),
    (0, "experience", ["affordability"], None),
    (0, "lesson", [], None),
    (0, "experience", ["residents", "decision_process"], "phase_1"),
    (0, "tip", ["residents"], None),
    (0, "question", ["affordability"], None),
    (0, "experience", ["residents"], None),
    (0, "lesson", ["decision_process"], None),
    (0, "frustration", ["affordability", "decision_process"], None),
    (0, "experience", ["residents"], None),
    (1, "experience", ["business_owners", "renovation_offer"], "phase_3"),
    (1, "frustration", ["affordability"], None),
    (1, "lesson", ["decision_process", "business_owners"], None),
    (1, "question", ["renovation_offer"], None),
    (1, "tip", ["affordability", "renovation_offer"], "phase_4"),
    (1, "experience", ["energy_network"], None),
    (1, "success", ["business_owners"], None),
    (1, "lesson", ["renovation_offer"], None),
    (1, "experience", ["decision_process"], None),
    (1, "frustration", ["affordability", "business_owners"], None),
    (1, "experience", [], None),
    (1, "question", ["energy_network", "renovation_offer"], "phase_5"),
    (1, "tip", ["renovation_offer"], None),
    (1, "lesson", ["affordability"], None),
    (2, "experience", ["residents", "affordability"], "phase_2"),
    (2, "question", ["affordability"], None),
    (2, "frustration", ["renovation_offer"], None),
    (2, "lesson", ["residents"], None),
    (2, "tip", ["affordability", "renovation_offer"], None),
    (2, "experience", ["affordability"], None),
    (2, "success", ["residents", "renovation_offer"], "phase_6"),
    (2, "question", ["decision_process"], None),
    (2, "experience", ["affordability"], None),
    (2, "frustration", ["affordability", "residents"], None),
    (2, "lesson", ["renovation_offer"], None),
]
# Who sits where: (table index, organisation type, how many)
SEATS = [
    (0, "municipality", 3),
    (0, "residents_initiative", 2),
    (0, "advisor", 1),
    (1, "housing_corporation", 2),
    (1, "owners_association", 3),
    (1, "municipality", 1),
    (2, "installer", 2),
    (2, "municipality", 1),
    (2, None, 1),
]
# Recognitions: insight index -> how many votes
VOTES = {1: 5, 15: 4, 29: 3, 6: 2, 20: 1}


def expected_perspectives(table_index: int) -> dict:
    keys = ["residents", "business_owners", "decision_process", "affordability"]
    keys += ["renovation_offer", "energy_network"]
    counts = dict.fromkeys(keys, 0)
    for table, _kind, perspectives, _phase in PLAN:
        if table == table_index:
            for p in perspectives:
                counts[p] += 1
    return counts


def seed(api, created) -> dict:
    """Fill a created, open session (the `wijkaanpak` template) through the HTTP API."""
    code = created["code"]
    tables = created["tables"]
    seated = []  # (table index, token)
    for table_index, organisation_type, n in SEATS:
        for _ in range(n):
            body = {"organisation_type": organisation_type} if organisation_type else {}
            token = api.join(code, tables[table_index]["id"], **body)["token"]
            seated.append((table_index, token))
    # The first person seated at each table writes that table's insights (under the rate limit).
    authors = {}
    for table_index, token in seated:
        authors.setdefault(table_index, token)
    voters = [token for _table, token in seated if token not in authors.values()]
    ids = []
    for n, (table_index, kind, perspectives, phase) in enumerate(PLAN):
        body = {"kind": kind, "perspectives": perspectives}
        if phase:
            body["phase"] = phase
        text = TEXTS[n % len(TEXTS)]
        reply = api.post(code, authors[table_index], tables[table_index]["id"], text, **body)
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
    for index, n in VOTES.items():
        for voter in voters[:n]:
            api.call("POST", f"/sessions/{code}/insights/{ids[index]}/vote", voter, 200)
    return {"ids": ids, "voters": voters, "authors": authors}
