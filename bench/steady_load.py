"""Steady load: N phones seated at the session's tables, M walls, R posts/s for T seconds.

Measures post-to-wall latency (from a phone's `insight:post` emit to each wall's `insight:new`),
lost and duplicated deliveries on walls and phones, and the server's RSS and CPU (read from
/proc of the server this script starts with `python app.py`, or of --server-pid with --url).

    python bench/steady_load.py --phones 1000 --walls 2 --rate 20 --duration 60

Posts go out as `insight:post` socket events from the phones, round robin, so no phone meets the
per-participant rate limit. With --phone-procs K, K extra load-generator processes hold passive
phones (they only receive and count); posting phones and walls stay in this process. Every clock
is CLOCK_MONOTONIC, shared by processes on one machine.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    ORGANISER_TOKEN,
    LoopLag,
    Monitor,
    bench_parser,
    connect_all,
    create_session,
    delivery_lines,
    disconnect_all,
    join_many,
    machine,
    measured_server,
    new_client_id,
    percentiles,
    raise_open_file_limit,
    stop_on_sigterm,
    targets_line,
    write_result,
)

TARGETS = {"p95_ms": 100, "p99_ms": 250, "lost": 0, "duplicated": 0, "rss_mb": 300}


class Phone:
    """A participant's socket that records every insight:new (client id, arrival time)."""

    def __init__(self, url: str, code: str, token: str, table_id: int):
        self.url, self.code, self.token, self.table_id = url, code, token, table_id
        self.received: list[tuple[str, float]] = []
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("insight:new", self._on_new)

    def _on_new(self, data):
        self.received.append((data.get("client_id"), time.monotonic()))

    @property
    def connected(self) -> bool:
        return self.sio.connected

    async def connect(self):
        await self.sio.connect(
            self.url,
            auth={"session": self.code, "role": "participant", "token": self.token},
            transports=["websocket"],
            wait_timeout=30,
        )

    async def disconnect(self):
        await self.sio.disconnect()


class LeanPhone:
    """A passive phone that speaks Engine.IO 4 / Socket.IO 5 over WebSocket itself.

    python-socketio's AsyncClient spends tens of microseconds and an asyncio task per received
    message; with 1,000 phones at 6,700 deliveries/s that alone fills a core of the 2 this machine
    has, and the load generator would measure itself. The wire protocol is small: the open packet,
    `40{auth}` to connect, `3` to answer each ping `2`, and `42["event", data]` events. Walls and
    posting phones stay python-socketio AsyncClients.
    """

    http: aiohttp.ClientSession | None = None

    def __init__(self, url: str, code: str, token: str, table_id: int):
        self.url, self.code, self.token, self.table_id = url, code, token, table_id
        self.received: list[tuple[str, float]] = []
        self.connected = False
        self.ws = None
        self._reader = None

    async def connect(self):
        if LeanPhone.http is None:
            LeanPhone.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await LeanPhone.http.ws_connect(
            ws_url, timeout=aiohttp.ClientWSTimeout(ws_close=10), autoping=True
        )
        opened = await asyncio.wait_for(self.ws.receive_str(), 30)
        assert opened.startswith("0{"), opened
        auth = {"session": self.code, "role": "participant", "token": self.token}
        await self.ws.send_str("40" + json.dumps(auth))
        # Events the connect handler emits (the first state) may come before the CONNECT answer.
        answer = ""
        while not answer.startswith(("40", "44")):
            answer = await asyncio.wait_for(self.ws.receive_str(), 30)
        if answer.startswith("44"):
            await self.ws.close()
            raise ConnectionError(f"connect refused: {answer[:200]}")
        self.connected = True
        self._reader = asyncio.get_running_loop().create_task(self._read())

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
        self.connected = False

    async def disconnect(self):
        self.connected = False
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.send_str("41")
                await self.ws.close()


class Wall(Phone):
    async def connect(self, attempts: int = 10):
        """Connect as the wall page does: refused, it tries again a second later (the address's
        connect budget may just have been spent by a room of phones)."""
        reasons = []
        for attempt in range(attempts):
            self.sio = socketio.AsyncClient(reconnection=False)
            self.sio.on("insight:new", self._on_new)
            self.sio.on("connect_error", lambda data=None: reasons.append(data))
            try:
                await self.sio.connect(
                    self.url,
                    auth={"session": self.code, "role": "wall"},
                    transports=["websocket"],
                    wait_timeout=30,
                )
                return
            except socketio.exceptions.ConnectionError as error:
                if attempt == attempts - 1:
                    raise ConnectionError(f"wall refused: {reasons[-1:] or error}") from error
                await asyncio.sleep(1)


# --- passive phones in helper processes ---------------------------------------------------------


async def phone_worker():
    """Child mode: a job on stdin, 'ready' on stdout, wait for 'stop', then report what arrived."""
    raise_open_file_limit()
    job = json.loads(sys.stdin.readline())
    kind = LeanPhone if job["lean"] else Phone
    phones = [kind(p["url"], job["code"], p["token"], p["table_id"]) for p in job["phones"]]
    failed = await connect_all(phones)
    print(json.dumps({"ready": len(phones) - failed, "failed": failed}), flush=True)
    lag = LoopLag()
    lag.start()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    report = {
        "loop": lag.stop(),
        "phones": [{"table_id": p.table_id, "received": p.received} for p in phones if p.connected],
    }
    await disconnect_all(phones)
    if LeanPhone.http is not None:
        await LeanPhone.http.close()
    print(json.dumps(report), flush=True)


async def start_workers(groups: list[list[dict]], code: str, lean: bool):
    workers = []
    for group in groups:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--phone-worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**28,
        )
        process.stdin.write(
            (json.dumps({"code": code, "phones": group, "lean": lean}) + "\n").encode()
        )
        await process.stdin.drain()
        workers.append(process)
    ready = [json.loads(await w.stdout.readline()) for w in workers]
    return workers, ready


async def stop_workers(workers) -> list[dict]:
    reports = []
    for worker in workers:
        worker.stdin.write(b"stop\n")
        await worker.stdin.drain()
    for worker in workers:
        reports.append(json.loads(await worker.stdout.readline()))
        await worker.wait()
    return reports


# --- the run ------------------------------------------------------------------------------------


async def run(
    urls: list[str],
    phones: int,
    walls: int,
    rate: float,
    duration: float,
    tables: int = 3,
    phone_procs: int = 0,
    posters: int = 100,
    lean: bool = True,
    drain: float = 10.0,
    server_pids: list[int] | None = None,
    organiser_token: str = ORGANISER_TOKEN,
    on_measure=None,
) -> dict:
    """Set up a session, connect everyone, post at `rate` for `duration`, and count deliveries.

    `on_measure(seconds)`, if given, is called as the measured window starts (bench/versus.py
    starts a profiler there).
    """
    async with aiohttp.ClientSession() as http:
        created = await create_session(http, urls[0], tables, organiser_token)
        code = created["code"]
        table_ids = [t["id"] for t in created["tables"]]
        t0 = time.monotonic()
        seats = await join_many(http, urls[0], code, table_ids, phones)
        joined_s = time.monotonic() - t0

    # Phone n talks to process n mod P; wall m to process (m + 1) mod P (others than the posters').
    for n, seat in enumerate(seats):
        seat["url"] = urls[n % len(urls)]
    # The first `posters` phones post (python-socketio clients, here); the passive rest are lean
    # phones, here or in helper processes, so the measuring loop stays light.
    poster_seats, passive_seats = seats[:posters], seats[posters:]
    groups = [passive_seats[k::phone_procs] for k in range(phone_procs)] if phone_procs else []
    passive_kind = LeanPhone if lean else Phone

    t0 = time.monotonic()
    workers, ready = await start_workers(groups, code, lean) if groups else ([], [])
    local = [Phone(s["url"], code, s["token"], s["table_id"]) for s in poster_seats]
    if not phone_procs:
        local += [passive_kind(s["url"], code, s["token"], s["table_id"]) for s in passive_seats]
    wall_clients = [Wall(urls[(m + 1) % len(urls)], code, "", 0) for m in range(walls)]
    failed = await connect_all(local) + await connect_all(wall_clients)
    failed += sum(r["failed"] for r in ready)
    connect_s = time.monotonic() - t0
    connected = sum(c.connected for c in local) + sum(r["ready"] for r in ready)
    print(
        f"  {connected} phones and {sum(w.connected for w in wall_clients)} walls connected "
        f"in {connect_s:.1f} s ({failed} failed); measuring {duration:.0f} s at {rate:g} posts/s"
    )

    posters = [p for p in local[: len(poster_seats)] if p.connected]
    present = [p for p in local if p.connected]
    sent_at: dict[str, float] = {}
    acks: dict[str, float] = {}
    rejected: Counter = Counter()
    schedule_lag: list[float] = []

    def on_ack(client_id):
        def callback(answer):
            if isinstance(answer, dict) and answer.get("ok"):
                acks[client_id] = time.monotonic()
            else:
                rejected[(answer or {}).get("error", {}).get("code", "no_answer")] += 1

        return callback

    monitor = Monitor(server_pids or [])
    loop_lag = LoopLag()
    await asyncio.sleep(1)  # let connect-time presence and session updates settle
    monitor.start()
    loop_lag.start()
    if on_measure:
        on_measure(duration)
    start = time.monotonic()
    total = int(rate * duration)
    for k in range(total):
        target = start + k / rate
        delay = target - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        schedule_lag.append((time.monotonic() - target) * 1000)
        phone = posters[k % len(posters)]
        client_id = new_client_id()
        body = {"client_id": client_id, "table_id": phone.table_id, "text": f"Inzicht {k}"}
        sent_at[client_id] = time.monotonic()
        try:
            await phone.sio.emit("insight:post", body, callback=on_ack(client_id))
        except Exception:  # noqa: BLE001 (a dropped phone is counted as a lost post)
            rejected["emit_failed"] += 1
    measured_s = time.monotonic() - start

    # Drain: wait until every acknowledged post reached every wall, or give up after `drain` s.
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline:
        done = len(acks) + sum(rejected.values()) >= total and all(
            set(acks) <= {cid for cid, _ in w.received} for w in wall_clients
        )
        if done:
            break
        await asyncio.sleep(0.1)
    server = await monitor.stop()
    client_loop = loop_lag.stop()
    reports = await stop_workers(workers) if workers else []

    # Walls: every acknowledged post exactly once.
    acked = set(acks)
    wall_latency, wall_lost, wall_dup, wall_latency_at = [], 0, 0, []
    for wall in wall_clients:
        got = Counter(cid for cid, _ in wall.received)
        wall_lost += len(acked - set(got))
        wall_dup += sum(n - 1 for n in got.values() if n > 1)
        wall_latency += [(t - sent_at[cid]) * 1000 for cid, t in wall.received if cid in sent_at]
        wall_latency_at += [(sent_at[cid], t) for cid, t in wall.received if cid in sent_at]
    # Phones: every acknowledged post at their table exactly once (the author's phone included).
    posted_table = {cid: posters[k % len(posters)].table_id for k, cid in enumerate(sent_at)}
    dropped = sum(not p.connected for p in present)
    phone_records = [(p.table_id, p.received) for p in present]
    phone_records += [(r["table_id"], r["received"]) for rep in reports for r in rep["phones"]]
    phone_latency, phone_lost, phone_dup, deliveries = [], 0, 0, 0
    for table_id, received in phone_records:
        got = Counter(cid for cid, _ in received)
        expected = {cid for cid in acked if posted_table[cid] == table_id}
        phone_lost += len(expected - set(got))
        phone_dup += sum(n - 1 for n in got.values() if n > 1)
        deliveries += len(received)
        phone_latency += [(t - sent_at[cid]) * 1000 for cid, t in received if cid in sent_at]

    await disconnect_all(local + wall_clients)
    if LeanPhone.http is not None:
        await LeanPhone.http.close()
        LeanPhone.http = None
    wall_stats = percentiles(wall_latency)
    result = {
        "config": {
            "processes": len(urls),
            "phones": phones,
            "walls": walls,
            "rate": rate,
            "duration": duration,
            "tables": len(table_ids),
            "phone_procs": phone_procs,
            "posting_phones": len(posters),
            "passive_phone_client": "lean" if lean else "python-socketio",
        },
        "setup": {
            "join_seconds": round(joined_s, 1),
            "connect_seconds": round(connect_s, 1),
            "connected_phones": connected,
            "connect_failed": failed,
            "dropped_during_run": dropped,
        },
        "posts": {
            "sent": total,
            "acked": len(acks),
            "rejected": dict(rejected),
            "measured_seconds": round(measured_s, 1),
        },
        "wall_latency_ms": wall_stats,
        "wall_latency_per_second": timeline(wall_latency_at, start),
        "wall_lost": wall_lost,
        "wall_duplicated": wall_dup,
        "phone_latency_ms": percentiles(phone_latency),
        "phone_lost": phone_lost,
        "phone_duplicated": phone_dup,
        "deliveries_per_second": round((deliveries + len(wall_latency)) / measured_s),
        "ack_latency_ms": percentiles([(acks[c] - sent_at[c]) * 1000 for c in acks]),
        "server": server,
        "client": {
            **client_loop,
            "schedule_lag_ms": percentiles(schedule_lag),
            "worker_loop_lag_ms": [r["loop"]["client_loop_lag_ms"] for r in reports],
        },
    }
    result["targets"] = check_targets(result)
    return result


def timeline(pairs: list[tuple[float, float]], start: float) -> list[list]:
    """[second, posts, p95 ms, max ms] per second of sending: shows when a stall happened."""
    buckets: dict[int, list[float]] = {}
    for sent, arrived in pairs:
        buckets.setdefault(int(sent - start), []).append((arrived - sent) * 1000)
    rows = []
    for second in sorted(buckets):
        stats = percentiles(buckets[second])
        rows.append([second, stats["count"], stats["p95"], stats["max"]])
    return rows


def check_targets(result: dict) -> dict:
    latency = result["wall_latency_ms"]
    rss = result["server"].get("memory_peak_mb")
    return {
        "p95<=100ms": latency.get("p95", 1e9) <= TARGETS["p95_ms"],
        "p99<=250ms": latency.get("p99", 1e9) <= TARGETS["p99_ms"],
        "0 lost": result["wall_lost"] == 0 and result["phone_lost"] == 0,
        "0 duplicated": result["wall_duplicated"] == 0 and result["phone_duplicated"] == 0,
        "memory<=300MB per process": None
        if rss is None
        else rss / result["config"]["processes"] <= TARGETS["rss_mb"],
    }


def run_for(args, urls: list[str], pids: list[int], **extra):
    """`run` with the sizes of the command line (`arguments`)."""
    sizes = (args.phones, args.walls, args.rate, args.duration, args.tables, args.phone_procs)
    lean = not args.socketio_phones
    return run(urls, *sizes, args.posters, lean, args.drain, pids, **extra)


def summary(result: dict) -> str:
    c, w = result["config"], result["wall_latency_ms"]
    s, cl = result["server"], result["client"]
    lines = [
        f"steady load: {c['phones']} phones at {c['tables']} tables, {c['walls']} walls, "
        f"{c['rate']:g} posts/s for {c['duration']:g} s, {c['processes']} server process(es)",
        f"  connected {result['setup']['connected_phones']} phones in "
        f"{result['setup']['connect_seconds']} s, {result['setup']['connect_failed']} failed",
        f"  posts: {result['posts']['sent']} sent, {result['posts']['acked']} acked, "
        f"rejected {result['posts']['rejected'] or 0}",
        f"  post-to-wall ms: p50 {w.get('p50')}  p95 {w.get('p95')}  p99 {w.get('p99')}  "
        f"max {w.get('max')}  ({w.get('count')} deliveries)",
        *delivery_lines(result),
        f"  deliveries/s: {result['deliveries_per_second']}",
        f"  server: peak memory {s.get('memory_peak_mb')} MB (PSS), CPU {s.get('cpu_percent')} % "
        f"(100 % = one core)",
        f"  load generator: loop lag p99 {cl['client_loop_lag_ms'].get('p99')} ms, schedule lag "
        f"p99 {cl['schedule_lag_ms'].get('p99')} ms",
        targets_line(result["targets"]),
    ]
    return "\n".join(lines)


def arguments(description: str = __doc__) -> argparse.ArgumentParser:
    parser = bench_parser(description)
    parser.add_argument("--phones", "-n", type=int, default=1000, help="N connected phones")
    parser.add_argument("--walls", "-m", type=int, default=2, help="M connected walls")
    parser.add_argument("--rate", "-r", type=float, default=20, help="R posts per second")
    parser.add_argument("--duration", "-t", type=float, default=60, help="T seconds of posting")
    parser.add_argument("--tables", type=int, default=3, help="tables in the session (min 3)")
    parser.add_argument(
        "--phone-procs", type=int, default=0, help="extra processes holding passive phones"
    )
    parser.add_argument(
        "--posters", type=int, default=100, help="phones that post (python-socketio clients)"
    )
    parser.add_argument(
        "--socketio-phones",
        action="store_true",
        help="passive phones as python-socketio AsyncClients too (heavier load generator)",
    )
    return parser


def bounded(args) -> None:
    if not (1 <= args.phones <= 5000 and 0 <= args.walls <= 50 and 0 < args.rate <= 200):
        raise SystemExit("keep it bounded: 1-5000 phones, 0-50 walls, rate up to 200/s")
    if not (1 <= args.duration <= 600 and 0 <= args.phone_procs <= 8):
        raise SystemExit("keep it bounded: duration 1-600 s, at most 8 phone processes")


def quiet_clients() -> None:
    """The clients' own loggers print every teardown race; the summary counts what matters."""
    for name in ("engineio.client", "socketio.client"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def main():
    quiet_clients()
    parser = arguments()
    parser.add_argument("--url", help="an already running server (loopback only)")
    parser.add_argument("--server-pid", type=int, help="with --url: the pid to watch in /proc")
    parser.add_argument("--organiser-token", default=ORGANISER_TOKEN)
    parser.add_argument("--phone-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phone_worker:
        asyncio.run(phone_worker())
        return
    bounded(args)
    raise_open_file_limit()
    stop_on_sigterm()
    with measured_server(args) as (url, pids):
        result = asyncio.run(run_for(args, [url], pids, organiser_token=args.organiser_token))
    result |= {"benchmark": "steady_load", "label": args.label, "machine": machine()}
    print(summary(result))
    print(f"  JSON: {write_result('steady_load', result)}")


if __name__ == "__main__":
    main()
