#!/usr/bin/python3
"""Cross-test client (our own peer) on Apache Thrift's pure-Python library.

Calls every method of the ThriftTest service of idl/cross_test.thrift (and
SecondService in the multiplexed modes), compares every reply exactly, and
exits with the bit mask of shared/conformance/CROSSTEST.md:

    1 base types, 2 structs, 4 containers, 8 exceptions,
    64 could not prepare / connect, 128 a call timed out.

Each failing check prints one line to stderr.  The Python code for the IDL is
generated at run time (``thrift --gen py``) into the directory given by
``--genpydir`` (or the CROSSTEST_GENPYDIR environment variable).

Beyond what the generated Python client checks, every reply's message name and
sequence id are compared with the request's.  The sequence ids start at
2147483637 and wrap past INT32_MAX into negative values, as the C++ client's do.
"""

import argparse
import math
import os
import socket
import sys
import threading
import time

GENPYDIR_ENV = "CROSSTEST_GENPYDIR"

BASE, STRUCTS, CONTAINERS, EXCEPTIONS = 1, 2, 4, 8
UNKNOWN, TIMEOUT = 64, 128

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1

# A oneway call only writes; it must come back at once (the C++ client allows
# 200 ms, the Python one 3 s). Ours allows this much.
ONEWAY_LIMIT = 0.5


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(UNKNOWN)


def parse_args(argv):
    parser = ArgumentParser(description="Thrift cross-test client (Python, ours).",
                            allow_abbrev=False)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--domain-socket", dest="domain_socket", default=None,
                        help="connect to this Unix domain socket (host and port are ignored)")
    parser.add_argument("--transport", default="buffered",
                        choices=["buffered", "framed", "zlib", "http"])
    parser.add_argument("--zlib", action="store_true",
                        help="zlib over the transport (what --transport=zlib means)")
    parser.add_argument("--ssl", action="store_true",
                        help="TLS, verifying the server against CA.pem from --keys "
                             "and presenting client.crt/client.key")
    parser.add_argument("--keys", default=None,
                        help="directory of CA.pem, client.crt, client.key (default: "
                             "keys/ beside this script's directory)")
    parser.add_argument("--protocol", default="binary",
                        choices=["binary", "compact", "json", "multi", "multic", "multij",
                                 "header", "multih"])
    # Ours, for THeader (header, multih): the payload protocol of calls and
    # the zlib transform.
    parser.add_argument("--header-compact", dest="header_compact", action="store_true",
                        help="THeader calls in the compact protocol (default binary)")
    parser.add_argument("--header-zlib", dest="header_zlib", action="store_true",
                        help="THeader calls compressed with the zlib transform")
    parser.add_argument("-n", "--testloops", type=int, default=1,
                        help="run the whole suite this many times")
    parser.add_argument("--threads", type=int, default=1,
                        help="run the suite in this many threads, one connection each")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="socket timeout per call, in seconds (default 10)")
    parser.add_argument("--time-limit", dest="time_limit", type=float, default=25.0,
                        help="stop and fail after this many seconds in all "
                             "(default 25; 0 means no limit)")
    parser.add_argument("--genpydir", default=os.environ.get(GENPYDIR_ENV),
                        help="directory holding the generated package cross_test "
                             "(default: $%s)" % GENPYDIR_ENV)
    opts = parser.parse_args(argv)
    if not opts.genpydir:
        parser.error("--genpydir (or $%s) is required" % GENPYDIR_ENV)
    if opts.testloops < 1 or opts.threads < 1:
        parser.error("--testloops and --threads must be at least 1")
    if opts.timeout <= 0:
        parser.error("--timeout must be positive")
    if opts.transport == "zlib":
        opts.zlib = True
    if opts.zlib and opts.transport == "framed":
        parser.error("--zlib goes over the buffered transport only")
    if opts.keys is None:
        opts.keys = os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "keys")
    return opts


# --- value helpers -----------------------------------------------------------

def field_names(struct_type):
    return [spec[2] for spec in (struct_type.thrift_spec or ()) if spec]


def same(got, want):
    """Exact, type-aware equality (bool is not int, -0.0 is not 0.0)."""
    if want is None:
        return got is None
    if isinstance(want, bool):
        return isinstance(got, bool) and got == want
    if isinstance(want, float):
        if not isinstance(got, float):
            return False
        if math.isnan(want):
            return math.isnan(got)
        return got == want and math.copysign(1.0, got) == math.copysign(1.0, want)
    if isinstance(want, int):
        return isinstance(got, int) and not isinstance(got, bool) and got == want
    if isinstance(want, str):
        return isinstance(got, str) and got == want
    if isinstance(want, (bytes, bytearray)):
        return isinstance(got, (bytes, bytearray)) and bytes(got) == bytes(want)
    if isinstance(want, dict):
        return (isinstance(got, dict) and set(got.keys()) == set(want.keys())
                and all(same(got[k], want[k]) for k in want))
    if isinstance(want, (set, frozenset)):
        return isinstance(got, (set, frozenset)) and set(got) == set(want)
    if isinstance(want, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(want)
                and all(same(g, w) for g, w in zip(got, want)))
    if hasattr(type(want), "thrift_spec"):
        return type(got) is type(want) and all(
            same(getattr(got, f), getattr(want, f)) for f in field_names(type(want)))
    return got == want


def unset_or_default(value):
    """A field the peer may leave unset or write with its default value."""
    return value is None or (value in (0, "", b"") and not isinstance(value, bool)) \
        or (isinstance(value, (dict, list, set, frozenset)) and len(value) == 0)


def show(value, limit=100):
    """repr, abbreviated."""
    if isinstance(value, (bytes, bytearray)):
        head = bytes(value[:16]).hex()
        return "<%d bytes %s%s>" % (len(value), head, "..." if len(value) > 16 else "")
    text = repr(value)
    if len(text) > limit:
        text = text[:limit] + "...(%d chars)" % len(text)
    return text


def pattern_bytes(n, seed):
    """n arbitrary bytes (not UTF-8): a small linear congruential sequence."""
    out = bytearray(n)
    x = seed & 0xFFFFFFFF
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


# Our own multi-script text: Latin with diacritics, Greek, Cyrillic, Armenian,
# Georgian, Hebrew and Arabic/Persian (RTL), Indic scripts, Thai, Tibetan, CJK,
# Hangul, Ethiopic, Cherokee, Mongolian, combining marks, bidi controls,
# emoji with ZWJ and skin-tone modifiers, and other characters beyond the BMP.
MULTI_SCRIPT = "\n".join([
    "Cross-language check: every code point below must come back unchanged.",
    "Français : où êtes-vous, cœur naïf ? Déjà l'été à Île-d'Yeu.",
    "Deutsch: Größenmaßstäbe für Fußgängerübergänge, Äpfel und Öl.",
    "Polski: Źródło łączy się z każdą ścieżką. Čeština: Příliš žluťoučký.",
    "Ελληνικά: Κάθε ψηφίο επιστρέφει αμετάβλητο.",
    "Русский: Каждый байт возвращается без изменений. Українська: Ґанок, їжак, єнот.",
    "Հայերեն: Բարեւ աշխարհ. ქართული: გამარჯობა მსოფლიო.",
    "עברית: כל בית חוזר בדיוק כפי שנשלח.",
    "العربية: كل بايت يعود كما أُرسل تمامًا. فارسی: سلام دنیا، همه چیز برمی‌گردد.",
    "हिन्दी: हर बाइट वैसे ही लौटता है। বাংলা: ওহে বিশ্ব। தமிழ்: வணக்கம் உலகம்.",
    "ไทย: สวัสดีชาวโลก ทุกไบต์ต้องกลับมาเหมือนเดิม བོད་ཡིག: བཀྲ་ཤིས་བདེ་ལེགས།",
    "中文：每个字节都必须原样返回。日本語：こんにちは、カタカナとひらがな。",
    "한국어: 모든 바이트는 그대로 돌아와야 합니다. ግዕዝ: ሰላም ዓለም. ᏣᎳᎩ: ᎣᏏᏲ.",
    "Монгол бичиг: ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ",
    # combining marks (decomposed forms), stacked marks, Hangul jamo
    "Combining: e\u0301 a\u0308\u0323 n\u0303 o\u031b\u0300 Z\u0336\u0327 q\u0307\u0323"
    " \u1100\u1161\u11a8 \u0915\u094d\u0937",
    # bidi: RLM, LRM, RLO ... PDF, mixed LTR/RTL run
    "Bidi: \u200fabc\u200e \u202edesrever\u202c mixed: abc אבג 123 دهو xyz",
    "Beyond the BMP: \U0001d57f\U0001d58d\U0001d597 \U00010330\U00010331\U00010332"
    " \U0001f004 \U00013000 \U0001f600 \U0001f469\u200d\U0001f4bb \U0001f44d\U0001f3fd"
    " \U0001f3f3\ufe0f\u200d\U0001f308",
    "Symbols: ∀x∈ℝ: x²≥0, ∑ₖ 1/k² = π²/6, ≠ ≤ ≥ € £ ¥ ‰ † ‡ • … \ufeff(BOM) \u00a0(NBSP)",
])

SPECIAL_CHARS = ('quote " backslash \\ slash / backspace \b tab \t newline \n'
                 ' return \r formfeed \f braces { } brackets [ ] colon : comma ,'
                 ' json {"key":"value","n":[1,2]} not-an-escape \\u0041 \\n')

DOUBLES = [
    0.0, -1.0, -5.2098523, 1.0 / 3.0, 0.1, -0.000341012439638598279,
    float(1 << 32), -float(1 << 32), float((1 << 32) + 1), -float((1 << 32) + 1),
    float((1 << 53) - 1), -float((1 << 53) - 1), 1e307, 1e-292,
    -0.0, 1.7976931348623157e308, 2.2250738585072014e-308, 5e-324,
]

BINARY_SIZES = [0, 1, 2, 3] + [1 << k for k in range(2, 18)]  # ... 131072


# --- the test suite ----------------------------------------------------------

class Abort(Exception):
    """The run cannot go on (no connection, or out of time)."""


class Recorder(object):
    """Wraps a protocol and remembers the last message header written and
    read, so replies can be matched with requests (name and seqid)."""

    def __init__(self, inner):
        self._inner = inner
        self.written = None
        self.read = None

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def writeMessageBegin(self, name, mtype, seqid):
        self.written = (name, mtype, seqid)
        return self._inner.writeMessageBegin(name, mtype, seqid)

    def readMessageBegin(self):
        header = self._inner.readMessageBegin()
        self.read = header
        return header


class Suite(object):
    def __init__(self, opts, lib, deadline, tag=""):
        self.opts = opts
        self.lib = lib
        self.deadline = deadline
        self.tag = tag
        self.failed = 0
        self.timed_out = False
        self.unknown = False
        self.conn = None
        self.seqid = 2147483637
        self.multi = opts.protocol.startswith("multi")

    # -- connection ----------------------------------------------------------

    def connect(self):
        L = self.lib
        if self.opts.transport == "http":
            # Apache's THttpClient: POST to / over TCP (it has no Unix sockets, so
            # --domain-socket is ignored, as Apache's Python HTTP client does); a
            # new connection per call, each waiting for its response, oneway
            # calls included. setTimeout applies to the next call's connection.
            sock = trans = L.THttpClient.THttpClient(
                "http://%s:%d/" % (self.opts.host, self.opts.port))
        elif self.opts.domain_socket:
            sock = L.TSocket.TSocket(unix_socket=self.opts.domain_socket)
        elif self.opts.ssl:
            import ssl
            from thrift.transport import TSSLSocket
            keys = self.opts.keys
            sock = TSSLSocket.TSSLSocket(
                self.opts.host, self.opts.port, cert_reqs=ssl.CERT_REQUIRED,
                ca_certs=os.path.join(keys, "CA.pem"),
                certfile=os.path.join(keys, "client.crt"),
                keyfile=os.path.join(keys, "client.key"))
        else:
            sock = L.TSocket.TSocket(self.opts.host, self.opts.port)
        sock.setTimeout(self.opts.timeout * 1000.0)
        if self.opts.transport == "framed":
            trans = L.TTransport.TFramedTransport(sock)
        elif self.opts.transport != "http":
            trans = L.TTransport.TBufferedTransport(sock)
        if self.opts.zlib:
            # As Apache's TestClient.py: TZlibTransport(TBufferedTransport(socket), 9).
            from thrift.transport import TZlibTransport
            trans = TZlibTransport.TZlibTransport(trans, 9)
        base = self.opts.protocol
        if base in ("header", "multih"):
            # As Apache's test/py/TestClient.py: THeader over the chosen transport.
            H = L.THeaderTransport
            sub = (H.THeaderSubprotocolID.COMPACT if self.opts.header_compact
                   else H.THeaderSubprotocolID.BINARY)
            proto = L.THeaderProtocol.THeaderProtocol(
                trans, [H.THeaderClientType.HEADERS], sub)
            if self.opts.header_zlib:
                proto.add_transform(H.THeaderTransformID.ZLIB)
        elif base in ("binary", "multi"):
            proto = L.TBinaryProtocol.TBinaryProtocol(trans)  # pure Python, strict writes
        elif base in ("compact", "multic"):
            proto = L.TCompactProtocol.TCompactProtocol(trans)
        else:
            proto = L.TJSONProtocol.TJSONProtocol(trans)
        trans.open()
        if self.multi:
            test_proto = L.TMultiplexedProtocol.TMultiplexedProtocol(proto, "ThriftTest")
            second_proto = L.TMultiplexedProtocol.TMultiplexedProtocol(proto, "SecondService")
        else:
            test_proto = second_proto = proto
        conn = {"sock": sock, "trans": trans}
        conn["test_rec"] = Recorder(test_proto)
        conn["test"] = L.ThriftTest.Client(conn["test_rec"])
        conn["second_rec"] = Recorder(second_proto)
        conn["second"] = L.SecondService.Client(conn["second_rec"])
        self.conn = conn

    def drop(self):
        if self.conn is not None:
            try:
                self.conn["trans"].close()
            except Exception:
                pass
            self.conn = None

    def ensure_connection(self):
        if self.conn is None:
            try:
                self.connect()
            except Exception as e:
                self.unknown = True
                self.say("cannot reconnect: %s" % describe(e))
                raise Abort()

    # -- reporting -----------------------------------------------------------

    def say(self, text):
        sys.stderr.write("client%s: %s\n" % (self.tag, text))
        sys.stderr.flush()

    def fail(self, bit, method, sent, got):
        self.failed |= bit
        self.say("FAIL %s(%s): got %s" % (method, show(sent, 60), got))

    # -- one call ------------------------------------------------------------

    def next_seqid(self):
        s = self.seqid
        self.seqid = INT32_MIN if s == INT32_MAX else s + 1
        return s

    def call(self, bit, method, sent, fn, service="test", oneway=False):
        """Runs fn(client). Returns ("ok", value), ("exc", exception) for a
        declared exception or a TApplicationException, or ("err", None) after
        a failure that is already reported (the connection is then dropped)."""
        L = self.lib
        remaining = self.deadline - time.monotonic() if self.deadline else None
        if remaining is not None and remaining <= 0:
            self.timed_out = True
            self.say("time limit reached, stopping")
            raise Abort()
        self.ensure_connection()
        timeout = self.opts.timeout if remaining is None else min(self.opts.timeout, remaining)
        self.conn["sock"].setTimeout(max(timeout, 0.05) * 1000.0)
        client = self.conn[service]
        rec = self.conn[service + "_rec"]
        client._seqid = self.next_seqid()
        rec.written = rec.read = None
        try:
            value = fn(client)
        except (L.TTransportException, L.TProtocolException) as e:
            self.broken(bit, method, sent, e)
            return "err", None
        except (L.TApplicationException, L.Xception, L.Xception2) as e:
            status, value = "exc", e
        except Exception as e:  # garbage on the wire (struct.error, UnicodeError, ...)
            self.broken(bit, method, sent, e)
            return "err", None
        else:
            status = "ok"
        if not oneway:
            if rec.read is None or rec.written is None or \
                    as_text(rec.read[0]) != rec.written[0] or rec.read[2] != rec.written[2]:
                self.fail(bit, method, sent,
                          "a reply header %s for the request header %s"
                          % (show(rec.read), show(rec.written)))
                self.drop()
                return "err", None
        return status, value

    def broken(self, bit, method, sent, e):
        if is_timeout(e):
            self.timed_out = True
            self.fail(bit, method, sent, "TIMEOUT (%s)" % describe(e))
        else:
            self.fail(bit, method, sent, "error %s" % describe(e))
        self.drop()  # reconnect for the next call, so one failure masks nothing

    def expect(self, bit, method, sent, fn, want, check=None, service="test"):
        status, got = self.call(bit, method, sent, fn, service=service)
        if status == "err":
            return
        if status == "exc":
            self.fail(bit, method, sent, "exception %s" % show(got))
            return
        ok = check(got) if check else same(got, want)
        if not ok:
            self.fail(bit, method, sent, show(got))

    def expect_exception(self, bit, method, sent, fn, check, what):
        status, got = self.call(bit, method, sent, fn)
        if status == "err":
            return
        if status == "ok":
            self.fail(bit, method, sent, "a normal reply %s, expected %s" % (show(got), what))
            return
        if not check(got):
            self.fail(bit, method, sent, "%s, expected %s" % (show(got), what))

    # -- the tests -----------------------------------------------------------

    def t_void(self):
        self.expect(BASE, "testVoid", "", lambda c: c.testVoid(), None)

    def t_string(self):
        for s in ["Test", "", MULTI_SCRIPT, MULTI_SCRIPT * 8, SPECIAL_CHARS,
                  "a" * 70000]:
            self.expect(BASE, "testString", s, lambda c, s=s: c.testString(s), s)

    def t_bool(self):
        for b in (True, False):
            self.expect(BASE, "testBool", b, lambda c, b=b: c.testBool(b), b)

    def t_byte(self):
        for v in (0, -1, 1, 42, -42, 127, -128, 63, -127):
            self.expect(BASE, "testByte", v, lambda c, v=v: c.testByte(v), v)

    def t_i32(self):
        for v in (0, -1, 1, 190000013, -190000013, INT32_MIN, INT32_MAX, 63, 64, -64,
                  -65, 8191, 8192, 65535):
            self.expect(BASE, "testI32", v, lambda c, v=v: c.testI32(v), v)

    def t_i64(self):
        values = [0, -1, 1, 7000000000000000123, -7000000000000000123,
                  1 << 32, -(1 << 32), (1 << 32) + 1, -((1 << 32) + 1),
                  INT64_MIN, INT64_MAX, -34359738368, (1 << 53) + 1]
        for v in values:
            self.expect(BASE, "testI64", v, lambda c, v=v: c.testI64(v), v)

    def t_double(self):
        for d in DOUBLES:
            self.expect(BASE, "testDouble", d, lambda c, d=d: c.testDouble(d), d)

    def t_binary(self):
        values = [bytes(range(256)), bytes(reversed(range(256)))]
        values += [pattern_bytes(n, n) for n in BINARY_SIZES]
        for b in values:
            self.expect(BASE, "testBinary", b, lambda c, b=b: c.testBinary(b), b)

    def t_struct(self):
        X = self.lib.Xtruct
        for x in (X(string_thing="Zero", byte_thing=1, i32_thing=-3, i64_thing=-5),
                  X(string_thing="", byte_thing=-128, i32_thing=INT32_MAX,
                    i64_thing=INT64_MIN),
                  X(string_thing="ünï ☃ \U0001f600", byte_thing=127, i32_thing=INT32_MIN,
                    i64_thing=INT64_MAX)):
            self.expect(STRUCTS, "testStruct", x, lambda c, x=x: c.testStruct(x), x)

    def t_nest(self):
        X, X2 = self.lib.Xtruct, self.lib.Xtruct2
        for n in (X2(byte_thing=1,
                     struct_thing=X(string_thing="Zero", byte_thing=1, i32_thing=-3,
                                    i64_thing=-5),
                     i32_thing=5),
                  X2(byte_thing=-1,
                     struct_thing=X(string_thing="nested", byte_thing=-128,
                                    i32_thing=INT32_MIN, i64_thing=INT64_MAX),
                     i32_thing=INT32_MAX)):
            self.expect(STRUCTS, "testNest", n, lambda c, n=n: c.testNest(n), n)

    def t_map(self):
        for m in ({i: i - 10 for i in range(5)},
                  {-3: -300, -2: 0, 0: -1, 7: INT32_MAX, INT32_MIN: 1},
                  {}):
            self.expect(CONTAINERS, "testMap", m, lambda c, m=m: c.testMap(m), m)

    def t_string_map(self):
        for m in ({"a": "2", "b": "blah", "some": "thing"},
                  {"": "empty key", 'key "quoted"': "", "ключ": "значение",
                   "\U0001f511": "emoji key", "tab\tkey": "new\nline"},
                  {}):
            self.expect(CONTAINERS, "testStringMap", m,
                        lambda c, m=m: c.testStringMap(m), m)

    def t_set(self):
        for s in ({-2, -1, 0, 1, 2}, {190000013, -190000013, INT32_MIN, INT32_MAX},
                  set()):
            self.expect(CONTAINERS, "testSet", s, lambda c, s=s: c.testSet(s), s)

    def t_list(self):
        for l in ([-2, -1, 0, 1, 2, 3, 4], [], [7, 7, -7, 0, 7], list(range(-20, 21))):
            self.expect(CONTAINERS, "testList", l, lambda c, l=l: c.testList(l), l)

    def t_enum(self):
        N = self.lib.Numberz
        for e in (N.ONE, N.TWO, N.THREE, N.FIVE, N.SIX, N.EIGHT):
            self.expect(STRUCTS, "testEnum", e, lambda c, e=e: c.testEnum(e), e)

    def t_typedef(self):
        for v in (309858235082523, 0xffffffffffffff, -1, INT64_MIN):
            self.expect(STRUCTS, "testTypedef", v, lambda c, v=v: c.testTypedef(v), v)

    def t_map_map(self):
        want = {-4: {-4: -4, -3: -3, -2: -2, -1: -1}, 4: {1: 1, 2: 2, 3: 3, 4: 4}}
        for hello in (1, -7):
            self.expect(CONTAINERS, "testMapMap", hello,
                        lambda c, h=hello: c.testMapMap(h), want)

    def t_insanity(self):
        L = self.lib
        N, X = L.Numberz, L.Xtruct
        arg = L.Insanity(
            userMap={N.FIVE: 5, N.EIGHT: 8},
            xtructs=[X(string_thing="Goodbye4", byte_thing=4, i32_thing=4, i64_thing=4),
                     X(string_thing="Hello2", byte_thing=2, i32_thing=2, i64_thing=2)])

        def check(got):
            if not isinstance(got, dict) or set(got.keys()) != {1, 2}:
                return False
            one, two = got[1], got[2]
            if not (isinstance(one, dict) and set(one.keys()) == {N.TWO, N.THREE}
                    and same(one[N.TWO], arg) and same(one[N.THREE], arg)):
                return False
            if not (isinstance(two, dict) and set(two.keys()) == {N.SIX}):
                return False
            empty = two[N.SIX]
            return (type(empty) is L.Insanity and unset_or_default(empty.userMap)
                    and unset_or_default(empty.xtructs))

        self.expect(STRUCTS, "testInsanity", arg, lambda c: c.testInsanity(arg), None,
                    check=check)

    def t_multi(self):
        N, X = self.lib.Numberz, self.lib.Xtruct
        cases = [(9, 5, 5000000000, {1: "one", 2: "two"}, N.FIVE, 12345),
                 (-128, INT32_MIN, INT64_MIN, {}, N.ONE, 0),
                 (127, INT32_MAX, INT64_MAX, {-1: "", 32767: "max"}, N.EIGHT, -1)]
        for a in cases:
            want = X(string_thing="Hello2", byte_thing=a[0], i32_thing=a[1], i64_thing=a[2])
            self.expect(STRUCTS, "testMulti", a, lambda c, a=a: c.testMulti(*a), want)

    def t_exception(self):
        L = self.lib
        self.expect_exception(
            EXCEPTIONS, "testException", "Xception",
            lambda c: c.testException("Xception"),
            lambda e: type(e) is L.Xception and e.errorCode == 1001
            and e.message == "Xception",
            "Xception(1001, 'Xception')")
        # An undeclared error: any TApplicationException will do.
        self.expect_exception(
            EXCEPTIONS, "testException", "TException",
            lambda c: c.testException("TException"),
            lambda e: isinstance(e, L.TApplicationException),
            "a TApplicationException")
        # The connection must still serve normal calls after both.
        for arg in ("success", "Safe"):
            self.expect(EXCEPTIONS, "testException", arg,
                        lambda c, a=arg: c.testException(a), None)

    def t_multi_exception(self):
        L = self.lib
        self.expect_exception(
            EXCEPTIONS, "testMultiException", ("Xception", "test 1"),
            lambda c: c.testMultiException("Xception", "test 1"),
            lambda e: type(e) is L.Xception and e.errorCode == 1001
            and e.message == "This is an Xception",
            "Xception(1001, 'This is an Xception')")
        self.expect_exception(
            EXCEPTIONS, "testMultiException", ("Xception2", "test 2"),
            lambda c: c.testMultiException("Xception2", "test 2"),
            lambda e: type(e) is L.Xception2 and e.errorCode == 2002
            and type(e.struct_thing) is L.Xtruct
            and e.struct_thing.string_thing == "This is an Xception2"
            and unset_or_default(e.struct_thing.byte_thing)
            and unset_or_default(e.struct_thing.i32_thing)
            and unset_or_default(e.struct_thing.i64_thing),
            "Xception2(2002, Xtruct('This is an Xception2'))")

        for a0, a1 in (("success", "test 3"), ("Safe", "foobar"), ("ignore", "")):
            def check(got, a1=a1):
                return (type(got) is L.Xtruct and same(got.string_thing, a1)
                        and unset_or_default(got.byte_thing)
                        and unset_or_default(got.i32_thing)
                        and unset_or_default(got.i64_thing))
            self.expect(EXCEPTIONS, "testMultiException", (a0, a1),
                        lambda c, a0=a0, a1=a1: c.testMultiException(a0, a1), None,
                        check=check)

    def t_oneway(self):
        # A oneway call must return at once, and the next normal call on the
        # same connection must get its own reply (not a stray void reply).
        for secs, follow in ((1, -1), (0, 123456), (0, INT32_MIN)):
            start = time.monotonic()
            status, _ = self.call(BASE, "testOneway", secs,
                                  lambda c, s=secs: c.testOneway(s), oneway=True)
            took = time.monotonic() - start
            if status == "ok" and took > ONEWAY_LIMIT:
                self.fail(BASE, "testOneway", secs, "a return after %.3f s" % took)
            elif status == "exc":
                self.fail(BASE, "testOneway", secs, "an exception")
            self.expect(BASE, "testI32 after testOneway", follow,
                        lambda c, v=follow: c.testI32(v), follow)

    def t_second(self):
        for s in ("foobar", "", "ünï \U0001f600"):
            self.expect(EXCEPTIONS, "SecondService.secondtestString", s,
                        lambda c, s=s: c.secondtestString(s),
                        'testString("' + s + '")', service="second")

    def tests(self):
        tests = [
            (BASE, self.t_void), (BASE, self.t_string), (BASE, self.t_bool),
            (BASE, self.t_byte), (BASE, self.t_i32), (BASE, self.t_i64),
            (BASE, self.t_double), (BASE, self.t_binary),
            (STRUCTS, self.t_struct), (STRUCTS, self.t_nest),
            (CONTAINERS, self.t_map), (CONTAINERS, self.t_string_map),
            (CONTAINERS, self.t_set), (CONTAINERS, self.t_list),
            (STRUCTS, self.t_enum), (STRUCTS, self.t_typedef),
            (CONTAINERS, self.t_map_map), (STRUCTS, self.t_insanity),
            (STRUCTS, self.t_multi),
            (EXCEPTIONS, self.t_exception), (EXCEPTIONS, self.t_multi_exception),
            (BASE, self.t_oneway),
        ]
        if self.multi:
            tests.append((EXCEPTIONS, self.t_second))
        return tests

    def run(self):
        """Runs the suite testloops times on one connection (reconnecting
        only after a failure). Returns (failed bits, unknown, timed out)."""
        try:
            self.connect()
        except Exception as e:
            self.say("cannot connect: %s" % describe(e))
            self.unknown = True
            return self.failed, self.unknown, self.timed_out
        for _ in range(self.opts.testloops):
            tests = self.tests()
            for i, (bit, test) in enumerate(tests):
                try:
                    test()
                except Abort:
                    # Whatever did not run counts as failed.
                    for later_bit, _t in tests[i:]:
                        self.failed |= later_bit
                    self.drop()
                    return self.failed, self.unknown, self.timed_out
        self.drop()
        return self.failed, self.unknown, self.timed_out


def is_timeout(e):
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, (socket.timeout, TimeoutError)):
            return True
        if getattr(e, "type", None) == 3 and type(e).__name__ == "TTransportException":
            return True  # TTransportException.TIMED_OUT
        e = getattr(e, "inner", None) or e.__cause__ or e.__context__
    return False


def as_text(name):
    """A message name as str (the library returns bytes for an old-style,
    non-strict binary header)."""
    if isinstance(name, (bytes, bytearray)):
        return bytes(name).decode("utf-8", "replace")
    return name


def describe(e):
    inner = getattr(e, "inner", None)
    text = "%s: %s" % (type(e).__name__, e)
    if inner is not None:
        text += " (%s: %s)" % (type(inner).__name__, inner)
    return text


class Lib(object):
    """The library and generated modules, imported after --genpydir is known."""

    def __init__(self):
        from thrift.Thrift import TApplicationException
        from thrift.protocol import (TBinaryProtocol, TCompactProtocol, TJSONProtocol,
                                     TMultiplexedProtocol)
        from thrift.protocol.TProtocol import TProtocolException
        from thrift.transport import THttpClient, TSocket, TTransport
        from thrift.protocol import THeaderProtocol
        from thrift.transport import THeaderTransport
        from cross_test import SecondService, ThriftTest
        from cross_test import ttypes

        self.TApplicationException = TApplicationException
        self.TProtocolException = TProtocolException
        self.TTransportException = TTransport.TTransportException
        self.TBinaryProtocol = TBinaryProtocol
        self.TCompactProtocol = TCompactProtocol
        self.TJSONProtocol = TJSONProtocol
        self.TMultiplexedProtocol = TMultiplexedProtocol
        self.THeaderProtocol = THeaderProtocol
        self.THeaderTransport = THeaderTransport
        self.TSocket = TSocket
        self.THttpClient = THttpClient
        self.TTransport = TTransport
        self.ThriftTest = ThriftTest
        self.SecondService = SecondService
        for name in ("Xtruct", "Xtruct2", "Insanity", "Xception", "Xception2", "Numberz"):
            setattr(self, name, getattr(ttypes, name))


def main(argv):
    opts = parse_args(argv)
    sys.path.insert(0, os.path.abspath(opts.genpydir))
    try:
        lib = Lib()
    except Exception as e:
        sys.stderr.write("client: cannot load thrift or the generated code: %s\n" % describe(e))
        return UNKNOWN

    started = time.monotonic()
    deadline = started + opts.time_limit if opts.time_limit > 0 else None
    results = []

    def worker(index):
        tag = "" if opts.threads == 1 else "[%d]" % index
        results.append(Suite(opts, lib, deadline, tag).run())

    if opts.threads == 1:
        worker(0)
    else:
        threads = [threading.Thread(target=worker, args=(i,), daemon=True)
                   for i in range(opts.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    failed = unknown = timed_out = 0
    for f, u, t in results:
        failed |= f
        unknown |= u
        timed_out |= t
    code = failed | (UNKNOWN if unknown else 0)
    if timed_out:
        # 128 plus a category bit would land in 129..159, which reads as
        # "killed by a signal"; on a timeout, report 128 (and 64) only.
        code = TIMEOUT | (UNKNOWN if unknown else 0)
    sys.stderr.write("client: %s in %.2f s, exit status %d\n"
                     % ("all tests passed" if code == 0 else "FAILED",
                        time.monotonic() - started, code))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
