#!/usr/bin/env bash
# Every benchmark behind BENCHMARKS.md, in one command (about 25 minutes on two cores):
#
#   ./scripts/bench.sh
#
# 1. the criterion benchmarks and the codec comparison (`cargo bench --features codec`);
# 2. the RPC tables from criterion's output (`bench/report.py`);
# 3. the interleaved latency measurements over Unix and TCP (`bench/interleaved.py`);
# 4. code generation and the compile time of the generated code (`examples/codegen`).
#
# Results: criterion's reports and `codec-bench/*.md` under the bench target directory
# (`$CARGO_TARGET_DIR`, default `bench/target`), and `bench-results.md` there, which collects
# the tables of steps 2–4. Needs Apache's compiler (`apt-get install thrift-compiler`) and
# network access to crates.io for the first build. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs="${CARGO_BUILD_JOBS:-2}"
target="${CARGO_TARGET_DIR:-bench/target}"
manifest=bench/Cargo.toml
summary="$target/bench-results.md"

if ! command -v thrift >/dev/null 2>&1 && [ -z "${THRIFT:-}" ]; then
  echo "bench: Apache Thrift's compiler is missing (apt-get install thrift-compiler)" >&2
  exit 1
fi

cargo bench -j "$jobs" --manifest-path "$manifest" --features codec
cargo build -j "$jobs" --release --manifest-path "$manifest" --example calls

mkdir -p "$target"
{
  echo "# Benchmark results ($(date -u +%Y-%m-%d))"
  echo
  echo "## RPC (criterion)"
  echo
  python3 bench/report.py "$target"
  echo
  echo "## RPC latency, interleaved"
  echo
  python3 bench/interleaved.py --socket unix "$target"
  echo
  python3 bench/interleaved.py --socket tcp "$target"
  echo
  cargo run -q -j "$jobs" --release --manifest-path "$manifest" --features codec --example codegen -- --runs 3
} | tee "$summary"

echo
echo "bench: codec tables in $target/codec-bench/results.md, the rest in $summary"
