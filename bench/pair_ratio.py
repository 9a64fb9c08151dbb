#!/usr/bin/env python3
"""One implementation against another, ratio of the round trip, in paired rounds.

Runs `examples/calls BASE …` and `examples/calls HEAD …` back to back, in alternating order,
round after round, for every socket × payload asked for. This VM's wake-up latency switches
between a fast and a slow mode every few seconds, so each round's two runs are taken
together: the ratio of a round is HEAD ÷ BASE of two runs a fraction of a second apart, and
the table gives the median of those ratios beside the median times. The wake-up latency does
not touch the CPU time a call costs (client and server, user and kernel, from `getrusage` of
the run), so the second table gives that too.

Usage (after `cargo build --release --manifest-path bench/Cargo.toml --example calls`):

    python3 bench/pair_ratio.py --base ours:framed --head ours-header:framed
    python3 bench/pair_ratio.py --base raw:buffered --head ours-bytes:framed \\
        --sockets unix --payloads binary

Each side is IMPLEMENTATION:TRANSPORT as `examples/calls` takes them. `--pin CPU` runs
every run on that one CPU (`taskset`): client and server then share it, which takes the
VM's cross-CPU wake-ups (and most of its noise) out of the comparison and leaves the work.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
from pathlib import Path

PIN = []


def run(exe, implementation, socket, transport, payload, calls):
    """µs per call of one run of `examples/calls` (on the CPU of `--pin`, if given)."""
    out = subprocess.run(
        [*PIN, exe, implementation, socket, transport, payload, str(calls)],
        check=True, capture_output=True, text=True,
    ).stdout
    m = re.search(r"calls in ([0-9.]+)(ms|s|µs)", out)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"s": 1, "ms": 1e-3, "µs": 1e-6}[unit] / calls * 1e6


def cpu_run(exe, side, socket, payload, calls):
    """(µs per call, CPU µs per call) of one run of `side` = (implementation, transport)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run(exe, side[0], socket, side[1], payload, calls)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu / calls * 1e6


def side(text):
    implementation, _, transport = text.partition(":")
    return implementation, transport or "framed"


def main(defaults=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=side, default=side("ours:framed"))
    ap.add_argument("--head", type=side, default=side("ours-header:framed"))
    ap.add_argument("--sockets", default="unix,tcp")
    ap.add_argument("--payloads", default="string,binary")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=4000)
    ap.add_argument("--pin", help="run every run on this CPU (taskset -c)")
    ap.add_argument("target", nargs="?",
                    default=os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent / "target"))
    if defaults:
        ap.set_defaults(**defaults)
    args = ap.parse_args()
    if args.pin is not None:
        PIN[:] = ["taskset", "-c", args.pin]
    exe = str(Path(args.target) / "release" / "examples" / "calls")
    rows = [(s, p) for s in args.sockets.split(",") for p in args.payloads.split(",")]
    base, head = args.base, args.head
    walls = {r: ([], []) for r in rows}
    cpus = {r: ([], []) for r in rows}
    for i in range(args.rounds):
        for socket, payload in rows:
            order = [base, head] if i % 2 == 0 else [head, base]
            got = {s: cpu_run(exe, s, socket, payload, args.calls) for s in order}
            for k, s in enumerate((base, head)):
                walls[(socket, payload)][k].append(got[s][0])
                cpus[(socket, payload)][k].append(got[s][1])

    b, h = ":".join(base), ":".join(head)
    pinned = f", pinned to CPU {args.pin}" if args.pin is not None else ""
    print(f"{h} ÷ {b}: {args.rounds} rounds of {args.calls} calls per run{pinned}\n")
    print(f"| socket | payload | {b} (median) | {h} (median) | ratio of medians "
          "| median of round ratios | round ratios (min–max) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name, data in (("wall", walls), ("cpu", cpus)):
        if name == "cpu":
            print("\nCPU time per round trip (client and server, user and kernel)\n")
            print(f"| socket | payload | {b} (median) | {h} (median) | ratio of medians "
                  "| median of round ratios | round ratios (min–max) |")
            print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            x, y = data[r]
            q = [hy / bx for bx, hy in zip(x, y)]
            mx, my = statistics.median(x), statistics.median(y)
            print(f"| {r[0]} | {r[1]} | {mx:.1f} µs | {my:.1f} µs | {my / mx:.2f}× | "
                  f"{statistics.median(q):.2f}× | {min(q):.2f}–{max(q):.2f} |")


if __name__ == "__main__":
    main()
