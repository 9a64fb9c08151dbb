#!/usr/bin/env bash
# Installs the interoperability peers the tests compare against, when they are missing:
# Apache Thrift 0.17 from Debian (the `thrift` compiler, its Python module, its C++ library and
# what compiling against it needs, TLS and zlib included). PyPI's `thrift` is installed into a
# venv by the vector scripts themselves (scripts/vectors.sh).
#
# Needs root (or sudo) only when something is missing.
set -euo pipefail

missing=()
command -v thrift >/dev/null 2>&1 || missing+=(thrift-compiler)
/usr/bin/python3 -c 'import thrift' >/dev/null 2>&1 || missing+=(python3-thrift)
pkg-config --exists thrift >/dev/null 2>&1 || missing+=(libthrift-dev pkg-config)
[ -e /usr/include/boost/version.hpp ] || missing+=(libboost-dev)
# The C++ cross-test peers (tests/crosstest/cpp) link TSSLSocket's OpenSSL and libthriftz's zlib;
# the interop suite makes its test certificates with the openssl command.
[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -eq 0 ]; then
    echo "test dependencies present"
    exit 0
fi

echo "installing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "cannot install ${missing[*]}: not root and no sudo" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
