"""What the live event dashboard costs the server: the same conference without and with it.

    python bench/dashboard_cost.py --sessions 20 --phones 100 --rate 20 --duration 60

Runs bench/conference.py's conference twice, back to back on fresh servers: first with nobody
watching, then with the sessions in one event and an organiser watching its live dashboard. Prints
each run's server CPU (seconds and percent of one core over the measured time), the difference, the
wall latency of both, and how many `event:update` messages a second the dashboard received (at
most one is the promise).
"""

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import Server, machine, raise_open_file_limit, stop_on_sigterm, write_result  # noqa: E402
from conference import arguments, bounded, print_errors, quiet, run_for  # noqa: E402


def one_run(args, dashboards: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aantafel-bench-") as workdir:
        server = Server(Path(workdir)).start()
        try:
            args.warmup = min(args.warmup, args.duration / 2)
            return asyncio.run(run_for(args, [server.url], server.pids(), dashboards))
        except BaseException:
            print_errors(server)
            raise
        finally:
            server.stop()


def main():
    parser = arguments(__doc__)
    parser.set_defaults(duration=60)
    args = parser.parse_args()
    bounded(args)
    raise_open_file_limit()
    stop_on_sigterm()
    quiet()
    runs = {}
    for label, dashboards in (("without", 0), ("with", max(args.dashboards, 1))):
        print(f"conference {label} a live dashboard:")
        runs[label] = one_run(args, dashboards)
    before, after = runs["without"]["server"], runs["with"]["server"]
    result = {
        "benchmark": "dashboard_cost",
        "config": runs["with"]["config"] | {"dashboards": max(args.dashboards, 1)},
        "cpu_seconds": {"without": before["cpu_seconds"], "with": after["cpu_seconds"]},
        "cpu_percent": {"without": before["cpu_percent"], "with": after["cpu_percent"]},
        "dashboard_cpu_percent": round(after["cpu_percent"] - before["cpu_percent"], 1),
        "updates_per_second": runs["with"]["dashboards"]["updates_per_second"],
        "most_updates_in_one_second": runs["with"]["dashboards"]["most_in_one_second"],
        "wall_p95_ms": {k: r["wall_latency_ms"].get("p95") for k, r in runs.items()},
        "lost": {k: r["wall_lost"] + r["phone_lost"] for k, r in runs.items()},
        "label": args.label,
        "machine": machine(),
    }
    c = result["config"]
    print(
        f"dashboard cost: {c['sessions']} sessions x {c['phones_per_session']} phones, "
        f"{c['rate']:g} posts/s, {c['duration']:g} s\n"
        f"  server CPU without a dashboard {before['cpu_percent']}% of a core "
        f"({before['cpu_seconds']} s), with one {after['cpu_percent']}% ({after['cpu_seconds']} s): "
        f"the dashboard costs {result['dashboard_cpu_percent']:+} points\n"
        f"  dashboard updates: most in any one second {result['most_updates_in_one_second']} "
        f"(promise: at most 1), {result['updates_per_second']} a second on average\n"
        f"  wall p95 {result['wall_p95_ms']['without']} ms without, "
        f"{result['wall_p95_ms']['with']} ms with; lost {result['lost']}"
    )
    print(f"  JSON: {write_result('dashboard_cost', result)}")


if __name__ == "__main__":
    main()
