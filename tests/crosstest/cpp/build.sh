#!/bin/sh
# Builds the C++ cross-test peers into OUT_DIR/bin/{test_server,test_client}:
#   tests/crosstest/cpp/build.sh OUT_DIR
# Generates the C++ code for idl/cross_test.thrift with Debian's `thrift` compiler (0.17) into
# OUT_DIR/gen, compiles it once for both peers, and links against Debian's libthrift (with
# libthriftz for TZlibTransport and THeader). scripts/install-test-deps.sh installs what this
# needs. The interop suite (tests/interop.rs) calls it once per source hash; run it by hand to
# try the peers (see README.md).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
idl="$here/../../../idl/cross_test.thrift"
cxx=${CXX:-g++}
# -O1: the peers are not benchmarked here, and -O2 roughly doubles the build time of the
# large generated ThriftTest.cpp.
cxxflags=${CXXFLAGS:--std=c++17 -O1 -g0}

for tool in thrift "$cxx" pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "$0: \`$tool\` is missing: run scripts/install-test-deps.sh" >&2
        exit 1
    }
done
pkg-config --exists thrift-z || {
    echo "$0: Apache Thrift's C++ library (libthrift-dev) is missing: run scripts/install-test-deps.sh" >&2
    exit 1
}
# shellcheck disable=SC2046 # word splitting of pkg-config's output is intended
set -- $(pkg-config --cflags thrift-z)
cflags="$*"
set -- $(pkg-config --libs thrift-z)
libs="$* -lssl -lcrypto -lz -lpthread"

mkdir -p "$out/gen" "$out/obj" "$out/bin"
thrift --gen cpp:no_skeleton -out "$out/gen" "$idl"

objs=""
for src in "$out/gen/cross_test_types.cpp" "$out/gen/ThriftTest.cpp" "$out/gen/SecondService.cpp"; do
    obj="$out/obj/$(basename "$src" .cpp).o"
    # shellcheck disable=SC2086
    $cxx $cxxflags -w $cflags -c "$src" -o "$obj"
    objs="$objs $obj"
done
for peer in server client; do
    # shellcheck disable=SC2086
    $cxx $cxxflags -Wall -Wextra -Werror $cflags -I"$out/gen" -I"$here" \
        -c "$here/$peer.cpp" -o "$out/obj/$peer.o"
    # shellcheck disable=SC2086
    $cxx -o "$out/bin/test_$peer" "$out/obj/$peer.o" $objs $libs
done
