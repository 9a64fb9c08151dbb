#!/usr/bin/env python3
"""THeader ÷ framed binary, ours against ours: `pair_ratio.py` with THeader's defaults.

Runs `examples/calls ours-header …` (THeader, binary payload, the thread-pool server in
one-port mode) against `examples/calls ours … framed` (framed binary), Unix socket and TCP,
string and 4 KiB binary, in paired rounds (see pair_ratio.py), wall and CPU time.

Usage (after `cargo build --release --manifest-path bench/Cargo.toml --example calls`):

    python3 bench/header_ratio.py [--rounds 25] [--calls 4000] [TARGET_DIR]
"""

from pair_ratio import main

if __name__ == "__main__":
    main({"base": ("ours", "framed"), "head": ("ours-header", "framed")})
