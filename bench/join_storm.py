"""Join storm: N phones scan the QR within S seconds: page, join form, page again, socket.

Each phone is what a browser does after the scan, with its own cookie jar:
GET /j/<code>/<table> (+ the page's CSS and JS), POST /j/<code>/join with the form's CSRF token,
follow the redirect to the phone page, then open the Socket.IO connection (WebSocket) with the
participant cookie and wait for the first `session:update`. Phones start evenly spread over S s.

    python bench/join_storm.py --phones 500 --seconds 10
"""

import argparse
import asyncio
import re
import sys
import time
from pathlib import Path

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    ORGANISER_TOKEN,
    LoopLag,
    Monitor,
    create_session,
    machine,
    measured_server,
    percentiles,
    raise_open_file_limit,
    stop_on_sigterm,
    targets_line,
    write_result,
)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ASSETS = re.compile(r'(?:src|href)="(/static/[^"]+)"')
TARGETS = {"p95_ms": 500}


async def one_phone(
    url: str, code: str, table_id: int, start_at: float, timeout: float, flow: str = "browser"
) -> dict:
    """One phone's whole join; returns its timings or the step that failed.

    flow "browser": page + its CSS/JS, join form, the redirected phone page, socket with cookie.
    flow "api": page (HTML only), API join, socket with the token: the minimum of a join.
    """
    delay = start_at - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    began = time.monotonic()
    steps = {}
    sio = None
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: cookies for an IP address host
    async with aiohttp.ClientSession(
        cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=timeout)
    ) as http:
        try:
            async with http.get(f"{url}/j/{code}/{table_id}") as response:
                page = await response.text()
                assert response.status == 200, f"page {response.status}"
            assets = sorted(set(ASSETS.findall(page))) if flow == "browser" else []
            for asset in assets:
                async with http.get(url + asset) as response:
                    await response.read()
                    assert response.status == 200, f"{asset} {response.status}"
            steps["page_ms"] = (time.monotonic() - began) * 1000
            mark = time.monotonic()
            auth = {"session": code, "role": "participant"}
            headers = {}
            if flow == "api":
                async with http.post(
                    f"{url}/api/v1/sessions/{code}/participants", json={"table_id": table_id}
                ) as response:
                    assert response.status == 201, f"join {response.status}"
                    auth["token"] = (await response.json())["token"]
            else:
                token = CSRF.search(page).group(1)
                async with http.post(
                    f"{url}/j/{code}/join",
                    data={"csrf_token": token, "name": "", "table_id": str(table_id)},
                ) as response:  # follows the redirect to the phone page, as a browser does
                    await response.text()
                    assert response.status == 200, f"join {response.status}"
                cookie = "; ".join(f"{c.key}={c.value}" for c in jar)
                assert f"p_{code}" in cookie, "no participant cookie after joining"
                headers["Cookie"] = cookie
            steps["join_ms"] = (time.monotonic() - mark) * 1000
            mark = time.monotonic()
            first_state = asyncio.get_running_loop().create_future()
            sio = socketio.AsyncClient(reconnection=False)
            sio.on(
                "session:update",
                lambda data: first_state.done() or first_state.set_result(data),
            )
            await sio.connect(
                url,
                auth=auth,
                headers=headers,
                transports=["websocket"],
                wait_timeout=timeout,
            )
            await asyncio.wait_for(first_state, timeout)
            steps["socket_ms"] = (time.monotonic() - mark) * 1000
            steps["total_ms"] = (time.monotonic() - began) * 1000
            steps["ok"] = True
            steps["sio"] = sio
        except Exception as error:  # noqa: BLE001 (a failed phone is a counted result)
            steps["ok"] = False
            steps["error"] = f"{type(error).__name__}: {error}"[:200]
            if sio is not None:
                await sio.disconnect()
    return steps


async def run(url, phones, seconds, tables, timeout, server_pids, organiser_token, flow) -> dict:
    async with aiohttp.ClientSession() as http:
        created = await create_session(http, url, tables, organiser_token)
    code, table_ids = created["code"], [t["id"] for t in created["tables"]]
    monitor, lag = Monitor(server_pids), LoopLag()
    monitor.start()
    lag.start()
    start = time.monotonic() + 0.5
    results = await asyncio.gather(
        *(
            one_phone(
                url, code, table_ids[n % len(table_ids)], start + n * seconds / phones, timeout
            )
            for n in range(phones)
        )
    )
    window = time.monotonic() - start
    server, client = await monitor.stop(), lag.stop()
    connected = [r.pop("sio") for r in results if "sio" in r]
    ok = [r for r in results if r["ok"]]
    errors = {}
    for r in results:
        if not r["ok"]:
            errors[r["error"]] = errors.get(r["error"], 0) + 1
    limit = asyncio.Semaphore(100)

    async def close(sio):
        async with limit:
            await sio.disconnect()

    await asyncio.gather(*(close(s) for s in connected))
    result = {
        "config": {"phones": phones, "seconds": seconds, "tables": len(table_ids), "flow": flow},
        "succeeded": len(ok),
        "failed": phones - len(ok),
        "errors": errors,
        "finished_within_seconds": round(window, 1),
        "total_ms": percentiles([r["total_ms"] for r in ok]),
        "page_ms": percentiles([r["page_ms"] for r in ok]),
        "join_ms": percentiles([r["join_ms"] for r in ok]),
        "socket_ms": percentiles([r["socket_ms"] for r in ok]),
        "server": server,
        "client": client,
    }
    result["targets"] = {
        "all succeed": len(ok) == phones,
        "p95<=500ms": result["total_ms"].get("p95", 1e9) <= TARGETS["p95_ms"],
    }
    return result


def summary(result: dict) -> str:
    c, t = result["config"], result["total_ms"]
    return "\n".join(
        [
            f"join storm: {c['phones']} phones within {c['seconds']:g} s, flow {c['flow']} "
            + (
                "(page + CSS/JS, join form, phone page, socket + first state)"
                if c["flow"] == "browser"
                else "(page, API join, socket + first state)"
            ),
            f"  succeeded {result['succeeded']}, failed {result['failed']} {result['errors'] or ''}",
            f"  whole join ms: p50 {t.get('p50')}  p95 {t.get('p95')}  p99 {t.get('p99')}  "
            f"max {t.get('max')}",
            f"  steps p95 ms: page {result['page_ms'].get('p95')}, join {result['join_ms'].get('p95')}"
            f", socket {result['socket_ms'].get('p95')}",
            f"  server: peak memory {result['server'].get('memory_peak_mb')} MB (PSS), "
            f"CPU {result['server'].get('cpu_percent')} %",
            f"  load generator loop lag p99 {result['client']['client_loop_lag_ms'].get('p99')} ms",
            targets_line(result["targets"]),
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phones", "-n", type=int, default=500, help="N phones")
    parser.add_argument("--seconds", "-s", type=float, default=10, help="S: the spread of starts")
    parser.add_argument("--tables", type=int, default=3)
    parser.add_argument(
        "--flow",
        choices=("browser", "api"),
        default="browser",
        help="browser: page + CSS/JS, join form, redirected page, socket (default);\n"
        "api: page, API join, socket",
    )
    parser.add_argument("--timeout", type=float, default=30, help="per phone, in seconds")
    parser.add_argument("--url", help="an already running server (loopback only)")
    parser.add_argument("--server-pid", type=int, help="with --url: the pid to watch in /proc")
    parser.add_argument("--organiser-token", default=ORGANISER_TOKEN)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    if not (1 <= args.phones <= 3000 and 0 < args.seconds <= 120):
        raise SystemExit("keep it bounded: 1-3000 phones within 0-120 s")
    raise_open_file_limit()
    stop_on_sigterm()
    from steady_load import quiet_clients

    quiet_clients()
    with measured_server(args) as (url, pids):
        result = asyncio.run(
            run(
                url,
                args.phones,
                args.seconds,
                args.tables,
                args.timeout,
                pids,
                args.organiser_token,
                args.flow,
            )
        )
    result |= {"benchmark": "join_storm", "label": args.label, "machine": machine()}
    print(summary(result))
    print(f"  JSON: {write_result('join_storm', result)}")


if __name__ == "__main__":
    main()
