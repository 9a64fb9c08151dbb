#!/usr/bin/env python3
"""Generate byte-exact test vectors for thrift-rt from Apache Thrift's Python library.

Each case is a sequence of protocol calls (writeStructBegin, writeFieldBegin, ...). The script
runs it through Apache's TBinaryProtocol (strict and non-strict), TCompactProtocol and
TJSONProtocol, and writes, per protocol, the call sequence and the bytes Apache produced into
thrift-rt/tests/vectors/<protocol>.txt. The Rust test `tests/vectors.rs` replays the same calls
through our writers (and compares bytes) and through our readers (and compares values).

File format, one record per case:

    case <name>
    flags <flag>...        (optional; decode_only = our writer differs on purpose, see note)
    note <text>            (optional)
    ops <op>;<op>;...
    hex <bytes as hex>

Ops: message_begin <name-hex> <type> <seqid> | message_end | struct_begin | struct_end |
field_begin <type> <id> | field_end | field_stop | list_begin <type> <n> | list_end |
set_begin <type> <n> | set_end | map_begin <ktype> <vtype> <n> | map_end | bool <0|1> |
i8 <v> | i16 <v> | i32 <v> | i64 <v> | double <ieee754 bits as 16 hex digits> |
string <utf8-hex> | binary <hex> | uuid <16 bytes as hex>. Types are binary-protocol type ids.

Run: scripts/vectors.sh (installs the `thrift` Python package into .venv-vectors if needed).

With `--cpp-json-ops`, the script instead prints the JSON cases (case and ops lines only, no
bytes) for scripts/json_vectors.cpp, which replays them through Apache's C++ TJSONProtocol. That
covers what Python cannot write: Python writes NaN and infinities as bare `nan`/`inf`, which is
not JSON; C++ writes the strings "NaN", "Infinity" and "-Infinity".
"""

import math
import os
import struct
import sys
import uuid

import thrift
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.protocol.TCompactProtocol import TCompactProtocol
from thrift.protocol.TJSONProtocol import TJSONProtocol
from thrift.Thrift import TMessageType, TType
from thrift.transport.TTransport import TMemoryBuffer

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "thrift-rt", "tests", "vectors")

try:
    from importlib.metadata import version as _version

    THRIFT_VERSION = _version("thrift")
except Exception:  # pragma: no cover - very old Pythons
    THRIFT_VERSION = getattr(thrift, "__version__", "unknown")


def dbl_bits(v):
    return struct.pack(">d", v).hex()


class Recorder:
    """Calls a protocol and records the calls as ops."""

    def __init__(self, proto):
        self.p = proto
        self.ops = []

    def op(self, text):
        self.ops.append(text)

    def message_begin(self, name, mtype, seqid):
        self.op("message_begin %s %d %d" % (name.encode("utf-8").hex(), mtype, seqid))
        self.p.writeMessageBegin(name, mtype, seqid)

    def message_end(self):
        self.op("message_end")
        self.p.writeMessageEnd()

    def struct_begin(self, name="S"):
        self.op("struct_begin")
        self.p.writeStructBegin(name)

    def struct_end(self):
        self.op("field_stop")
        self.p.writeFieldStop()
        self.op("struct_end")
        self.p.writeStructEnd()

    def field(self, ttype, fid, value_fn):
        self.op("field_begin %d %d" % (ttype, fid))
        self.p.writeFieldBegin("f%d" % fid, ttype, fid)
        value_fn()
        self.op("field_end")
        self.p.writeFieldEnd()

    def list(self, etype, items, elem_fn, kind="list"):
        self.op("%s_begin %d %d" % (kind, etype, len(items)))
        if kind == "list":
            self.p.writeListBegin(etype, len(items))
        else:
            self.p.writeSetBegin(etype, len(items))
        for item in items:
            elem_fn(item)
        self.op("%s_end" % kind)
        if kind == "list":
            self.p.writeListEnd()
        else:
            self.p.writeSetEnd()

    def map(self, ktype, vtype, pairs, key_fn, val_fn):
        self.op("map_begin %d %d %d" % (ktype, vtype, len(pairs)))
        self.p.writeMapBegin(ktype, vtype, len(pairs))
        for k, v in pairs:
            key_fn(k)
            val_fn(v)
        self.op("map_end")
        self.p.writeMapEnd()

    def bool(self, v):
        self.op("bool %d" % (1 if v else 0))
        self.p.writeBool(v)

    def i8(self, v):
        self.op("i8 %d" % v)
        self.p.writeByte(v)

    def i16(self, v):
        self.op("i16 %d" % v)
        self.p.writeI16(v)

    def i32(self, v):
        self.op("i32 %d" % v)
        self.p.writeI32(v)

    def i64(self, v):
        self.op("i64 %d" % v)
        self.p.writeI64(v)

    def double(self, v):
        self.op("double %s" % dbl_bits(v))
        self.p.writeDouble(v)

    def string(self, v):
        self.op("string %s" % v.encode("utf-8").hex())
        self.p.writeString(v)

    def binary(self, v):
        self.op("binary %s" % v.hex())
        self.p.writeBinary(v)

    def uuid(self, v):
        self.op("uuid %s" % v.bytes.hex())
        self.p.writeUuid(v)


class NullProtocol:
    """Accepts every write call and writes nothing: used to record ops only."""

    def __getattr__(self, name):
        return lambda *args: None


# ---------------------------------------------------------------------------------------------
# Cases. Each takes a Recorder and the protocol name; returns a list of flags (may be empty) or
# None to say "not for this protocol".

SPECIAL_DOUBLES = [
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("neg_inf", float("-inf")),
    ("neg_zero", -0.0),
    ("zero", 0.0),
    ("subnormal_min", 5e-324),
    ("subnormal", 2.2250738585072009e-308),
    ("normal_min", 2.2250738585072014e-308),
    ("max", 1.7976931348623157e308),
    ("tenth", 0.1),
    ("third", 1.0 / 3.0),
    ("big", 1e100),
    ("small", 1.5e-7),
    ("int_like", 12345678.0),
    ("e16", 1e16),
    ("e17", 1e17),
]


def case_base_types(r, proto):
    r.struct_begin("Base")
    r.field(TType.BOOL, 1, lambda: r.bool(True))
    r.field(TType.BOOL, 2, lambda: r.bool(False))
    r.field(TType.BYTE, 3, lambda: r.i8(-128))
    r.field(TType.BYTE, 4, lambda: r.i8(127))
    r.field(TType.I16, 5, lambda: r.i16(-32768))
    r.field(TType.I16, 6, lambda: r.i16(32767))
    r.field(TType.I32, 7, lambda: r.i32(-2147483648))
    r.field(TType.I32, 8, lambda: r.i32(2147483647))
    r.field(TType.I64, 9, lambda: r.i64(-9223372036854775808))
    r.field(TType.I64, 10, lambda: r.i64(9223372036854775807))
    r.field(TType.DOUBLE, 11, lambda: r.double(-1.5))
    r.field(TType.STRING, 12, lambda: r.string("hello"))
    r.field(TType.STRING, 13, lambda: r.string(""))
    r.field(TType.I32, 14, lambda: r.i32(0))
    r.field(TType.I64, 15, lambda: r.i64(-1))
    r.field(TType.I16, 16, lambda: r.i16(300))
    r.struct_end()
    return []


def case_binary_values(r, proto):
    r.struct_begin("Bin")
    r.field(TType.STRING, 1, lambda: r.binary(bytes(range(256))))
    r.field(TType.STRING, 2, lambda: r.binary(b""))
    r.field(TType.STRING, 3, lambda: r.binary(b"\x01"))
    r.field(TType.STRING, 4, lambda: r.binary(b"\x01\x02"))
    r.field(TType.STRING, 5, lambda: r.binary(b"\x01\x02\x03"))
    r.struct_end()
    # Python pads base64; Apache C++ (and we) write it unpadded. Readers accept both.
    return ["decode_only"] if proto == "json" else []


def case_field_ids(r, proto):
    r.struct_begin("Ids")
    r.field(TType.I32, 1, lambda: r.i32(1))
    r.field(TType.I32, 16, lambda: r.i32(16))  # delta 15: still short form
    r.field(TType.I32, 32, lambda: r.i32(32))  # delta 16: long form
    r.field(TType.BOOL, 33, lambda: r.bool(True))
    r.field(TType.BOOL, 100, lambda: r.bool(False))  # bool with long-form header
    r.field(TType.I32, 7, lambda: r.i32(7))  # backwards
    r.field(TType.I32, -1, lambda: r.i32(-1))  # negative id
    r.field(TType.I32, 32767, lambda: r.i32(2))
    r.field(TType.I32, -32768, lambda: r.i32(3))
    r.struct_end()
    return []


def case_empty_struct(r, proto):
    r.struct_begin("Empty")
    r.struct_end()
    return []


def case_nested_structs(r, proto):
    def inner(depth):
        r.struct_begin("N")
        r.field(TType.I32, 1, lambda: r.i32(depth))
        if depth < 4:
            r.field(TType.STRUCT, 20, lambda: inner(depth + 1))
        r.field(TType.STRING, 2, lambda: r.string("d%d" % depth))
        r.struct_end()

    inner(0)
    return []


def case_union(r, proto):
    r.struct_begin("U")
    r.field(TType.STRING, 3, lambda: r.string("only field"))
    r.struct_end()
    return []


def case_unknown_fields(r, proto):
    # A newer writer's struct: a reader that knows only field 1 must skip the rest.
    r.struct_begin("V2")
    r.field(TType.I32, 1, lambda: r.i32(42))
    r.field(TType.MAP, 9, lambda: r.map(TType.STRING, TType.LIST, [("a", [1, 2]), ("b", [])],
                                        r.string,
                                        lambda v: r.list(TType.I64, v, r.i64)))
    r.field(TType.SET, 10, lambda: r.list(TType.DOUBLE, [0.5, 2.0], r.double, kind="set"))
    r.field(TType.STRUCT, 11, lambda: (r.struct_begin("X"),
                                       r.field(TType.BOOL, 1, lambda: r.bool(True)),
                                       r.field(TType.LIST, 2, lambda: r.list(TType.BOOL, [True, False, True], r.bool)),
                                       r.struct_end()))
    r.field(TType.BYTE, 12, lambda: r.i8(-3))
    r.field(TType.I16, 13, lambda: r.i16(-300))
    r.struct_end()
    return []


def case_missing_fields(r, proto):
    # Fields 1, 2 and 4 of a five-field struct are absent.
    r.struct_begin("Sparse")
    r.field(TType.STRING, 3, lambda: r.string("three"))
    r.field(TType.I64, 5, lambda: r.i64(5))
    r.struct_end()
    return []


def case_containers(r, proto):
    r.struct_begin("C")
    r.field(TType.LIST, 1, lambda: r.list(TType.I32, [], r.i32))
    r.field(TType.LIST, 2, lambda: r.list(TType.I32, [1, -1, 300], r.i32))
    r.field(TType.LIST, 3, lambda: r.list(TType.I64, list(range(-10, 10)), r.i64))  # 20 > 14
    r.field(TType.LIST, 4, lambda: r.list(TType.STRING, ["s%d" % i for i in range(15)], r.string))
    r.field(TType.LIST, 5, lambda: r.list(TType.I32, list(range(200)), r.i32))  # varint size
    r.field(TType.SET, 6, lambda: r.list(TType.I16, [3, 1, 2], r.i16, kind="set"))
    r.field(TType.SET, 7, lambda: r.list(TType.STRING, [], r.string, kind="set"))
    r.field(TType.MAP, 8, lambda: r.map(TType.I32, TType.STRING, [], r.i32, r.string))
    r.field(TType.MAP, 9, lambda: r.map(TType.I32, TType.STRING, [(7, "x"), (-1, "y")], r.i32, r.string))
    r.field(TType.MAP, 10, lambda: r.map(TType.STRING, TType.I64, [("k%d" % i, i) for i in range(20)],
                                         r.string, r.i64))
    r.field(TType.LIST, 11, lambda: r.list(TType.LIST, [[1], [], [2, 3]],
                                           lambda v: r.list(TType.I32, v, r.i32)))
    r.field(TType.LIST, 12, lambda: r.list(TType.STRUCT, [1, 2],
                                           lambda v: (r.struct_begin("E"),
                                                      r.field(TType.I32, 1, lambda: r.i32(v)),
                                                      r.struct_end())))
    r.field(TType.LIST, 13, lambda: r.list(TType.BOOL, [True, False, False, True], r.bool))
    r.field(TType.MAP, 14, lambda: r.map(TType.BOOL, TType.DOUBLE, [(True, 1.5), (False, -2.0)],
                                         r.bool, r.double))
    r.field(TType.MAP, 15, lambda: r.map(TType.DOUBLE, TType.BYTE, [(0.25, 1)], r.double, r.i8))
    r.field(TType.MAP, 16, lambda: r.map(TType.I64, TType.MAP, [(1, [(2, [3])])], r.i64,
                                         lambda v: r.map(TType.I16, TType.SET, v, r.i16,
                                                         lambda s: r.list(TType.I32, s, r.i32, kind="set"))))
    r.field(TType.LIST, 17, lambda: r.list(TType.DOUBLE, [0.5, -0.25, 1e10], r.double))
    r.struct_end()
    return []


def case_strings(r, proto):
    r.struct_begin("Str")
    r.field(TType.STRING, 1, lambda: r.string("h\u00e9llo"))
    r.field(TType.STRING, 2, lambda: r.string("\u65e5\u672c\u8a9e"))
    r.field(TType.STRING, 3, lambda: r.string("\U0001f600 emoji"))
    r.field(TType.STRING, 4, lambda: r.string("quote\" backslash\\ slash/ nl\n tab\t cr\r bs\b ff\f"))
    r.field(TType.STRING, 5, lambda: r.string("x" * 300))
    r.struct_end()
    return []


UUIDS = [
    uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
    uuid.UUID("00000000-0000-0000-0000-000000000000"),
    uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
    uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
]


def case_uuid(r, proto):
    if proto == "cpp_json":
        return None  # Apache C++ 0.17 has no uuid.
    r.struct_begin("Ids")
    r.field(TType.UUID, 1, lambda: r.uuid(UUIDS[0]))
    r.field(TType.UUID, 2, lambda: r.uuid(UUIDS[1]))
    r.field(TType.LIST, 3, lambda: r.list(TType.UUID, UUIDS, r.uuid))
    r.field(TType.MAP, 4, lambda: r.map(TType.UUID, TType.I32, [(UUIDS[2], 1), (UUIDS[3], 2)],
                                        r.uuid, r.i32))
    r.field(TType.UUID, 40, lambda: r.uuid(UUIDS[3]))  # long-form compact field header
    r.struct_end()
    return []


def is_special(value):
    return value != value or value in (float("inf"), float("-inf"))


def make_double_case(name, value):
    def case(r, proto):
        if proto == "json" and is_special(value):
            # Python writes bare nan/inf, which is not JSON and which no Apache reader accepts;
            # these come from Apache C++ instead (json_cpp.txt).
            return None
        r.struct_begin("D")
        r.field(TType.DOUBLE, 1, lambda: r.double(value))
        r.field(TType.LIST, 2, lambda: r.list(TType.DOUBLE, [value, value], r.double))
        r.struct_end()
        return []

    return ("double_" + name, case)


def many_doubles():
    """Doubles around every switch of %.17g between fixed and exponent notation, across the
    whole exponent range, ties (18 significant digits ending in 5) and a fixed pseudo-random
    sample of bit patterns."""
    values = [(2.0 ** 52 + i) / 4 for i in (1, 3, 5, 7)]
    values += [123456789012345.625, 123456789012345.875, 4503599627370495.5]
    for e in range(-8, 20):
        p = 10.0 ** e
        values += [p, math.nextafter(p, 0.0), math.nextafter(p, math.inf), -p * 1.25]
    values += [2.0 ** e for e in range(-1074, 1024, 37)]
    seed = 0x2545F4914F6CDD1D
    while len(values) < 400:
        seed = (seed * 6364136223846793005 + 1442695040888963407) % 2 ** 64
        v = struct.unpack(">d", struct.pack(">Q", seed))[0]
        if math.isfinite(v):
            values.append(v)
    return values


def case_many_doubles(r, proto):
    values = many_doubles()
    r.struct_begin("Many")
    r.field(TType.LIST, 1, lambda: r.list(TType.DOUBLE, values, r.double))
    r.struct_end()
    return []


def args_body(r):
    r.struct_begin("args")
    r.field(TType.I32, 1, lambda: r.i32(1))
    r.field(TType.STRING, 2, lambda: r.string("two"))
    r.struct_end()


def make_message_case(name, mtype, seqid, body):
    def case(r, proto):
        if proto == "compact" and seqid < 0:
            return None  # Python's compact writer loops forever on negative varints.
        r.message_begin(name, mtype, seqid)
        body(r)
        r.message_end()
        return []

    return case


def app_exception_body(r):
    r.struct_begin("TApplicationException")
    r.field(TType.STRING, 1, lambda: r.string("no such method"))
    r.field(TType.I32, 2, lambda: r.i32(1))
    r.struct_end()


def reply_body(r):
    r.struct_begin("result")
    r.field(TType.I64, 0, lambda: r.i64(1234567890123))
    r.struct_end()


CASES = [
    ("base_types", case_base_types),
    ("binary_values", case_binary_values),
    ("field_ids", case_field_ids),
    ("empty_struct", case_empty_struct),
    ("nested_structs", case_nested_structs),
    ("union", case_union),
    ("unknown_fields", case_unknown_fields),
    ("missing_fields", case_missing_fields),
    ("containers", case_containers),
    ("strings", case_strings),
    ("uuid", case_uuid),
    ("many_doubles", case_many_doubles),
] + [make_double_case(n, v) for n, v in SPECIAL_DOUBLES] + [
    ("message_call", make_message_case("add", TMessageType.CALL, 1, args_body)),
    ("message_reply", make_message_case("add", TMessageType.REPLY, 2147483647, reply_body)),
    ("message_exception", make_message_case("add", TMessageType.EXCEPTION, 0, app_exception_body)),
    ("message_oneway", make_message_case("ping", TMessageType.ONEWAY, 5, args_body)),
    ("message_negative_seqid", make_message_case("m", TMessageType.CALL, -1, args_body)),
    ("message_multiplexed_name", make_message_case("Calc:add", TMessageType.CALL, 9, args_body)),
    ("message_unicode_name", make_message_case("h\u00e9", TMessageType.CALL, 3, args_body)),
]

PROTOCOLS = {
    "binary": lambda t: TBinaryProtocol(t, strictRead=False, strictWrite=True),
    "binary_nonstrict": lambda t: TBinaryProtocol(t, strictRead=False, strictWrite=False),
    "compact": TCompactProtocol,
    "json": TJSONProtocol,
}


def print_cpp_json_ops():
    """Prints every JSON case as case/ops records for scripts/json_vectors.cpp."""
    for case_name, case in CASES:
        rec = Recorder(NullProtocol())
        if case(rec, "cpp_json") is None:
            continue
        print("case %s" % case_name)
        print("ops %s" % ";".join(rec.ops))


def main():
    if sys.argv[1:] == ["--cpp-json-ops"]:
        print_cpp_json_ops()
        return 0
    os.makedirs(OUT_DIR, exist_ok=True)
    for proto_name, make in PROTOCOLS.items():
        lines = [
            "# Generated by scripts/gen_vectors.py from Apache Thrift's Python library %s." % THRIFT_VERSION,
            "# Do not edit; regenerate with scripts/vectors.sh.",
        ]
        for case_name, case in CASES:
            if proto_name == "binary_nonstrict" and not case_name.startswith("message_"):
                continue  # Only message headers differ.
            buf = TMemoryBuffer()
            rec = Recorder(make(buf))
            flags = case(rec, proto_name)
            if flags is None:
                continue
            lines.append("case %s" % case_name)
            if flags:
                lines.append("flags %s" % " ".join(flags))
            lines.append("ops %s" % ";".join(rec.ops))
            lines.append("hex %s" % buf.getvalue().hex())
        path = os.path.join(OUT_DIR, proto_name + ".txt")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote %s" % os.path.relpath(path))


if __name__ == "__main__":
    sys.exit(main())
