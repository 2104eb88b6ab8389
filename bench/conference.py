"""A whole conference on one machine: S parallel sessions of N phones, each with walls and a console.

    python bench/conference.py --sessions 20 --phones 100 --rate 20 --duration 600

Every session runs what a facilitated table session does, all at once: phones post insights
(R posts/s in total, spread over the sessions and their phones) and vote on their neighbours'
insights, the console starts a round every 2 minutes (staggered over the sessions) and moderates
(hides, restores and pins an insight now and then). Every client speaks the Engine.IO/Socket.IO
wire protocol itself on one aiohttp WebSocket (`Client` below), so 2,000 phones cost the load
generator little and it does not measure itself.

Prints post-to-wall p50/p95/p99 (from a phone's `insight:post` frame to each wall's
`insight:new`), deliveries lost and duplicated on walls and phones, the answers to votes, rounds
and moderation, and the server's memory (PSS) sampled over the run: after the warm-up it should
stay flat. With --processes P, sessions, phones, walls and consoles are spread over P processes
on PostgreSQL + Redis (bench/scaleout.py), and the figures are split by the wall's process.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    ORGANISER_TOKEN,
    LoopLag,
    Monitor,
    Server,
    bench_parser,
    connect_all,
    create_event,
    create_session,
    delivery_lines,
    join_many,
    machine,
    new_client_id,
    percentiles,
    raise_open_file_limit,
    stop_on_sigterm,
    targets_line,
    write_result,
)
from steady_load import timeline  # noqa: E402

TARGETS = {"p95_ms": 100, "p99_ms": 250, "memory_growth_mb": 20}
ROUND_EVERY = 120.0  # seconds between rounds, per session
MODERATE_EVERY = 20.0  # seconds between a console's moderation actions, per session


class Client:
    """A wall, phone or console speaking Engine.IO 4 / Socket.IO 5 over one WebSocket.

    Open, `40{auth}` to connect, `3` for every ping `2`, `42[event, data]` events in and
    `42<id>[event, data]` out with the ack `43<id>[answer]` back. Records the arrival time of
    every `insight:new` by its client id.
    """

    http: aiohttp.ClientSession | None = None

    def __init__(self, url: str, code: str, role: str, token: str | None = None, table_id=None):
        self.url, self.code, self.role, self.token, self.table_id = url, code, role, token, table_id
        self.auth = {"session": code, "role": role, "token": token}
        self.received: list[tuple[str, float]] = []
        self.dashboard_updates: list[float] = []  # arrival times of event:update
        self.connected = False
        self.ws = None
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self._reader = None

    async def connect(self, attempts: int = 60):
        """Connect; a refusal for the address's connect budget is retried after a second."""
        if Client.http is None:
            Client.http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=None)
            )
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        for _ in range(attempts):
            self.ws = await Client.http.ws_connect(
                ws_url, timeout=aiohttp.ClientWSTimeout(ws_close=10), autoping=True
            )
            opened = await asyncio.wait_for(self.ws.receive_str(), 30)
            assert opened.startswith("0{"), opened
            await self.ws.send_str("40" + json.dumps(self.auth))
            answer = ""
            while not answer.startswith(("40", "44")):
                answer = await asyncio.wait_for(self.ws.receive_str(), 30)
            if answer.startswith("40"):
                self.connected = True
                self._reader = asyncio.get_running_loop().create_task(self._read())
                return
            await self.ws.close()
            if "rate_limited" not in answer:
                raise ConnectionError(f"connect refused: {answer[:200]}")
            await asyncio.sleep(1)
        raise ConnectionError("connect kept being rate limited")

    async def _read(self):
        async for message in self.ws:
            data = message.data
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith('42["insight:new"'):
                arrived = time.monotonic()
                self.received.append((json.loads(data[2:])[1].get("client_id"), arrived))
            elif data.startswith('42["event:update"'):
                self.dashboard_updates.append(time.monotonic())
            elif data.startswith("43"):
                bracket = data.index("[")
                future = self.acks.pop(int(data[2:bracket]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(data[bracket:])[0])
        self.connected = False

    async def call(self, event: str, body: dict, timeout: float = 30) -> dict:
        """Emit with an ack and wait for the answer ({"ok": false, ...} on a timeout)."""
        self.next_ack += 1
        ack_id = self.next_ack
        future = asyncio.get_running_loop().create_future()
        self.acks[ack_id] = future
        try:
            await self.ws.send_str(f"42{ack_id}" + json.dumps([event, body]))
            return await asyncio.wait_for(future, timeout)
        except Exception as error:  # noqa: BLE001 (counted as a failed call)
            self.acks.pop(ack_id, None)
            return {"ok": False, "error": {"code": type(error).__name__}}

    async def disconnect(self):
        self.connected = False
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.send_str("41")
                await self.ws.close()


class Room:
    """One session: its code and key, phones, walls, console, and what its phones posted."""

    def __init__(self, index: int, created: dict):
        self.index = index
        self.code, self.key = created["code"], created["facilitator_key"]
        self.table_ids = [t["id"] for t in created["tables"]]
        self.phones: list[Client] = []
        self.walls: list[Client] = []
        self.console: Client | None = None
        self.insights: list[tuple[int, int]] = []  # (insight id, index of the author's phone)


async def call_api(http, method, url, key, body=None) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    try:
        async with http.request(method, url, json=body, headers=headers) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError:
        return 0


async def run(
    urls: list[str],
    sessions: int,
    phones: int,
    rate: float,
    duration: float,
    tables: int = 5,
    walls: int = 1,
    vote_rate: float = 5.0,
    drain: float = 10.0,
    server_pids: list[int] | None = None,
    warmup: float = 60.0,
    dashboards: int = 0,
) -> dict:
    """Set up the conference, run it for `duration` seconds, and count what arrived.

    With `dashboards`, the sessions are one event's and that many organisers watch its live
    dashboard (each on the next process).
    """
    P = len(urls)
    rooms: list[Room] = []
    t0 = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        event_id = await create_event(http, urls[0]) if dashboards else None
        for s in range(sessions):
            created = await create_session(http, urls[s % P], tables, event_id=event_id)
            rooms.append(Room(s, created))
        # P sessions join at a time (20 joins in flight each): about 20 per process.
        seats = []
        for first in range(0, sessions, P):
            seats += await asyncio.gather(
                *(
                    join_many(http, urls[r.index % P], r.code, r.table_ids, phones)
                    for r in rooms[first : first + P]
                )
            )
    joined_s = time.monotonic() - t0

    # Phone n of session s talks to process (s + n) mod P, the session's walls to the processes
    # after the console's: with P > 1 nearly every delivery crosses processes through Redis.
    t0 = time.monotonic()
    for room, room_seats in zip(rooms, seats, strict=True):
        for n, seat in enumerate(room_seats):
            url = urls[(room.index + n) % P]
            room.phones.append(
                Client(url, room.code, "participant", seat["token"], seat["table_id"])
            )
        room.walls = [
            Client(urls[(room.index + 1 + w) % P], room.code, "wall") for w in range(walls)
        ]
        room.console = Client(urls[room.index % P], room.code, "facilitator", room.key)
    watchers = []
    for d in range(dashboards):
        watcher = Client(urls[d % P], "", "organiser")
        watcher.auth = {"role": "organiser", "token": ORGANISER_TOKEN, "event": event_id}
        watchers.append(watcher)
    everyone = [c for r in rooms for c in (*r.phones, *r.walls, r.console)] + watchers
    failed = await connect_all(everyone)
    connect_s = time.monotonic() - t0
    print(
        f"  {sum(c.connected for r in rooms for c in r.phones)} phones, "
        f"{sum(c.connected for r in rooms for c in r.walls)} walls and "
        f"{sum(r.console.connected for r in rooms)} consoles in {sessions} sessions connected in "
        f"{connect_s:.1f} s ({failed} failed); measuring {duration:.0f} s at {rate:g} posts/s"
    )

    sent: dict[str, tuple[float, Room, int, int]] = {}  # client id -> (time, room, table, proc)
    acked: set[str] = set()
    answers: dict[str, Counter] = defaultdict(Counter)
    tasks: set[asyncio.Task] = set()

    def answer_code(answer: dict) -> str:
        return "ok" if answer.get("ok") else (answer.get("error") or {}).get("code", "error")

    async def post(room: Room, n: int, k: int):
        phone = room.phones[n]
        if not phone.connected:
            answers["post"]["disconnected"] += 1
            return
        client_id = new_client_id()
        body = {"client_id": client_id, "table_id": phone.table_id, "text": f"Inzicht {k}"}
        sent[client_id] = (time.monotonic(), room, phone.table_id, urls.index(phone.url))
        answer = await phone.call("insight:post", body)
        answers["post"][answer_code(answer)] += 1
        if answer.get("ok"):
            acked.add(client_id)
            room.insights.append((answer["insight"]["id"], n))

    async def vote(room: Room, n: int):
        phone = room.phones[n]
        others = [i for i, author in room.insights[-50:] if author != n]
        if not phone.connected or not others:
            return
        answer = await phone.call("insight:vote", {"insight_id": random.choice(others)})
        answers["vote"][answer_code(answer)] += 1

    async def start_round(http, room: Room, number: int):
        url = f"{room.console.url}/api/v1/sessions/{room.code}/rounds"
        status = await call_api(http, "POST", url, room.key, {"title": f"Ronde {number}"})
        answers["round"][status] += 1

    async def moderate(http, room: Room, step: int):
        if not room.insights:
            return
        insight_id = room.insights[-1 - step % min(5, len(room.insights))][0]
        url = f"{room.console.url}/api/v1/sessions/{room.code}/insights/{insight_id}"
        change = ({"status": "hidden"}, {"status": "visible"}, {"pinned": True})[step % 3]
        answers["moderation"][await call_api(http, "PATCH", url, room.key, change)] += 1

    def spawn(coroutine):
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # The schedule: posts round robin over sessions and phones, votes likewise, and per session a
    # round every ROUND_EVERY s and a moderation every MODERATE_EVERY s, staggered.
    events: list[tuple[float, str, int, int]] = []
    for k in range(int(rate * duration)):
        events.append((k / rate, "post", k % sessions, (k // sessions) % phones))
    for k in range(int(vote_rate * duration)):
        events.append((k / vote_rate + 0.5 / vote_rate, "vote", k % sessions, (k * 7) % phones))
    for room in rooms:
        offset = room.index * ROUND_EVERY / sessions
        for m, at in enumerate(range(int(offset), int(duration), int(ROUND_EVERY))):
            events.append((float(at), "round", room.index, m + 2))
        offset = room.index * MODERATE_EVERY / sessions
        m = 0
        while offset + m * MODERATE_EVERY < duration:
            events.append((offset + m * MODERATE_EVERY, "moderate", room.index, m))
            m += 1
    events.sort(key=lambda e: e[0])

    monitor = Monitor(server_pids or [])
    loop_lag = LoopLag()
    await asyncio.sleep(1)
    monitor.start()
    loop_lag.start()
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        for at, kind, s, n in events:
            delay = start + at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            room = rooms[s]
            if kind == "post":
                spawn(post(room, n, len(sent)))
            elif kind == "vote":
                spawn(vote(room, n))
            elif kind == "round":
                spawn(start_round(http, room, n))
            else:
                spawn(moderate(http, room, n))
        measured_s = time.monotonic() - start
        deadline = time.monotonic() + drain
        while time.monotonic() < deadline:
            if not tasks and all(
                {cid for cid in acked if sent[cid][1] is r} <= {c for c, _ in w.received}
                for r in rooms
                for w in r.walls
            ):
                break
            await asyncio.sleep(0.1)
    server = await monitor.stop()
    client_loop = loop_lag.stop()

    # Walls: every acknowledged post of their session once; phones: every one at their table.
    latency, latency_at, by_process = [], [], defaultdict(list)
    wall_lost = wall_dup = phone_lost = phone_dup = dropped = 0
    phone_latency = []
    for room in rooms:
        mine = {cid for cid in acked if sent[cid][1] is room}
        for wall in room.walls:
            got = Counter(cid for cid, _ in wall.received)
            wall_lost += len(mine - set(got))
            wall_dup += sum(n - 1 for n in got.values() if n > 1)
            for cid, t in wall.received:
                if cid in sent:
                    ms = (t - sent[cid][0]) * 1000
                    latency.append(ms)
                    latency_at.append((sent[cid][0], t))
                    crossing = "same" if sent[cid][3] == urls.index(wall.url) else "crossing"
                    by_process[f"wall on process {urls.index(wall.url)}"].append(ms)
                    by_process[f"{crossing} process"].append(ms)
        for phone in room.phones:
            dropped += not phone.connected
            got = Counter(cid for cid, _ in phone.received)
            expected = {cid for cid in mine if sent[cid][2] == phone.table_id}
            phone_lost += len(expected - set(got))
            phone_dup += sum(n - 1 for n in got.values() if n > 1)
            phone_latency += [(t - sent[c][0]) * 1000 for c, t in phone.received if c in sent]

    await disconnect_everyone(everyone)
    memory = memory_timeline(monitor.samples, start, warmup)
    wall_stats = percentiles(latency)
    result = {
        "config": {
            "processes": P,
            "sessions": sessions,
            "phones_per_session": phones,
            "phones": sessions * phones,
            "walls_per_session": walls,
            "tables_per_session": len(rooms[0].table_ids) if rooms else 0,
            "rate": rate,
            "vote_rate": vote_rate,
            "duration": duration,
            "round_every_s": ROUND_EVERY,
            "moderate_every_s": MODERATE_EVERY,
        },
        "setup": {
            "join_seconds": round(joined_s, 1),
            "connect_seconds": round(connect_s, 1),
            "connect_failed": failed,
            "dropped_during_run": dropped,
        },
        "answers": {kind: dict(counts) for kind, counts in answers.items()},
        "measured_seconds": round(measured_s, 1),
        "wall_latency_ms": wall_stats,
        "wall_latency_per_second": timeline(latency_at, start),
        "wall_latency_by_process_ms": {k: percentiles(v) for k, v in sorted(by_process.items())},
        "wall_lost": wall_lost,
        "wall_duplicated": wall_dup,
        "phone_latency_ms": percentiles(phone_latency),
        "phone_lost": phone_lost,
        "phone_duplicated": phone_dup,
        "server": server,
        "memory_timeline": memory,
        "client": client_loop,
        "dashboards": {
            "open": dashboards,
            # While posting went on (the first update, on connect, came before).
            "updates_per_second": [
                round(
                    sum(start <= t <= start + measured_s for t in w.dashboard_updates)
                    / max(measured_s, 1e-9),
                    2,
                )
                for w in watchers
            ],
            "most_in_one_second": [
                max(Counter(int(t - start) for t in w.dashboard_updates if t >= start).values())
                if any(t >= start for t in w.dashboard_updates)
                else 0
                for w in watchers
            ],
        },
    }
    rss = [mb for _, mb in memory["samples"]]
    result["targets"] = {
        "p95<=100ms": wall_stats.get("p95", 1e9) <= TARGETS["p95_ms"],
        "0 lost": wall_lost == 0 and phone_lost == 0,
        "memory flat after warm-up": None
        if not rss
        else memory["growth_after_warmup_mb"] <= TARGETS["memory_growth_mb"],
    }
    return result


async def disconnect_everyone(clients, concurrency: int = 200):
    limit = asyncio.Semaphore(concurrency)

    async def one(client):
        async with limit:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), 10)

    await asyncio.gather(*(one(c) for c in clients))
    if Client.http is not None:
        await Client.http.close()
        Client.http = None


def memory_timeline(samples, start: float, warmup: float) -> dict:
    """Server memory every ~10 % of the run, and its growth from the end of warm-up to the end."""
    points = [(round(t - start, 1), round(rss / 2**20, 1)) for t, rss, _cpu in samples]
    if not points:
        return {"samples": [], "growth_after_warmup_mb": None}
    step = max(1, len(points) // 10)
    shown = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    after = [mb for t, mb in points if t >= warmup] or [points[-1][1]]
    return {
        "samples": shown,
        "warmup_s": warmup,
        "at_warmup_end_mb": after[0],
        "max_after_warmup_mb": max(after),
        "end_mb": points[-1][1],
        "growth_after_warmup_mb": round(points[-1][1] - after[0], 1),
    }


def summary(result: dict) -> str:
    c, w = result["config"], result["wall_latency_ms"]
    s, m = result["server"], result["memory_timeline"]
    lines = [
        f"conference: {c['sessions']} sessions x {c['phones_per_session']} phones "
        f"({c['tables_per_session']} tables, {c['walls_per_session']} wall(s) and a console "
        f"each), {c['rate']:g} posts/s and {c['vote_rate']:g} votes/s in total for "
        f"{c['duration']:g} s, {c['processes']} server process(es)",
        f"  setup: joins {result['setup']['join_seconds']} s, connects "
        f"{result['setup']['connect_seconds']} s, {result['setup']['connect_failed']} failed, "
        f"{result['setup']['dropped_during_run']} dropped during the run",
        "  answers: " + "; ".join(f"{k} {dict(v)}" for k, v in sorted(result["answers"].items())),
        f"  post-to-wall ms: p50 {w.get('p50')}  p95 {w.get('p95')}  p99 {w.get('p99')}  "
        f"max {w.get('max')}  ({w.get('count')} deliveries)",
        f"  seconds with post-to-wall p95 <= 100 ms: "
        f"{sum(row[2] <= 100 for row in result['wall_latency_per_second'])} of "
        f"{len(result['wall_latency_per_second'])}",
        *delivery_lines(result),
    ]
    if c["processes"] > 1:
        for name, stats in result["wall_latency_by_process_ms"].items():
            lines.append(
                f"    {name}: p50 {stats.get('p50')}  p95 {stats.get('p95')}  "
                f"p99 {stats.get('p99')}  ({stats.get('count')})"
            )
    lines += [
        f"  server: CPU {s.get('cpu_percent')} % (100 % = one core), memory (PSS) over time "
        f"[s, MB]: {m['samples']}",
        f"  memory: {m.get('at_warmup_end_mb')} MB after {m.get('warmup_s')} s of warm-up, "
        f"max {m.get('max_after_warmup_mb')}, end {m.get('end_mb')} "
        f"(growth {m.get('growth_after_warmup_mb')} MB)",
        f"  load generator: loop lag p99 {result['client']['client_loop_lag_ms'].get('p99')} ms",
        targets_line(result["targets"]),
    ]
    return "\n".join(lines)


def arguments(description: str = __doc__) -> argparse.ArgumentParser:
    parser = bench_parser(description)
    parser.add_argument("--sessions", "-s", type=int, default=20, help="parallel sessions")
    parser.add_argument("--phones", "-n", type=int, default=100, help="phones per session")
    parser.add_argument("--rate", "-r", type=float, default=20, help="posts per second in all")
    parser.add_argument("--vote-rate", type=float, default=5, help="votes per second in all")
    parser.add_argument("--duration", "-t", type=float, default=600, help="seconds of running")
    parser.add_argument("--tables", type=int, default=5, help="tables per session (min 3)")
    parser.add_argument("--walls", type=int, default=1, help="walls per session")
    parser.add_argument(
        "--warmup", type=float, default=60, help="seconds before memory should stay flat"
    )
    parser.add_argument(
        "--dashboards", type=int, default=0, help="organisers watching the live event dashboard"
    )
    return parser


def bounded(args) -> None:
    phones = args.sessions * args.phones
    if not (1 <= args.sessions <= 100 and 1 <= args.phones <= 1000 and phones <= 5000):
        raise SystemExit("keep it bounded: 1-100 sessions, at most 5,000 phones in all")
    if not (0 < args.rate <= 200 and 0 <= args.vote_rate <= 200 and 1 <= args.duration <= 900):
        raise SystemExit("keep it bounded: rates up to 200/s, duration 1-900 s")
    if not 1 <= args.walls <= 8:
        raise SystemExit("keep it bounded: 1-8 walls per session")


def run_for(args, urls: list[str], pids: list[int], dashboards: int = 0):
    """`run` with the sizes of the command line (`arguments`)."""
    sizes = (args.sessions, args.phones, args.rate, args.duration, args.tables, args.walls)
    return run(urls, *sizes, args.vote_rate, args.drain, pids, args.warmup, dashboards)


def print_errors(server) -> None:
    """A failed run: show the end of the server's log before it goes with the workdir."""
    log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    start = max(log.rfind("Traceback"), len(log) - 3000)
    print(f"--- {server.url}, end of its log:\n{log[start : start + 4000]}", file=sys.stderr)


def quiet() -> None:
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)


def main():
    args = arguments().parse_args()
    bounded(args)
    raise_open_file_limit()
    stop_on_sigterm()
    quiet()
    server = None
    with tempfile.TemporaryDirectory(prefix="aantafel-bench-") as workdir:
        try:
            server = Server(Path(workdir)).start()
            result = asyncio.run(run_for(args, [server.url], server.pids(), args.dashboards))
        except BaseException:
            if server:
                print_errors(server)
            raise
        finally:
            if server:
                server.stop()
    result |= {"benchmark": "conference", "label": args.label, "machine": machine()}
    print(summary(result))
    print(f"  JSON: {write_result('conference', result)}")


if __name__ == "__main__":
    main()
