#!/bin/sh
# Regenerates thrift-rt/tests/vectors/*.txt from Apache Thrift's Python library.
# Installs the pinned `thrift` package into .venv-vectors on first use.
set -eu
cd "$(dirname "$0")/.."
VENV=.venv-vectors
THRIFT_PY_VERSION=0.22.0
if ! "$VENV/bin/python" -c "import thrift" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "thrift==$THRIFT_PY_VERSION"
fi
"$VENV/bin/python" scripts/gen_vectors.py
