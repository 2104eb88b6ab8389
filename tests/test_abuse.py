"""Abuse resistance: a full room behind one NAT gets through, one flooding client does not, and a
flood does not slow the wall for the others (measured). docs/SECURITY.md "Limits".

The latency numbers of the flood test are printed (run with `-s` to see them):
    python -m pytest -q -s tests/test_abuse.py -k flood
"""

import multiprocessing
import statistics
import threading
import time

import pytest
import socketio

from tests.support import TEST_REDIS_URL, Api, LiveServer, insight_body
from tests.support.factories import join, make_session

# --- a full room behind one NAT -------------------------------------------------------------------


@pytest.mark.slow  # 2,000 requests: not in the fast tiers (tests/conftest.py)
def test_a_full_room_behind_one_address_joins_and_posts(api_client, room):
    """1,000 phones, one public address: every join and every first post is accepted."""
    code, table_id = room.code, room.table
    started = time.monotonic()
    tokens = [api_client.join(code, table_id)["token"] for _ in range(1000)]
    joined = time.monotonic() - started
    statuses = [api_client.post(code, token, table_id).status_code for token in tokens]
    assert statuses == [201] * 1000
    print(f"\n1,000 joins from one address in {joined:.1f} s (in process)")
    counts = api_client.call("GET", f"/sessions/{code}", expect=200).json()["counts"]
    assert counts["participants"] == 1000 and counts["insights"] == 1000


def test_one_flooding_phone_is_stopped_and_its_neighbours_are_not(api_client, room):
    code, table_id = room.code, room.table
    flooder = api_client.join(code, table_id)["token"]
    neighbour = api_client.join(code, table_id)["token"]
    statuses = [api_client.post(code, flooder, table_id).status_code for _ in range(40)]
    assert statuses[:30] == [201] * 30
    refused = api_client.post(code, flooder, table_id)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
    # Same address, another phone: untouched.
    assert api_client.post(code, neighbour, table_id).status_code == 201


def test_many_identities_from_one_address_hit_the_address_budget(api_client, room):
    """One script joining as hundreds of phones is stopped by the shared per-address budget."""
    from workshop.ratelimit import actions_per_address

    code, table_id = room.code, room.table
    sizes = actions_per_address.burst, actions_per_address.per_second
    # The same bucket with a smaller budget (60, then 1/s): the test stays quick.
    actions_per_address.burst, actions_per_address.per_second = 60, 1
    actions_per_address.reset()
    try:
        tokens = [api_client.join(code, table_id)["token"] for _ in range(70)]
        statuses = [api_client.post(code, token, table_id).status_code for token in tokens]
    finally:
        actions_per_address.burst, actions_per_address.per_second = sizes
    assert statuses.count(201) >= 60 and statuses[-1] == 429


def test_client_ids_of_another_session_do_not_skip_the_budget(api_client, room):
    """Retries are free only for the participant's own post in this session (issue: a phone past
    its limit posted on with client ids read from another session's public insight list)."""
    code, table_id = room.code, room.table
    other = api_client.create_session()
    author = api_client.join(other["code"], other["tables"][0]["id"])["token"]
    borrowed = []
    for _ in range(10):
        body = insight_body(other["tables"][0]["id"])
        api_client.call("POST", f"/sessions/{other['code']}/insights", author, 201, json=body)
        borrowed.append(body["client_id"])
    phone = api_client.join(code, table_id)["token"]
    assert [api_client.post(code, phone, table_id).status_code for _ in range(30)] == [201] * 30
    statuses = [
        api_client.post(code, phone, table_id, client_id=client_id).status_code
        for client_id in borrowed
    ]
    assert statuses == [429] * 10


@pytest.mark.slow  # seconds, not milliseconds: outside the fast tiers
def test_a_phone_keeps_posting_while_identities_behind_its_address_flood(
    api_client, room, monkeypatch
):
    """Fairness behind one NAT: flooding neighbours (and fresh identities they join) drain the
    address's budget; a phone that posts like a person keeps posting from the reserve."""
    from workshop import ratelimit

    code, table_id = room.code, room.table
    # The same buckets with a small shared budget (40, no refill) and a short standing age.
    monkeypatch.setattr(ratelimit.actions_per_address, "burst", 40)
    monkeypatch.setattr(ratelimit.actions_per_address, "per_second", 0.001)
    monkeypatch.setattr(ratelimit, "STANDING_AGE", 1.0, raising=False)
    ratelimit.actions_per_address.reset()
    phone = api_client.join(code, table_id)["token"]
    flooders = [api_client.join(code, table_id)["token"] for _ in range(3)]
    time.sleep(1.1)
    flood = [api_client.post(code, t, table_id).status_code for t in flooders for _ in range(30)]
    assert flood.count(429) >= 20 and flood[-1] == 429  # the shared budget is gone
    assert [api_client.post(code, phone, table_id).status_code for _ in range(5)] == [201] * 5
    # Re-joining buys no fresh standing: a new identity is refused while the budget is empty.
    fresh = api_client.join(code, table_id)["token"]
    assert api_client.post(code, fresh, table_id).status_code == 429


def test_a_join_flood_is_stopped(api_client, room):
    """Joins beyond the address's budget get 429 with Retry-After (a full room fits: see above)."""
    from workshop.ratelimit import joins_per_address

    code = room.code
    sizes = joins_per_address.burst, joins_per_address.per_second
    joins_per_address.burst, joins_per_address.per_second = 50, 1  # quick: same bucket, smaller
    joins_per_address.reset()
    try:
        statuses = [
            api_client.call("POST", f"/sessions/{code}/participants", json={}) for _ in range(55)
        ]
    finally:
        joins_per_address.burst, joins_per_address.per_second = sizes
    assert [r.status_code for r in statuses[:50]] == [201] * 50
    assert statuses[-1].status_code == 429 and int(statuses[-1].headers["Retry-After"]) >= 1


def test_an_unreachable_rate_limit_store_lets_the_room_post(api_client, room):
    """Budgets in Redis: if Redis is down, joins and posts are allowed, not answered with 500."""
    from workshop import ratelimit

    code, table_id = room.code, room.table
    ratelimit.configure("redis://127.0.0.1:1/0", "aantafel-test-down")  # nothing listens there
    try:
        phone = api_client.join(code, table_id)["token"]
        statuses = [api_client.post(code, phone, table_id).status_code for _ in range(3)]
    finally:
        ratelimit.configure(None, "aantafel-test")
    assert statuses == [201] * 3


# --- join-code guessing ---------------------------------------------------------------------------


def guess(client, code, address="203.0.113.7", api=True):
    path = f"/api/v1/sessions/{code}" if api else f"/j/{code}"
    return client.get(path, environ_base={"REMOTE_ADDR": address})


def test_join_code_guessing_is_throttled_without_locking_out_the_room(client, api_client):
    real = api_client.create_session()["code"]
    unused_real = api_client.create_session(title="Nog niemand")["code"]
    venue = "203.0.113.7"
    assert guess(client, real, venue).status_code == 200  # the room's phones know this code
    started = time.monotonic()
    statuses = [
        guess(client, f"ZZ{n:04d}".replace("0", "Q"), venue, api=n % 2 == 0).status_code
        for n in range(150)
    ]
    refilled = time.monotonic() - started  # one more guess a second, once the window turns
    assert statuses[:120] == [404] * 120
    assert set(statuses[120:]) <= {404, 429} and statuses[120:].count(404) <= refilled + 1
    assert statuses[-1] == 429, statuses
    throttled = guess(client, "QQQQQQ", venue)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert throttled.get_json()["error"]["code"] == "too_many_unknown_codes"
    # The guesser learns nothing: a real code it has not used yet is refused the same way.
    assert guess(client, unused_real, venue).status_code == 429
    # The room keeps working: the known code, its phone page and a join from the same address.
    assert guess(client, real, venue).status_code == 200
    assert guess(client, real, venue, api=False).status_code == 200
    joined = client.post(
        f"/api/v1/sessions/{real}/participants", json={}, environ_base={"REMOTE_ADDR": venue}
    )
    assert joined.status_code == 201
    # Another address is not affected at all.
    assert guess(client, unused_real, "198.51.100.1").status_code == 200
    assert guess(client, "QQQQQQ", "198.51.100.1").status_code == 404


def test_a_room_of_phones_with_the_right_code_never_spends_the_guess_budget(client, api_client):
    real = api_client.create_session()["code"]
    for n in range(300):
        assert guess(client, real, "203.0.113.9", api=n % 10 != 0).status_code == 200
    from workshop.ratelimit import code_guessing

    assert code_guessing.misses.wait("203.0.113.9") == 0


def test_socket_connects_with_unknown_codes_count_as_guesses(app, client, api_client):
    from workshop.extensions import socketio as server

    real = api_client.create_session(state="draft")["code"]  # made, never looked up by code
    for n in range(120):
        server.test_client(
            app, auth={"session": f"QQQ{n:03d}".replace("0", "Z")}, flask_test_client=client
        )
    assert guess(client, "QQQQQQ", "127.0.0.1").status_code == 429
    wall = server.test_client(app, auth={"session": real, "role": "wall"}, flask_test_client=client)
    assert not wall.is_connected(), "a code this address never used is refused while throttled"


# --- size limits ----------------------------------------------------------------------------------


def test_oversized_bodies_are_refused_with_413(api_client, room):
    code, table_id = room.code, room.table
    token = api_client.join(code, table_id)["token"]
    body = insight_body(table_id, "x" * 100_000)
    response = api_client.call("POST", f"/sessions/{code}/insights", token, json=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_entity_too_large"


def test_overlong_insight_is_422(api_client, room):
    code, table_id = room.code, room.table
    token = api_client.join(code, table_id)["token"]
    response = api_client.post(code, token, table_id, text="x" * 501)
    assert response.status_code == 422 and response.json()["error"]["code"] == "too_long"


# --- live server: sockets -------------------------------------------------------------------------


class Recorder:
    """A real Socket.IO client that timestamps what it receives."""

    def __init__(self, url, auth, headers=None):
        self.arrivals: dict[str, float] = {}
        self.disconnected = threading.Event()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("insight:new", self._new)
        self.sio.on("disconnect", lambda *a: self.disconnected.set())
        for attempt in range(3):  # a phone's client retries a failed connect by itself, too
            try:
                self.sio.connect(
                    url, auth=auth, transports=["websocket"], headers=headers or {}, wait_timeout=10
                )
                break
            except socketio.exceptions.ConnectionError:
                if attempt == 2:
                    raise
                time.sleep(1)

    def _new(self, insight):
        self.arrivals.setdefault(insight["client_id"], time.monotonic())

    def close(self):
        if self.sio.connected:
            self.sio.disconnect()


def open_room(server: LiveServer, phones: int):
    """An open session on `server` with `phones` participants spread over its tables."""
    room = make_session(Api(server.url), title="Flood")
    tokens = [join(room, room.tables[n % len(room.tables)])["token"] for n in range(phones)]
    return room.code, room.key, room.tables, tokens


def measure_latency(url, code, tables, tokens, posts_per_phone, interval):
    """Phones post at a steady pace; returns each post's post-to-wall latency in ms."""
    wall = Recorder(url, {"session": code, "role": "wall"})
    phones = [Recorder(url, {"session": code, "role": "participant", "token": t}) for t in tokens]
    sent: dict[str, float] = {}
    lock = threading.Lock()

    def run(n, phone):
        table = tables[n % len(tables)]
        time.sleep(n * interval / len(phones))  # staggered: a steady pace, not bursts of 20
        for _ in range(posts_per_phone):
            body = insight_body(table, f"Telefoon {n} meldt zich")
            with lock:
                sent[body["client_id"]] = time.monotonic()
            phone.sio.emit("insight:post", body)
            time.sleep(interval)

    threads = [threading.Thread(target=run, args=item) for item in enumerate(phones)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 10
    while len(wall.arrivals) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    latencies = [(wall.arrivals[c] - t) * 1000 for c, t in sent.items() if c in wall.arrivals]
    for client in (wall, *phones):
        client.close()
    return latencies, len(sent)


def summary(latencies):
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1], 1),
        "max": round(ordered[-1], 1),
    }


def flood(url, code, token, table_id, stop, counters):
    """One participant flooding posts, votes and resyncs (about 2,000 events/s), reconnecting
    whenever it is cut off. Runs in its own process, so its loop does not steal the measuring clients' CPU
    time in the test process."""
    events = (
        ("insight:post", lambda: insight_body(table_id, "spam")),
        ("insight:vote", lambda: {"insight_id": 1}),
        ("resync", lambda: {"since": 0}),
    )
    while not stop.is_set():
        sio = socketio.Client(reconnection=False)
        try:
            sio.connect(
                url,
                auth={"session": code, "role": "participant", "token": token},
                transports=["websocket"],
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            counters["refused"] += 1
            time.sleep(0.01)
            continue
        counters["connections"] += 1
        n = 0
        while sio.connected and not stop.is_set():
            name, data = events[n % 3]
            try:
                sio.emit(name, data())
            except Exception:
                break
            n += 1
            if n % 10 == 0:
                time.sleep(0.005)  # ~2,000 events/s: far beyond any phone, within what one
                # Python client on this machine can actually put on the wire
        counters["sent"] += n
        if sio.connected:
            sio.disconnect()


class Flooder:
    def __init__(self, url, code, token, table_id):
        context = multiprocessing.get_context("spawn")
        self.manager = context.Manager()
        self.counters = self.manager.dict(sent=0, connections=0, refused=0)
        self.stop = context.Event()
        self.process = context.Process(
            target=flood, args=(url, code, token, table_id, self.stop, self.counters)
        )

    def __enter__(self):
        self.process.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.process.join(15)
        if self.process.is_alive():
            self.process.kill()
        self.result = dict(self.counters)
        self.manager.shutdown()


@pytest.fixture(scope="module")
def flood_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("flood")).start()
    yield server
    server.stop()


def test_a_flooding_socket_does_not_slow_the_wall_for_the_others(flood_server):
    """Baseline, then the same traffic while one client floods: others' latency stays in bounds."""
    url = flood_server.url
    code, _key, tables, tokens = open_room(flood_server, 21)
    others, flooder_token = tokens[:20], tokens[20]
    baseline, sent = measure_latency(url, code, tables, others, posts_per_phone=5, interval=1.0)
    assert len(baseline) == sent
    with Flooder(url, code, flooder_token, tables[0]) as flooder:
        time.sleep(0.5)
        flooded, sent = measure_latency(url, code, tables, others, posts_per_phone=5, interval=1.0)
    base, during, flood = summary(baseline), summary(flooded), flooder.result
    print(
        f"\nflood test: 20 phones x 5 posts at 1/s each (20 posts/s); wall latency ms without flood {base}, "
        f"during flood {during}; flooder sent {flood['sent']} events over "
        f"{flood['connections']} connections ({flood['refused']} connects refused)"
    )
    assert len(flooded) == sent, "every post of the others reached the wall"
    assert flood["connections"] >= 2 or flood["refused"], "the flooding connection was cut off"
    # Bounds: the design's p95 target (100 ms) has room on a quiet machine; CI shares 2 cores.
    assert during["p95"] <= max(250, 3 * base["p95"]), (base, during)


def test_one_socket_flooding_posts_gets_rate_limited_acks(flood_server):
    code, _key, tables, tokens = open_room(flood_server, 1)
    sio = socketio.Client(reconnection=False)
    sio.connect(
        flood_server.url,
        auth={"session": code, "role": "participant", "token": tokens[0]},
        transports=["websocket"],
    )
    acks = [sio.call("insight:post", insight_body(tables[0]), timeout=5) for _ in range(35)]
    sio.disconnect()
    assert all(a["ok"] for a in acks[:30])
    assert acks[30]["ok"] is False and acks[30]["error"]["code"] == "rate_limited"
    assert acks[30]["error"]["retry_after"] >= 1


def test_an_oversized_socket_message_closes_the_connection(flood_server):
    code, _key, tables, tokens = open_room(flood_server, 1)
    phone = Recorder(flood_server.url, {"session": code, "role": "participant", "token": tokens[0]})
    phone.sio.emit("insight:post", insight_body(tables[0], "x" * 20_000))
    assert phone.disconnected.wait(5), "a 20 KB message is over max_http_buffer_size (16 KB)"


@pytest.mark.parametrize(
    "origin, allowed",
    [
        (None, True),  # not a browser: no Origin header
        ("PUBLIC_URL", True),
        ("SAME_ORIGIN", True),  # same-origin under another host name than PUBLIC_URL
        ("http://evil.example", False),
        ("null", False),
    ],
)
def test_socket_origin_check(flood_server, origin, allowed):
    code = open_room(flood_server, 0)[0]
    url = flood_server.url
    if origin == "PUBLIC_URL":
        origin = flood_server.url
    elif origin == "SAME_ORIGIN":
        url = url.replace("127.0.0.1", "localhost")
        origin = url
    for transport in ("websocket", "polling"):
        # websocket-client sends an Origin of its own unless told which one (or none) to send.
        options = {"origin": origin} if origin else {"suppress_origin": True}
        headers = {"Origin": origin} if origin and transport == "polling" else {}
        sio = socketio.Client(reconnection=False, websocket_extra_options=options)
        try:
            sio.connect(
                url,
                auth={"session": code, "role": "wall"},
                transports=[transport],
                headers=headers,
                wait_timeout=5,
            )
        except socketio.exceptions.ConnectionError:
            connected = False
        else:
            connected = True
            sio.disconnect()
        assert connected is allowed, (origin, transport)


# --- key rotation across processes ----------------------------------------------------------------


@pytest.mark.scaleout
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs the Redis message queue (make test)")
def test_rotated_key_revokes_sockets_on_every_process(tmp_path):
    """Two processes, one database, one Redis: a console on B loses its rights when A rotates."""
    first = LiveServer(tmp_path).start()
    second = LiveServer(tmp_path, database_url=first.database_url).start()
    try:
        code, key, tables, tokens = open_room(first, 1)
        events: list[str] = []
        console = socketio.Client(reconnection=False)
        console.on("*", lambda event, *a: events.append(event))
        disconnected = threading.Event()
        console.on("disconnect", lambda *a: disconnected.set())
        console.connect(
            second.url,
            auth={"session": code, "role": "facilitator", "token": key},
            transports=["websocket"],
        )
        http = Api(first.url)
        rotated = http.call("POST", f"/sessions/{code}/facilitator-key", key, 200).json()
        deadline = time.monotonic() + 5
        while "facilitator:revoked" not in events and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "facilitator:revoked" in events
        # A pending insight posted on A no longer reaches the old console on B.
        settings = {"settings": {"premoderation": True}}
        http.call("PATCH", f"/sessions/{code}", rotated["facilitator_key"], 200, json=settings)
        events.clear()
        assert http.post(code, tokens[0], tables[0], "Nog niet zichtbaar").status_code < 300
        time.sleep(0.5)
        assert "insight:new" not in events
        if console.connected:  # demoted on B: its next event is refused and it is cut off
            console.emit("resync", {"since": 0})
            assert disconnected.wait(5)
        with pytest.raises(socketio.exceptions.ConnectionError):
            again = socketio.Client(reconnection=False)
            again.connect(
                second.url,
                auth={"session": code, "role": "facilitator", "token": key},
                transports=["websocket"],
            )
    finally:
        second.stop()
        first.stop()


def test_the_walls_get_in_after_a_room_of_2000_phones_behind_one_address(app):
    """Venue wifi puts every phone behind one address: their join storm must leave room for the
    walls and consoles (at 2,000 the sliding window kept them out for up to 20 s)."""
    from workshop import ratelimit

    with app.test_request_context():
        for _ in range(2000):
            ratelimit.connects_per_address.check("192.0.2.1", "phone")
        for _ in range(3):  # two walls and a console
            ratelimit.connects_per_address.check("192.0.2.1", "wall")
