#!/usr/bin/python3
"""Cross-test server (our own peer) on Apache Thrift's pure-Python library.

Hosts the ThriftTest service (and SecondService in the multiplexed modes) of
idl/cross_test.thrift, with the command line and the behaviour that
shared/conformance/CROSSTEST.md describes for a cross-test server.  The Python
code for the IDL is generated at run time (``thrift --gen py``) into the
directory given by ``--genpydir`` (or the CROSSTEST_GENPYDIR environment
variable).

Only the public, pure-Python parts of the library are used (no fastbinary /
accelerated protocols), so that what a Rust client meets here is the library's
reference behaviour.
"""

import argparse
import logging
import os
import signal
import socket
import sys
import time

GENPYDIR_ENV = "CROSSTEST_GENPYDIR"

# Upper bound for the sleep of testOneway, in seconds (see Handler.testOneway).
ONEWAY_SLEEP_CAP = 1.0


class UsageError(Exception):
    pass


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Thrift cross-test server (Python, ours).",
        allow_abbrev=False)
    parser.add_argument("--port", type=int, default=9090,
                        help="TCP port on 127.0.0.1 (default 9090)")
    parser.add_argument("--domain-socket", dest="domain_socket", default=None,
                        help="listen on this Unix domain socket instead of TCP "
                             "(--port is then ignored)")
    parser.add_argument("--transport", default="buffered",
                        choices=["buffered", "framed", "zlib", "http"])
    parser.add_argument("--zlib", action="store_true",
                        help="zlib over the transport (what --transport=zlib "
                             "means; the runner passes both)")
    parser.add_argument("--ssl", action="store_true",
                        help="TLS: server.crt and server.key from --keys")
    parser.add_argument("--keys", default=None,
                        help="directory of server.crt and server.key "
                             "(default: keys/ beside this script's directory, "
                             "as Apache's test peers look for them)")
    parser.add_argument("--protocol", default="binary",
                        choices=["binary", "compact", "json",
                                 "multi", "multic", "multij",
                                 "header", "multih"])
    parser.add_argument("--server-type", dest="server_type", default="simple",
                        choices=["simple", "threaded", "thread-pool"])
    parser.add_argument("-n", "--workers", type=int, default=4,
                        help="thread-pool size (default 4)")
    parser.add_argument("--genpydir", default=os.environ.get(GENPYDIR_ENV),
                        help="directory holding the generated package "
                             "cross_test (default: $%s)" % GENPYDIR_ENV)
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log more to stderr")
    opts = parser.parse_args(argv)
    if not opts.genpydir:
        parser.error("--genpydir (or $%s) is required" % GENPYDIR_ENV)
    if opts.workers < 1:
        parser.error("--workers must be at least 1")
    if opts.transport == "zlib":
        opts.zlib = True
    if opts.zlib and opts.transport == "framed":
        parser.error("--zlib goes over the buffered transport only")
    if opts.keys is None:
        opts.keys = os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "keys")
    return opts


def main(argv):
    opts = parse_args(argv)
    sys.path.insert(0, os.path.abspath(opts.genpydir))

    from thrift.Thrift import TException
    from thrift.TMultiplexedProcessor import TMultiplexedProcessor
    from thrift.protocol import TBinaryProtocol, TCompactProtocol, TJSONProtocol
    from thrift.server import TServer
    from thrift.transport import TSocket, TTransport

    from cross_test import SecondService, ThriftTest
    from cross_test.ttypes import Insanity, Numberz, Xception, Xception2, Xtruct

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if opts.verbose else logging.WARNING,
        format="server: %(levelname)s %(name)s: %(message)s")

    class UndeclaredError(TException):
        """What testException("TException") raises: ThriftTest does not
        declare it, so the generated processor turns it into a
        TApplicationException (INTERNAL_ERROR) inside an EXCEPTION message."""

    class QuietUndeclared(logging.Filter):
        # The generated processor logs every undeclared handler error with a
        # traceback. The one we raise on purpose is expected; keep stderr clean.
        def filter(self, record):
            exc = record.exc_info[1] if record.exc_info else None
            return not isinstance(exc, UndeclaredError)

    for h in logging.getLogger().handlers:
        h.addFilter(QuietUndeclared())

    log = logging.getLogger("crosstest.server")

    class Handler(object):
        """ThriftTest as CROSSTEST.md specifies it."""

        def testVoid(self):
            log.info("testVoid()")

        def testString(self, thing):
            log.info("testString(%r)", thing[:40])
            return thing

        def testBool(self, thing):
            return thing

        def testByte(self, thing):
            return thing

        def testI32(self, thing):
            return thing

        def testI64(self, thing):
            return thing

        def testDouble(self, thing):
            return thing

        def testBinary(self, thing):
            log.info("testBinary(%d bytes)", len(thing))
            return thing

        def testStruct(self, thing):
            return thing

        def testNest(self, thing):
            return thing

        def testMap(self, thing):
            return thing

        def testStringMap(self, thing):
            return thing

        def testSet(self, thing):
            return thing

        def testList(self, thing):
            return thing

        def testEnum(self, thing):
            return thing

        def testTypedef(self, thing):
            return thing

        def testMapMap(self, hello):
            # The argument is ignored; the result is fixed by the contract.
            return {
                -4: {k: k for k in (-4, -3, -2, -1)},
                4: {k: k for k in (1, 2, 3, 4)},
            }

        def testInsanity(self, argument):
            # {1: {TWO: argument, THREE: argument}, 2: {SIX: Insanity{}}}
            # The empty Insanity carries empty containers (it reads back the
            # same as one with unset fields).
            return {
                1: {Numberz.TWO: argument, Numberz.THREE: argument},
                2: {Numberz.SIX: Insanity(userMap={}, xtructs=[])},
            }

        def testMulti(self, arg0, arg1, arg2, arg3, arg4, arg5):
            # arg3, arg4 and arg5 are ignored.
            return Xtruct(string_thing="Hello2", byte_thing=arg0,
                          i32_thing=arg1, i64_thing=arg2)

        def testException(self, arg):
            if arg == "Xception":
                raise Xception(errorCode=1001, message=arg)
            if arg == "TException":
                raise UndeclaredError("testException: undeclared error, as asked")
            return None

        def testMultiException(self, arg0, arg1):
            if arg0 == "Xception":
                raise Xception(errorCode=1001, message="This is an Xception")
            if arg0 == "Xception2":
                raise Xception2(errorCode=2002,
                                struct_thing=Xtruct(string_thing="This is an Xception2"))
            return Xtruct(string_thing=arg1)

        def testOneway(self, secondsToSleep):
            # Apache's Python server sleeps secondsToSleep/3 here and the C++
            # server does not sleep at all. We sleep like the Python one, so a
            # client that wrongly waits for a reply, or a single-threaded
            # server's next request on this connection, sees a real delay; but
            # the sleep is capped at ONEWAY_SLEEP_CAP so that a large argument
            # can never stall the (one-connection-at-a-time) simple server
            # past a client's time limits. Negative values do not sleep.
            delay = min(max(secondsToSleep, 0) / 3.0, ONEWAY_SLEEP_CAP)
            log.info("testOneway(%d): sleeping %.3f s", secondsToSleep, delay)
            if delay > 0:
                time.sleep(delay)

    class SecondHandler(object):
        def secondtestString(self, thing):
            return 'testString("' + thing + '")'

    # --- protocol and processor --------------------------------------------
    base = {"binary": "binary", "compact": "compact", "json": "json",
            "multi": "binary", "multic": "compact", "multij": "json",
            "header": "header", "multih": "header"}[opts.protocol]
    if base == "header":
        # As Apache's test/py/TestServer.py: THeader over the chosen transport
        # (so framed means THeader frames inside plain frames), answering every
        # client type in its own dialect.
        from thrift.protocol import THeaderProtocol
        from thrift.transport import THeaderTransport
        types = THeaderTransport.THeaderClientType
        proto_factory = THeaderProtocol.THeaderProtocolFactory(
            (types.HEADERS, types.FRAMED_BINARY, types.UNFRAMED_BINARY,
             types.FRAMED_COMPACT, types.UNFRAMED_COMPACT))
    elif base == "binary":
        # Pure-Python binary protocol (not the Accelerated one); strict writes.
        proto_factory = TBinaryProtocol.TBinaryProtocolFactory()
    elif base == "compact":
        proto_factory = TCompactProtocol.TCompactProtocolFactory()
    else:
        proto_factory = TJSONProtocol.TJSONProtocolFactory()

    test_processor = ThriftTest.Processor(Handler())
    if opts.protocol.startswith("multi"):
        processor = TMultiplexedProcessor()
        processor.registerProcessor("ThriftTest", test_processor)
        processor.registerProcessor("SecondService",
                                    SecondService.Processor(SecondHandler()))
        # Non-multiplexed clients are served by ThriftTest.
        processor.registerDefault(test_processor)
    else:
        processor = test_processor

    if opts.transport == "framed":
        trans_factory = TTransport.TFramedTransportFactory()
    else:
        trans_factory = TTransport.TBufferedTransportFactory()
    if opts.zlib:
        # As Apache's TestServer.py: each accepted connection wrapped in
        # TZlibTransport (compression level 9), nothing under it.
        from thrift.transport import TZlibTransport
        trans_factory = TZlibTransport.TZlibTransportFactory()

    if opts.transport == "http":
        return serve_http(opts, processor, proto_factory)

    # --- listening socket --------------------------------------------------
    base_socket = TSocket.TServerSocket
    ssl_args = {}
    if opts.ssl:
        from thrift.transport import TSSLSocket
        base_socket = TSSLSocket.TSSLServerSocket
        ssl_args = {"certfile": os.path.join(opts.keys, "server.crt"),
                    "keyfile": os.path.join(opts.keys, "server.key")}

    class ServerSocket(base_socket):
        """listen() becomes idempotent, so that we can listen before serve()
        (which calls listen() again) and announce readiness truthfully."""

        def listen(self):
            if self.handle is None:
                base_socket.listen(self)

    if opts.domain_socket:
        path = opts.domain_socket
        # Remove a stale file (the runner reuses paths between cases).
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        server_socket = ServerSocket(unix_socket=path)
        where = path
    else:
        if opts.ssl:
            # TSSLServerSocket hands unknown keywords to the SSL context.
            server_socket = ServerSocket(host="127.0.0.1", port=opts.port, **ssl_args)
        else:
            server_socket = ServerSocket(host="127.0.0.1", port=opts.port,
                                         socket_family=socket.AF_INET)
        where = str(opts.port)

    if opts.server_type == "simple":
        server = TServer.TSimpleServer(processor, server_socket,
                                       trans_factory, proto_factory)
    elif opts.server_type == "threaded":
        server = TServer.TThreadedServer(processor, server_socket,
                                         trans_factory, proto_factory,
                                         daemon=True)
    else:
        server = TServer.TThreadPoolServer(processor, server_socket,
                                           trans_factory, proto_factory,
                                           daemon=True)
        server.setNumThreads(opts.workers)

    # --- shutdown on signals -----------------------------------------------
    # The servers block in accept() or in a read on a client connection and
    # have no stop method. Python runs signal handlers in the main thread even
    # while it blocks there, so the handler ends the process right away with
    # status 0 (os._exit skips unwinding through the library's loops, whose
    # broad "except Exception" clauses would otherwise swallow a SystemExit
    # raised from the handler in some places).
    def stop(signum, frame):
        try:
            sys.stdout.flush()
        except Exception:
            pass
        if opts.domain_socket:
            try:
                os.unlink(opts.domain_socket)
            except OSError:
                pass
        os._exit(0)

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)

    try:
        server_socket.listen()
    except OSError as e:
        sys.stderr.write("server: cannot listen on %s: %s\n" % (where, e))
        return 1

    sys.stdout.write('Starting "%s" server (%s/%s) listen on: %s\n'
                     % (opts.server_type, opts.transport, opts.protocol, where))
    sys.stdout.flush()

    server.serve()
    return 0


def serve_http(opts, processor, proto_factory):
    """Apache's THttpServer: each POST body holds one message in the chosen
    protocol, with no transport framing inside (any protocol works; the path is
    ignored). Like Apache's Python HTTP peers, it listens on TCP only and ignores
    --domain-socket and --server-type.

    Two settings make it a keep-alive HTTP/1.1 server, so that a client keeping
    one connection for many calls (ours, Apache's C++ one) can use it: as it
    comes, it answers in HTTP/1.0 and closes the connection after each call,
    and answers a oneway call (before running it) without a Content-Length.
    The library's own handling is otherwise unchanged."""
    import http.server
    from thrift.server import THttpServer

    server = THttpServer.THttpServer(
        processor, ("127.0.0.1", opts.port), proto_factory,
        server_class=http.server.ThreadingHTTPServer)
    server.httpd.daemon_threads = True
    base = server.httpd.RequestHandlerClass

    class KeepAliveHandler(base):
        protocol_version = "HTTP/1.1"
        # The head and the body go out in two writes; without this, each response
        # on a kept connection waits for the client's delayed ACK (about 40 ms).
        disable_nagle_algorithm = True

        def send_header(self, keyword, value):
            if keyword.lower() == "content-length":
                self._sent_length = True
            base.send_header(self, keyword, value)

        def end_headers(self):
            # The oneway answer is the only one sent without a length.
            if not getattr(self, "_sent_length", False):
                base.send_header(self, "Content-Length", "0")
            self._sent_length = False
            base.end_headers(self)

        def log_message(self, format, *args):
            if opts.verbose:
                base.log_message(self, format, *args)

    server.httpd.RequestHandlerClass = KeepAliveHandler

    def stop(signum, frame):
        try:
            sys.stdout.flush()
        except Exception:
            pass
        os._exit(0)

    for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)

    sys.stdout.write('Starting "http" server (http/%s) listen on: %d\n'
                     % (opts.protocol, opts.port))
    sys.stdout.flush()
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
