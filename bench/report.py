#!/usr/bin/env python3
"""Prints the results of the last `--bench rpc` run as Markdown tables with ratios.

Usage: python3 bench/report.py [TARGET_DIR]   (default: $CARGO_TARGET_DIR, else bench/target)

Reads criterion's `benchmark.json` / `estimates.json` under TARGET_DIR/criterion and uses the
median of each benchmark.
"""

import json
import os
import sys
from pathlib import Path


def load(root):
    results = {}
    for bench in root.rglob("new/benchmark.json"):
        full_id = json.loads(bench.read_text())["full_id"]
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        results[full_id] = estimates["median"]["point_estimate"]  # ns per iteration
    return results


def fmt_time(ns):
    if ns is None:
        return "–"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


def fmt_rate(ns):
    if ns is None:
        return "–"
    return f"{1e9 / ns:,.0f}"


def ratio(a, b):
    if a is None or b is None:
        return "–"
    return f"{a / b:.2f}×"


def main():
    target = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent / "target"))
    r = load(target / "criterion")
    if not r:
        sys.exit(f"no criterion results under {target / 'criterion'}")
    payloads = ["string", "binary"]
    sockets = ["unix", "tcp"]
    transports = ["buffered", "framed"]

    na = lambda s, v: fmt_time(v) if s == "tcp" else "n/a"
    print("Latency: median time per call (one client). Ratios: ours ÷ raw floor, and the thrift "
          "crate ÷ ours (over TCP against thrift-nodelay-both, the crate without Nagle's algorithm).\n")
    print("| socket | transport | payload | ours | thrift | thrift-nodelay | thrift-nodelay-both | raw floor | ours ÷ floor | thrift ÷ ours |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in payloads:
        for s in sockets:
            floor = r.get(f"rpc/latency/{s}/raw/{p}/floor")
            for t in transports:
                g = lambda i: r.get(f"rpc/latency/{s}/{t}/{p}/{i}")
                ours, thrift, nodelay, both = g("ours"), g("thrift"), g("thrift-nodelay"), g("thrift-nodelay-both")
                fair = both if s == "tcp" else thrift
                print(f"| {s} | {t} | {p} | {fmt_time(ours)} | {fmt_time(thrift)} | {na(s, nodelay)} | "
                      f"{na(s, both)} | {fmt_time(floor)} | {ratio(ours, floor)} | {ratio(fair, ours)} |")

    print("\nThroughput: calls per second (median), N client threads each with its own connection, "
          "one server of 16 workers. Ratios: ours ÷ thrift (out of the box), ours ÷ thrift-nodelay-both.\n")
    print("| socket | transport | payload | threads | ours | thrift | thrift-nodelay-both | ours ÷ thrift | ours ÷ thrift-nodelay-both |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for p in payloads:
        for s in sockets:
            for t in transports:
                for n in [1, 4, 16]:
                    g = lambda i: r.get(f"rpc/throughput/{s}/{t}/{p}/{i}/t{n}")
                    ours, thrift, both = g("ours"), g("thrift"), g("thrift-nodelay-both")
                    # Rates: the ratio of rates is the inverse ratio of times.
                    print(f"| {s} | {t} | {p} | {n} | {fmt_rate(ours)} | {fmt_rate(thrift)} | "
                          f"{fmt_rate(both) if s == 'tcp' else 'n/a'} | {ratio(thrift, ours)} | "
                          f"{ratio(both, ours) if s == 'tcp' else 'n/a'} |")


if __name__ == "__main__":
    main()
