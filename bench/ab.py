#!/usr/bin/env python3
"""A change against an earlier build, measured side by side: the runner of scripts/ab.sh.

Takes the `examples` directories of two release builds of this crate (base and head), each
with `calls` (RPC: one client, N calls) and `codec_calls` (N encodes or decodes of one codec
workload), and runs every case of both in alternation, round after round, so that a change
in the machine's load falls on both sides alike. Prints a Markdown table of the medians per
operation, with the interquartile range (IQR) of each side and the ratio.

    python3 bench/ab.py BASE_EXAMPLES HEAD_EXAMPLES [--rounds 7] [--target-ms 300] [--out FILE]

Usually run through `scripts/ab.sh BASE [HEAD]`, which builds both.
"""

import argparse
import math
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

# "N calls in 215.3ms: …", printed by both examples (Rust's `Duration` debug format).
ELAPSED = re.compile(r"(\d+) calls in ([0-9.]+)(ns|µs|ms|s)\b")
UNIT = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}

# Head is called slower (or faster) only when it is off by more than this beyond both
# sides' spread: its better quartile must be this much worse than base's worse quartile.
MARGIN = 1.03


def rpc_cases():
    """RPC latency of ours: every socket, transport and payload of the RPC benchmark."""
    return [
        (f"rpc {socket} {transport} {payload}", ["calls", "ours", socket, transport, payload])
        for socket in ("unix", "tcp")
        for transport in ("buffered", "framed")
        for payload in ("string", "binary")
    ]


def codec_cases(head):
    """Ours's encode and decode of every workload the codec example knows (asked of head's)."""
    workloads = run_text([str(head / "codec_calls"), "list"]).split()
    return [
        (f"codec {w} {protocol} {op}", ["codec_calls", w, protocol, op])
        for w in workloads
        for protocol in ("binary", "compact")
        for op in ("encode", "decode")
    ]


def run_text(argv):
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"ab: {' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def run(examples, argv, n):
    """Runs one case for n operations; returns the seconds the operations took (as timed by
    the example itself, so process and server start-up are left out)."""
    out = run_text([str(examples / argv[0]), *argv[1:], str(n)])
    m = ELAPSED.search(out)
    if not m:
        sys.exit(f"ab: no timing in the output of {argv}: {out!r}")
    return float(m.group(2)) * UNIT[m.group(3)]


def calibrate(examples, argv, target):
    """The operation count that takes about `target` seconds (measured on head; both sides
    then run the same count)."""
    n = 100
    while True:
        t = run(examples, argv, n)
        if t >= target / 10:
            return max(1, math.ceil(n * target / t))
        n *= 10 if t < target / 100 else 4


def quartiles(xs):
    """(Q1, median, Q3); with one or two values, the extremes stand in for the quartiles."""
    if len(xs) < 3:
        return min(xs), statistics.median(xs), max(xs)
    q1, q2, q3 = statistics.quantiles(xs, n=4, method="inclusive")
    return q1, q2, q3


def unit_of(seconds):
    """The unit a time per operation reads best in: (name, seconds per unit)."""
    for unit, scale in (("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return unit, scale
    return "ns", 1e-9


def num(seconds, scale):
    x = seconds / scale
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def verdict(base, head):
    (b1, _, b3), (h1, _, h3) = quartiles(base), quartiles(head)
    if h1 > b3 * MARGIN:
        return "**slower**"
    if h3 * MARGIN < b1:
        return "faster"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path, help="base build's examples directory")
    ap.add_argument("head", type=Path, help="head build's examples directory")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--target-ms", type=float, default=300,
                    help="time of one run (default 300 ms, so that runs take at least 200 ms "
                         "even when one side is faster than the calibration)")
    ap.add_argument("--base-name", default="base")
    ap.add_argument("--head-name", default="head")
    ap.add_argument("--out", type=Path, help="also write the table to this file")
    ap.add_argument("--filter", default="", help="keep the cases whose name contains this")
    args = ap.parse_args()

    cases = [c for c in rpc_cases() + codec_cases(args.head) if args.filter in c[0]]
    started = time.monotonic()
    print(f"ab: calibrating {len(cases)} cases on head…", file=sys.stderr)
    counts = {name: calibrate(args.head, argv, args.target_ms / 1000) for name, argv in cases}

    times = {name: {"base": [], "head": []} for name, _ in cases}
    sides = [("base", args.base), ("head", args.head)]
    for r in range(args.rounds):
        print(f"ab: round {r + 1}/{args.rounds}", file=sys.stderr)
        for name, argv in cases:
            # Each case runs on both sides back to back; which goes first alternates by round.
            for side, examples in sides if r % 2 == 0 else reversed(sides):
                n = counts[name]
                times[name][side].append(run(examples, argv, n) / n)

    lines = [
        f"{args.head_name} against {args.base_name}: median time per operation over "
        f"{args.rounds} alternating rounds (runs of about {args.target_ms:g} ms), with the "
        f"interquartile range; `slower`/`faster`: head's quartiles are more than "
        f"{(MARGIN - 1) * 100:.0f} % beyond base's.",
        "",
        "| case | base | base IQR | head | head IQR | head/base | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, _ in cases:
        base, head = times[name]["base"], times[name]["head"]
        (b1, bm, b3), (h1, hm, h3) = quartiles(base), quartiles(head)
        unit, scale = unit_of(min(bm, hm))  # one unit per row, so the cells compare at a glance
        lines.append(
            f"| {name} | {num(bm, scale)} {unit} | {num(b1, scale)}–{num(b3, scale)} | "
            f"{num(hm, scale)} {unit} | {num(h1, scale)}–{num(h3, scale)} | "
            f"{hm / bm:.3f} | {verdict(base, head)} |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table)
        print(f"ab: table written to {args.out}", file=sys.stderr)
    print(f"ab: {time.monotonic() - started:.0f} s of measurement", file=sys.stderr)


if __name__ == "__main__":
    main()
