"""/stats for a known data set: what the compass, the table mix, the top list and word clouds draw."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.seed_views import PLAN, SEATS, VOTES, expected_perspectives, seed
from workshop import stats


@pytest.fixture
def seeded(api_client):
    created = api_client.create_session()
    seeded = seed(api_client, created)
    return created, api_client, seeded


def test_stats_counts_a_known_data_set(seeded):
    created, api, data = seeded
    answer = api.call("GET", f"/sessions/{created['code']}/stats", expect=200).json()
    assert answer["insights"] == len(PLAN) == 40
    assert answer["participants"] == sum(n for _t, _o, n in SEATS)
    for index, table in enumerate(answer["tables"]):
        assert table["id"] == created["tables"][index]["id"]
        assert table["insights"] == sum(1 for t, *_ in PLAN if t == index)
        assert table["perspectives"] == expected_perspectives(index)
        kinds = {}
        for t, kind, _p, _ph in PLAN:
            if t == index:
                kinds[kind] = kinds.get(kind, 0) + 1
        assert {k: n for k, n in table["kinds"].items() if n} == kinds
        seats = {(org or "unknown"): n for t, org, n in SEATS if t == index}
        assert table["organisation_types"] == seats
    # Blind spots of the known set: nobody at table 1 wrote about residents, none at 0 and 2
    # about business owners or the energy network.
    assert answer["tables"][1]["perspectives"]["residents"] == 0
    assert answer["tables"][0]["perspectives"]["energy_network"] == 0
    top = answer["top"]
    assert [item["votes"] for item in top] == sorted(VOTES.values(), reverse=True)
    assert [item["id"] for item in top] == [
        data["ids"][i] for i in sorted(VOTES, key=VOTES.get)[::-1]
    ]
    assert answer["organisation_types"]["municipality"] == 5


def test_stats_leave_out_hidden_insights(seeded):
    created, api, data = seeded
    code, key = created["code"], created["facilitator_key"]
    api.call(
        "PATCH", f"/sessions/{code}/insights/{data['ids'][1]}", key, 200, json={"status": "hidden"}
    )
    answer = api.call("GET", f"/sessions/{code}/stats", expect=200).json()
    assert answer["insights"] == 39
    assert (
        answer["tables"][0]["perspectives"]["residents"]
        == expected_perspectives(0)["residents"] - 1
    )
    assert data["ids"][1] not in [item["id"] for item in answer["top"]]


def test_word_cloud_leaves_out_dutch_and_english_stop_words():
    texts = [
        "De bewoners willen eerst weten wat het kost, en de bewoners vragen het ook.",
        "The residents want to know what it costs, and they don't trust the plans yet.",
        "Bewoners! BEWONERS? 2026 123 a an",
    ]
    words = dict(stats.words(texts))
    assert words["bewoners"] == 4
    for stop in ("de", "het", "wat", "willen", "eerst", "ook", "the", "and", "what", "they", "don"):
        assert stop not in words, stop
    assert {"residents", "costs", "trust", "plans", "kost"} <= set(words)
    assert "2026" not in words and "123" not in words
    assert stats.words(texts)[0] == ["bewoners", 4]  # most frequent first
    assert {"een", "van", "zijn", "this", "with", "have"} <= stats.stop_words()


def test_concurrent_votes_never_double_count(seeded):
    """Many voters at once, and one voter clicking five times at once: the count equals the votes."""
    created, api, data = seeded
    code, key = created["code"], created["facilitator_key"]
    insight = data["ids"][2]  # no votes yet
    voters = [api.join(code, created["tables"][0]["id"])["token"] for _ in range(8)]

    def vote(token):
        reply = api.call("POST", f"/sessions/{code}/insights/{insight}/vote", token, 200)
        return reply.json()["votes"], reply.json()["voted"]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(vote, voters))
    assert sorted(answers) == [(n, True) for n in range(1, 9)]  # each voter saw their own count
    listed = api.call("GET", f"/sessions/{code}/insights", expect=200).json()["insights"]
    assert next(i for i in listed if i["id"] == insight)["votes"] == 8
    with ThreadPoolExecutor(5) as pool:
        taps = list(pool.map(vote, [voters[0]] * 5))  # toggles: odd number of clicks -> one less
    # Every tap toggles what the tap before it left, and its answer says so.
    assert sorted(taps) == [(7, False)] * 3 + [(8, True)] * 2
    listed = api.call("GET", f"/sessions/{code}/insights", expect=200).json()["insights"]
    assert next(i for i in listed if i["id"] == insight)["votes"] == 7
    harvest = api.call("GET", f"/sessions/{code}/export.json", key, 200).json()
    exported = next(i for i in harvest["sessions"][0]["insights"] if i["id"] == insight)
    assert exported["votes"] == len(exported["voters"]) == 7  # the count is the number of votes


def test_word_cloud_keeps_terms_and_names_and_leaves_out_filler():
    """Real sentences from a dry run: the cloud shows what the room talked about, spelled as written."""
    texts = [
        "De VvE in Amsterdam wil collectieve inkoop van zonnepanelen, maar het is duidelijk "
        "dat we eerst moeten laten zien wat het oplevert.",
        "Gespikkeld bezit maakt het lastig zolang de corporatie niet meedoet.",
        "Buurkracht hielp de VvE met collectieve inkoop; neem dat voorbeeld vanaf het begin mee.",
        "Bij gespikkeld bezit moet je de VvE en de corporatie samen aan tafel krijgen.",
        "In Amsterdam werkt collectieve inkoop, laat zien wat Buurkracht deed.",
    ]
    cloud = stats.words(texts)
    terms = dict(cloud)
    assert terms["VvE"] == 3 and terms["collectieve inkoop"] == 3
    assert terms["Amsterdam"] == 2 and terms["Buurkracht"] == 2
    assert terms["gespikkeld bezit"] == 2  # a two-word term, as written mid-sentence
    assert cloud[0][1] == 3 and [n for _, n in cloud] == sorted((n for _, n in cloud), reverse=True)
    for filler in ("duidelijk", "zien", "laten", "neem", "vanaf", "zolang", "mee", "dat"):
        assert filler not in {term.lower() for term in terms}, filler
    # The parts of a kept term do not also stand alone with the same count.
    assert "inkoop" not in terms and "collectieve" not in terms
    assert not {"vve", "amsterdam", "buurkracht"} & set(terms)  # names keep their capitals


def test_word_cloud_in_english():
    texts = [
        "Collective purchasing made heat pumps affordable for the owners association.",
        "We should clearly let residents see collective purchasing work in Utrecht.",
    ]
    terms = dict(stats.words(texts, language="en"))
    assert terms["collective purchasing"] == 2 and "Utrecht" in terms
    assert not {"clearly", "let", "see", "should", "the"} & {t.lower() for t in terms}
