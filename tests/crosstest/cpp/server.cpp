// A cross-test server on Apache Thrift's C++ library (Debian's libthrift 0.17), our own peer
// for the interop suite. It serves ThriftTest (and SecondService in the multi* modes) with the
// command line of Apache's cross-test runner; see README.md for the options.

#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <unistd.h>

#include <thrift/concurrency/ThreadFactory.h>
#include <thrift/concurrency/ThreadManager.h>
#include <thrift/processor/TMultiplexedProcessor.h>
#include <thrift/server/TSimpleServer.h>
#include <thrift/server/TThreadPoolServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TSSLServerSocket.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TServerSocket.h>

#include "handler.h"
#include "options.h"
#include "stack.h"

using namespace apache::thrift;
using namespace apache::thrift::server;
using namespace apache::thrift::transport;

namespace {

// The domain socket to remove when a signal ends the server (a fixed buffer: the handler may
// only call async-signal-safe functions, so it cannot touch a std::string).
char g_socket_path[4096];

extern "C" void on_stop_signal(int) {
  if (g_socket_path[0] != '\0') unlink(g_socket_path);
  // The runner sends SIGHUP and expects the server gone within 2 s with status 0 or by the
  // signal. The library's servers cannot be stopped from a handler safely; ending the
  // process at once is what the runner wants anyway.
  _exit(0);
}

std::shared_ptr<TServerSocket> listening_socket(const crosstest::Options& o) {
  if (o.ssl) {
    // Apache's peers: the server presents keys/server.crt and does not ask for a client
    // certificate.
    auto factory = std::make_shared<TSSLSocketFactory>();
    factory->loadCertificate(o.key_file("server.crt").c_str());
    factory->loadPrivateKey(o.key_file("server.key").c_str());
    factory->ciphers("ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    return std::make_shared<TSSLServerSocket>("127.0.0.1", o.port, factory);
  }
  if (!o.domain_socket.empty()) {
    if (o.abstract_namespace) {
      return std::make_shared<TServerSocket>(std::string("\0", 1) + o.domain_socket);
    }
    unlink(o.domain_socket.c_str());  // a stale file from an earlier run
    std::strncpy(g_socket_path, o.domain_socket.c_str(), sizeof g_socket_path - 1);
    return std::make_shared<TServerSocket>(o.domain_socket);
  }
  // 127.0.0.1 only, like our Python peer: a test server has no business on other interfaces.
  return std::make_shared<TServerSocket>("127.0.0.1", o.port);
}

std::shared_ptr<TProcessor> processor(const crosstest::Options& o) {
  auto test = std::make_shared<ThriftTestProcessor>(
      std::make_shared<crosstest::TestHandler>(o.verbose));
  if (!o.multiplexed()) return test;
  auto multi = std::make_shared<TMultiplexedProcessor>();
  multi->registerProcessor("ThriftTest", test);
  multi->registerProcessor(
      "SecondService",
      std::make_shared<SecondServiceProcessor>(std::make_shared<crosstest::SecondHandler>()));
  // Clients that do not multiplex are served by ThriftTest.
  multi->registerDefault(test);
  return multi;
}

}  // namespace

int main(int argc, char** argv) {
  crosstest::Options o;
  try {
    o = crosstest::parse_options(argc, argv, true);
  } catch (const crosstest::UsageError& e) {
    std::cerr << "test_server: " << e.what() << "\n" << crosstest::usage(true);
    return 1;
  }
  if (o.help) {
    std::cout << crosstest::usage(true);
    return 0;
  }

  // A client that disconnects mid-reply must not kill the server (TLS writes do not use
  // MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGHUP, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);

  if (!o.verbose) {
    // The library prints every dropped connection to stderr; the runner's probes make many.
    GlobalOutput.setOutputFunction([](const char*) {});
  }

  std::shared_ptr<TServer> server;
  try {
    auto socket = listening_socket(o);
    auto transports = crosstest::server_transport_factory(o);
    auto protocols = crosstest::server_protocol_factory(o);
    auto proc = processor(o);
    if (o.server_type == "simple") {
      server = std::make_shared<TSimpleServer>(proc, socket, transports, protocols);
    } else if (o.server_type == "thread-pool") {
      auto threads = concurrency::ThreadManager::newSimpleThreadManager(o.workers);
      threads->threadFactory(std::make_shared<concurrency::ThreadFactory>());
      threads->start();
      server = std::make_shared<TThreadPoolServer>(proc, socket, transports, protocols, threads);
    } else {
      server = std::make_shared<TThreadedServer>(proc, socket, transports, protocols);
    }
    // The line comes before serve() listens, as in Apache's C++ peer (0.17's servers cannot
    // be told to listen first); readiness for the runner is the listening socket, not this.
    const std::string where =
        o.domain_socket.empty() || o.ssl ? std::to_string(o.port) : o.domain_socket;
    std::cout << "Starting \"" << o.server_type << "\" server (" << o.transport << "/"
              << o.protocol << (o.ssl ? ", ssl" : "") << ") listen on: " << where << std::endl;
    server->serve();
  } catch (const std::exception& e) {
    std::cerr << "test_server: " << e.what() << std::endl;
    if (g_socket_path[0] != '\0') unlink(g_socket_path);
    return 1;
  }
  return 0;
}
