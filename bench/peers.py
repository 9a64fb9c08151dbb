#!/usr/bin/env python3
"""Round trips over THeader, HTTP and framed binary: ours against Apache's C++ library.

Every pair of client and server, ours (tests/crosstest's `test_client` / `test_server`) and
Apache's C++ library 0.17 (our C++ cross-test peers in tests/crosstest/cpp, on Debian's
libthrift), calls `testString("hello world")` over TCP on 127.0.0.1: the clients' `--bench=N`
mode times N calls on one connection after 100 to warm up. The cases run in turn, round
after round, so that each sees the same machine; the table gives the median time per call.

Usage:

    cargo build --release -p crosstest --bins
    python3 bench/peers.py [--rounds 7] [--calls 3000]

The C++ peers are built (about half a minute) into bench/target/cpp-peers on the first run.
"""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))

# (label, arguments both sides take)
STACKS = [
    ("framed binary", ["--transport=framed", "--protocol=binary"]),
    ("THeader binary", ["--transport=buffered", "--protocol=header"]),
    ("HTTP binary", ["--transport=http", "--protocol=binary"]),
]


def peers():
    cpp = ROOT / "bench" / "target" / "cpp-peers"
    if not (cpp / "bin" / "test_client").exists():
        subprocess.run(["bash", str(ROOT / "tests/crosstest/cpp/build.sh"), str(cpp)], check=True)
    ours = TARGET / "release"
    for exe in ("test_server", "test_client"):
        if not (ours / exe).exists():
            raise SystemExit(f"{ours / exe} is missing: cargo build --release -p crosstest --bins")
    return {
        "ours": (ours / "test_server", ours / "test_client"),
        "c++": (cpp / "bin" / "test_server", cpp / "bin" / "test_client"),
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, server):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.args}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                if s.getsockname() != s.getpeername():
                    return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"server not listening: {server.args}")


def run_case(bins, server_impl, client_impl, args, calls):
    """Time per call in µs of one client run against a fresh server."""
    port = free_port()
    server = subprocess.Popen(
        [str(bins[server_impl][0]), f"--port={port}", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, server)
        out = subprocess.run(
            [str(bins[client_impl][1]), "--host=127.0.0.1", f"--port={port}", *args,
             f"--bench={calls}"],
            check=True, capture_output=True, text=True, timeout=300,
        ).stdout
    finally:
        server.send_signal(signal.SIGHUP)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    m = re.search(r"([0-9.]+)µs per call", out)
    if not m:
        raise SystemExit(f"no timing in: {out!r}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    bins = peers()
    pairs = [(c, s) for c in ("ours", "c++") for s in ("ours", "c++")]
    cases = [(stack, c, s) for stack, _ in STACKS for c, s in pairs]
    flags = dict(STACKS)
    times = {case: [] for case in cases}
    for r in range(args.rounds):
        # Alternate the order so that no case always follows the same one.
        for case in (cases if r % 2 == 0 else reversed(cases)):
            stack, client, server = case
            times[case].append(run_case(bins, server, client, flags[stack], args.calls))

    print(f"TCP, testString(\"hello world\"): median µs per call over {args.rounds} "
          f"alternating rounds of {args.calls} calls\n")
    print("| stack | ours → ours | ours → C++ | C++ → ours | C++ → C++ | ours÷C++ (both sides) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for stack, _ in STACKS:
        med = {(c, s): statistics.median(times[(stack, c, s)]) for c, s in pairs}
        print(f"| {stack} | {med[('ours', 'ours')]:.1f} | {med[('ours', 'c++')]:.1f} | "
              f"{med[('c++', 'ours')]:.1f} | {med[('c++', 'c++')]:.1f} | "
              f"{med[('ours', 'ours')] / med[('c++', 'c++')]:.2f}× |")
    framed = statistics.median(times[("framed binary", "ours", "ours")])
    header = statistics.median(times[("THeader binary", "ours", "ours")])
    print(f"\nours → ours, THeader ÷ framed: {header / framed:.2f}×")


if __name__ == "__main__":
    main()
