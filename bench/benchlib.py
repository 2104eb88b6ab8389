"""Shared parts of the benchmarks: start servers as a user does, watch them in /proc, drive them.

Everything runs on loopback. Servers are `python app.py` on a free port with a database of their
own; clients are python-socketio AsyncClients, many in one asyncio loop (a thread per client would
make the load generator measure itself: the threaded client starts a thread per received message).
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import (  # noqa: E402  (one live server for tests and benchmarks)
    LiveServer,
    raise_open_file_limit,
)

__all__ = ["raise_open_file_limit"]  # the benchmarks import it from here
RESULTS = ROOT / "bench" / "results"
ORGANISER_TOKEN = "bench-organiser-token-0123456789abcdef"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def stop_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `finally` blocks stop the servers a benchmark started."""
    import signal

    def exit_now(*_):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, exit_now)


def check_loopback(url: str) -> None:
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].split("@")[-1]
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        raise SystemExit(f"benchmarks only talk to loopback addresses, not {host!r}")


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_at_start": os.getloadavg(),
    }


# --- servers -----------------------------------------------------------------------------------


class Server(LiveServer):
    """tests/support's live server with the benchmarks' token, a longer start, and its processes.

    `script` runs another server the same way (bench/reference_server.py, the plain build).
    """

    def __init__(
        self,
        workdir: Path,
        database_url: str | None = None,
        extra_env: dict | None = None,
        script: str = "app.py",
    ):
        super().__init__(
            workdir,
            extra_env,
            database_url or f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}",
            script=script,
            organiser_token=ORGANISER_TOKEN,
            secret_key="bench-secret-key",
            start_timeout=60,
        )

    def pids(self) -> list[int]:
        return process_tree(self.process.pid) if self.process else []

    def worker_pid(self) -> int | None:
        """gunicorn's worker, the process that serves (the one to profile)."""
        workers = self.worker_pids()
        return workers[0] if workers else None


def process_tree(pid: int) -> list[int]:
    """The process and its children (gunicorn's worker is a child of the master)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def memory_of(pid: int) -> int:
    """Proportional set size: a page shared by gunicorn's master and its forked worker counts
    half in each, so the sum over both is the memory they really take (plain RSS counts it twice).
    """
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


def proc_sample(pids: list[int]) -> tuple[int, float]:
    """(memory bytes, CPU seconds used so far) summed over the pids, from /proc."""
    rss, cpu = 0, 0.0
    for pid in pids:
        try:
            rss += memory_of(pid)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return rss, cpu


class Monitor:
    """Samples server RSS and CPU twice a second while a measured window runs."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.peak_rss = 0
        self.samples: list[tuple[float, int, float]] = []
        self._task = None

    async def _run(self):
        while True:
            rss, cpu = proc_sample(self.pids)
            self.peak_rss = max(self.peak_rss, rss)
            self.samples.append((time.monotonic(), rss, cpu))
            await asyncio.sleep(0.5)

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> dict:
        if self._task:
            self._task.cancel()
        rss, cpu = proc_sample(self.pids)
        self.samples.append((time.monotonic(), rss, cpu))
        if not self.pids or len(self.samples) < 2:
            return {}
        (t0, _, c0), (t1, _, c1) = self.samples[0], self.samples[-1]
        return {
            "memory": "PSS summed over gunicorn master and worker(s), from /proc/<pid>/smaps_rollup",
            "pids": self.pids,
            "memory_peak_mb": round(max(self.peak_rss, rss) / 2**20, 1),
            "memory_end_mb": round(rss / 2**20, 1),
            "cpu_percent": round(100 * (c1 - c0) / max(t1 - t0, 1e-9), 1),
            "cpu_seconds": round(c1 - c0, 2),
        }


class LoopLag:
    """How late this process's own event loop wakes up: a busy load generator shows here."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.lags, self._task = interval, [], None

    async def _run(self):
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            self.lags.append((loop.time() - before - self.interval) * 1000)

    def start(self):
        self._task = asyncio.get_running_loop().create_task(self._run())

    def stop(self) -> dict:
        if self._task:
            self._task.cancel()
        return {"client_loop_lag_ms": percentiles(self.lags)}


# --- statistics and output ---------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {
        "count": len(ordered),
        "p50": at(0.50),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2))
    return path


# --- the app's API over HTTP --------------------------------------------------------------------


async def create_session(
    http: aiohttp.ClientSession,
    url: str,
    tables: int,
    token: str = ORGANISER_TOKEN,
    event_id: int | None = None,
) -> dict:
    """An open session on the wijkaanpak template (3 tables), with extra tables up to `tables`."""
    auth = {"Authorization": f"Bearer {token}"}
    body = {"title": "Benchmark plenary", "language": "nl", "template": "wijkaanpak"}
    async with http.post(
        f"{url}/api/v1/sessions", json=body | {"event_id": event_id}, headers=auth
    ) as response:
        assert response.status == 201, await response.text()
        created = await response.json()
    key = {"Authorization": f"Bearer {created['facilitator_key']}"}
    for n in range(len(created["tables"]), tables):
        async with http.post(
            f"{url}/api/v1/sessions/{created['code']}/tables",
            json={"name": f"Tafel {n + 1}", "question": "Wat is er nodig?"},
            headers=key,
        ) as response:
            assert response.status == 201, await response.text()
            created["tables"].append(await response.json())
    async with http.patch(
        f"{url}/api/v1/sessions/{created['code']}", json={"state": "open"}, headers=key
    ) as response:
        assert response.status == 200, await response.text()
    return created


async def create_event(http: aiohttp.ClientSession, url: str, name: str = "Benchmark") -> int:
    async with http.post(
        f"{url}/api/v1/events",
        json={"name": name},
        headers={"Authorization": f"Bearer {ORGANISER_TOKEN}"},
    ) as response:
        assert response.status == 201, await response.text()
        return (await response.json())["id"]


async def join_many(http, url: str, code: str, table_ids: list[int], count: int) -> list[dict]:
    """`count` participants through the API, seated round robin; returns [{token, table_id}]."""
    limit = asyncio.Semaphore(20)

    async def one(n):
        table_id = table_ids[n % len(table_ids)]
        async with limit:
            for _ in range(20):
                try:
                    async with http.post(
                        f"{url}/api/v1/sessions/{code}/participants",
                        json={"table_id": table_id, "name": f"Deelnemer {n}"},
                    ) as response:
                        if response.status == 429:  # the per-address budget; wait as told
                            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                            continue
                        assert response.status == 201, await response.text()
                        return {"token": (await response.json())["token"], "table_id": table_id}
                except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
                    # A kept-alive connection the server closed while this join waited out a 429.
                    await asyncio.sleep(0.2)
            raise RuntimeError("join kept being rate limited")

    return await asyncio.gather(*(one(n) for n in range(count)))


def new_client_id() -> str:
    return str(uuid.uuid4())


def bench_parser(description: str) -> argparse.ArgumentParser:
    """A benchmark's command line: the first line of its docstring, and --drain and --label."""
    parser = argparse.ArgumentParser(
        description=description.split("\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for stragglers")
    parser.add_argument("--label", default="", help="a note stored with the JSON result")
    return parser


@contextlib.contextmanager
def measured_server(args):
    """The server a benchmark measures, as (url, pids): `--url` (loopback only; the processes of
    `--server-pid` are watched), or one started here in a temporary folder and stopped after."""
    if args.url:
        check_loopback(args.url)
        yield args.url.rstrip("/"), process_tree(args.server_pid) if args.server_pid else []
        return
    with tempfile.TemporaryDirectory(prefix="aantafel-bench-") as workdir:
        server = Server(Path(workdir)).start()
        try:
            yield server.url, server.pids()
        finally:
            server.stop()


def delivery_lines(result: dict) -> list[str]:
    """The summary's post-to-phone latency and what was lost or duplicated, walls and phones."""
    p = result["phone_latency_ms"]
    return [
        f"  post-to-phone ms: p50 {p.get('p50')}  p95 {p.get('p95')}  p99 {p.get('p99')}",
        f"  lost: walls {result['wall_lost']}, phones {result['phone_lost']};  duplicated: "
        f"walls {result['wall_duplicated']}, phones {result['phone_duplicated']}",
    ]


def targets_line(targets: dict) -> str:
    """The summary's last line: each target met, missed, or not measured (None)."""
    return "  targets: " + ", ".join(
        f"{name} {'ok' if value else 'MISSED' if value is False else 'n/a'}"
        for name, value in targets.items()
    )


async def connect_all(clients, concurrency: int = 50) -> int:
    """Connect clients, `concurrency` at a time; return how many failed."""
    limit = asyncio.Semaphore(concurrency)
    failed = 0

    async def one(client):
        nonlocal failed
        async with limit:
            try:
                await client.connect()
            except Exception as error:  # noqa: BLE001 (a failed connect is a counted result)
                failed += 1
                if failed <= 3:
                    print(f"  connect failed: {error!r}", file=sys.stderr)

    await asyncio.gather(*(one(c) for c in clients))
    return failed


async def disconnect_all(clients, concurrency: int = 100):
    limit = asyncio.Semaphore(concurrency)

    async def one(client):
        async with limit:
            with contextlib.suppress(Exception):  # tearing down
                await asyncio.wait_for(client.disconnect(), 10)

    await asyncio.gather(*(one(c) for c in clients))
