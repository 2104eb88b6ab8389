"""Hold the room: attack one server from one address while a normal phone keeps joining and posting.

Attacks, each from its own process (at nice 10) on loopback (so attacker and phone share one address, as
on a venue's Wi-Fi behind NAT):

- `idle`: keep SOCKETS connections open: half upgrade to WebSocket and then send nothing, half
  open TCP and never send a request (half-open). Whatever the server closes is reopened at once.
- `polling`: Engine.IO polling handshakes in a tight loop over a few keep-alive connections,
  never polling afterwards.
- `identities`: 120 participants post over HTTP as fast as they can, re-joining under a new
  identity whenever refused; here the phone is one participant, joined before, posting about
  once a second over HTTP (refusals are counted as failures).
- `flood`: three participants write raw event frames in a tight loop, one `insight:vote`, one
  `resync` from 0, one `insight:post`, reconnecting whenever they are cut off.

Meanwhile a phone joins (HTTP), connects its socket (python-socketio, WebSocket) and posts, once
a second. Printed: the phone's latencies (p50/p95/max per step, and failures), HTTP latency, how
often the attacker was cut off, the server's memory (PSS of master + worker) before, at its peak
and after it settled, and whether gunicorn restarted the worker (WORKER TIMEOUT in the log).

    python bench/attack_room.py --attack idle --sockets 5000 --seconds 60
    python bench/attack_room.py --attack flood --seconds 60
    python bench/attack_room.py --attack polling --seconds 60
    python bench/attack_room.py --attack identities --seconds 60
"""

import argparse
import json
import multiprocessing
import os
import selectors
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from benchlib import (  # noqa: E402
    ORGANISER_TOKEN,
    Server,
    check_loopback,
    machine,
    memory_of,
    percentiles,
    proc_sample,
    raise_open_file_limit,
    stop_on_sigterm,
    write_result,
)

from tests.rawws import connect_participant, frame, open_websocket  # noqa: E402

MB = 1024 * 1024


def api(url, method, path, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, f"{url}/api/v1{path}", headers=headers, timeout=30, **kwargs)


def open_room(url) -> tuple[str, int]:
    body = {"title": "Aanval op de zaal", "language": "nl", "template": "wijkaanpak"}
    created = api(url, "POST", "/sessions", ORGANISER_TOKEN, json=body).json()
    code = created["code"]
    api(url, "PATCH", f"/sessions/{code}", created["facilitator_key"], json={"state": "open"})
    return code, created["tables"][0]["id"]


def join(url, code, table_id) -> str:
    answer = api(url, "POST", f"/sessions/{code}/participants", json={"table_id": table_id})
    answer.raise_for_status()
    return answer.json()["token"]


# --- the attacks, each in its own process ------------------------------------------------------


def attacker_niceness() -> None:
    """The attacker runs at a lower CPU priority: on a 2-core machine its tight loops would
    otherwise take the cores from the server and the phone, and the figures would measure the
    load generator (an attacker on the venue Wi-Fi brings his own CPU)."""
    os.nice(10)


def hold_idle_sockets(url, sockets, seconds, report, wall_of=None):
    """Keep `sockets` connections open, half upgraded and silent, half without a request.

    With `wall_of` (a session code) every one is a WebSocket that connects as that session's wall
    (public, no credential) and answers the server's pings: idle sockets that did authenticate.
    """
    attacker_niceness()
    host, port = url.rsplit("//", 1)[1].split(":")
    selector = selectors.DefaultSelector()
    counts = {"opened": 0, "upgraded": 0, "refused": 0, "closed_by_server": 0, "failed": 0}
    deadline = time.monotonic() + seconds
    held = 0

    def open_one(n):
        nonlocal held
        try:
            if n % 2 and not wall_of:
                sock = socket.create_connection((host, int(port)), timeout=5)
            else:
                sock, status = open_websocket(url, timeout=5)
                if status == 101:
                    counts["upgraded"] += 1
                    if wall_of:
                        auth = json.dumps({"session": wall_of, "role": "wall"})
                        sock.sendall(frame("40" + auth))
                else:
                    counts["refused"] += 1
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
            counts["opened"] += 1
            held += 1
        except OSError:
            counts["failed"] += 1
            time.sleep(0.01)

    n = 0
    while time.monotonic() < deadline:
        while held < sockets and time.monotonic() < deadline:
            open_one(n)
            n += 1
            if n % 200 == 0:
                break  # look at what the server closed now and then
        for key, _ in selector.select(timeout=0.05 if held >= sockets else 0):
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if wall_of and PING in data:
                try:
                    key.fileobj.sendall(PONG)
                except OSError:
                    data = b""
            if not data:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                held -= 1
                counts["closed_by_server"] += 1
    counts["held_at_end"] = held
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    report.put(counts)


def polling_handshakes(url, seconds, report, connections=4):
    """Engine.IO polling handshakes as fast as a few keep-alive connections go; never poll."""
    import http.client

    attacker_niceness()
    host, port = url.rsplit("//", 1)[1].split(":")
    counts = {"handshakes": 0, "ok": 0, "refused": 0, "errors": 0}
    deadline = time.monotonic() + seconds

    def loop():
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", "/socket.io/?EIO=4&transport=polling")
                answer = conn.getresponse()
                answer.read()
                counts["handshakes"] += 1
                counts["ok" if answer.status == 200 else "refused"] += 1
            except (OSError, http.client.HTTPException):
                counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.close()

    threads = [threading.Thread(target=loop) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.put(counts)


def many_identities(url, code, table_id, seconds, report, identities=120, threads=8):
    """`identities` participants post over HTTP as fast as they can; one that is refused joins
    again under a new identity (a fresh per-participant burst)."""
    attacker_niceness()
    counts = {"posted": 0, "refused": 0, "joins": 0, "join_refused": 0}
    deadline = time.monotonic() + seconds
    tokens = []
    lock = threading.Lock()

    def fresh(http):
        while time.monotonic() < deadline:
            answer = http.post(
                f"{url}/api/v1/sessions/{code}/participants", json={"table_id": table_id}
            )
            with lock:
                counts["joins" if answer.status_code == 201 else "join_refused"] += 1
            if answer.status_code == 201:
                return answer.json()["token"]
            time.sleep(0.05)
        return None

    def loop(n):
        http = requests.Session()
        mine = [fresh(http) for _ in range(identities // threads)]
        i = 0
        while time.monotonic() < deadline:
            i = (i + 1) % len(mine)
            body = {"client_id": uuid.uuid4().hex, "table_id": table_id, "text": "flood"}
            answer = http.post(
                f"{url}/api/v1/sessions/{code}/insights",
                json=body,
                headers={"Authorization": f"Bearer {mine[i]}"},
            )
            with lock:
                counts["posted" if answer.status_code == 201 else "refused"] += 1
            if answer.status_code == 429:
                mine[i] = fresh(http) or mine[i]

    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    tokens.clear()
    report.put(counts)


def one_phone_posting(url, code, table_id, seconds, results):
    """One participant, joined before the attack, posts over HTTP about once a second."""
    token = results["token"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t = time.monotonic()
        body = {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": "Wie betaalt?"}
        answer = api(url, "POST", f"/sessions/{code}/insights", token, json=body)
        if answer.status_code == 201:
            results["post"].append((time.monotonic() - t) * 1000)
        else:
            results["failures"].append(f"post: {answer.status_code}")
        time.sleep(max(0.0, 1.1 - (time.monotonic() - t)))


PING, PONG = b"\x81\x012", frame("3")  # Engine.IO ping (an unmasked server frame), and pong

FLOODS = {
    "vote": '421["insight:vote",{"insight_id":1}]',
    "resync": '421["resync",{"since":0}]',
    "post": '421["insight:post",{{"client_id":"{id}","table_id":{table},"text":"flood"}}]',
}


def flood(url, code, token, table_id, kind, seconds, report):
    """Write one kind of event frame in a tight loop; reconnect whenever cut off."""
    attacker_niceness()
    counts = {"kind": kind, "connects": 0, "refused_connects": 0, "cut": 0, "bytes": 0}
    cut_after = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sock = connect_participant(url, code, token)
        except (AssertionError, OSError):
            counts["refused_connects"] += 1
            time.sleep(0.2)
            continue
        counts["connects"] += 1
        started = time.monotonic()
        text = FLOODS[kind]
        if kind == "post":
            batch = b"".join(
                frame(text.format(id=uuid.uuid4().hex, table=table_id)) for _ in range(50)
            )
        else:
            batch = frame(text) * 50
        try:
            while time.monotonic() < deadline:
                sock.sendall(batch)
                counts["bytes"] += len(batch)
        except OSError:
            counts["cut"] += 1
            cut_after.append(time.monotonic() - started)
        sock.close()
    counts["cut_after_s"] = percentiles([c * 1000 for c in cut_after])
    report.put(counts)


# --- the normal phone ------------------------------------------------------------------------


def normal_phones(url, code, table_id, seconds, results):
    """Once a second: join, connect, post and wait for the ack; every step timed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        step = "join"
        client = socketio.Client(reconnection=False)
        try:
            t = time.monotonic()
            token = join(url, code, table_id)
            results["join"].append((time.monotonic() - t) * 1000)
            step = "connect"
            t = time.monotonic()
            client.connect(
                url,
                auth={"session": code, "role": "participant", "token": token},
                transports=["websocket"],
                wait_timeout=10,
            )
            results["connect"].append((time.monotonic() - t) * 1000)
            step = "post"
            t = time.monotonic()
            body = {"client_id": str(uuid.uuid4()), "table_id": table_id, "text": "Wie betaalt?"}
            ack = client.call("insight:post", body, timeout=10)
            if not ack.get("ok"):
                raise RuntimeError(json.dumps(ack))
            results["post"].append((time.monotonic() - t) * 1000)
        except Exception as error:  # noqa: BLE001 (a failure is a figure, not a crash)
            results["failures"].append(f"{step}: {type(error).__name__} {error}"[:200])
        finally:
            client.disconnect()
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def http_probe(url, seconds, results):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t = time.monotonic()
        try:
            requests.get(url + "/api/v1/openapi.json", timeout=30).raise_for_status()
            results["http"].append((time.monotonic() - t) * 1000)
        except requests.RequestException as error:
            results["failures"].append(f"http: {type(error).__name__}")
        time.sleep(0.25)


def memory(server) -> int:
    return sum(memory_of(pid) for pid in server.pids())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--attack", choices=("idle", "flood", "polling", "identities"), required=True
    )
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument(
        "--as-walls", action="store_true", help="idle sockets connect as walls and answer pings"
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=45, help="max seconds to wait after")
    parser.add_argument("--worker-connections", type=int, default=None)
    args = parser.parse_args()
    stop_on_sigterm()
    limit = raise_open_file_limit()
    if args.attack == "idle" and limit < args.sockets + 500:
        sys.exit(f"open file limit {limit} is too low for {args.sockets} sockets")
    extra = {"WORKER_CONNECTIONS": str(args.worker_connections)} if args.worker_connections else {}
    workdir = Path(tempfile.mkdtemp(prefix="attack-room-"))
    server = Server(workdir, extra_env=extra).start()
    check_loopback(server.url)
    attackers = []
    try:
        code, table_id = open_room(server.url)
        warm = {"join": [], "connect": [], "post": [], "failures": []}
        normal_phones(server.url, code, table_id, 3, warm)  # warm up
        baseline = {"join": [], "connect": [], "post": [], "failures": []}
        normal_phones(server.url, code, table_id, 10, baseline)  # the same phone, no attack
        phone_token = join(server.url, code, table_id)
        time.sleep(2)
        before = memory(server)
        cpu_before = proc_sample(server.pids())[1]
        report = multiprocessing.Queue()
        if args.attack == "idle":
            attackers.append(
                multiprocessing.Process(
                    target=hold_idle_sockets,
                    args=(
                        server.url,
                        args.sockets,
                        args.seconds,
                        report,
                        code if args.as_walls else None,
                    ),
                )
            )
        elif args.attack == "identities":
            attackers.append(
                multiprocessing.Process(
                    target=many_identities,
                    args=(server.url, code, table_id, args.seconds, report),
                )
            )
        elif args.attack == "polling":
            attackers.append(
                multiprocessing.Process(
                    target=polling_handshakes, args=(server.url, args.seconds, report)
                )
            )
        else:
            for kind in FLOODS:
                token = join(server.url, code, table_id)
                attackers.append(
                    multiprocessing.Process(
                        target=flood,
                        args=(server.url, code, token, table_id, kind, args.seconds, report),
                    )
                )
        for process in attackers:
            process.start()
        time.sleep(min(10.0, args.seconds / 4))  # let the attack build up first
        measured = args.seconds - min(10.0, args.seconds / 4)
        results = {"join": [], "connect": [], "post": [], "http": [], "failures": []}
        phone = normal_phones
        if args.attack == "identities":  # one phone, joined well before, posting all along
            results["token"] = phone_token
            phone = one_phone_posting
        peak = [before]

        def watch():
            while any(p.is_alive() for p in attackers):
                peak[0] = max(peak[0], memory(server))
                time.sleep(0.5)

        threads = [
            threading.Thread(target=phone, args=(server.url, code, table_id, measured, results)),
            threading.Thread(target=http_probe, args=(server.url, measured, results)),
            threading.Thread(target=watch),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        attack = [report.get(timeout=60) for _ in attackers]
        for process in attackers:
            process.join(10)
        cpu_attack = proc_sample(server.pids())[1] - cpu_before
        settle_started = time.monotonic()
        after, within_100mb_after = memory(server), None
        while time.monotonic() - settle_started < args.settle:
            if within_100mb_after is None and after - before <= 100 * MB:
                within_100mb_after = round(time.monotonic() - settle_started)
            time.sleep(1)
            after = memory(server)
        log = server.log_path.read_text()
        result = {
            "attack": args.attack + (" as walls" if args.as_walls else ""),
            "sockets": args.sockets if args.attack == "idle" else None,
            "seconds": args.seconds,
            "attacker": attack,
            "phone_ms_without_attack": {
                step: percentiles(baseline[step]) for step in ("join", "connect", "post")
            },
            "phone_ms": {step: percentiles(results[step]) for step in ("join", "connect", "post")},
            "http_ms": percentiles(results["http"]),
            "failures": results["failures"][:20],
            "failure_count": len(results["failures"]),
            "memory_mb": {
                "before": round(before / MB),
                "peak": round(peak[0] / MB),
                "after": round(after / MB),
                "after_s": round(time.monotonic() - settle_started),
                "within_100mb_after_s": within_100mb_after,
            },
            "server_cpu_s_during_attack": round(cpu_attack, 1),
            "load_average_at_end": list(os.getloadavg()),
            "worker_timeouts": log.count("WORKER TIMEOUT"),
            "worker_boots": log.count("Booting worker"),
            "machine": machine(),
        }
        print(json.dumps(result, indent=2))
        print(f"written to {write_result('attack_room-' + args.attack, result)}")
    finally:
        for process in attackers:
            if process.is_alive():
                process.terminate()
        server.stop()


if __name__ == "__main__":
    main()
