// Replays test-vector ops through Apache Thrift's C++ TJSONProtocol and prints the bytes.
//
// Input (stdin): `case <name>` and `ops <op>;<op>;...` lines, as printed by
// `scripts/gen_vectors.py --cpp-json-ops` (the op syntax is described at the top of that script).
// Output (stdout): the same records with a `hex <bytes>` line after each `ops` line, in the
// format of thrift-rt/tests/vectors/*.txt.
//
// Built and run by scripts/vectors.sh when g++ and Apache's C++ library (Debian: libthrift-dev)
// are installed.

#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <thrift/protocol/TJSONProtocol.h>
#include <thrift/transport/TBufferTransports.h>

using apache::thrift::protocol::TJSONProtocol;
using apache::thrift::protocol::TMessageType;
using apache::thrift::protocol::TType;
using apache::thrift::transport::TMemoryBuffer;

namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string tohex(const uint8_t* data, uint32_t len) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint32_t i = 0; i < len; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) {
    parts.push_back(part);
  }
  return parts;
}

TType ttype(const std::string& s) { return static_cast<TType>(std::stoi(s)); }

void apply(TJSONProtocol& p, const std::string& op) {
  std::vector<std::string> a = split(op, ' ');
  const std::string& name = a.at(0);
  if (name == "message_begin") {
    p.writeMessageBegin(unhex(a.at(1)), static_cast<TMessageType>(std::stoi(a.at(2))),
                        std::stoi(a.at(3)));
  } else if (name == "message_end") {
    p.writeMessageEnd();
  } else if (name == "struct_begin") {
    p.writeStructBegin("S");
  } else if (name == "struct_end") {
    p.writeStructEnd();
  } else if (name == "field_begin") {
    p.writeFieldBegin("f", ttype(a.at(1)), static_cast<int16_t>(std::stoi(a.at(2))));
  } else if (name == "field_end") {
    p.writeFieldEnd();
  } else if (name == "field_stop") {
    p.writeFieldStop();
  } else if (name == "list_begin") {
    p.writeListBegin(ttype(a.at(1)), static_cast<uint32_t>(std::stoul(a.at(2))));
  } else if (name == "list_end") {
    p.writeListEnd();
  } else if (name == "set_begin") {
    p.writeSetBegin(ttype(a.at(1)), static_cast<uint32_t>(std::stoul(a.at(2))));
  } else if (name == "set_end") {
    p.writeSetEnd();
  } else if (name == "map_begin") {
    p.writeMapBegin(ttype(a.at(1)), ttype(a.at(2)), static_cast<uint32_t>(std::stoul(a.at(3))));
  } else if (name == "map_end") {
    p.writeMapEnd();
  } else if (name == "bool") {
    p.writeBool(a.at(1) == "1");
  } else if (name == "i8") {
    p.writeByte(static_cast<int8_t>(std::stoi(a.at(1))));
  } else if (name == "i16") {
    p.writeI16(static_cast<int16_t>(std::stoi(a.at(1))));
  } else if (name == "i32") {
    p.writeI32(static_cast<int32_t>(std::stol(a.at(1))));
  } else if (name == "i64") {
    p.writeI64(static_cast<int64_t>(std::stoll(a.at(1))));
  } else if (name == "double") {
    uint64_t bits = std::stoull(a.at(1), nullptr, 16);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    p.writeDouble(v);
  } else if (name == "string") {
    p.writeString(unhex(a.size() > 1 ? a[1] : ""));
  } else if (name == "binary") {
    p.writeBinary(unhex(a.size() > 1 ? a[1] : ""));
  } else {
    throw std::runtime_error("unsupported op: " + op);
  }
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.rfind("ops ", 0) != 0) {
      std::cout << line << '\n';
      continue;
    }
    auto buf = std::make_shared<TMemoryBuffer>();
    TJSONProtocol proto(buf);
    for (const std::string& op : split(line.substr(4), ';')) {
      apply(proto, op);
    }
    uint8_t* data;
    uint32_t len;
    buf->getBuffer(&data, &len);
    std::cout << line << '\n' << "hex " << tohex(data, len) << '\n';
  }
  return 0;
}
