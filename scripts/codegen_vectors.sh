#!/bin/sh
# Regenerates tests/codegen/vectors/*.txt: values of the types in idl/constructs.thrift, encoded
# by Apache Thrift's Python library with Python code from Apache's compiler. See the docstring of
# scripts/codegen_vectors.py.
#
# Needs Apache's `thrift` compiler (Debian: apt-get install -y thrift-compiler; installed by
# scripts/install-test-deps.sh). The pinned PyPI `thrift` package is installed into
# .venv-vectors on first use, with the same pin as scripts/vectors.sh.
set -eu
cd "$(dirname "$0")/.."
VENV=.venv-vectors
THRIFT_PY_VERSION=0.25.0
if ! command -v thrift >/dev/null; then
    echo "Apache's thrift compiler is missing: run scripts/install-test-deps.sh" >&2
    echo "(or apt-get install -y thrift-compiler)" >&2
    exit 1
fi
if [ "$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("thrift"))' 2>/dev/null)" != "$THRIFT_PY_VERSION" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "thrift==$THRIFT_PY_VERSION"
fi
"$VENV/bin/python" scripts/codegen_vectors.py
