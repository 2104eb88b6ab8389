""" "Herken ik" votes over real sockets: counts reach the wall, the console and the table's phones."""

from concurrent.futures import ThreadPoolExecutor


def test_votes_update_live_counts_everywhere(api, sockets):
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]["id"]
    author = api.join(code, table, name="Sanne")
    voter = api.join(code, table)
    elsewhere = api.join(code, created["tables"][1]["id"])
    posted = api.post(code, author["token"], table, "Herken je dit?").json()

    wall = sockets(code)
    console = sockets(code, "facilitator", key)
    author_phone = sockets(code, "participant", author["token"])
    other_phone = sockets(code, "participant", elsewhere["token"])
    voter_phone = sockets(code, "participant", voter["token"])

    def counted(n):
        return lambda insight: insight["id"] == posted["id"] and insight["votes"] == n

    ack = voter_phone.call("insight:vote", {"insight_id": posted["id"]})
    assert ack == {"ok": True, "votes": 1, "voted": True}
    for client in (wall, console, author_phone, voter_phone):
        client.wait_for("insight:update", counted(1))

    ack = voter_phone.call("insight:vote", {"insight_id": posted["id"]})  # a second tap: undo
    assert ack == {"ok": True, "votes": 0, "voted": False}
    for client in (wall, console, author_phone):
        client.wait_for("insight:update", counted(0))
    assert not other_phone.received("insight:update")  # another table's phones are not bothered

    own = author_phone.call("insight:vote", {"insight_id": posted["id"]})
    assert own["ok"] is False and own["error"]["code"] == "own_insight"


def test_concurrent_clicks_on_the_live_server_never_double_count(api, sockets):
    created = api.create_session()
    code = created["code"]
    table = created["tables"][0]["id"]
    author = api.join(code, table)
    posted = api.post(code, author["token"], table, "Tel mij goed").json()
    voters = [api.join(code, table)["token"] for _ in range(10)]
    phones = [sockets(code, "participant", token) for token in voters[:4]]

    def vote(token):
        return api.call("POST", f"/sessions/{code}/insights/{posted['id']}/vote", token).json()

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(vote, voters))
    assert all(answer["voted"] for answer in answers)
    assert max(answer["votes"] for answer in answers) == 10
    wall = sockets(code)
    resynced = wall.call("resync", {"since": 0})["insights"]
    assert next(i for i in resynced if i["id"] == posted["id"])["votes"] == 10

    # One phone double-taps over the socket four times at once: an even number of toggles.
    with ThreadPoolExecutor(4) as pool:
        acks = list(
            pool.map(
                lambda _: phones[0].call("insight:vote", {"insight_id": posted["id"]}), range(4)
            )
        )
    assert all(ack["ok"] for ack in acks)
    resynced = wall.call("resync", {"since": 0})["insights"]
    assert next(i for i in resynced if i["id"] == posted["id"])["votes"] == 10


def test_votes_while_the_facilitator_merges_keep_counts_true(api_client):
    """Phones vote on a duplicate and on the kept insight while it is merged: no error, no drift."""
    api = api_client
    created = api.create_session()
    code, key = created["code"], created["facilitator_key"]
    table = created["tables"][0]["id"]
    author = api.join(code, table)["token"]
    duplicate = api.post(code, author, table, "Eerst weten wat het kost").json()["id"]
    kept = api.post(code, author, table, "Bewoners willen weten wat het kost").json()["id"]
    voters = [api.join(code, table)["token"] for _ in range(8)]

    def vote(job):
        token, insight = job
        return api.call("POST", f"/sessions/{code}/insights/{insight}/vote", token).status_code

    def merge(_):
        path = f"/sessions/{code}/insights/{duplicate}/merge"
        return api.call("POST", path, key, json={"into": kept}).status_code

    jobs = [(token, insight) for token in voters for insight in (duplicate, kept)]
    with ThreadPoolExecutor(8) as pool:
        later = [pool.submit(merge, None)]
        statuses = list(pool.map(vote, jobs)) + [job.result() for job in later]
    # A vote that comes after the merge finds the duplicate hidden (409); nothing fails.
    assert set(statuses) <= {200, 409} and statuses[-1] == 200
    harvest = api.call("GET", f"/sessions/{code}/export.json?include_hidden=1", key, 200).json()
    for exported in harvest["sessions"][0]["insights"]:
        assert exported["votes"] == len(exported["voters"]), exported["id"]
    assert next(i for i in harvest["sessions"][0]["insights"] if i["id"] == duplicate)["votes"] == 0
