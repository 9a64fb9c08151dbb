// A protocol decorator that gives every request its own sequence id and checks that the reply
// carries the request's method name and sequence id.
//
// Apache's generated C++ client always writes sequence id 0 and, when a reply names another
// method, skips it and then reads the next message as if it were the reply; neither would
// catch a server that answers the wrong request (the classic "stray oneway reply" bug). The
// ids start at 2147483637 and wrap past INT32_MAX into negative values, as Apache's C++ test
// client's do, so a server must echo negative ids (the 5-byte compact varint included).

#ifndef CROSSTEST_CPP_CHECKED_PROTOCOL_H
#define CROSSTEST_CPP_CHECKED_PROTOCOL_H

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include <thrift/protocol/TProtocolDecorator.h>

namespace crosstest {

// A reply whose header does not match its request.
struct HeaderMismatch : std::runtime_error {
  explicit HeaderMismatch(const std::string& what) : std::runtime_error(what) {}
};

// The sequence ids of one connection, shared by the services multiplexed on it.
class SeqIds {
 public:
  int32_t next() {
    const int32_t id = next_;
    next_ = id == std::numeric_limits<int32_t>::max() ? std::numeric_limits<int32_t>::min()
                                                      : id + 1;
    return id;
  }

 private:
  int32_t next_ = 2147483637;
};

class CheckedProtocol : public apache::thrift::protocol::TProtocolDecorator {
 public:
  // `before_write` runs before each request is written (to set THeader's info headers,
  // which the library forgets after every message).
  CheckedProtocol(const std::shared_ptr<apache::thrift::protocol::TProtocol>& inner,
                  std::shared_ptr<SeqIds> ids, std::function<void()> before_write = nullptr)
      : TProtocolDecorator(inner), ids_(std::move(ids)), before_write_(std::move(before_write)) {}

  uint32_t writeMessageBegin_virt(const std::string& name,
                                  const apache::thrift::protocol::TMessageType type,
                                  const int32_t) override {
    if (before_write_) before_write_();
    name_ = name;
    seqid_ = ids_->next();
    return TProtocolDecorator::writeMessageBegin_virt(name, type, seqid_);
  }

  uint32_t readMessageBegin_virt(std::string& name,
                                 apache::thrift::protocol::TMessageType& type,
                                 int32_t& seqid) override {
    const uint32_t size = TProtocolDecorator::readMessageBegin_virt(name, type, seqid);
    if (name != name_ || seqid != seqid_) {
      throw HeaderMismatch("a reply header (" + name + ", seqid " + std::to_string(seqid) +
                           ") for the request header (" + name_ + ", seqid " +
                           std::to_string(seqid_) + ")");
    }
    return size;
  }

 private:
  std::shared_ptr<SeqIds> ids_;
  std::function<void()> before_write_;
  std::string name_;
  int32_t seqid_ = 0;
};

}  // namespace crosstest

#endif
