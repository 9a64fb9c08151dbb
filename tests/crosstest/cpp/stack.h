// How both peers turn the options into Apache's transport and protocol objects, so that the
// server and the client can never disagree about what `--transport` or `--protocol` means.
//
// Layering (bottom to top), as Apache's own peers build it:
//   socket (TCP, Unix, or TLS over TCP) -> buffered | framed | http -> [zlib] -> protocol
// `header` is a protocol in Apache's C++ library: THeaderProtocol puts its own THeaderTransport
// over whatever transport it is given, so `--protocol=header --transport=framed` frames THeader
// frames once more, exactly as Apache's peers do.

#ifndef CROSSTEST_CPP_STACK_H
#define CROSSTEST_CPP_STACK_H

#include <memory>
#include <string>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/protocol/THeaderProtocol.h>
#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/THeaderTransport.h>
#include <thrift/transport/THttpClient.h>
#include <thrift/transport/THttpServer.h>
#include <thrift/transport/TZlibTransport.h>

#include "options.h"

namespace crosstest {

using apache::thrift::protocol::TProtocol;
using apache::thrift::protocol::TProtocolFactory;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportFactory;

// The server side: one factory per connection layer.
inline std::shared_ptr<TTransportFactory> server_transport_factory(const Options& o) {
  using namespace apache::thrift::transport;
  std::shared_ptr<TTransportFactory> factory;
  const std::string framing = o.framing();
  if (framing == "framed") {
    factory = std::make_shared<TFramedTransportFactory>();
  } else if (framing == "http") {
    factory = std::make_shared<THttpServerTransportFactory>();
  } else {
    factory = std::make_shared<TBufferedTransportFactory>();
  }
  if (o.zlib) factory = std::make_shared<TZlibTransportFactory>(factory);
  return factory;
}

inline std::shared_ptr<TProtocolFactory> server_protocol_factory(const Options& o) {
  using namespace apache::thrift::protocol;
  const std::string base = o.base_protocol();
  if (base == "json") return std::make_shared<TJSONProtocolFactory>();
  if (base == "header") return std::make_shared<THeaderProtocolFactory>();
  if (base == "compact") {
    auto factory = std::make_shared<TCompactProtocolFactory>();
    factory->setStringSizeLimit(o.string_limit);
    factory->setContainerSizeLimit(o.container_limit);
    return factory;
  }
  // Strict writes (the default): the versioned binary header every current peer sends.
  auto factory = std::make_shared<TBinaryProtocolFactory>();
  factory->setStringSizeLimit(o.string_limit);
  factory->setContainerSizeLimit(o.container_limit);
  return factory;
}

// The client side: the layers over an (unopened) socket.
inline std::shared_ptr<TTransport> client_transport(const Options& o,
                                                    std::shared_ptr<TTransport> socket) {
  using namespace apache::thrift::transport;
  std::shared_ptr<TTransport> transport;
  const std::string framing = o.framing();
  if (framing == "framed") {
    transport = std::make_shared<TFramedTransport>(socket);
  } else if (framing == "http") {
    // Apache's C++ test client posts to /service; a server must accept any path.
    transport = std::make_shared<THttpClient>(socket, o.host, "/service");
  } else {
    transport = std::make_shared<TBufferedTransport>(socket);
  }
  if (o.zlib) transport = std::make_shared<TZlibTransport>(transport);
  return transport;
}

inline std::shared_ptr<TProtocol> client_protocol(const Options& o,
                                                  std::shared_ptr<TTransport> transport) {
  using namespace apache::thrift::protocol;
  const std::string base = o.base_protocol();
  if (base == "compact") return std::make_shared<TCompactProtocol>(transport);
  if (base == "json") return std::make_shared<TJSONProtocol>(transport);
  if (base == "header") {
    auto header = std::make_shared<THeaderProtocol>(
        transport, o.header_protocol == "binary" ? T_BINARY_PROTOCOL : T_COMPACT_PROTOCOL);
    if (o.header_zlib) {
      // Every request is deflated; Apache's C++ server reads it but answers untransformed.
      std::dynamic_pointer_cast<apache::thrift::transport::THeaderTransport>(
          header->getTransport())
          ->setTransform(apache::thrift::transport::THeaderTransport::ZLIB_TRANSFORM);
    }
    return header;
  }
  return std::make_shared<TBinaryProtocol>(transport);
}

}  // namespace crosstest

#endif
