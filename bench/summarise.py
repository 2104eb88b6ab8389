"""One line per result in bench/results/ (or the JSON files given): what docs/BENCHMARKS.md quotes."""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def line(path: Path) -> str:
    r = json.loads(path.read_text())
    load = r.get("machine", {}).get("load_average_at_start", ["?"])[0]
    server = r.get("server", {})
    head = f"{path.stem:32} load {load:4.1f}  {r.get('label', '')[:36]:36}"
    if r.get("benchmark") == "join_storm":
        t = r["total_ms"]
        return (
            f"{head} {r['config']['phones']} joins/{r['config']['seconds']:g}s "
            f"{r['config'].get('flow', 'browser')}: ok {r['succeeded']} fail {r['failed']} "
            f"p50 {t.get('p50')} p95 {t.get('p95')} p99 {t.get('p99')} ms  "
            f"cpu {server.get('cpu_percent')}% mem {server.get('memory_peak_mb')}MB"
        )
    c, w = r["config"], r["wall_latency_ms"]
    if "sessions" in c:  # conference.py, and scaleout.py since it runs the conference
        m = r.get("memory_timeline", {})
        return (
            f"{head} {c['sessions']} sessions x {c['phones_per_session']} phones "
            f"x{c['processes']}: wall p50 {w.get('p50')} p95 {w.get('p95')} p99 {w.get('p99')} "
            f"ms; lost {r['wall_lost']}+{r['phone_lost']} dropped "
            f"{r['setup']['dropped_during_run']}; cpu {server.get('cpu_percent')}% mem "
            f"{m.get('at_warmup_end_mb')}->{m.get('end_mb')}MB; client lag p99 "
            f"{r['client']['client_loop_lag_ms'].get('p99')}"
        )
    ok_seconds = sum(1 for row in r.get("wall_latency_per_second", []) if row[2] <= 100)
    seconds = len(r.get("wall_latency_per_second", []))
    return (
        f"{head} {c['phones']} phones/{c['tables']} tables x{c['processes']}: "
        f"wall p50 {w.get('p50')} p95 {w.get('p95')} p99 {w.get('p99')} ms; "
        f"lost {r['wall_lost']}+{r['phone_lost']} dup {r['wall_duplicated']}+{r['phone_duplicated']}; "
        f"{r['deliveries_per_second']}/s; cpu {server.get('cpu_percent')}% "
        f"mem {server.get('memory_peak_mb')}MB; seconds with p95<=100ms {ok_seconds}/{seconds}; "
        f"client lag p99 {r['client']['client_loop_lag_ms'].get('p99')}"
    )


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted(RESULTS.glob("*.json"))
    for path in paths:
        print(line(path))
