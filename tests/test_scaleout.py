"""Two server processes, one PostgreSQL database, one Redis message queue: one session.

No balancer in front: each client picks its process, the way two processes behind nginx without
sticky sessions would hand them out. Runs in the second pass of `make test`.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import (
    ORGANISER_TOKEN,
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    Api,
    LiveServer,
    SocketClient,
)
from tests.support.closing import closed_after

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(
        not (TEST_DATABASE_URL and TEST_REDIS_URL),
        reason="scale-out needs TEST_DATABASE_URL and TEST_REDIS_URL "
        "(`make test` sets them; or `. ./.test-services.env` after scripts/services.sh)",
    ),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Process A migrates the fresh database; process B starts on it with MIGRATE_ON_START=0."""
    tmp = tmp_path_factory.mktemp("scaleout")
    a = LiveServer(tmp).start()
    b = LiveServer(tmp, extra_env={"MIGRATE_ON_START": "0"}, database_url=a.database_url)
    try:
        b.start()
        yield a, b
    finally:
        b.stop()
        a.stop()


@pytest.fixture
def connect(servers):
    def open_socket(server, code, role="wall", token=None):
        return SocketClient(server.url, {"session": code, "role": role, "token": token})

    with closed_after(open_socket) as opened:
        yield opened


@pytest.fixture
def session(servers):
    a, _ = servers
    created = Api(a.url).create_session()
    return created, created["tables"]


def body(table_id, text="Warmtenet eerst in de flats."):
    return {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": text}


def test_both_processes_serve_one_database(servers, session):
    a, b = servers
    created, _ = session
    seen_by_b = Api(b.url).call("GET", f"/sessions/{created['code']}", expect=200).json()
    assert seen_by_b["code"] == created["code"] and seen_by_b["state"] == "open"
    assert [t["id"] for t in seen_by_b["tables"]] == [t["id"] for t in created["tables"]]


def test_phone_on_a_reaches_wall_on_b(servers, session, connect):
    a, b = servers
    created, tables = session
    phone = Api(a.url).join(created["code"], tables[0]["id"], name="Sanne")
    wall_b = connect(b, created["code"])
    wall_a = connect(a, created["code"])
    phone_socket = connect(a, created["code"], "participant", phone["token"])
    ack = phone_socket.call("insight:post", body(tables[0]["id"], "Bewoners eerst informeren."))
    assert ack["ok"] is True, ack
    sent = ack["insight"]
    arrived = wall_b.wait_for("insight:new", lambda i: i["id"] == sent["id"])
    assert arrived["text"] == "Bewoners eerst informeren."
    assert arrived["seq"] == sent["seq"] and arrived["author"]["name"] == "Sanne"
    wall_a.wait_for("insight:new", lambda i: i["id"] == sent["id"])


def test_http_post_to_b_reaches_wall_and_table_on_a(servers, session, connect):
    a, b = servers
    created, tables = session
    api_b = Api(b.url)
    author = api_b.join(created["code"], tables[1]["id"])
    neighbour = Api(a.url).join(created["code"], tables[1]["id"])
    wall_a = connect(a, created["code"])
    neighbour_a = connect(a, created["code"], "participant", neighbour["token"])
    response = api_b.post(created["code"], author["token"], tables[1]["id"], "Subsidie loopt af.")
    assert response.status_code == 201, response.text
    insight = response.json()
    assert (
        wall_a.wait_for("insight:new", lambda i: i["id"] == insight["id"])["seq"] == insight["seq"]
    )
    neighbour_a.wait_for("insight:new", lambda i: i["id"] == insight["id"])


def test_seq_stays_unique_under_concurrent_posts_through_both(servers, session, connect):
    a, b = servers
    created, tables = session
    code = created["code"]
    apis = [Api(a.url), Api(b.url)]
    phones = [apis[n % 2].join(code, tables[n % len(tables)]["id"]) for n in range(8)]
    walls = [connect(a, code), connect(b, code)]

    def post(n):
        phone = phones[n % len(phones)]
        api = Api((a, b)[n % 2].url)  # one requests.Session per thread
        table_id = tables[(n % len(phones)) % len(tables)]["id"]
        return api.post(code, phone["token"], table_id, f"Inzicht nummer {n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, range(40)))
    assert [r.status_code for r in responses] == [201] * 40
    seqs = sorted(r.json()["seq"] for r in responses)
    assert len(set(seqs)) == 40, seqs
    assert seqs == list(range(seqs[0], seqs[0] + 40)), "seq skipped or repeated a number"

    listed = apis[1].call("GET", f"/sessions/{code}/insights", expect=200).json()["insights"]
    listed_seqs = [i["seq"] for i in listed]
    assert listed_seqs == sorted(listed_seqs) and set(seqs) <= set(listed_seqs)

    ids = {r.json()["id"] for r in responses}
    for wall in walls:
        wall.wait_for(
            "insight:new", lambda _i, w=wall: ids <= {x["id"] for x in w.received("insight:new")}
        )
        delivered = [i["id"] for i in wall.received("insight:new") if i["id"] in ids]
        assert len(delivered) == 40, "a wall got an insight twice"


# --- rate-limit budgets shared through Redis ------------------------------------------------------


def test_a_participants_budget_spent_on_one_process_is_spent_on_the_other(
    servers, session, connect
):
    """DESIGN section 10's burst of 30 is one budget, not one per process."""
    a, b = servers
    created, tables = session
    code, table_id = created["code"], tables[0]["id"]
    phone = Api(a.url).join(code, table_id)
    statuses = [Api(a.url).post(code, phone["token"], table_id).status_code for _ in range(20)]
    statuses += [Api(b.url).post(code, phone["token"], table_id).status_code for _ in range(10)]
    assert statuses == [201] * 30
    refused = Api(b.url).post(code, phone["token"], table_id)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1
    assert Api(a.url).post(code, phone["token"], table_id).status_code == 429
    ack = connect(b, code, "participant", phone["token"]).call("insight:post", body(table_id))
    assert ack["ok"] is False and ack["error"]["code"] == "rate_limited", ack
    # A neighbour's budget is its own, on either process.
    neighbour = Api(b.url).join(code, table_id)
    assert Api(a.url).post(code, neighbour["token"], table_id).status_code == 201


def test_a_dashboard_on_b_counts_phones_and_posts_on_a(servers, connect):
    """Phones online are counted per process and shared in Redis; the overview reads both."""
    a, b = servers
    api = Api(a.url)
    event = api.call("POST", "/events", ORGANISER_TOKEN, 201, json={"name": "Energy-Up"}).json()
    created = api.create_session(event_id=event["id"])
    table = created["tables"][0]["id"]
    phones = [api.join(created["code"], table) for _ in range(3)]
    sockets = [connect(a, created["code"], "participant", phone["token"]) for phone in phones[:2]]
    sockets.append(connect(b, created["code"], "participant", phones[2]["token"]))
    watcher = SocketClient(
        b.url, {"role": "organiser", "token": ORGANISER_TOKEN, "event": event["id"]}
    )
    try:
        assert sockets[0].call("insight:post", body(table))["ok"] is True
        update = watcher.wait_for(
            "event:update",
            lambda u: u["sessions"][0]["phones"] == 3 and u["sessions"][0]["insights"] == 1,
            timeout=6,
        )
        assert update["sessions"][0]["code"] == created["code"]
        sockets[0].close()
        watcher.wait_for("event:update", lambda u: u["sessions"][0]["phones"] == 2, timeout=6)
    finally:
        watcher.close()


@pytest.fixture
def guessing_budget(servers):
    """The test spends the loopback address's guess budget: give it back for the other tests."""
    import redis

    yield
    shared = redis.Redis.from_url(TEST_REDIS_URL)
    prefix = servers[0].env["SOCKETIO_CHANNEL"] + ":limits:"
    for name in ("code-guessing-misses/*", "code-guessing-known/*"):
        keys = list(shared.scan_iter(match=prefix + name))
        if keys:
            shared.delete(*keys)


def test_code_guesses_on_one_process_throttle_the_other_known_codes_still_work(
    servers, session, guessing_budget
):
    a, b = servers
    created, _ = session
    known = created["code"]
    assert Api(a.url).call("GET", f"/sessions/{known}").status_code == 200
    unused = Api(a.url).create_session(title="Nog niemand", state="draft")["code"]
    misses = [
        Api((a, b)[n % 2].url).call("GET", f"/sessions/QQQ{n:03d}".replace("0", "Z"))
        for n in range(120)
    ]
    assert [r.status_code for r in misses] == [404] * 120
    throttled = Api(b.url).call("GET", "/sessions/QQQQQQ")
    assert throttled.status_code == 429, throttled.text
    assert throttled.json()["error"]["code"] == "too_many_unknown_codes"
    assert Api(b.url).call("GET", f"/sessions/{unused}").status_code == 429
    # The code this address used on process A keeps working on process B.
    assert Api(b.url).call("GET", f"/sessions/{known}").status_code == 200
