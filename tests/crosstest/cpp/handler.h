// The server's ThriftTest and SecondService handlers, as shared/conformance/CROSSTEST.md
// specifies them (the same behaviour as our Python peer, py/server.py).

#ifndef CROSSTEST_CPP_HANDLER_H
#define CROSSTEST_CPP_HANDLER_H

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include <thrift/Thrift.h>

#include "SecondService.h"
#include "ThriftTest.h"

namespace crosstest {

class TestHandler : public ThriftTestIf {
 public:
  explicit TestHandler(bool verbose) : verbose_(verbose) {}

  void testVoid() override { log("testVoid()"); }
  void testString(std::string& out, const std::string& thing) override {
    log("testString(" + std::to_string(thing.size()) + " bytes)");
    out = thing;
  }
  bool testBool(const bool thing) override { return thing; }
  int8_t testByte(const int8_t thing) override { return thing; }
  int32_t testI32(const int32_t thing) override { return thing; }
  int64_t testI64(const int64_t thing) override { return thing; }
  double testDouble(const double thing) override { return thing; }
  void testBinary(std::string& out, const std::string& thing) override {
    log("testBinary(" + std::to_string(thing.size()) + " bytes)");
    out = thing;
  }
  void testStruct(Xtruct& out, const Xtruct& thing) override { out = thing; }
  void testNest(Xtruct2& out, const Xtruct2& thing) override { out = thing; }
  void testMap(std::map<int32_t, int32_t>& out, const std::map<int32_t, int32_t>& thing) override {
    out = thing;
  }
  void testStringMap(std::map<std::string, std::string>& out,
                     const std::map<std::string, std::string>& thing) override {
    out = thing;
  }
  void testSet(std::set<int32_t>& out, const std::set<int32_t>& thing) override { out = thing; }
  void testList(std::vector<int32_t>& out, const std::vector<int32_t>& thing) override {
    out = thing;
  }
  Numberz::type testEnum(const Numberz::type thing) override { return thing; }
  UserId testTypedef(const UserId thing) override { return thing; }

  void testMapMap(std::map<int32_t, std::map<int32_t, int32_t>>& out, const int32_t) override {
    // The argument is ignored; the result is fixed by the contract.
    out.clear();
    for (int32_t k = 1; k <= 4; ++k) {
      out[4][k] = k;
      out[-4][-k] = -k;
    }
  }

  void testInsanity(std::map<UserId, std::map<Numberz::type, Insanity>>& out,
                    const Insanity& argument) override {
    // {1: {TWO: argument, THREE: argument}, 2: {SIX: Insanity{}}}; the empty Insanity's
    // containers are written empty (a default-requiredness field is always written in C++).
    out.clear();
    out[1][Numberz::TWO] = argument;
    out[1][Numberz::THREE] = argument;
    out[2][Numberz::SIX] = Insanity();
  }

  void testMulti(Xtruct& out, const int8_t arg0, const int32_t arg1, const int64_t arg2,
                 const std::map<int16_t, std::string>&, const Numberz::type, const UserId) override {
    out = Xtruct();
    out.__set_string_thing("Hello2");
    out.__set_byte_thing(arg0);
    out.__set_i32_thing(arg1);
    out.__set_i64_thing(arg2);
  }

  void testException(const std::string& arg) override {
    if (arg == "Xception") {
      Xception e;
      e.__set_errorCode(1001);
      e.__set_message(arg);
      throw e;
    }
    if (arg == "TException") {
      // Undeclared: the generated processor answers with a TApplicationException.
      throw apache::thrift::TException("testException: undeclared error, as asked");
    }
  }

  void testMultiException(Xtruct& out, const std::string& arg0, const std::string& arg1) override {
    if (arg0 == "Xception") {
      Xception e;
      e.__set_errorCode(1001);
      e.__set_message("This is an Xception");
      throw e;
    }
    if (arg0 == "Xception2") {
      Xception2 e;
      e.__set_errorCode(2002);
      e.struct_thing.__set_string_thing("This is an Xception2");
      e.__isset.struct_thing = true;
      throw e;
    }
    out = Xtruct();
    out.__set_string_thing(arg1);
  }

  void testOneway(const int32_t secondsToSleep) override {
    // Like our Python server: sleep secondsToSleep/3 (at most 1 s, never for a negative
    // value), so that a client wrongly waiting for a reply sees a real delay, while a large
    // argument cannot stall the connection past a client's limits. Apache's C++ server does
    // not sleep at all.
    const double seconds = std::min(std::max(secondsToSleep, 0) / 3.0, 1.0);
    log("testOneway(" + std::to_string(secondsToSleep) + ")");
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  }

 private:
  void log(const std::string& line) const {
    if (verbose_) std::cerr << "server: " << line << std::endl;
  }
  bool verbose_;
};

class SecondHandler : public SecondServiceIf {
 public:
  void secondtestString(std::string& out, const std::string& thing) override {
    out = "testString(\"" + thing + "\")";
  }
};

}  // namespace crosstest

#endif
