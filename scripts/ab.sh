#!/usr/bin/env bash
# A change measured against an earlier commit, both builds run in alternation in one go:
#
#   ./scripts/ab.sh [--rounds N] [--quick] [--out FILE] BASE [HEAD]
#
# BASE (required) and HEAD are commits; HEAD defaults to the working tree as it is,
# uncommitted changes included. Cases: RPC latency of ours (`examples/calls`: unix and tcp ×
# buffered and framed × string and binary) and our codec (`examples/codec_calls`: encode and
# decode × binary and compact × every workload of the codec benchmark). Every case runs on
# both sides back to back, round after round (default 7 rounds of about 300 ms per run), and
# a Markdown table gives the medians, the interquartile ranges, head/base, and whether head
# is more than 3 % slower beyond the ranges (see bench/ab.py).
#
# Why interleaved: on a shared machine the load drifts over minutes, so two benchmark runs
# made one after the other differ by more than most changes do; alternating the two builds
# exposes both to the same load.
#
# Commits are checked out as git worktrees under /tmp/thrift-ab (kept, so that a second run
# rebuilds little; `git worktree remove --force /tmp/thrift-ab/base` drops one). Each tree
# builds into its own target directory (/tmp/thrift-ab/target-NAME; the working tree uses
# `${CARGO_TARGET_DIR:-bench/target}`). An older commit lacks `examples/codec_calls.rs`: this
# tree's copy is put into every checked-out commit (overwriting any it has), so both sides run
# the same driver. It only uses what both sides have (the generated types, the protocol
# readers and writers, `benches/codec/idl.rs`). `--quick`: 3 rounds of about 20 ms per run, a
# smoke test. Build parallelism: CARGO_BUILD_JOBS, default 2.
set -euo pipefail
caller_dir=$PWD
cd "$(dirname "$0")/.."
repo=$PWD

usage() {
  echo "usage: scripts/ab.sh [--rounds N] [--quick] [--out FILE] BASE [HEAD]" >&2
  exit 2
}

rounds=7
target_ms=300
out=""
revs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [ $# -ge 2 ] || usage; rounds=$2; shift 2 ;;
    --quick) rounds=3; target_ms=20; shift ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "ab: unknown option $1" >&2; usage ;;
    *) revs+=("$1"); shift ;;
  esac
done
[ ${#revs[@]} -ge 1 ] && [ ${#revs[@]} -le 2 ] || usage
case "$out" in ""|/*) ;; *) out=$caller_dir/$out ;; esac  # relative to where we were called

jobs="${CARGO_BUILD_JOBS:-2}"
work=/tmp/thrift-ab
driver=bench/examples/codec_calls.rs

if ! command -v thrift >/dev/null 2>&1 && [ -z "${THRIFT:-}" ]; then
  echo "ab: Apache Thrift's compiler is missing (apt-get install thrift-compiler)" >&2
  exit 1
fi

# Checks out commit $2 as the worktree $work/$1 (reusing it if there: a checkout only touches
# the files that differ, so cargo rebuilds only what changed), with this tree's driver copied
# in. Prints the tree's path.
checkout() {
  local name=$1 commit=$2 dir=$work/$1
  git worktree prune  # forget worktrees whose directory has gone (e.g. /tmp was cleared)
  if [ -e "$dir/.git" ]; then
    git -C "$dir" checkout -q --force --detach "$commit"
  else
    rm -rf "$dir"
    mkdir -p "$work"
    git worktree add -q --detach "$dir" "$commit"
  fi
  if [ ! -e "$dir/bench/benches/codec/idl.rs" ]; then
    echo "ab: $commit has no bench/benches/codec/idl.rs, which the codec driver needs" >&2
    exit 1
  fi
  cp "$driver" "$dir/$driver"
  echo "$dir"
}

# Builds both examples of the tree $1 into the target directory $2. `--features codec`
# generates the codec workloads' types (bench/build_codec.rs).
build() {
  echo "ab: building $1 (target $2)" >&2
  CARGO_TARGET_DIR=$2 cargo build -q -j "$jobs" --release --manifest-path "$1/bench/Cargo.toml" \
    --features codec --example calls --example codec_calls
}

resolve() {
  git rev-parse --verify --quiet "$1^{commit}" || { echo "ab: no commit $1" >&2; exit 1; }
}

base=$(resolve "${revs[0]}")
base_name=$(git rev-parse --short "$base")
base_tree=$(checkout base "$base")
base_target=$work/target-base

if [ ${#revs[@]} -eq 2 ]; then
  head=$(resolve "${revs[1]}")
  head_name=$(git rev-parse --short "$head")
  head_tree=$(checkout head "$head")
  head_target=$work/target-head
else
  head_name="working tree ($(git rev-parse --short HEAD)$([ -z "$(git status --porcelain)" ] || echo ' + changes'))"
  head_tree=$repo
  head_target=${CARGO_TARGET_DIR:-$repo/bench/target}
fi

build "$base_tree" "$base_target"
build "$head_tree" "$head_target"

args=(--rounds "$rounds" --target-ms "$target_ms" --base-name "$base_name" --head-name "$head_name")
[ -z "$out" ] || args+=(--out "$out")
python3 bench/ab.py "${args[@]}" "$base_target/release/examples" "$head_target/release/examples"
echo "ab: $SECONDS s in all" >&2
