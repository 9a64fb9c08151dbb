#!/usr/bin/env python3
"""THeader ÷ framed binary, ours against ours: the round trip of one echo call.

Runs `examples/calls ours-header …` (THeader, binary payload, the thread-pool server in
one-port mode) and `examples/calls ours … framed` (framed binary) back to back, in
alternating order, round after round. This VM's wake-up latency switches between a fast and
a slow mode every few seconds, so each round's two runs are taken together: the ratio of
a round is THeader ÷ framed of two runs a fraction of a second apart, and the table gives
the median of those ratios beside the median times. The wake-up latency does not touch the
CPU time a call costs (client and server, user and kernel, from `getrusage` of the run), so
the second table gives that too: the work per round trip, which is what THeader adds to.

Usage (after `cargo build --release --manifest-path bench/Cargo.toml --example calls`):

    python3 bench/header_ratio.py [--rounds 15] [--calls 4000] [TARGET_DIR]
"""

import argparse
import os
import resource
import statistics
from pathlib import Path

from interleaved import run


def cpu_run(exe, impl, socket, payload, calls):
    """(µs per call, CPU µs per call) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = run(exe, impl, socket, "framed", payload, calls)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu / calls * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=4000)
    ap.add_argument("target", nargs="?",
                    default=os.environ.get("CARGO_TARGET_DIR", Path(__file__).parent / "target"))
    args = ap.parse_args()
    exe = str(Path(args.target) / "release" / "examples" / "calls")
    rows = [(s, p) for s in ("unix", "tcp") for p in ("string", "binary")]
    framed, header, ratios, cpu = ({r: [] for r in rows} for _ in range(4))
    for i in range(args.rounds):
        for socket, payload in rows:
            order = ["ours", "ours-header"] if i % 2 == 0 else ["ours-header", "ours"]
            got = {impl: cpu_run(exe, impl, socket, payload, args.calls) for impl in order}
            framed[(socket, payload)].append(got["ours"][0])
            header[(socket, payload)].append(got["ours-header"][0])
            ratios[(socket, payload)].append(got["ours-header"][0] / got["ours"][0])
            cpu[(socket, payload)].append((got["ours"][1], got["ours-header"][1]))

    print(f"THeader ÷ framed binary, ours: {args.rounds} rounds of {args.calls} calls per run\n")
    print("| socket | payload | framed (median) | THeader (median) | ratio of medians "
          "| median of round ratios | round ratios (min–max) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        f, h, q = statistics.median(framed[r]), statistics.median(header[r]), ratios[r]
        print(f"| {r[0]} | {r[1]} | {f:.1f} µs | {h:.1f} µs | {h / f:.2f}× | "
              f"{statistics.median(q):.2f}× | {min(q):.2f}–{max(q):.2f} |")
    print("\nCPU time per round trip (client and server, user and kernel; median)\n")
    print("| socket | payload | framed | THeader | ratio | round ratios (min–max) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        f = statistics.median(c[0] for c in cpu[r])
        h = statistics.median(c[1] for c in cpu[r])
        q = [c[1] / c[0] for c in cpu[r]]
        print(f"| {r[0]} | {r[1]} | {f:.1f} µs | {h:.1f} µs | {h / f:.2f}× | "
              f"{min(q):.2f}–{max(q):.2f} |")


if __name__ == "__main__":
    main()
