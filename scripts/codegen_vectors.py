#!/usr/bin/env python3
"""Encodings of generated types, written by Apache Thrift's own Python code, for tests/codegen.

Regenerate with:

    scripts/codegen_vectors.sh

That wrapper installs the pinned PyPI `thrift` package into .venv-vectors (as scripts/vectors.sh
does) and runs this script, which needs Apache's `thrift` compiler on the PATH (Debian:
`apt-get install -y thrift-compiler`, which scripts/install-test-deps.sh does). Running it twice
gives identical files; scripts/test-all.sh regenerates them and fails on any difference.

What it does: compiles idl/constructs.thrift with `thrift --gen py -r` into a temporary directory,
builds a fixed set of values with the generated classes, and writes each value's encoding with
the pure-Python TBinaryProtocol, TCompactProtocol and TJSONProtocol to

    tests/codegen/vectors/binary.txt, compact.txt, json.txt

one line per value: `<name> <bytes as lower-case hex>`, after two `#` comment lines. The Rust
test tests/codegen/tests/vectors.rs builds the same values by hand (tests/codegen/src/values.rs,
same names, same field values), decodes every line and compares the value, then encodes the value
and compares the bytes.

Each value below must match its namesake in values.rs field by field. The generated Python
writes a set or map in the iteration order of whatever it is given, while Rust's BTreeSet and
BTreeMap write in sorted order, so sets are given here as lists and maps as `Pairs`, both in
Rust's sorted order (doubles by IEEE total order, structs field by field). Every non-optional
field is set explicitly: the Python code skips a field that is None, while Rust always writes
non-optional fields.
"""

import os
import subprocess
import sys
import tempfile

from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.TCompactProtocol import TCompactProtocol
from thrift.protocol.TJSONProtocol import TJSONProtocol
from thrift.transport.TTransport import TMemoryBuffer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
IDL = os.path.join(ROOT, "idl", "constructs.thrift")
OUT_DIR = os.path.join(ROOT, "tests", "codegen", "vectors")
PROTOCOLS = [("binary", TBinaryProtocol), ("compact", TCompactProtocol), ("json", TJSONProtocol)]


def thrift_python_version():
    from importlib.metadata import version

    return version("thrift")


def compiler_version():
    out = subprocess.run(["thrift", "--version"], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def generate_python(out_dir):
    # The compiler warns about the i64::MIN constant, which is expected: show its output only
    # when it fails.
    done = subprocess.run(
        ["thrift", "--gen", "py", "-r", "-out", out_dir, IDL],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if done.returncode != 0:
        sys.exit("thrift --gen py failed:\n" + done.stdout)
    sys.path.insert(0, out_dir)


class Pairs:
    """A map for the generated `write` methods: `items()` in the given order, and `len()`.

    Lets struct keys (which the generated classes do not make hashable) be map keys, and fixes
    the order to Rust's.
    """

    def __init__(self, *pairs):
        self.pairs = list(pairs)

    def items(self):
        return iter(self.pairs)

    def __len__(self):
        return len(self.pairs)


def build_values():
    """The values of tests/codegen/src/values.rs, in the order of its `NAMES`."""
    from base.ttypes import Point
    from constructs.ttypes import (
        Color,
        Conflict,
        Containers,
        Defaults,
        Failure,
        Node,
        Ping,
        Pong,
        Sample,
        Samples,
        Scalars,
        Shape,
        Tree,
    )

    def scalars_full():
        return Scalars(
            b=True,
            i8v=-128,
            i16v=32767,
            i32v=-2147483648,
            i64v=9223372036854775807,
            dv=0.1,
            s='h\u00e9llo "w" \\ \n\t\u0001 \U0001f600',
            bin=bytes([0x00, 0x01, 0x02, 0xFE, 0xFF]),
            req=7,
            opt=-5,
            at=1700000000000,
            deadline=42,
        )

    def scalars_minimal():
        return Scalars(
            b=False, i8v=0, i16v=0, i32v=0, i64v=0, dv=0.0, s="", bin=b"", req=0, opt=None, at=0,
            deadline=None,
        )

    def sample(value, label):
        return Sample(value=value, label=label)

    def leaf(label):
        return Tree(label=label, children=[])

    values = [
        ("point", Point(x=-1, y=2)),
        ("scalars_full", scalars_full()),
        ("scalars_minimal", scalars_minimal()),
        (
            "defaults_idl",
            Defaults(
                n=7,
                s="seven",
                d=7.5,
                flag=True,
                color=Color.GREEN,
                nums=[1, 2, 3],
                nested=Pairs(("a", [1]), ("b", [])),
                where=Point(x=7, y=8),
                # Optional: absent, although the IDL gives it a default (Python alone would
                # write it; Apache's C++ and Java leave it unset).
                maybe=None,
                small=[1, 2, 3],
                blob=b"raw",
            ),
        ),
        (
            "defaults_custom",
            Defaults(
                n=-1,
                s="",
                d=-0.0,
                flag=False,
                color=Color.NEGATIVE,
                nums=[],
                nested=Pairs(("z", [-1, 0, 1])),
                where=Point(x=0, y=-8),
                maybe="here",
                small=[-32768, 32767],
                blob=bytes([0xFF] * 4),
            ),
        ),
        (
            "containers_full",
            Containers(
                longs=[-9223372036854775808, 0, 9223372036854775807],
                strings=["", "x", "\u00fcn\u00ef"],
                ints=[-1, 0, 5],
                points=Pairs(("a", Point(x=1, y=2)), ("b", Point(x=-3, y=4))),
                grid=[[1, 2], [], [3]],
                deep=Pairs((-7, Pairs()), (1, Pairs(("a", [Color.RED, Color.BLUE]), ("b", [])))),
                reals=[-2.5, -0.0, 0.1, 1e100],
                by_real=Pairs((-1.0, "minus one"), (0.5, "half"), (3.25, "")),
                blobs=[b"", b"\x00", b"abc", b"\xff\xfe"],
                bools=[True, False, True],
                doubles=[1.0, -0.5, 1e-300, 123456.789],
                # 99 is not a Color the IDL declares.
                colors=[Color.NEGATIVE, Color.RED, Color.GREEN, 99],
            ),
        ),
        (
            "containers_empty",
            Containers(
                longs=[], strings=[], ints=[], points=Pairs(), grid=[], deep=Pairs(), reals=[],
                by_real=Pairs(), blobs=[], bools=[], doubles=[], colors=[],
            ),
        ),
        (
            "samples",
            Samples(
                unique=[sample(-1.0, "z"), sample(0.5, "a"), sample(0.5, "b")],
                counts=Pairs((sample(1.0, "one"), 1), (sample(2.0, "two"), 2)),
            ),
        ),
        ("shape_circle", Shape(circle=2.5)),
        ("shape_point", Shape(point=Point(x=3, y=4))),
        ("shape_polygon", Shape(polygon=[Point(x=0, y=0), Point(x=1, y=0), Point(x=0, y=1)])),
        ("shape_scaled", Shape(scaled=Shape(scaled=Shape(circle=1.0)))),
        ("node_chain", Node(value=1, next=Node(value=2, next=Node(value=3, next=None)))),
        ("tree", Tree(label="root", children=[leaf("a"), Tree(label="b", children=[leaf("c")])])),
        ("ping_pong", Ping(pong=Pong(ping=Ping(pong=Pong(ping=None))))),
        ("failure", Failure(message="boom", code=503)),
        ("conflict", Conflict(message="taken", current=scalars_full())),
        ("conflict_no_message", Conflict(message=None, current=scalars_minimal())),
    ]
    return values


def encode(protocol_class, value):
    buf = TMemoryBuffer()
    value.write(protocol_class(buf))
    return buf.getvalue()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        generate_python(tmp)
        values = build_values()
    header = (
        "# Generated by scripts/codegen_vectors.py: Apache Thrift's Python library {} running "
        "code generated by {} from idl/constructs.thrift.\n"
        "# Do not edit; regenerate with scripts/codegen_vectors.sh. One value per line: name, "
        "then its encoding in hex.\n"
    ).format(thrift_python_version(), compiler_version())
    os.makedirs(OUT_DIR, exist_ok=True)
    for protocol_name, protocol_class in PROTOCOLS:
        path = os.path.join(OUT_DIR, protocol_name + ".txt")
        lines = [header]
        for name, value in values:
            lines.append("{} {}\n".format(name, encode(protocol_class, value).hex()))
        with open(path + ".tmp", "w", newline="\n") as f:
            f.writelines(lines)
        os.replace(path + ".tmp", path)
        print("wrote", os.path.relpath(path, ROOT))


if __name__ == "__main__":
    main()
