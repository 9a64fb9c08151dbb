// Command lines of the C++ cross-test peers (server.cpp, client.cpp), as Apache's cross-test
// runner writes them: `--name=value` (what the runner passes) and `--name value`. Unknown
// options and unknown values are errors, so that a typo never silently tests something else.
//
// Kept as a small header of its own (no Boost.Program_options) so that the peers build with
// nothing beyond Debian's libthrift-dev, libssl-dev, zlib1g-dev and libboost-dev headers.

#ifndef CROSSTEST_CPP_OPTIONS_H
#define CROSSTEST_CPP_OPTIONS_H

#include <cerrno>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace crosstest {

// Every protocol and transport name of Apache's C++ peers that Debian's 0.17 library serves.
// (`websocket` and `evhttp` are left out: the first is a server-only toy transport, the second
// needs libevent's HTTP client; neither is in the cross-test matrix.)
const std::vector<std::string> kProtocols = {"binary", "compact", "json",   "header",
                                             "multi",  "multic",  "multij", "multih"};
const std::vector<std::string> kTransports = {"buffered", "framed", "http", "zlib"};
const std::vector<std::string> kServerTypes = {"simple", "threaded", "thread-pool"};

// The options that take a value, per peer.
const std::vector<std::string> kServerValued = {
    "port",    "domain-socket", "keys",         "protocol",       "transport",
    "server-type", "workers",   "string-limit", "container-limit"};
const std::vector<std::string> kClientValued = {
    "port",    "domain-socket", "keys",       "protocol",        "transport", "host",
    "testloops", "timeout",     "time-limit", "header-protocol", "header", "bench"};

struct Options {
  // Shared by both peers.
  std::string host = "localhost";
  int port = 9090;
  std::string domain_socket;       // empty: TCP
  bool abstract_namespace = false;  // the domain socket lives in Linux's abstract namespace
  std::string transport = "buffered";
  std::string protocol = "binary";
  bool zlib = false;  // `--zlib`, or `--transport=zlib`
  bool ssl = false;
  // Where `--ssl` finds server.crt, server.key, CA.pem, client.crt, client.key.
  std::string keys = "keys";
  bool verbose = false;
  // Server only.
  std::string server_type = "threaded";
  int workers = 4;
  // Apache's `--string-limit` / `--container-limit` for the binary and compact protocols
  // (0: the library's default, no limit beyond the message size).
  int string_limit = 0;
  int container_limit = 0;
  // Client only.
  int loops = 1;
  int bench = 0;  // `--bench=N`: time N testString calls instead of the suite (ours)
  bool noinsane = false;
  double timeout = 10.0;     // seconds per call: a stuck server fails the client, never hangs it
  double time_limit = 25.0;  // seconds for the whole run (0: none); the runner kills at 30
  // THeader knobs of ours, not Apache's (its test client always sends compact, untransformed
  // and without info headers): the payload protocol, the zlib transform, KEYVALUE headers.
  std::string header_protocol = "compact";
  bool header_zlib = false;
  std::vector<std::pair<std::string, std::string>> headers;
  bool help = false;

  // The protocol under the multiplexing decorator, if any: binary, compact, json or header.
  std::string base_protocol() const {
    if (protocol == "multi") return "binary";
    if (protocol == "multic") return "compact";
    if (protocol == "multij") return "json";
    if (protocol == "multih") return "header";
    return protocol;
  }
  bool multiplexed() const { return protocol.rfind("multi", 0) == 0; }
  // `zlib` alone means a zlib stream over the buffered byte stream (Apache's runner passes
  // `--transport=zlib --zlib`; its C++ peers treat the transport name as `buffered`).
  std::string framing() const { return transport == "zlib" ? "buffered" : transport; }
  std::string key_file(const char* name) const { return keys + "/" + name; }
};

struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& what) : std::runtime_error(what) {}
};

inline bool one_of(const std::string& value, const std::vector<std::string>& allowed) {
  for (const auto& a : allowed) {
    if (a == value) return true;
  }
  return false;
}

inline int parse_int(const std::string& name, const std::string& value, int min, int max) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    throw UsageError("--" + name + ": `" + value + "` is not a number from " +
                     std::to_string(min) + " to " + std::to_string(max));
  }
  return static_cast<int>(v);
}

inline double parse_seconds(const std::string& name, const std::string& value, bool zero_ok) {
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(v >= 0.0) || v > 3600.0 || (!zero_ok && v == 0.0)) {
    throw UsageError("--" + name + ": `" + value + "` is not a number of seconds");
  }
  return v;
}

// `server` selects which peer's options are accepted.
inline Options parse_options(int argc, char** argv, bool server) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string name;
    std::string value;
    bool has_value = false;
    if (arg == "-h") {
      arg = "--help";
    } else if (arg == "-v") {
      arg = "--verbose";
    } else if (arg == "-n") {
      arg = server ? "--workers" : "--testloops";
    } else if (arg.rfind("-n=", 0) == 0) {
      arg = (server ? "--workers" : "--testloops") + arg.substr(2);
    }
    if (arg.rfind("--", 0) != 0) throw UsageError("unexpected argument `" + arg + "`");
    std::size_t eq = arg.find('=');
    name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const bool flag = name == "help" || name == "verbose" || name == "ssl" || name == "zlib" ||
                      name == "abstract-namespace" ||
                      (!server && (name == "noinsane" || name == "header-zlib"));
    const std::vector<std::string>& valued = server ? kServerValued : kClientValued;
    if (!flag && !one_of(name, valued)) throw UsageError("unknown option `--" + name + "`");
    if (flag) {
      if (has_value) throw UsageError("--" + name + " takes no value");
    } else if (!has_value) {
      if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
      value = argv[++i];
    }

    if (name == "help") {
      o.help = true;
    } else if (name == "verbose") {
      o.verbose = true;
    } else if (name == "ssl") {
      o.ssl = true;
    } else if (name == "zlib") {
      o.zlib = true;
    } else if (name == "abstract-namespace") {
      o.abstract_namespace = true;
    } else if (name == "port") {
      o.port = parse_int(name, value, 0, 65535);
    } else if (name == "domain-socket") {
      o.domain_socket = value;
    } else if (name == "keys") {
      o.keys = value;
    } else if (name == "protocol") {
      if (!one_of(value, kProtocols)) throw UsageError("unknown protocol `" + value + "`");
      o.protocol = value;
    } else if (name == "transport") {
      if (!one_of(value, kTransports)) throw UsageError("unknown transport `" + value + "`");
      o.transport = value;
      if (value == "zlib") o.zlib = true;
    } else if (server && name == "server-type") {
      if (!one_of(value, kServerTypes)) throw UsageError("unknown server type `" + value + "`");
      o.server_type = value;
    } else if (server && name == "workers") {
      o.workers = parse_int(name, value, 1, 1024);
    } else if (server && name == "string-limit") {
      o.string_limit = parse_int(name, value, 0, 0x7fffffff);
    } else if (server && name == "container-limit") {
      o.container_limit = parse_int(name, value, 0, 0x7fffffff);
    } else if (!server && name == "host") {
      o.host = value;
    } else if (!server && name == "testloops") {
      o.loops = parse_int(name, value, 1, 1000000);
    } else if (!server && name == "bench") {
      o.bench = parse_int(name, value, 1, 100000000);
    } else if (!server && name == "header-zlib") {
      o.header_zlib = true;
    } else if (!server && name == "header-protocol") {
      if (value != "binary" && value != "compact") {
        throw UsageError("--header-protocol: `" + value + "` is not binary or compact");
      }
      o.header_protocol = value;
    } else if (!server && name == "header") {
      const std::size_t sep = value.find('=');
      if (sep == std::string::npos || sep == 0) {
        throw UsageError("--header: `" + value + "` is not KEY=VALUE");
      }
      o.headers.emplace_back(value.substr(0, sep), value.substr(sep + 1));
    } else if (!server && name == "timeout") {
      o.timeout = parse_seconds(name, value, false);
    } else if (!server && name == "time-limit") {
      o.time_limit = parse_seconds(name, value, true);
    } else {
      throw UsageError("unknown option `--" + name + "`");
    }
  }
  if (o.ssl && !o.domain_socket.empty()) {
    // TSSLSocket and TSSLServerSocket only speak TCP in 0.17.
    throw UsageError("--ssl works over TCP only, not with --domain-socket");
  }
  return o;
}

inline const char* usage(bool server) {
  if (server) {
    return "usage: test_server [--port=N] [--domain-socket=PATH [--abstract-namespace]]\n"
           "  [--protocol=binary|compact|json|header|multi|multic|multij|multih]\n"
           "  [--transport=buffered|framed|http|zlib] [--zlib] [--ssl] [--keys=DIR]\n"
           "  [--server-type=simple|threaded|thread-pool] [-n N|--workers=N] [-v]\n"
           "  [--string-limit=BYTES] [--container-limit=ELEMENTS]\n";
  }
  return "usage: test_client [--host=H] [--port=N] [--domain-socket=PATH [--abstract-namespace]]\n"
         "  [--protocol=binary|compact|json|header|multi|multic|multij|multih]\n"
         "  [--transport=buffered|framed|http|zlib] [--zlib] [--ssl] [--keys=DIR]\n"
         "  [-n N|--testloops=N] [--noinsane] [--timeout=SECONDS] [--time-limit=SECONDS] [-v]\n"
         "  [--header-protocol=binary|compact] [--header-zlib] [--header KEY=VALUE]...\n"
         "  [--bench=N]  (time N testString calls on one connection instead of the suite)\n";
}

}  // namespace crosstest

#endif
