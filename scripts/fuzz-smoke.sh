#!/usr/bin/env bash
# A short run of every fuzz target (about a minute in all, plus the first build), as CI does.
#
#   ./scripts/fuzz-smoke.sh                 # every target, FUZZ_SECONDS (10) each
#   FUZZ_SECONDS=600 ./scripts/fuzz-smoke.sh decode_json   # a longer run of one target
#
# Needs the nightly toolchain (cargo-fuzz builds with -Z sanitizer flags) and cargo-fuzz,
# which it installs from crates.io when missing. Corpora start from the repository's own
# test data (scripts/fuzz-seeds.py) and grow in fuzz/corpus/ (not committed); a crash is
# saved in fuzz/artifacts/<target>/ and fails the run. See CONTRIBUTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-10}"
jobs="${CARGO_BUILD_JOBS:-2}"
all_targets=(parse_idl decode_binary decode_compact decode_json framed_reader fd_framed_reader message_len capture_fields zlib_layer theader http_request endpoint_messages server_messages)
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=("${all_targets[@]}")
fi

if ! cargo +nightly --version >/dev/null 2>&1; then
  cat >&2 <<'MSG'
fuzz-smoke: the nightly Rust toolchain is missing (`cargo +nightly` does not run).
cargo-fuzz needs it. Install it where toolchains can be downloaded
(`rustup toolchain install nightly`) and bake it into the machine image: CI reaches
crates.io only, so it cannot fetch a toolchain itself.
MSG
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke: installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --locked
fi

python3 scripts/fuzz-seeds.py

cd fuzz
echo "fuzz-smoke: building the targets"
CARGO_BUILD_JOBS="$jobs" cargo +nightly fuzz build -O

failed=()
for target in "${targets[@]}"; do
  log="$(mktemp)"
  start=$SECONDS
  # -timeout: one input taking longer than 10 s is a hang; -rss_limit_mb: memory is bounded.
  if cargo +nightly fuzz run -O "$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz-smoke: $target: $runs runs in $((SECONDS - start)) s, no failure"
  else
    echo "fuzz-smoke: $target FAILED; the end of its log:"
    tail -40 "$log"
    failed+=("$target")
  fi
  rm -f "$log"
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz-smoke: failures in ${failed[*]} (inputs saved under fuzz/artifacts/)" >&2
  exit 1
fi
