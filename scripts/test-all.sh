#!/usr/bin/env bash
# Runs every test of the workspace, as CI does. Installs what the tests need when it is missing.
#
#   ./scripts/test-all.sh
#
# Heavy comparison benchmarks and long fuzzing runs are not part of this (a one-minute fuzz
# smoke run is); see CONTRIBUTING.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
jobs="${CARGO_BUILD_JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

# Peers and tools the tests rely on, installed once.
if [ -x scripts/install-test-deps.sh ]; then
  step "installing test dependencies"
  scripts/install-test-deps.sh
fi

# The byte vectors the protocol tests compare against come from Apache's own libraries.
# Regenerate them here and fail if they differ from the committed ones, so the tests always
# agree with the real thing, not with a stale copy.
step "interop vectors: regenerate from Apache Thrift's libraries"
scripts/vectors.sh
git diff --exit-code --stat -- thrift-rt/tests/vectors
scripts/codegen_vectors.sh
git diff --exit-code --stat -- tests/codegen/vectors

step "formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "lints (cargo clippy -D warnings)"
cargo clippy -j"$jobs" --workspace --all-targets -- -D warnings

step "tests (cargo test --workspace)"
cargo test -j"$jobs" --workspace

step "fuzz smoke run: every fuzz target for a few seconds (scripts/fuzz-smoke.sh)"
scripts/fuzz-smoke.sh

step "docs build without warnings"
RUSTDOCFLAGS="-D warnings" cargo doc -j"$jobs" --workspace --no-deps --quiet

step "all tests passed"
