"""The side-by-side table of scripts/compare: medians over the rounds of each row's summaries.

    python3 table.py <results dir> <BENCHMARKS.md> <table.md>

Reads <dir>/{rate,full,idle}-<row>-<round>.json (the load generator's summaries), writes the tables
to <table.md> and between the "compare:begin" and "compare:end" markers of <BENCHMARKS.md>.
"""
import glob
import json
import os
import re
import statistics
import sys

ROWS = [
    ("drawbridge-ws-redis", "Drawbridge over WebSocket, one node + Redis"),
    ("drawbridge-ws-embedded", "Drawbridge over WebSocket, embedded bus"),
    ("drawbridge-redis", "Drawbridge (SSE + POST), one node + Redis"),
    ("drawbridge-embedded", "Drawbridge (SSE + POST), embedded bus"),
    ("peerjs", "PeerJS server 1.0.2 (one node only, no rooms, no authorization)"),
    ("socketio-redis", "socket.io 4.8.4 + @socket.io/redis-adapter 8.3.0, one node + Redis"),
    ("socketio", "socket.io 4.8.4, in-memory adapter"),
]


def load(directory):
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        m = re.match(r"(rate|full|idle)-(.+)-(\d+)\.json$", os.path.basename(path))
        if not m:
            continue
        with open(path) as f:
            runs.setdefault((m.group(1), m.group(2)), []).append(json.load(f))
    return runs


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    return f"{min(values):.1f}–{max(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def per_relay(summary, key):
    r = summary["relay"]
    accepted = r.get("accepted") or 0
    if accepted == 0 or r.get(key) is None:
        return None
    return r[key] * 1000.0 / accepted


def cpu(summaries):
    """(server, redis) median CPU µs per relay; redis None without one."""
    server = med([s["relay"].get("cpuMicrosPerRelay") for s in summaries])
    redis = med([per_relay(s, "redisCpuMillis") for s in summaries])
    return server, redis


def fmt_cpu(server, redis):
    if server is None:
        return "–"
    if redis is None:
        return f"{server:.1f}"
    return f"{server:.1f} + {redis:.1f} = {server + redis:.1f}"


def clean(summaries):
    """Runs that lost, duplicated or reordered nothing and got no error answer."""
    bad = []
    for s in summaries:
        r = s["relay"]
        if r.get("lost") or r.get("duplicated") or r.get("reordered") or s.get("httpErrors") \
                or s["events"].get("wrongSender") or s["events"].get("malformed"):
            bad.append(s.get("label"))
    return bad


def build(runs):
    head = ("| server | CPU µs per relay at 1,000/s (server + Redis) | p50 / p99 ms | "
            "CPU µs per relay at full load | RSS per idle connection |\n|---|---|---|---|---|\n")
    detail = ("| server | rounds | 1,000/s: server user + system µs per relay | 1,000/s: server CPU range | "
              "full load: relays/s | full load: server CPU range | full load: load generator µs per relay | "
              "idle connections held | problems |\n|---|---|---|---|---|---|---|---|---|\n")
    main_rows, detail_rows = [], []
    for row, name in ROWS:
        rate = runs.get(("rate", row), [])
        full = runs.get(("full", row), [])
        idle = runs.get(("idle", row), [])
        if not (rate or full or idle):
            continue
        p50 = med([s["relay"]["latencyMs"]["p50"] for s in rate])
        p99 = med([s["relay"]["latencyMs"]["p99"] for s in rate])
        rss = med([s["idle"].get("rssKbPerStream") for s in idle])
        held = med([s["idle"].get("streams") for s in idle])
        main_rows.append("| {} | {} | {} | {} | {} |".format(
            name, fmt_cpu(*cpu(rate)),
            "–" if p50 is None else f"{p50:.2f} / {p99:.2f}",
            fmt_cpu(*cpu(full)),
            "–" if rss is None else f"{rss:.1f} KB"))
        system = med([per_relay(s, "serverSystemCpuMillis") for s in rate])
        total = med([s["relay"].get("cpuMicrosPerRelay") for s in rate])
        rate_per_s = med([s["relay"].get("acceptedPerSecond") for s in full])
        loadgen = med([per_relay(s, "loadgenCpuMillis") for s in full])
        problems = clean(rate + full)
        detail_rows.append("| {} | {}/{}/{} | {} | {} | {} | {} | {} | {} | {} |".format(
            name, len(rate), len(full), len(idle),
            "–" if total is None or system is None else f"{total - system:.1f} + {system:.1f}",
            spread([s["relay"].get("cpuMicrosPerRelay") for s in rate]),
            "–" if rate_per_s is None else f"{rate_per_s:,.0f}",
            spread([s["relay"].get("cpuMicrosPerRelay") for s in full]),
            "–" if loadgen is None else f"{loadgen:.1f}",
            "–" if held is None else f"{held:,.0f}",
            ", ".join(problems) if problems else "none"))
    return head + "\n".join(main_rows) + "\n\n" + detail + "\n".join(detail_rows) + "\n"


def main():
    directory, benchmarks, table_md = sys.argv[1:4]
    tables = build(load(directory))
    os.makedirs(os.path.dirname(table_md), exist_ok=True)
    with open(table_md, "w") as f:
        f.write("<!-- written by scripts/compare; medians over its rounds -->\n" + tables)
    with open(benchmarks) as f:
        text = f.read()
    begin, end = "<!-- compare:begin -->\n", "<!-- compare:end -->"
    if begin in text and end in text:
        text = text[:text.index(begin) + len(begin)] + tables + text[text.index(end):]
        with open(benchmarks, "w") as f:
            f.write(text)
    sys.stdout.write(tables)


if __name__ == "__main__":
    main()
