#!/usr/bin/env python3
"""Latency of ours, the thrift crate and the raw floor, measured in alternation.

On a shared machine the load drifts over the minutes criterion spends between two
benchmarks, which moves ratios by ±20 %. This script runs the `calls` example for every case
in turn, round after round, so each case sees the same conditions, and prints the median time
per call over the rounds, with ours ÷ floor.

Usage (after `cargo build --release --manifest-path bench/Cargo.toml --example calls`):

    python3 bench/interleaved.py [--rounds 9] [--calls 20000] [--socket unix] [TARGET_DIR]
"""

import argparse
import os
import re
import statistics
import subprocess
from pathlib import Path


def run(exe, implementation, socket, transport, payload, calls):
    out = subprocess.run(
        [exe, implementation, socket, transport, payload, str(calls)],
        check=True, capture_output=True, text=True,
    ).stdout
    m = re.search(r"calls in ([0-9.]+)(ms|s|µs)", out)
    value, unit = float(m.group(1)), m.group(2)
    seconds = value * {"s": 1, "ms": 1e-3, "µs": 1e-6}[unit]
    return seconds / calls * 1e6  # µs per call


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--socket", default="unix", choices=["unix", "tcp"])
    ap.add_argument("target", nargs="?", default=os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent / "target"))
    args = ap.parse_args()
    exe = str(Path(args.target) / "release" / "examples" / "calls")
    thrift = "thrift" if args.socket == "unix" else "thrift-nodelay-both"
    cases = [(p, "raw", "buffered") for p in ("string", "binary")]
    cases += [(p, i, t) for p in ("string", "binary") for i in ("ours", thrift) for t in ("buffered", "framed")]
    times = {c: [] for c in cases}
    for _ in range(args.rounds):
        for c in cases:
            payload, implementation, transport = c
            times[c].append(run(exe, implementation, args.socket, transport, payload, args.calls))

    print(f"{args.socket}: median µs per call over {args.rounds} alternating rounds of {args.calls} calls\n")
    print(f"| payload | transport | ours | {thrift} | raw floor | ours ÷ floor | {thrift} ÷ ours |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for payload in ("string", "binary"):
        floor = statistics.median(times[(payload, "raw", "buffered")])
        for transport in ("buffered", "framed"):
            ours = statistics.median(times[(payload, "ours", transport)])
            other = statistics.median(times[(payload, thrift, transport)])
            print(f"| {payload} | {transport} | {ours:.1f} | {other:.1f} | {floor:.1f} | "
                  f"{ours / floor:.2f}× | {other / ours:.2f}× |")


if __name__ == "__main__":
    main()
