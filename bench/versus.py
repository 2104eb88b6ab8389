"""The plain reference build and the app, back to back in one run, under the same steady load.

    python bench/versus.py --phones 1000 --rate 20 --duration 60

Starts bench/reference_server.py, drives it with bench/steady_load.py's load (100 posting phones
with acks, the other phones speaking the Engine.IO/Socket.IO wire protocol themselves, walls),
stops it, then does the same with `python app.py`. Prints post-to-wall p50/p95/p99 (and
post-to-phone p95/p99: the reference emits to the table before the walls, the app to the walls
first), deliveries lost and duplicated, server memory (PSS) and CPU for each, and the app's
figures as a ratio of the reference's. On a shared machine absolute times follow the
neighbours; a ratio measured in one run is the figure to compare. `--only app --py-spy out.txt`
profiles the app's worker during the measured window (py-spy raw format, one line per stack).
"""

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (  # noqa: E402
    Server,
    machine,
    raise_open_file_limit,
    stop_on_sigterm,
    write_result,
)
from steady_load import arguments, bounded, quiet_clients, run_for  # noqa: E402

SERVERS = {"reference": "bench/reference_server.py", "app": "app.py"}


def measure(name: str, args, workdir: Path) -> dict:
    (workdir / name).mkdir(exist_ok=True)
    server = Server(workdir / name, script=SERVERS[name])
    profiler = []

    def start_profiler(seconds: float) -> None:
        if args.py_spy and name == "app":
            py_spy = Path(sys.executable).with_name("py-spy")
            command = [str(py_spy), "record", "--pid", str(server.worker_pid())]
            command += ["--rate", "100", "--duration", str(int(seconds)), "--nonblocking"]
            command += ["--format", "raw", "--output", args.py_spy]
            profiler.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))

    try:
        server.start()
        print(f"{name}: {SERVERS[name]} on {server.url}")
        result = asyncio.run(run_for(args, [server.url], server.pids(), on_measure=start_profiler))
    finally:
        for process in profiler:
            process.wait(30)
        server.stop()
    return result


def cpu_ms_per_post(result: dict) -> float | None:
    """Server CPU time per post (fan-out included): steadier on a shared machine than latency."""
    seconds = result["server"].get("cpu_seconds")
    return round(1000 * seconds / result["posts"]["sent"], 2) if seconds is not None else None


def row(name: str, result: dict) -> str:
    w, s, p = result["wall_latency_ms"], result["server"], result["phone_latency_ms"]
    lost = result["wall_lost"] + result["phone_lost"]
    dup = result["wall_duplicated"] + result["phone_duplicated"]
    return (
        f"  {name:<10} p50 {w.get('p50', '-'):>7}  p95 {w.get('p95', '-'):>7}  "
        f"p99 {w.get('p99', '-'):>7}  (phones p95 {p.get('p95', '-')} p99 {p.get('p99', '-')})  "
        f"lost {lost:>3}  dup {dup:>3}  "
        f"memory {s.get('memory_peak_mb', '-'):>6} MB  CPU {s.get('cpu_percent', '-'):>5} % "
        f"({cpu_ms_per_post(result)} ms/post)  "
        f"deliveries/s {result['deliveries_per_second']}"
    )


def ratios(app: dict, reference: dict) -> dict:
    def ratio(a, b):
        return round(a / b, 2) if a is not None and b else None

    w_app, w_ref = app["wall_latency_ms"], reference["wall_latency_ms"]
    out = {q: ratio(w_app.get(q), w_ref.get(q)) for q in ("p50", "p95", "p99")}
    p_app, p_ref = app["phone_latency_ms"], reference["phone_latency_ms"]
    out |= {f"phones_{q}": ratio(p_app.get(q), p_ref.get(q)) for q in ("p95", "p99")}
    out["memory"] = ratio(
        app["server"].get("memory_peak_mb"), reference["server"].get("memory_peak_mb")
    )
    out["cpu"] = ratio(cpu_ms_per_post(app), cpu_ms_per_post(reference))
    return out


def main():
    quiet_clients()
    parser = arguments(__doc__)
    parser.add_argument("--only", choices=tuple(SERVERS), help="run one server, not both")
    parser.add_argument("--py-spy", help="profile the app's worker while measuring, to this file")
    args = parser.parse_args()
    bounded(args)
    raise_open_file_limit()
    stop_on_sigterm()
    names = [args.only] if args.only else list(SERVERS)
    results = {}
    with tempfile.TemporaryDirectory(prefix="aantafel-versus-") as workdir:
        for name in names:
            results[name] = measure(name, args, Path(workdir))
    print(
        f"versus: {args.phones} phones, {args.walls} walls, {args.rate:g} posts/s for "
        f"{args.duration:g} s; post-to-wall ms (lost/dup: walls + phones)"
    )
    for name, result in results.items():
        print(row(name, result))
    summary = {"benchmark": "versus", "label": args.label, "machine": machine(), **results}
    if len(results) == 2:
        summary["ratio_app_to_reference"] = ratios(results["app"], results["reference"])
        r = summary["ratio_app_to_reference"]
        print(
            f"  app / reference: p50 {r['p50']}x  p95 {r['p95']}x  p99 {r['p99']}x  "
            f"memory {r['memory']}x  CPU {r['cpu']}x  (phones p95 {r['phones_p95']}x, "
            f"p99 {r['phones_p99']}x)"
        )
    print(f"  JSON: {write_result('versus', summary)}")


if __name__ == "__main__":
    main()
